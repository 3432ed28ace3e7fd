import { expect, it } from 'vitest';
import { cardCount, clickOnCard, describeE2E, screenshotCard, send, TOP_CARD, waitForCard } from './playgroundE2E.js';

/**
 * The "approvals" summary as Alex sees it in the Agents Playground after one decision (issue 13, "Stale
 * summaries"): it is redrawn in place with the right count, and "Approve all shown" asks about what still waits.
 * Seeded for Alex, none needing a reason: Isaiah's Salesforce request, Johanna's Network Operations request and Lee's
 * activation of Network Admins. The watcher (every second) brings their cards before anything is typed.
 */

const LEE = 'Lee Gu asks to activate membership of Network Admins';
const JOHANNA = 'Johanna Lorenz asks for Network Operations';
const ISAIAH = 'Isaiah Langer asks for Salesforce';

describeE2E('Agents Playground in Chromium: the approvals summary never goes stale', (e2e) => {
  it('after one decision the summary says 2 wait, and Approve all shown asks to approve those 2', async () => {
    const page = e2e().page;
    for (const title of [LEE, JOHANNA, ISAIAH]) await waitForCard(page, title, { timeout: 20_000 });

    const before = await cardCount(page);
    await send(page, 'approvals');
    const summary = await waitForCard(page, 'wait for your decision', { after: before });
    expect(await summary.innerText()).toMatch(/3 requests wait for your decision/);
    expect(await summary.innerText()).toMatch(/already has its own card further up in this chat/);
    // No second copy of any approval card.
    for (const title of [LEE, JOHANNA, ISAIAH]) {
      expect(await page.locator(TOP_CARD).filter({ hasText: title }).count()).toBe(1);
    }

    const lee = await waitForCard(page, LEE);
    await clickOnCard(lee, 'Approve');
    await expect.poll(() => lee.innerText(), { timeout: 10_000 }).toMatch(/Approved by you/);

    // The summary further down is redrawn in place: the count, and what was decided since, by "you".
    await expect.poll(() => summary.innerText(), { timeout: 10_000 }).toMatch(/2 requests wait for your decision/);
    const text = await summary.innerText();
    expect(text).toMatch(/Each one has its own card in this chat/);
    expect(text).toMatch(/Decided since this list was drawn/);
    expect(text).toMatch(/Network Admins \(member\) · Approved by you/);
    expect(text).not.toMatch(/Alex Wilber/);
    await screenshotCard(page, summary, 'approvals-summary-after-decision');

    await clickOnCard(summary, 'Approve all shown');
    await expect.poll(() => summary.innerText(), { timeout: 10_000 }).toMatch(/Approve these 2 requests\?/);
    const question = await summary.innerText();
    expect(question).toMatch(/Isaiah Langer: Salesforce/);
    expect(question).toMatch(/Johanna Lorenz: Network Operations/);
    expect(question).not.toMatch(/Lee Gu: /);
    expect(await summary.locator('button', { hasText: 'Yes, approve 2 requests' }).count()).toBe(1);
    await screenshotCard(page, summary, 'approvals-bulk-question');
  });
});
