import { describe, expect, it } from 'vitest';
import { activationCard } from '../../cards/activation/activationCard.js';
import type { ActivationState } from '../../services/model/pim.js';
import { checkCard } from '../helpers/cardCheck.js';
import { cardText } from '../helpers/teamsHarness.js';

/**
 * Issue 16 "Ready, not just requested": an active card says that other services see the new membership or role a few
 * minutes after the start, in words that stay true however long the card stays in the chat (no "just now").
 */

const NOW = '2026-03-02T10:05:00.000Z';
const START = '2026-03-02T10:00:00Z';

const active = (extra: Partial<ActivationState> = {}): ActivationState => ({
  requestId: 'a0000000-0000-4000-8000-000000000001',
  group: { id: '20000000-0000-4000-8000-000000000011', displayName: 'Finance Admins' },
  accessId: 'member',
  phase: 'active',
  startDateTime: START,
  endDateTime: '2026-03-02T12:00:00Z',
  approvers: [],
  ...extra,
});

const shown = (state: ActivationState, now = NOW) => {
  const card = activationCard({ state, now, reminderMinutes: 10 });
  expect(checkCard(card)).toEqual([]);
  return cardText(card);
};

describe('an active activation says when it is usable, not only that it was granted', () => {
  it('a group: apps take a few minutes after the start to see the membership', () => {
    const text = shown(active());
    expect(text).toContain('Apps can take a few minutes after the start');
    expect(text).toContain('to see the membership; sign out and in again in one that does not.');
    expect(text).not.toMatch(/just now|ago/);
  });

  it('an Entra role: admin centers and apps take a few minutes to see the role', () => {
    const text = shown(
      active({
        group: { id: 'fe930be7-5e62-47db-91af-98c3a49a38b1', displayName: 'User Administrator' },
        directoryScope: { id: '/' },
      }),
    );
    expect(text).toContain('Admin centers and apps can take a few minutes after the start');
    expect(text).toContain('to see the role; sign out and in again where it does not show.');
  });

  it('says it on an activation without an end too, and never on one that has not started', () => {
    expect(shown(active({ endDateTime: undefined }))).toContain('to see the membership');
    for (const phase of ['pendingApproval', 'scheduled', 'denied', 'ended'] as const) {
      expect(shown(active({ phase }))).not.toContain('take a few minutes');
    }
  });
});
