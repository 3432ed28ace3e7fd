import type { Locator, Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { timeText } from '../../cards/activation/format.js';
import { datedMomentText } from '../../cards/time.js';
import { graphAs } from '../helpers/devtenantGraph.js';
import {
  cardCount,
  clickOnCard,
  describeE2E,
  type E2E,
  openActivateList,
  renderInPage,
  screenshotCard,
  screenshotTallCard,
  send,
  waitForCard,
} from './playgroundE2E.js';

/** The activation journey in the Agents Playground (Chromium), signed in as Alex Wilber. */

const ALEX = '10000000-0000-4000-8000-000000000001';
const GROUP = {
  finance: '20000000-0000-4000-8000-000000000011',
  devtools: '20000000-0000-4000-8000-000000000013',
  secops: '20000000-0000-4000-8000-000000000014',
  exchange: '20000000-0000-4000-8000-000000000016',
};
const PIM = '/identityGovernance/privilegedAccess/group';

/**
 * How the page may show the end of Alex's activation of a group: the cards' own formatter (the date is added unless
 * the end falls on the reader's today, when the bot knows their zone) rendered in the page. The card was rendered between the
 * activation's start and now, so both are tried as the card's `now` (a render just before midnight).
 */
async function shownEnds(e2e: E2E, groupId: string): Promise<string[]> {
  const instances = await graphAs(
    e2e,
    ALEX,
    'GET',
    "/identityGovernance/privilegedAccess/group/assignmentScheduleInstances/filterByCurrentUser(on='principal')",
  );
  const active = instances.value.find((i: { groupId: string }) => i.groupId === groupId);
  if (!active?.endDateTime) throw new Error(`Alex has no active assignment of ${groupId}`);
  const nows = [active.startDateTime, new Date().toISOString()];
  // The Playground tells the bot its zone (`localTimezone`); without it the card always shows the date.
  const pageZone = await e2e.page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone);
  const zones = [undefined, pageZone, 'UTC'];
  return Promise.all(
    nows.flatMap((now) => zones.map((zone) => renderInPage(e2e.page, timeText(active.endDateTime, now, zone)))),
  );
}

/** Waits until the card says Alex is a member of the group until the end Graph holds, as the page renders it. */
async function expectActiveUntil(e2e: E2E, card: Locator, groupName: string, groupId: string): Promise<void> {
  const lead = `You are a member of ${groupName} until `;
  await expect.poll(() => card.innerText(), { timeout: 15_000 }).toContain(lead);
  const ends = await shownEnds(e2e, groupId);
  const text = await card.innerText();
  expect(
    ends.some((end) => text.includes(`${lead}${end}`)),
    `expected "${lead}" + one of ${JSON.stringify(ends)} in: ${text}`,
  ).toBe(true);
  expect(text).not.toMatch(/\{\{(DATE|TIME)/);
}

async function typeInto(card: Locator, label: string, text: string): Promise<void> {
  const input = card.locator(
    `.ac-input-container:has(.ac-textBlock:has-text("${label}")) textarea, .ac-input-container:has(.ac-textBlock:has-text("${label}")) input`,
  );
  const field = (await input.count()) > 0 ? input.first() : card.locator('textarea').first();
  await field.click();
  await field.pressSequentially(text);
}

/** Opens the form of one group from the list card and fills the justification; also gives what the list said. */
async function openForm(
  page: Page,
  button: string,
  justification: string,
): Promise<{ card: Locator; listText: string }> {
  const card = await send(page, 'activate', 'Your eligible roles');
  await expect.poll(() => card.innerText(), { timeout: 15_000 }).toMatch(/Your eligible roles/);
  const listText = await card.innerText();
  await clickOnCard(card, button);
  await expect.poll(() => card.innerText(), { timeout: 10_000 }).toMatch(/Activate: Membership of/);
  await typeInto(card, 'Justification', justification);
  return { card, listText };
}

describeE2E('Agents Playground in Chromium: activating a group', (e2e) => {
  it('activates Finance Admins and shows the active card with its end time', async () => {
    const { card, listText } = await openForm(e2e().page, 'Activate Finance Admins', 'Month-end close');
    // Azure Subscription Owners' authentication context by the name the tenant gives it, not its id `c1`.
    expect(listText).toContain('stronger sign-in (Privileged access)');
    expect(listText).not.toContain('(c1)');
    await clickOnCard(card, 'Activate');
    await expectActiveUntil(e2e(), card, 'Finance Admins', GROUP.finance);
    const buttons = await card.locator('.ac-actionSet button, .ac-pushButton').allInnerTexts();
    expect(buttons).toContain('Deactivate');

    // Deactivate asks first, in the card, naming what stops; nothing is ended by that click.
    // Pinned to the top-level card: the opened question is a card of its own inside it.
    const active = await waitForCard(e2e().page, 'You are a member of Finance Admins until');
    await clickOnCard(active, 'Deactivate');
    await expect.poll(() => active.innerText()).toMatch(/Stop being a member of Finance Admins now\?/);
    await screenshotCard(e2e().page, active, 'activation-deactivate-confirm');
    expect(await active.innerText()).toMatch(/You are a member of Finance Admins until/);
    expect(await active.getByRole('button', { name: 'Yes, deactivate', exact: true }).isVisible()).toBe(true);
    // Fold the question away again (the next test counts the cards on the page).
    await clickOnCard(active, 'Deactivate');
    await expect.poll(() => active.innerText()).not.toMatch(/Stop being a member/);
  });

  it('MFA: the card offers the sign-in, the sign-in page is completed, the card turns active by itself', async () => {
    const { card } = await openForm(e2e().page, 'Activate Security Operations', 'Incident INC0042');
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
    await expectActiveUntil(e2e(), card, 'Security Operations', GROUP.secops);

    // The sign-in link works once.
    await signIn.goto(stepUpUrl);
    expect(await signIn.locator('h1').innerText()).toMatch(/already used/);
    await signIn.close();
  });
});

/** One group's row of the list: the innermost container that names the group and holds its buttons. */
function rowOf(list: Locator, groupName: string): Locator {
  return list
    .locator('.ac-container')
    .filter({ hasText: `${groupName} · member` })
    .filter({ has: list.page().locator('.ac-actionSet') })
    .last();
}

/** Alex's newest activation request of a group, as Graph holds it. */
async function latestRequest(e2e: E2E, groupId: string): Promise<any> {
  const { value } = await graphAs(
    e2e,
    ALEX,
    'GET',
    `${PIM}/assignmentScheduleRequests/filterByCurrentUser(on='principal')`,
  );
  return value.filter((r: any) => r.groupId === groupId && r.action === 'selfActivate').at(-1);
}

describeE2E('Agents Playground in Chromium: what is active and pending, in the activate list', (e2e) => {
  it('a pending activation shows its request with Cancel; it asks once, then the row is eligible again', async () => {
    const page = e2e().page;
    const { card: form } = await openForm(page, 'Activate Exchange Online Admins', 'Mailbox migration');
    await clickOnCard(form, 'Activate');
    await expect.poll(() => form.innerText(), { timeout: 15_000 }).toMatch(/Waiting for approval/);
    const request = await latestRequest(e2e(), GROUP.exchange);

    const list = await openActivateList(page);
    const row = rowOf(list, 'Exchange Online Admins');
    const asked = await renderInPage(page, `requested ${datedMomentText(request.createdDateTime)}`);
    await expect.poll(() => row.innerText()).toContain(`Waiting for approval: 8 hours, ${asked}`);
    expect(await list.innerText()).not.toMatch(/\{\{(DATE|TIME)/);
    await clickOnCard(row, 'Cancel request');
    await expect
      .poll(() => list.innerText())
      .toMatch(/Cancel your request to become a member of Exchange Online Admins\?/);
    await screenshotTallCard(page, list, 'activation-list-cancel-confirm');
    expect((await latestRequest(e2e(), GROUP.exchange)).status).toBe('PendingApproval');

    await clickOnCard(row, 'Yes, cancel it');
    await expect.poll(() => list.innerText(), { timeout: 15_000 }).toMatch(/Request canceled\./);
    expect((await latestRequest(e2e(), GROUP.exchange)).status).toBe('Canceled');
    const eligible = rowOf(list, 'Exchange Online Admins');
    expect(await eligible.innerText()).toMatch(/Not active/);
    expect(await eligible.getByRole('button', { name: 'Activate Exchange Online Admins' }).isVisible()).toBe(true);
    await screenshotTallCard(page, list, 'activation-list-canceled');
  });

  it('an active role shows until when, with Extend and Deactivate; Extend starts a new activation from the list', async () => {
    const page = e2e().page;
    const list = await openActivateList(page);
    const row = rowOf(list, 'Developer Tools Power Users');
    const [before] = (
      await graphAs(e2e(), ALEX, 'GET', `${PIM}/assignmentScheduleInstances/filterByCurrentUser(on='principal')`)
    ).value.filter((i: any) => i.groupId === GROUP.devtools);
    const until = await renderInPage(page, `Active until ${datedMomentText(before.endDateTime)}`);
    await expect.poll(() => row.innerText()).toContain(until);
    for (const title of ['Extend', 'Deactivate']) {
      expect(await row.getByRole('button', { name: title, exact: true }).isVisible()).toBe(true);
    }
    await screenshotTallCard(page, list, 'activation-list-active');

    await clickOnCard(row, 'Extend');
    await expect
      .poll(() => list.innerText(), { timeout: 15_000 })
      .toMatch(/Extended: you are a member of Developer Tools Power Users until/);
    const [after] = (
      await graphAs(e2e(), ALEX, 'GET', `${PIM}/assignmentScheduleInstances/filterByCurrentUser(on='principal')`)
    ).value.filter((i: any) => i.groupId === GROUP.devtools);
    expect(Date.parse(after.endDateTime)).toBeGreaterThan(Date.parse(before.endDateTime));
    const extended = await renderInPage(page, `Active until ${datedMomentText(after.endDateTime)}`);
    expect(await rowOf(list, 'Developer Tools Power Users').innerText()).toContain(extended);
  });

  it('my access: Deactivate answers with my access again, what it did said by the row', async () => {
    const page = e2e().page;
    const before = await cardCount(page);
    await send(page, 'my access');
    const access = await waitForCard(page, 'Active group memberships', { after: before });
    const line = access
      .locator('.ac-container')
      .filter({ hasText: 'Developer Tools Power Users (member): until' })
      .filter({ has: page.locator('.ac-actionSet') })
      .last();
    await clickOnCard(line, 'Deactivate');
    await access.getByRole('button', { name: 'Yes, deactivate', exact: true }).click();
    // Extended a moment ago (the test before), so Entra may still refuse to end it: either way the card is my access.
    await expect
      .poll(() => access.innerText(), { timeout: 15_000 })
      .toMatch(
        /^Your access[\s\S]*Active group memberships[\s\S]*(Deactivated: you are no longer a member of Developer Tools Power Users\.|Developer Tools Power Users \(member\): until [^\n]*\n+Not yet: Microsoft Entra does not end an activation in its first 5 minutes)/,
      );
  });
});

/** The bot's `/auth/stepup?state=…` link that opened this sign-in page, rebuilt from the page's own form fields. */
async function stepUpLink(signIn: Page): Promise<string> {
  const state = await signIn.locator('input[name="state"]').getAttribute('value');
  const redirect = await signIn.locator('input[name="redirect_uri"]').getAttribute('value');
  expect(redirect).toMatch(/\/auth\/stepup\/callback$/);
  return `${redirect?.replace(/\/callback$/, '')}?state=${encodeURIComponent(state ?? '')}`;
}
