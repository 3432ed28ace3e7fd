import { describe, expect, it } from 'vitest';
import type { ActivationRecord } from '../../bot/journeys/activation/store.js';
import { withKnownTeamsId } from '../../bot/journeys/activation/subject.js';
import type { BotServices } from '../../bot/services.js';
import { type ActivationCardView, activationCard } from '../../cards/activation/activationCard.js';
import type { ActivationState } from '../../services/model/pim.js';
import { checkCard } from '../helpers/cardCheck.js';

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
