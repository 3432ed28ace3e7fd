import { describe, expect, it } from 'vitest';
import { type ActivationRecord, stateOf } from '../../bot/journeys/activation/store.js';
import {
  type ActivationCardView,
  activationCard,
  activationNotificationCard,
} from '../../cards/activation/activationCard.js';
import { DECIDED_IN_MY_ACCESS, DECIDED_IN_PIM_PORTAL, decisionLines } from '../../cards/requester/decisions.js';
import type { RequestDecisions } from '../../services/model/entitlement.js';
import type { ActivationState } from '../../services/model/pim.js';
import { checkCard } from '../helpers/cardCheck.js';
import { buttonTitles, cardText } from '../helpers/teamsHarness.js';

/**
 * Issue 13: every outcome of an activation that waited for approval says who decided and why, as the requester's own
 * read of the approval gave it; when Graph would not show it to them, that it was decided in the PIM portal. Expiry and
 * cancellation say that instead.
 */

const NOW = '2026-03-02T10:00:00.000Z';
const REQUEST = 'a0000000-0000-4000-8000-000000000001';

const approved: RequestDecisions = {
  kind: 'read',
  stages: [{ stage: 1, result: 'approved', by: 'Megan Bowen', reason: 'Go ahead for the migration' }],
};
const denied: RequestDecisions = {
  kind: 'read',
  stages: [{ stage: 1, result: 'denied', by: 'Patti Fernandez', reason: 'Not during the *freeze*' }],
};

const state = (extra: Partial<ActivationState> = {}): ActivationState => ({
  requestId: REQUEST,
  group: { id: '20000000-0000-4000-8000-000000000016', displayName: 'Exchange Online Admins' },
  accessId: 'member',
  phase: 'active',
  startDateTime: '2026-03-02T09:30:00Z',
  endDateTime: '2026-03-02T11:30:00Z',
  approvers: ['Megan Bowen', 'Patti Fernandez'],
  ...extra,
});

const view = (extra: Partial<ActivationState> = {}): ActivationCardView => ({
  state: state(extra),
  now: NOW,
  reminderMinutes: 10,
});

function shown(v: ActivationCardView): string {
  const card = activationCard(v);
  expect(checkCard(card)).toEqual([]);
  return cardText(card);
}

describe('the activation card names who decided', () => {
  it('approved and active: who approved and their reason, beside the end time', () => {
    const text = shown(view({ decisions: approved }));
    expect(text).toContain('You are a member of **Exchange Online Admins** until');
    expect(text).toContain('Approved by Megan Bowen: “Go ahead for the migration”');
  });

  it('approved for a later start: the scheduled card names the approver too', () => {
    const text = shown(view({ phase: 'scheduled', startDateTime: '2026-03-02T14:00:00Z', decisions: approved }));
    expect(text).toContain('Scheduled: Membership of Exchange Online Admins');
    expect(text).toContain('Approved by Megan Bowen: “Go ahead for the migration”');
  });

  it('denied: who denied and why, the reason kept as plain text, and Activate again', () => {
    const card = activationCard(view({ phase: 'denied', decisions: denied }));
    expect(checkCard(card)).toEqual([]);
    const text = cardText(card);
    expect(text).toContain('Membership of Exchange Online Admins was denied');
    expect(text).toContain('Denied by Patti Fernandez: “Not during the \\*freeze\\*”');
    expect(buttonTitles(card)).toEqual(['Activate again']);
    // It never started: no start time that reads as if it had.
    expect(text).not.toMatch(/Started/);
  });

  it('when Graph would not show the requester the approval: decided in the PIM portal, never My Access', () => {
    for (const phase of ['active', 'denied'] as const) {
      const text = shown(view({ phase, decisions: { kind: 'unreadable' } }));
      expect(text).toContain(DECIDED_IN_PIM_PORTAL);
      expect(text).not.toMatch(/My Access|Approved by|Denied by/);
    }
  });

  it('a decision Graph lists without its reviewer says where it was made', () => {
    const text = shown(
      view({ phase: 'denied', decisions: { kind: 'read', stages: [{ stage: 1, result: 'denied' }] } }),
    );
    expect(text).toContain('Denied in the PIM portal');
  });

  it('expiry and cancellation say so instead of naming anyone', () => {
    const expired = shown(view({ phase: 'expired', decisions: approved }));
    expect(expired).toContain('No approver decided within 24 hours, so the request expired.');
    const canceled = shown(view({ phase: 'canceled', decisions: approved }));
    expect(canceled).toContain('The activation request was canceled before it started.');
    for (const text of [expired, canceled]) expect(text).not.toMatch(/Megan Bowen|PIM portal/);
  });

  it('an activation nobody had to approve names nobody', () => {
    const text = shown(view());
    expect(text).not.toMatch(/Approved|PIM portal/);
  });

  it('access package cards still say My Access', () => {
    expect(decisionLines({ kind: 'unreadable' }, { count: 1 })).toEqual([DECIDED_IN_MY_ACCESS]);
  });
});

describe('the message sent when an activation is decided', () => {
  it('has the card’s title and who decided on one line; a denial offers Activate again', () => {
    const note = activationNotificationCard(view({ phase: 'denied', decisions: denied }));
    expect(checkCard(note)).toEqual([]);
    const text = cardText(note);
    expect(text).toContain('Membership of Exchange Online Admins was denied');
    expect(text).toContain('Denied by Patti Fernandez: “Not during the \\*freeze\\*”');
    expect(buttonTitles(note)).toEqual(['Activate again']);
  });

  it('approved: the end time and the approver, no buttons (the card has Deactivate)', () => {
    const note = activationNotificationCard(view({ decisions: approved }));
    const text = cardText(note);
    expect(text).toContain('You are a member of **Exchange Online Admins** until');
    expect(text).toContain('Approved by Megan Bowen: “Go ahead for the migration”');
    expect(buttonTitles(note)).toEqual([]);
  });

  it('the PIM portal fallback reaches the message too', () => {
    const text = cardText(activationNotificationCard(view({ phase: 'denied', decisions: { kind: 'unreadable' } })));
    expect(text).toContain(DECIDED_IN_PIM_PORTAL);
  });
});

describe('the record behind the card', () => {
  const record = (extra: Partial<ActivationRecord>): ActivationRecord => ({
    requestId: REQUEST,
    userAadObjectId: 'alex',
    groupId: '20000000-0000-4000-8000-000000000016',
    groupName: 'Exchange Online Admins',
    accessId: 'member',
    phase: 'denied',
    approvers: [],
    updatedAt: NOW,
    ...extra,
  });

  it('a decided activation whose approval was not read yet shows where it was decided, not nothing', () => {
    expect(stateOf(record({ approvalId: REQUEST })).decisions).toEqual({ kind: 'unreadable' });
    expect(stateOf(record({ approvalId: REQUEST, decisions: denied })).decisions).toEqual(denied);
  });

  it('one that never waited for approval, or still waits, has no decision to show', () => {
    expect(stateOf(record({ phase: 'active' })).decisions).toBeUndefined();
    expect(stateOf(record({ phase: 'pendingApproval', approvalId: REQUEST })).decisions).toBeUndefined();
  });
});
