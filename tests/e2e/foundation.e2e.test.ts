import { expect, it } from 'vitest';
import { clickOnCard, describeE2E, send, waitForCard } from './playgroundE2E.js';

describeE2E('Agents Playground in Chromium: the help card', (e2e) => {
  it('shows the help card with its buttons when the user types help', async () => {
    const card = await send(e2e().page, 'help', 'When you need access');
    await expect.poll(() => card.innerText()).toMatch(/When you need access/);
    const buttons = await card.locator('.ac-actionSet button, .ac-pushButton').allInnerTexts();
    expect(buttons).toEqual(expect.arrayContaining(['Find access', 'My requests', 'My access', 'Approvals']));
  });

  it('answers a click on an Action.Execute button with a new card, leaving the clicked one', async () => {
    await send(e2e().page, 'this is not a command');
    // Pinned to its place in the chat (send's locator is "the last card", which a new card would move).
    const card = await waitForCard(e2e().page, 'this is not a command');
    await clickOnCard(card, 'Find access');
    // Find access goes somewhere else (issue 13): the catalog arrives below, the clicked card stays.
    await waitForCard(e2e().page, 'Access packages you can request', { timeout: 10_000 });
    expect(await card.innerText()).toMatch(/this is not a command/);
  });
});
