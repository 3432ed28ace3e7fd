import type { Locator } from 'playwright-core';
import { expect, it } from 'vitest';
import { activeRoleIds, advanceDevtenant } from '../helpers/devtenantGraph.js';
import {
  cardCount,
  clickOnCard,
  describeE2E,
  openActivateList,
  screenshotTallCard,
  send,
  waitForCard,
} from './playgroundE2E.js';

/** Activate several (issue 16, item 2) in the Agents Playground (Chromium), signed in as Alex Wilber. */

const ALEX = '10000000-0000-4000-8000-000000000001';
const GLOBAL_READER = 'f2ef992c-3afb-46b9-b7cf-a126ee74c451';

describeE2E('Agents Playground in Chromium: several activations at once', (e2e) => {
  it('picks a group, a role and a group needing approval, with one justification; each outcome on one card', async () => {
    const page = e2e().page;
    const card = await openActivateList(page);
    await clickOnCard(card, 'Activate several…');
    await expect.poll(() => card.innerText(), { timeout: 10_000 }).toMatch(/Activate several/);
    await screenshotTallCard(page, card, 'bulk-form');
    for (const name of ['Membership of Finance Admins', 'Global Reader role', 'Membership of Exchange Online Admins']) {
      await card.getByText(name, { exact: false }).first().click();
    }
    // Two hours: Finance Admins allows one, so it is capped (and says so).
    await card.getByRole('combobox').first().click();
    await page.getByRole('option', { name: '2 hours' }).first().click();
    const field = card.locator('textarea').first();
    await field.click();
    await field.pressSequentially('Month-end close');
    await clickOnCard(card, 'Activate selected');
    await expect.poll(() => card.innerText(), { timeout: 15_000 }).toMatch(/3 of 3 requested/);
    const text = await card.innerText();
    expect(text).toMatch(/Finance Admins\*?\*?: Active/);
    expect(text).toMatch(/Exchange Online Admins\*?\*?: Waiting for approval/);
    expect(text).toContain('Capped to 1 hour');
    expect(await activeRoleIds(e2e(), ALEX)).toContain(GLOBAL_READER);
    await screenshotTallCard(page, card, 'bulk-result');
  });
});

/** The row of one item on the result card (its own container), for its buttons. */
function rowOf(card: Locator, name: string): Locator {
  return card.locator('.ac-container').filter({ hasText: name }).last();
}

describeE2E('Agents Playground in Chromium: a saved set of one role and two groups', (e2e) => {
  it('saves "On call", ends each item from the result card, then `activate on call` sends all three again', async () => {
    const page = e2e().page;
    const card = await openActivateList(page);
    await clickOnCard(card, 'Activate several…');
    await expect.poll(() => card.innerText(), { timeout: 10_000 }).toMatch(/Activate several/);
    for (const name of ['Membership of Finance Admins', 'Global Reader role', 'Membership of Exchange Online Admins']) {
      await card.getByText(name, { exact: false }).first().click();
    }
    const field = card.locator('textarea').first();
    await field.click();
    await field.pressSequentially('Night shift');
    await card.getByPlaceholder('On call').fill('On call');
    await clickOnCard(card, 'Activate selected');
    await expect.poll(() => card.innerText(), { timeout: 15_000 }).toMatch(/3 of 3 requested/);
    let text = await card.innerText();
    expect(text).toMatch(/Finance Admins\*?\*?: Active/);
    expect(text).toMatch(/Global Reader role\*?\*?: Active/);
    expect(text).toMatch(/Exchange Online Admins\*?\*?: Waiting for approval/);
    expect(await activeRoleIds(e2e(), ALEX)).toContain(GLOBAL_READER);

    // Each item ends from its own row; the card stays the result card, the row says what happened.
    await rowOf(card, 'Exchange Online Admins').getByRole('button', { name: 'Cancel request' }).click();
    await clickOnCard(rowOf(card, 'Exchange Online Admins'), 'Yes, cancel it');
    await expect
      .poll(() => card.innerText(), { timeout: 15_000 })
      .toMatch(/Exchange Online Admins\*?\*?: Request canceled/);
    // Entra does not end an activation in its first 5 minutes: move the devtenant (and so the bot) on.
    await advanceDevtenant(e2e(), 6 * 60);
    for (const name of ['Finance Admins', 'Global Reader role']) {
      await rowOf(card, name).getByRole('button', { name: 'Deactivate' }).click();
      await clickOnCard(rowOf(card, name), 'Yes, deactivate');
      await expect
        .poll(() => card.innerText(), { timeout: 15_000 })
        .toMatch(new RegExp(`${name}\\*?\\*?: Deactivated`));
    }
    text = await card.innerText();
    expect(text).toMatch(/3 of 3 requested/);
    expect(await activeRoleIds(e2e(), ALEX)).not.toContain(GLOBAL_READER);
    await screenshotTallCard(page, card, 'bulk-ended');

    // The set, used again: the three picked, the justification remembered, one click.
    const before = await cardCount(page);
    await send(page, 'activate on call');
    const setForm = await waitForCard(page, 'Your saved set', { after: before });
    expect(await setForm.innerText()).toMatch(/Your saved set On call is picked/);
    expect(await setForm.locator('textarea').first().inputValue()).toBe('Night shift');
    await clickOnCard(setForm, 'Activate selected');
    await expect.poll(() => setForm.innerText(), { timeout: 15_000 }).toMatch(/3 of 3 requested/);
    text = await setForm.innerText();
    expect(text).toMatch(/Finance Admins\*?\*?: Active/);
    expect(text).toMatch(/Global Reader role\*?\*?: Active/);
    expect(text).toMatch(/Exchange Online Admins\*?\*?: Waiting for approval/);
    expect(await activeRoleIds(e2e(), ALEX)).toContain(GLOBAL_READER);
  });
});
