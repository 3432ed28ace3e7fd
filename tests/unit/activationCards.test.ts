import { describe, expect, it } from 'vitest';
import type { ActivationRecord } from '../../bot/journeys/activation/store.js';
import { withKnownTeamsId } from '../../bot/journeys/activation/subject.js';
import type { BotServices } from '../../bot/services.js';
import { type ActivationCardView, activationCard } from '../../cards/activation/activationCard.js';
import { eligibleListCard } from '../../cards/activation/listCard.js';
import type { ActivationState, EligibleRole } from '../../services/model/pim.js';
import { checkCard } from '../helpers/cardCheck.js';
import { cardText, findAction } from '../helpers/teamsHarness.js';

const NOW = '2026-03-02T10:00:00.000Z';
const REQUEST = 'a0000000-0000-4000-8000-000000000001';

const state = (extra: Partial<ActivationState> = {}): ActivationState => ({
  requestId: REQUEST,
  group: { id: '20000000-0000-4000-8000-000000000011', displayName: 'Finance Admins' },
  accessId: 'member',
  phase: 'active',
  startDateTime: '2026-03-02T09:30:00Z',
  endDateTime: '2026-03-02T10:30:00Z',
  approvers: [],
  ...extra,
});

const view = (extra: Partial<ActivationCardView> = {}): ActivationCardView => ({
  state: state(),
  now: NOW,
  reminderMinutes: 10,
  ...extra,
});

describe('activation card refresh', () => {
  it("refreshes the person's own client while the activation can still change", () => {
    const card = activationCard(view({ viewerTeamsId: '29:alex' }));
    expect(checkCard(card)).toEqual([]);
    expect(card.refresh).toEqual({
      action: { type: 'Action.Execute', verb: 'refreshActivation', data: { requestId: REQUEST } },
      userIds: ['29:alex'],
    });
  });

  it('leaves refresh out without a Teams id, instead of userIds: [] (which turns automatic refresh off)', () => {
    for (const phase of ['active', 'pendingApproval', 'scheduled'] as const) {
      const card = activationCard(view({ state: state({ phase }) }));
      expect(checkCard(card)).toEqual([]);
      expect(card).not.toHaveProperty('refresh');
    }
  });

  it("a record without a Teams id takes the id from the person's conversation with the bot", async () => {
    const record = { requestId: REQUEST, userAadObjectId: 'alex-aad' } as ActivationRecord;
    const app = (teamsUserId?: string) =>
      ({
        proactive: {
          conversations: {
            get: async (id: string) => (id === 'alex-aad' && teamsUserId ? { teamsUserId } : undefined),
          },
        },
      }) as unknown as BotServices;
    expect((await withKnownTeamsId(app('29:alex'), record)).teamsId).toBe('29:alex');
    expect((await withKnownTeamsId(app(), record)).teamsId).toBeUndefined();
    expect((await withKnownTeamsId(app('29:other'), { ...record, teamsId: '29:alex' })).teamsId).toBe('29:alex');
  });
});

describe('eligible roles list paging', () => {
  const role = (i: number): EligibleRole => ({
    group: { id: `20000000-0000-4000-8000-0000000003${String(i).padStart(2, '0')}`, displayName: `Finance ${i + 1}` },
    accessId: 'member',
    eligibleFrom: '2026-01-01T00:00:00Z',
  });
  const roles = Array.from({ length: 12 }, (_, i) => role(i));

  it('pages with Previous and Next, keeping the filter the person typed', () => {
    const first = eligibleListCard({ roles, now: NOW, filter: 'fin' });
    const second = eligibleListCard({ roles, now: NOW, filter: 'fin', page: 1 });
    for (const card of [first, second]) expect(checkCard(card)).toEqual([]);
    expect(cardText(first)).toContain('Showing 1–8 of 12.');
    expect(cardText(second)).toContain('Showing 9–12 of 12.');
    expect(findAction(first, 'Next')?.action).toMatchObject({ verb: 'activateList', data: { filter: 'fin', page: 1 } });
    expect(findAction(first, 'Previous')).toBeUndefined();
    expect(findAction(second, 'Previous')?.action).toMatchObject({ data: { filter: 'fin', page: 0 } });
    expect(findAction(second, 'Next')).toBeUndefined();
    expect(findAction(second, 'Refresh')?.action).toMatchObject({ data: { filter: 'fin', page: 1 } });
  });
});
