import { expect, it } from 'vitest';
import { PEOPLE, userToken } from '../devtenant/tokens.js';
import { withAllPages } from '../helpers/devtenantGraph.js';
import { cardCount, clickOnCard, describeE2E, type E2E, send, waitForCard } from './playgroundE2E.js';

const EM = '/v1.0/identityGovernance/entitlementManagement';

/** Megan (an IT Operations approver) approves, straight in the devtenant: the bot is not told about it. */
async function approveAsMegan(e2e: E2E): Promise<void> {
  const headers = { authorization: `Bearer ${userToken(PEOPLE.megan)}`, 'content-type': 'application/json' };
  const get = (url: string) => fetch(url, { headers }).then((r) => r.json());
  const pending = await fetch(
    `${e2e.devtenant.url}${EM}/accessPackageAssignmentApprovals/filterByCurrentUser(on='approver')`,
    {
      headers,
    },
  )
    .then((r) => r.json())
    .then((body) => withAllPages(body, get));
  const requests = await fetch(
    `${e2e.devtenant.url}${EM}/assignmentRequests/filterByCurrentUser(on='approver')?$expand=accessPackage,requestor`,
    {
      headers,
    },
  )
    .then((r) => r.json())
    .then((body) => withAllPages(body, get));
  // Alex's request, not the seeded Salesforce request of Isaiah's that also waits for Megan.
  const salesforce = requests.value.find(
    (r: any) => r.accessPackage.displayName.startsWith('Salesforce') && r.requestor?.objectId === PEOPLE.alex,
  );
  expect(pending.value.map((a: any) => a.id)).toContain(salesforce.id);
  const approval = await fetch(`${e2e.devtenant.url}${EM}/accessPackageAssignmentApprovals/${salesforce.id}`, {
    headers,
  }).then((r) => r.json());
  const stage = approval.stages.find((s: any) => s.status === 'InProgress');
  const res = await fetch(
    `${e2e.devtenant.url}${EM}/accessPackageAssignmentApprovals/${salesforce.id}/stages/${stage.id}`,
    {
      method: 'PATCH',
      headers,
      body: JSON.stringify({ reviewResult: 'Approve', justification: 'Welcome to the pipeline reviews' }),
    },
  );
  expect(res.status).toBe(204);
}

describeE2E('Agents Playground in Chromium: requesting access', (e2e) => {
  it('search with a typo, request, and the status card turns to delivered without typing anything', async () => {
    // Pinned to this card: Isaiah's approval card for the same package, and notifications, must not take its place.
    const results = await send(e2e().page, 'request salesforse', 'Access packages for "salesforse"');

    await clickOnCard(results, 'Request');
    await expect.poll(() => results.innerText(), { timeout: 10_000 }).toMatch(/Request Salesforce – Sales Cloud User/);
    const justification = results.locator('textarea').first();
    await justification.click();
    await justification.pressSequentially('Q3 pipeline reviews with EMEA accounts');
    await clickOnCard(results, 'Submit request');
    await expect.poll(() => results.innerText(), { timeout: 10_000 }).toMatch(/Pending approval/);
    expect(await results.innerText()).toMatch(/IT Operations Approvers/);
    const cardsBefore = await cardCount(e2e().page);

    await approveAsMegan(e2e());
    // The watcher (every second here) notices the decision and updates the same card in place.
    await expect.poll(() => results.innerText(), { timeout: 15_000 }).toMatch(/Delivered/);
    expect(await results.innerText()).toMatch(/Your access is ready/);
    const told = await waitForCard(e2e().page, 'Salesforce – Sales Cloud User: Delivered', { after: cardsBefore });
    expect(await told.innerText()).toMatch(/Your access is ready/);
    // One message for the decision; none for Entra's own first step to "waiting for approval".
    expect(await cardCount(e2e().page)).toBe(cardsBefore + 1);
  });
});
