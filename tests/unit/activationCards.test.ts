import { describe, expect, it } from 'vitest';
import type { ActivationRecord } from '../../bot/journeys/activation/store.js';
import { withKnownTeamsId } from '../../bot/journeys/activation/subject.js';
import type { BotServices } from '../../bot/services.js';
import { type ActivationCardView, activationCard } from '../../cards/activation/activationCard.js';
import { eligibleListCard } from '../../cards/activation/listCard.js';
import type { ActivationState, EligibleRole } from '../../services/model/pim.js';
import { checkCard } from '../helpers/cardCheck.js';
import { buttonTitles, cardText, findAction } from '../helpers/teamsHarness.js';

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

describe('eligible roles list: what each role shows now', () => {
  const GROUP_ID = '20000000-0000-4000-8000-000000000011';
  const policy = {
    maximumDuration: 'PT1H',
    maximumMinutes: 60,
    justificationRequired: true,
    ticketRequired: false,
    mfaRequired: false,
    approvalRequired: true,
    approvers: ['Megan Bowen'],
  };
  const base: EligibleRole = {
    group: { id: GROUP_ID, displayName: 'Finance Admins' },
    accessId: 'member',
    eligibleFrom: '2026-01-01T00:00:00Z',
    policy,
  };
  const only = (role: EligibleRole, extra: Partial<Parameters<typeof eligibleListCard>[0]> = {}) => {
    const card = eligibleListCard({ roles: [role], now: NOW, page: 2, filter: 'fin', ...extra });
    expect(checkCard(card)).toEqual([]);
    return card;
  };
  /** Where the list was: every row button sends it, so the answer is the same list again. */
  const place = { list: { filter: 'fin', page: 0 } };

  it('an activation says until when, with its date, and offers Extend and Deactivate bound to its request', () => {
    const card = only({
      ...base,
      active: {
        group: base.group,
        accessId: 'member',
        startDateTime: '2026-03-02T09:30:00Z',
        endDateTime: '2026-03-02T10:30:00.1234567Z',
        assignmentType: 'activated',
        requestId: REQUEST,
      },
    });
    expect(cardText(card)).toContain(
      'Now Active until {{DATE(2026-03-02T10:30:00Z, SHORT)}} {{TIME(2026-03-02T10:30:00Z)}}',
    );
    expect(buttonTitles(card)).toEqual(['Refresh', 'Extend', 'Deactivate', 'Yes, deactivate']);
    expect(findAction(card, 'Extend')?.action).toMatchObject({
      verb: 'extend',
      data: { requestId: REQUEST, ...place },
    });
    expect(findAction(card, 'Yes, deactivate')?.action).toMatchObject({
      verb: 'deactivate',
      data: { requestId: REQUEST, ...place },
    });
    expect(buttonTitles(card)).not.toContain('Activate Finance Admins');
  });

  it('a standing assignment, or an activation whose request is unknown, shows its state with nothing to press', () => {
    const active = { group: base.group, accessId: 'member' as const, startDateTime: '2026-01-01T00:00:00Z' };
    const standing = only({ ...base, active: { ...active, assignmentType: 'assigned' } });
    expect(cardText(standing)).toContain('Now Active: a standing assignment, with no end');
    const unlinked = only({ ...base, active: { ...active, assignmentType: 'activated', endDateTime: NOW } });
    for (const card of [standing, unlinked]) expect(buttonTitles(card)).toEqual(['Refresh']);
  });

  it('a request waiting for approval shows its length and when it was asked, with Cancel that asks once', () => {
    const card = only({
      ...base,
      pending: {
        requestId: REQUEST,
        phase: 'pendingApproval',
        createdDateTime: '2026-03-02T09:55:00Z',
        startDateTime: '2026-03-02T09:55:00Z',
        durationMinutes: 60,
      },
    });
    expect(cardText(card)).toContain(
      'Now Waiting for approval: 1 hour, requested {{DATE(2026-03-02T09:55:00Z, SHORT)}} {{TIME(2026-03-02T09:55:00Z)}}',
    );
    expect(buttonTitles(card)).toEqual(['Refresh', 'Cancel request', 'Yes, cancel it']);
    const ask = findAction(card, 'Cancel request');
    expect(ask?.action.type).toBe('Action.ShowCard');
    expect(cardText(ask?.action.card)).toMatch(/^Cancel your request to become a member of \*\*Finance Admins\*\*\?/);
    expect(cardText(ask?.action.card)).toContain('The approvers are no longer asked');
    expect(findAction(card, 'Yes, cancel it')?.action).toMatchObject({
      verb: 'cancelActivation',
      data: { requestId: REQUEST, ...place },
    });
  });

  it('a request for a later start says from when (waiting or scheduled), and Cancel says it will not start', () => {
    const later = { requestId: REQUEST, startDateTime: '2026-03-03T08:00:00Z', endDateTime: '2026-03-03T09:00:00Z' };
    const waiting = only({ ...base, pending: { ...later, phase: 'pendingApproval', durationMinutes: 60 } });
    expect(cardText(waiting)).toContain(
      'Now Waiting for approval: 1 hour from {{DATE(2026-03-03T08:00:00Z, SHORT)}} {{TIME(2026-03-03T08:00:00Z)}}',
    );
    const scheduled = only({ ...base, pending: { ...later, phase: 'scheduled' } });
    expect(cardText(scheduled)).toContain(
      'Now Scheduled from {{DATE(2026-03-03T08:00:00Z, SHORT)}} {{TIME(2026-03-03T08:00:00Z)}} until {{DATE(2026-03-03T09:00:00Z, SHORT)}} {{TIME(2026-03-03T09:00:00Z)}}',
    );
    expect(cardText(findAction(scheduled, 'Cancel request')?.action.card)).toContain('The activation will not start.');
  });

  it('an eligible role offers Activate; the notice of a click stands in its row, or on top when the row is gone', () => {
    const notice = {
      groupId: GROUP_ID.toUpperCase(),
      accessId: 'member' as const,
      text: 'Request canceled.',
      tone: 'good' as const,
    };
    const card = only(base, { notice });
    expect(cardText(card)).toContain('Now Not active');
    expect(buttonTitles(card)).toEqual(['Refresh', 'Activate Finance Admins']);
    const rowOf = card.body.find((e: any) => e.type === 'Container' && JSON.stringify(e).includes('Finance Admins'));
    expect(cardText({ type: 'AdaptiveCard', version: '1.5', body: [rowOf] })).toContain('Request canceled.');
    const elsewhere = only(base, { notice: { ...notice, accessId: 'owner' } });
    expect(cardText(elsewhere)).toMatch(/^Your eligible roles[^\n]*\n[^\n]*\nRequest canceled\./);
  });
});
