import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { beforeAll, expect, it } from 'vitest';
import { PEOPLE } from '../devtenant/tokens.js';
import { ARTIFACTS, cardCount, clickOnCard, describeE2E, type E2E, send, waitForCard } from './playgroundE2E.js';

/**
 * Both sides of a journey in two tabs (issue 15): Alex in the Agents Playground, and the devtenant console where
 * Megan, Lee and the clock do their part, as in My Access and the PIM portal. The bot is told nothing: it sees
 * the change in Graph, as it would in a real tenant.
 */

const DEV_TOOLS = 'Developer Tools – Eligible Owner';
const NETWORK_ADMINS = '20000000-0000-4000-8000-000000000017';
const MEGAN_REASON = 'Fine for this quarter, hand it back in January';
const LEE_JUSTIFICATION = 'Rolling back firewall rule CHG0040001';

const button = (scope: Locator | Page, name: string) => scope.getByRole('button', { name, exact: true }).first();

async function typeOnCard(card: Locator, text: string): Promise<void> {
  const field = card.locator('textarea').first();
  await field.click();
  await field.pressSequentially(text);
}

/** Alex asks for Developer Tools – Eligible Owner (Megan approves) in the Playground; the card that tracks it. */
async function alexRequestsDevTools(e2e: E2E): Promise<Locator> {
  const before = await cardCount(e2e.page);
  await send(e2e.page, 'request developer tools eligible owner');
  const card = await waitForCard(e2e.page, DEV_TOOLS, { after: before });
  await button(card.locator('.ac-container').filter({ hasText: DEV_TOOLS }).last(), 'Request').click();
  await expect.poll(() => card.innerText(), { timeout: 10_000 }).toMatch(/Request Developer Tools – Eligible Owner/);
  await typeOnCard(card, 'Owning the build agents this quarter');
  await button(card, 'Submit request').click();
  await expect.poll(() => card.innerText(), { timeout: 10_000 }).toMatch(/Pending approval/);
  return card;
}

/** The console tab, acting as `name` in `area` (picked the way a person would: the list, then the area link). */
async function actAs(tab: Page, e2e: E2E, name: string, area: string): Promise<void> {
  await tab.goto(`${e2e.devtenant.url}/`);
  await tab.getByRole('link', { name, exact: true }).click();
  await tab.getByRole('navigation').getByRole('link', { name: area, exact: true }).click();
  await expect.poll(() => tab.locator('header .who').innerText()).toBe(`Acting as ${name}`);
}

async function notice(tab: Page): Promise<string> {
  return tab.locator('.notice').innerText({ timeout: 10_000 });
}

async function screenshotPage(tab: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await tab.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

describeE2E('Agents Playground and the devtenant console side by side', (e2e) => {
  let tab: Page;
  beforeAll(async () => {
    tab = await e2e().browser.newPage({ viewport: { width: 1280, height: 900 } });
  });

  it("as Megan in the console: approve Alex's request with a reason; his status card shows it by itself", async () => {
    const card = await alexRequestsDevTools(e2e());

    await actAs(tab, e2e(), 'Megan Bowen', 'Approvals');
    const approval = tab.locator('section.approval').filter({ hasText: `Alex Wilber asks for ${DEV_TOOLS}` });
    await approval.getByLabel('Reason').fill(MEGAN_REASON);
    await screenshotPage(tab, 'console-approvals');
    await button(approval, 'Approve').click();
    await expect.poll(() => notice(tab)).toBe('Approved.');
    expect(await tab.locator('section.approval').filter({ hasText: DEV_TOOLS }).count()).toBe(0);

    // Nobody types in the Playground: the watcher sees Megan's decision in Graph and updates Alex's card in place.
    await expect
      .poll(() => card.innerText(), { timeout: 20_000 })
      .toContain(`Approved by Megan Bowen: “${MEGAN_REASON}”`);
  });

  it('as Lee in the console: ask for an activation Alex must approve; the approval card reaches Alex', async () => {
    await actAs(tab, e2e(), 'Lee Gu', 'PIM roles');
    // The seed has Lee's earlier request for Network Admins waiting: Graph allows one open request, so cancel it.
    await button(tab.locator('#open tr').filter({ hasText: 'Network Admins' }), 'Cancel request').click();
    await expect.poll(() => notice(tab)).toBe('Activation request canceled.');

    const row = tab.locator(`#eligible tr[data-group="${NETWORK_ADMINS}"]`);
    expect(await row.innerText()).toContain('up to 4 h, justification, approval');
    await row.getByLabel(/^Minutes/).fill('90');
    await row.getByLabel(/^Justification/).fill(LEE_JUSTIFICATION);
    await screenshotPage(tab, 'console-roles');
    await button(row, 'Activate Network Admins').click();
    await expect.poll(() => notice(tab)).toBe('Activation requested.');
    expect(await tab.locator('#open').innerText()).toMatch(/Network Admins\s+PendingApproval/);

    const card = await waitForCard(e2e().page, LEE_JUSTIFICATION, { timeout: 20_000 });
    const text = await card.innerText();
    expect(text).toContain('Lee Gu asks to activate membership of Network Admins');
    expect(text).toMatch(/Your decision is needed/);
    expect(await card.locator('.ac-actionSet button').allInnerTexts()).toEqual(['Approve', 'Deny']);
  });

  it("advancing the console clock past an activation's end turns Alex's active card to ended", async () => {
    const page = e2e().page;
    const list = await send(page, 'activate', 'Your eligible roles');
    await expect.poll(() => list.innerText(), { timeout: 15_000 }).toMatch(/Your eligible roles/);
    await clickOnCard(list, 'Activate Finance Admins');
    await expect.poll(() => list.innerText(), { timeout: 10_000 }).toMatch(/Activate: Membership of Finance Admins/);
    await typeOnCard(list, 'Month-end close');
    await clickOnCard(list, 'Activate');
    const active = await waitForCard(page, 'You are a member of Finance Admins until');

    // Finance Admins activates for 1 hour at most: one hour on the devtenant clock and it is over.
    await actAs(tab, e2e(), 'Alex Wilber', 'Request log');
    await button(tab, '+1 hour').click();
    await expect.poll(() => notice(tab)).toBe('The devtenant clock moved.');
    await expect.poll(() => active.innerText(), { timeout: 20_000 }).toMatch(/Membership of Finance Admins has ended/);

    // The request log: the bot activated with Alex's own user token (not the console, not the app).
    await tab.getByLabel('Made by').selectOption('outside');
    await tab.getByLabel('Caller').selectOption(PEOPLE.alex);
    await expect
      .poll(() => tab.locator('#log').innerText(), { timeout: 10_000 })
      .toMatch(
        /Alex Wilber\s+user\s+POST\s+\/v1\.0\/identityGovernance\/privilegedAccess\/group\/assignmentScheduleRequests\s+201/,
      );
    await screenshotPage(tab, 'console-request-log');
  }, 90_000);
});
