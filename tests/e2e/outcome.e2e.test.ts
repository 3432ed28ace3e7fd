import type { Locator } from 'playwright-core';
import { expect, it } from 'vitest';
import { PEOPLE } from '../devtenant/tokens.js';
import { decideInMyAccess, decideInPimPortal, graphAs } from '../helpers/devtenantGraph.js';
import { cardCount, clickOnCard, describeE2E, type E2E, screenshotCard, send, waitForCard } from './playgroundE2E.js';

/**
 * What the requester (Alex, signed in to the Playground) sees of how a request ended (issue 13): who denied and why,
 * on the status card the watcher updates in place; and Cancel request asking in the card before anything is
 * canceled. Megan decides straight in the devtenant, as in My Access: the bot is not told. The same for a PIM
 * activation Patti denies in the PIM portal; this suite's devtenant lets the requester read the PIM approval
 * (`pimRequestorReadsApproval`, UNCONFIRMED: by default it refuses, and the card says who may see the decision).
 */

const EM = '/identityGovernance/entitlementManagement';
const PIM = '/identityGovernance/privilegedAccess/group';
const EXCHANGE = '20000000-0000-4000-8000-000000000016';
const FREEZE = 'Not during the change freeze';
const DEV_TOOLS = 'Developer Tools – Eligible Owner';
const REASON = 'Talk to Lee first, he owns the build agents';

const button = (card: Locator, title: string) => card.getByRole('button', { name: title, exact: true }).first();

/** Alex requests Developer Tools – Eligible Owner (Megan approves); the card that becomes its status card. */
async function requestDevTools(e2e: E2E, justification: string): Promise<Locator> {
  // Pinned to its place in the chat: the notifications that arrive later (and a ShowCard's inner card) are not it.
  const before = await cardCount(e2e.page);
  await send(e2e.page, 'request developer tools eligible owner');
  // Proactive cards (Johanna's approval) may arrive first: find the search results by what they say.
  const results = await waitForCard(e2e.page, DEV_TOOLS, { after: before });
  const line = results.locator('.ac-container').filter({ hasText: DEV_TOOLS }).last();
  await button(line, 'Request').click();
  await expect.poll(() => results.innerText(), { timeout: 10_000 }).toMatch(/Request Developer Tools – Eligible Owner/);
  const field = results.locator('textarea').first();
  await field.click();
  await field.pressSequentially(justification);
  await button(results, 'Submit request').click();
  await expect.poll(() => results.innerText(), { timeout: 10_000 }).toMatch(/Pending approval/);
  return results;
}

/** Alex's open Developer Tools request, as Graph holds it. */
async function openRequestId(e2e: E2E): Promise<string> {
  const mine = await graphAs(
    e2e,
    PEOPLE.alex,
    'GET',
    `${EM}/assignmentRequests/filterByCurrentUser(on='target')?$expand=accessPackage`,
  );
  const open = mine.value.find((r: any) => r.accessPackage.displayName === DEV_TOOLS && r.state === 'pendingApproval');
  expect(open).toBeDefined();
  return open.id;
}

/** Alex activates Exchange Online Admins (Megan or Patti approve) from the activate list; the card that waits. */
async function activateExchange(e2e: E2E): Promise<Locator> {
  // Pinned to its place in the chat, like the status card above: the decided message arrives below it.
  const before = await cardCount(e2e.page);
  await send(e2e.page, 'activate exchange');
  const card = await waitForCard(e2e.page, 'Your eligible roles', { after: before });
  await clickOnCard(card, 'Activate Exchange Online Admins');
  await expect.poll(() => card.innerText(), { timeout: 10_000 }).toMatch(/Activate: Membership of Exchange Online/);
  const field = card.locator('textarea').first();
  await field.click();
  await field.pressSequentially('Mailbox migration');
  await clickOnCard(card, 'Activate');
  await expect.poll(() => card.innerText(), { timeout: 10_000 }).toMatch(/Waiting for approval/);
  return card;
}

/** Patti denies Alex's waiting Exchange Online Admins activation in the PIM portal (Graph straight). */
async function pattiDeniesInPim(e2e: E2E, reason: string): Promise<void> {
  const mine = await graphAs(
    e2e,
    PEOPLE.alex,
    'GET',
    `${PIM}/assignmentScheduleRequests/filterByCurrentUser(on='principal')`,
  );
  const waiting = mine.value.find((r: any) => r.groupId === EXCHANGE && r.status === 'PendingApproval');
  expect(waiting).toBeDefined();
  await decideInPimPortal(e2e, waiting.approvalId, PEOPLE.patti, 'Deny', reason);
}

describeE2E(
  'Agents Playground in Chromium: the requester is told who decided, and Cancel asks first',
  (e2e) => {
    it("Megan denies with a reason: Alex's status card names her and shows why, by itself", async () => {
      const card = await requestDevTools(e2e(), 'Owning the build agents this quarter');
      await decideInMyAccess(e2e(), await openRequestId(e2e()), PEOPLE.megan, 'Deny', REASON);

      // The watcher (every second) updates the card in place; nobody types anything.
      await expect.poll(() => card.innerText(), { timeout: 15_000 }).toMatch(/Denied by Megan Bowen/);
      const text = await card.innerText();
      expect(text).toMatch(/^Developer Tools – Eligible Owner\s+Denied\s/);
      expect(text).toContain(`Denied by Megan Bowen: “${REASON}”`);
      expect(text).toMatch(/Denied\s+Your request was denied\./);
      expect(await button(card, 'Request again').isVisible()).toBe(true);
      await screenshotCard(e2e().page, card, 'outcome-denied-by-megan');
      // The notification in the chat says the same.
      const note = await waitForCard(e2e().page, 'Developer Tools – Eligible Owner: Denied');
      expect(await note.innerText()).toContain(`Denied by Megan Bowen: “${REASON}”`);
    });

    it('Cancel request shows a confirmation naming the request before anything is canceled', async () => {
      const card = await requestDevTools(e2e(), 'Second try, Lee agreed');
      const requestId = await openRequestId(e2e());

      await button(card, 'Cancel request').click();
      const confirm = button(card, 'Yes, cancel request');
      await expect.poll(() => confirm.isVisible(), { timeout: 5_000 }).toBe(true);
      expect(await card.innerText()).toMatch(
        /Withdraw your request for Developer Tools – Eligible Owner \(requested [^)]*\d{4}\)\?/,
      );
      // Only the confirmation opened: the request still waits in Graph.
      const before = await graphAs(e2e(), PEOPLE.alex, 'GET', `${EM}/assignmentRequests/${requestId}`);
      expect(before.state).toBe('pendingApproval');
      await screenshotCard(e2e().page, card, 'outcome-cancel-confirm');

      await confirm.click();
      await expect.poll(() => card.innerText(), { timeout: 10_000 }).toMatch(/You canceled this request\./);
      const after = await graphAs(e2e(), PEOPLE.alex, 'GET', `${EM}/assignmentRequests/${requestId}`);
      expect(after.state).toBe('canceled');
      await screenshotCard(e2e().page, card, 'outcome-canceled');
    });

    it("Patti denies Alex's activation in the PIM portal: the activation card names her and why, by itself", async () => {
      const card = await activateExchange(e2e());
      const before = await cardCount(e2e().page);
      await pattiDeniesInPim(e2e(), FREEZE);

      await expect.poll(() => card.innerText(), { timeout: 15_000 }).toMatch(/Denied by Patti Fernandez/);
      const text = await card.innerText();
      expect(text).toMatch(/^Membership of Exchange Online Admins was denied/);
      expect(text).toContain('An approver denied the activation.');
      expect(text).toMatch(/Group\s+Exchange Online Admins/);
      expect(text).toContain(`Denied by Patti Fernandez: “${FREEZE}”`);
      expect(await button(card, 'Activate again').isVisible()).toBe(true);
      await screenshotCard(e2e().page, card, 'outcome-activation-denied-by-patti');
      // A message of its own says the same below.
      const note = await waitForCard(e2e().page, 'Membership of Exchange Online Admins was denied', { after: before });
      expect(await note.innerText()).toContain(`Denied by Patti Fernandez: “${FREEZE}”`);
      expect(await note.innerText()).not.toContain('An approver denied the activation.');
    });
  },
  {},
  { quirks: { pimRequestorReadsApproval: true } },
);
