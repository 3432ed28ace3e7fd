import type { Locator } from 'playwright-core';
import { expect, it } from 'vitest';
import { PEOPLE } from '../devtenant/tokens.js';
import { graphAs } from '../helpers/devtenantGraph.js';
import { cardCount, clickOnCard, describeE2E, send, TOP_CARD, typeReason, waitForCard } from './playgroundE2E.js';

/**
 * The approver journey in the Agents Playground (Chromium), signed in as Alex Wilber. Seeded for Alex: Isaiah's
 * Salesforce request (IT Operations Approvers), Johanna's Network Operations request (Alex alone) and Lee's activation
 * of Network Admins (Alex or Patti; no reason required). The watcher runs every second (startE2E).
 */

const EM = '/identityGovernance/entitlementManagement';
const PIM = '/identityGovernance/privilegedAccess/group';
const SALESFORCE_PACKAGE = '40000000-0000-4000-8000-000000000009'; // approvers: IT Operations Approvers (Alex among them)
const LEE_NETWORK_ACTIVATION = 'b0000000-0000-4000-8000-000000000001';
const LEE_ACTIVATION_TITLE = 'Lee Gu asks to activate membership of Network Admins';

async function buttonsOf(card: Locator): Promise<string[]> {
  return card.locator('.ac-actionSet button').allInnerTexts();
}

/** Types into the card's reason box (click + pressSequentially: fill() sometimes loses the value). */
describeE2E('Agents Playground in Chromium: approving requests', (e2e) => {
  it('brings Alex the approvals that wait for him without his typing, also a request made just now', async () => {
    // Nothing has been typed yet: the watcher pushed the seeded approvals on its first ticks.
    const seeded = await waitForCard(e2e().page, LEE_ACTIVATION_TITLE);
    expect(await seeded.innerText()).toMatch(/Your decision is needed/);
    expect(await buttonsOf(seeded)).toEqual(['Approve', 'Deny']);

    // Lee asks for Salesforce in My Access (straight to Graph): the bot is not told about it.
    const created = await graphAs(e2e(), PEOPLE.lee, 'POST', `${EM}/assignmentRequests`, {
      requestType: 'userAdd',
      justification: 'Shadowing the EMEA account reviews',
      assignment: { accessPackageId: SALESFORCE_PACKAGE },
    });
    const card = await waitForCard(e2e().page, 'Lee Gu asks for Salesforce – Sales Cloud User');
    const text = await card.innerText();
    expect(text).toMatch(/Shadowing the EMEA account reviews/);
    expect(text).toMatch(/Your decision is needed\. Grady Archie and Megan Bowen can also decide\./);
    expect(await buttonsOf(card)).toEqual(['Approve', 'Deny']);

    // Deny on the pushed card, with a reason: the card says so and Graph holds it, as Lee sees it.
    await typeReason(card, 'Salesforce licences are for the sales team');
    await clickOnCard(card, 'Deny');
    await expect.poll(() => card.innerText(), { timeout: 10_000 }).toMatch(/Denied by you/);
    expect(await card.innerText()).toMatch(/Reason: Salesforce licences are for the sales team/);
    expect(await buttonsOf(card)).toEqual([]);
    const request = await graphAs(e2e(), PEOPLE.lee, 'GET', `${EM}/assignmentRequests/${created.id}`);
    expect(request.state).toBe('denied');
  });

  it('"approvals" lists what waits; Approve with a note on its one card says "Approved by you" and Graph provisions it', async () => {
    const before = await cardCount(e2e().page);
    await send(e2e().page, 'approvals');
    const summary = await waitForCard(e2e().page, 'wait for your decision', { after: before });
    expect(await summary.innerText()).toMatch(/Lee Gu\s+Network Admins \(member\)/);

    // The watcher's card is already in the chat: "approvals" does not post a second copy, that card is where to decide.
    const card = await waitForCard(e2e().page, LEE_ACTIVATION_TITLE);
    expect(await card.innerText()).toMatch(/Your decision is needed/);
    expect(await buttonsOf(card)).toEqual(['Approve', 'Deny']);
    await typeReason(card, 'Go ahead with CHG0034127');
    await clickOnCard(card, 'Approve');

    // The Playground shows the invoke's answer in place of the clicked card ("User specific view is not supported").
    await expect.poll(() => card.innerText(), { timeout: 10_000 }).toMatch(/Approved by you/);
    expect(await card.innerText()).toMatch(/Reason: Go ahead with CHG0034127/);
    expect(await buttonsOf(card)).toEqual([]);
    const copies = e2e().page.locator(TOP_CARD).filter({ hasText: LEE_ACTIVATION_TITLE });
    expect(await copies.count()).toBe(1);

    // Graph recorded Alex's decision: Lee sees the activation provisioned, and the stage holds Alex's approval.
    const request = await graphAs(
      e2e(),
      PEOPLE.lee,
      'GET',
      `${PIM}/assignmentScheduleRequests/${LEE_NETWORK_ACTIVATION}`,
    );
    expect(request.status).toBe('Provisioned');
    const approval = await graphAs(e2e(), PEOPLE.alex, 'GET', `${PIM}/assignmentApprovals/${LEE_NETWORK_ACTIVATION}`);
    expect(approval.stages[0]).toMatchObject({
      reviewResult: 'Approved',
      justification: 'Go ahead with CHG0034127',
      reviewedBy: { id: PEOPLE.alex },
    });
  });
});
