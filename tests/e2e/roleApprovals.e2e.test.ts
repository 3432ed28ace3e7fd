import type { Locator } from 'playwright-core';
import { expect, it } from 'vitest';
import { PEOPLE, userToken } from '../devtenant/tokens.js';
import { graphAs } from '../helpers/devtenantGraph.js';
import { clickOnCard, describeE2E, type E2E, openActivateList } from './playgroundE2E.js';

/**
 * Entra role approvals with ROLE_APPROVALS_BETA=on, in the Agents Playground (Chromium), signed in as Alex Wilber:
 * his Exchange Administrator activation names its approver (Megan Bowen, demo seed); Megan decides it in the Entra
 * admin center (Graph beta straight), and Alex's card turns active by itself, saying who approved and why.
 */

const RM = '/roleManagement/directory';
const EXCHANGE_ADMIN = '29232cdf-9323-42fd-ade2-1d097af3e4de';

async function typeInto(card: Locator, label: string, text: string): Promise<void> {
  const field = card.getByRole('textbox', { name: new RegExp(`^${label}`) }).first();
  await field.click();
  await field.pressSequentially(text);
}

async function alexExchangeRequest(e2e: E2E): Promise<{ id: string; status: string }> {
  const { value } = await graphAs(
    e2e,
    PEOPLE.alex,
    'GET',
    `${RM}/roleAssignmentScheduleRequests/filterByCurrentUser(on='principal')`,
  );
  return value.filter((r: { roleDefinitionId: string }) => r.roleDefinitionId === EXCHANGE_ADMIN).at(-1);
}

/** Megan approves in the Entra admin center: the beta approval's step, with her own token. */
async function approveInAdminCenter(e2e: E2E, approvalId: string, justification: string): Promise<void> {
  const root = `${e2e.devtenant.url}/beta${RM}/roleAssignmentApprovals/${approvalId}`;
  const headers = { authorization: `Bearer ${userToken(PEOPLE.megan)}`, 'content-type': 'application/json' };
  const approval = await (await fetch(root, { headers })).json();
  const step = approval.steps.find((s: { status: string }) => s.status === 'InProgress');
  const res = await fetch(`${root}/steps/${step.id}`, {
    method: 'PATCH',
    headers,
    body: JSON.stringify({ reviewResult: 'Approve', justification }),
  });
  expect(res.status).toBe(204);
}

describeE2E(
  'Agents Playground in Chromium: Entra role approvals (ROLE_APPROVALS_BETA=on)',
  (e2e) => {
    it("names Megan on Alex's waiting card, and shows her admin-center approval and reason by itself", async () => {
      const card = await openActivateList(e2e().page, 'activate exchange');
      await clickOnCard(card, 'Activate Exchange Administrator');
      await expect.poll(() => card.innerText(), { timeout: 10_000 }).toMatch(/Activate: Exchange Administrator role/);
      await typeInto(card, 'Justification', 'Mailbox move for Berlin');
      await typeInto(card, 'Ticket number', 'INC0049001');
      await clickOnCard(card, 'Activate');
      await expect.poll(() => card.innerText(), { timeout: 15_000 }).toMatch(/Waiting for approval/);
      expect(await card.innerText()).toMatch(/Megan Bowen/);

      const request = await alexExchangeRequest(e2e());
      expect(request.status).toBe('PendingApproval');
      await approveInAdminCenter(e2e(), request.id, 'Planned mailbox move');
      await expect
        .poll(() => card.innerText(), { timeout: 20_000 })
        .toMatch(/You are Exchange Administrator \(whole directory\) until/);
      const text = await card.innerText();
      expect(text).toMatch(/Megan Bowen/);
      expect(text).toMatch(/Planned mailbox move/);
      expect(text).not.toMatch(/\{\{(DATE|TIME)/);
    });
  },
  { ROLE_APPROVALS_BETA: 'on' },
);
