import { describe, expect, it } from 'vitest';
import { renewData } from '../../bot/journeys/requester/schemas.js';
import { expiryReminderCard } from '../../cards/requester/expiry.js';
import { checkCard } from '../helpers/cardCheck.js';
import { buttonTitles, cardText, findAction } from '../helpers/teamsHarness.js';

const view = {
  assignmentId: '80000000-0000-4000-8000-000000000001',
  packageId: '40000000-0000-4000-8000-000000000006',
  packageName: 'Finance *Month-end* Close',
  endsAt: '2026-03-16T10:00:00.000Z',
  canRenew: true,
  now: '2026-03-02T10:00:00.000Z',
};

describe('the expiry reminder card', () => {
  it('says when access ends and offers Renew with data the renew handler accepts', () => {
    const card = expiryReminderCard(view);
    expect(checkCard(card)).toEqual([]);
    // No refresh keeps this card current: it names the day (in the reader's zone), not "in 14 days".
    expect(cardText(card)).toContain('ends on {{DATE(2026-03-16T10:00:00Z, SHORT)}}');
    expect(cardText(card)).not.toMatch(/in \d+ days|ago/);
    expect(card.fallbackText).toBe('Your access to Finance *Month-end* Close ends on 16 Mar 2026 (UTC).');
    // Markdown in a package name is shown, not interpreted.
    expect(cardText(card)).not.toContain('**Finance *Month-end* Close**');
    expect(buttonTitles(card)).toEqual(['Renew', 'My access']);
    const renew = findAction(card, 'Renew');
    expect(renewData.safeParse(renew?.action.data).success).toBe(true);
  });

  it('explains instead of offering Renew when the policy does not allow it', () => {
    const card = expiryReminderCard({ ...view, canRenew: false, now: '2026-03-15T11:00:00.000Z' });
    expect(checkCard(card)).toEqual([]);
    expect(cardText(card)).toContain('ends on {{DATE(2026-03-16T10:00:00Z, SHORT)}}');
    expect(cardText(card)).toMatch(/does not allow renewing it yourself/);
    expect(buttonTitles(card)).toEqual(['My access']);
  });
});
