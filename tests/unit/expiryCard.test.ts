import { describe, expect, it } from 'vitest';
import { renewData } from '../../bot/journeys/requester/schemas.js';
import { expiryReminderCard } from '../../cards/requester/expiry.js';
import type { AssignmentView } from '../../services/model/entitlement.js';
import { checkCard } from '../helpers/cardCheck.js';
import { buttonTitles, cardText, findAction } from '../helpers/teamsHarness.js';

const assignment: AssignmentView = {
  id: '80000000-0000-4000-8000-000000000001',
  packageId: '40000000-0000-4000-8000-000000000006',
  packageName: 'Finance *Month-end* Close',
  state: 'delivered',
  endsAt: '2026-03-16T10:00:00.000Z',
  canRenew: true,
  canGiveUp: true,
  askWho: ['Megan Bowen'],
};
const now = '2026-03-02T10:00:00.000Z';

describe('the expiry reminder card', () => {
  it('says when access ends and offers Renew with data the renew handler accepts', () => {
    const card = expiryReminderCard({ assignment, now });
    expect(checkCard(card)).toEqual([]);
    // No refresh keeps this card current: it names the day (in the reader's zone), not "in 14 days".
    expect(cardText(card)).toContain('ends on {{DATE(2026-03-16T10:00:00Z, SHORT)}}');
    expect(cardText(card)).not.toMatch(/in \d+ days|ago/);
    expect(card.fallbackText).toBe('Your access to Finance *Month-end* Close ends on 16 Mar 2026 (UTC).');
    expect(cardText(card)).toContain('You have this until {{DATE(2026-03-16T10:00:00Z, SHORT)}}.');
    // Markdown in a package name is shown, not interpreted.
    expect(cardText(card)).not.toContain('**Finance *Month-end* Close**');
    expect(buttonTitles(card)).toEqual(['Renew', 'My access']);
    const renew = findAction(card, 'Renew');
    expect(renewData.safeParse(renew?.action.data).success).toBe(true);
  });

  it('says when it can be requested again instead of offering Renew when the policy does not allow it', () => {
    const card = expiryReminderCard({
      assignment: { ...assignment, canRenew: false },
      now: '2026-03-15T11:00:00.000Z',
    });
    expect(checkCard(card)).toEqual([]);
    expect(cardText(card)).toContain('ends on {{DATE(2026-03-16T10:00:00Z, SHORT)}}');
    expect(cardText(card)).toContain('You can request it again after {{DATE(2026-03-16T10:00:00Z, SHORT)}}.');
    expect(buttonTitles(card)).toEqual(['My access']);
  });

  it("names who to ask (the policy's approvers), or points to My Access when the policy names nobody", () => {
    expect(cardText(expiryReminderCard({ assignment, now }))).toContain(
      'Questions about this access? Ask Megan Bowen.',
    );
    expect(cardText(expiryReminderCard({ assignment: { ...assignment, askWho: [] }, now }))).toContain(
      'Ask in My Access (https://myaccess.microsoft.com)',
    );
  });
});
