import type { Locator, Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { clickOnCard, describeE2E, send } from './playgroundE2E.js';

/** The activation journey in the Agents Playground (Chromium), signed in as Alex Wilber. */

async function typeInto(card: Locator, label: string, text: string): Promise<void> {
  const input = card.locator(
    `.ac-input-container:has(.ac-textBlock:has-text("${label}")) textarea, .ac-input-container:has(.ac-textBlock:has-text("${label}")) input`,
  );
  const field = (await input.count()) > 0 ? input.first() : card.locator('textarea').first();
  await field.click();
  await field.pressSequentially(text);
}

/** Opens the form of one group from the list card and fills the justification. */
async function openForm(page: Page, button: string, justification: string): Promise<Locator> {
  const card = await send(page, 'activate');
  await expect.poll(() => card.innerText(), { timeout: 15_000 }).toMatch(/Your eligible roles/);
  await clickOnCard(card, button);
  await expect.poll(() => card.innerText(), { timeout: 10_000 }).toMatch(/Activate: Membership of/);
  await typeInto(card, 'Justification', justification);
  return card;
}

describeE2E('Agents Playground in Chromium: activating a group', (e2e) => {
  it('activates Finance Admins and shows the active card with its end time', async () => {
    const card = await openForm(e2e().page, 'Activate Finance Admins', 'Month-end close');
    await clickOnCard(card, 'Activate');
    await expect
      .poll(() => card.innerText(), { timeout: 15_000 })
      .toMatch(/You are a member of Finance Admins until \d{1,2}:\d{2}/);
    expect(await card.innerText()).not.toContain('{{TIME');
    const buttons = await card.locator('.ac-actionSet button, .ac-pushButton').allInnerTexts();
    expect(buttons).toContain('Deactivate');
  });

  it('MFA: the card offers the sign-in, the sign-in page is completed, the card turns active by itself', async () => {
    const card = await openForm(e2e().page, 'Activate Security Operations', 'Incident INC0042');
    await clickOnCard(card, 'Activate');
    await expect
      .poll(() => card.innerText(), { timeout: 15_000 })
      .toMatch(/Verify your identity to activate Security Operations/);

    const [signIn] = await Promise.all([
      e2e().page.context().waitForEvent('page', { timeout: 15_000 }),
      clickOnCard(card, 'Verify my identity'),
    ]);
    await signIn.waitForLoadState();
    await expect.poll(() => signIn.locator('h1').innerText(), { timeout: 15_000 }).toMatch(/verify your identity/i);
    const stepUpUrl = await stepUpLink(signIn);
    await signIn.locator('button[type="submit"]').click();
    await expect
      .poll(() => signIn.locator('h1').innerText(), { timeout: 15_000 })
      .toMatch(/You are verified and activated/);

    // Back in Teams: no further click, the card shows the activation.
    await expect
      .poll(() => card.innerText(), { timeout: 15_000 })
      .toMatch(/You are a member of Security Operations until \d{1,2}:\d{2}/);

    // The sign-in link works once.
    await signIn.goto(stepUpUrl);
    expect(await signIn.locator('h1').innerText()).toMatch(/already used/);
    await signIn.close();
  });
});

/** The bot's `/auth/stepup?state=…` link that opened this sign-in page, rebuilt from the page's own form fields. */
async function stepUpLink(signIn: Page): Promise<string> {
  const state = await signIn.locator('input[name="state"]').getAttribute('value');
  const redirect = await signIn.locator('input[name="redirect_uri"]').getAttribute('value');
  expect(redirect).toMatch(/\/auth\/stepup\/callback$/);
  return `${redirect?.replace(/\/callback$/, '')}?state=${encodeURIComponent(state ?? '')}`;
}
