import { expect, it } from 'vitest';
import { clickOnCard, describeE2E, send } from './playgroundE2E.js';

describeE2E('Agents Playground in Chromium: the help card', (e2e) => {
  it('shows the help card with its buttons when the user types help', async () => {
    const card = await send(e2e().page, 'help');
    await expect.poll(() => card.innerText()).toMatch(/When you need access/);
    const buttons = await card.locator('.ac-actionSet button, .ac-pushButton').allInnerTexts();
    expect(buttons).toEqual(expect.arrayContaining(['Find access', 'My requests', 'My access', 'Approvals']));
  });

  it('answers a click on an Action.Execute button with the card the bot returns', async () => {
    const card = await send(e2e().page, 'this is not a command');
    await expect.poll(() => card.innerText()).toMatch(/this is not a command/);
    await clickOnCard(card, 'Find access');
    // The bot's reply replaces the clicked card in place.
    await expect.poll(() => card.innerText(), { timeout: 10_000 }).not.toMatch(/this is not a command/);
    expect(await card.innerText()).toMatch(/access package|find|catalog|button/i);
  });
});
