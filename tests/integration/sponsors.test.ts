import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formInputId } from '../../cards/requester/requestForm.js';
import { userToken } from '../devtenant/tokens.js';
import { checkCard } from '../helpers/cardCheck.js';
import { Chats, type Shown } from '../helpers/chats.js';
import { emRequest } from '../helpers/devtenantGraph.js';
import { type Stack, startStack } from '../helpers/stack.js';
import { buttonTitles, cardText, teamsUser } from '../helpers/teamsHarness.js';

/**
 * Sponsors approve (GRAPH-API.md 3.3, 4.13): Mona Kane, a guest from the connected organization Fabrikam, asks for
 * "Partner Portal – Reseller Access", whose policy says "internal sponsors approve". The watcher reads the requestor's
 * connected organization and its internal sponsors (Isaiah Langer, Irvin Sayers) and sends them the approval card; one
 * click by a sponsor delivers the access and moves Mona's status card. The fallback approver (Patti) and the external
 * sponsor (Sanjay Shah, Fabrikam) are not asked.
 */

const EM = '/identityGovernance/entitlementManagement';
const id = (prefix: string, n: number) => `${prefix}-0000-4000-8000-${String(n).padStart(12, '0')}`;
const person = (n: number) => id('10000000', n);
const RESELLER_PACKAGE = id('40000000', 13);

const mona = teamsUser(person(18), 'Mona Kane'); // guest, Fabrikam
const sanjay = teamsUser(person(17), 'Sanjay Shah'); // guest, Fabrikam's external sponsor
const isaiah = teamsUser(person(4), 'Isaiah Langer'); // internal sponsor of Fabrikam
const irvin = teamsUser(person(10), 'Irvin Sayers'); // internal sponsor of Fabrikam
const patti = teamsUser(person(5), 'Patti Fernandez'); // the policy's fallback approver
const alex = teamsUser(person(1), 'Alex Wilber');

async function tick(stack: Stack): Promise<void> {
  const report = await stack.bot.watcher.tickNow();
  expect(report.sources.find((s) => s.name === 'approvals')?.ok).toBe(true);
}

describe('a guest of a connected organization asks; an internal sponsor approves in Teams', () => {
  let stack: Stack;
  let chats: Chats;
  let status: Shown;
  let requestId: string;
  beforeAll(async () => {
    stack = await startStack();
    chats = new Chats(stack.teams, { checkReplies: true });
    for (const user of [mona, sanjay, isaiah, irvin, patti]) await stack.teams.install(user);
  });
  afterAll(async () => stack?.stop());

  it('shows the guest only the partner package, and says a sponsor of their organisation approves', async () => {
    const [results] = await chats.say(mona, 'catalog');
    expect(cardText(results.card)).toMatch(/Partner Portal – Reseller Access/);
    expect(cardText(results.card)).not.toMatch(/Visio|Salesforce/);
    const [found] = await chats.say(mona, 'request partner portal');
    const details = await chats.click(mona, found, 'Details');
    expect(cardText(details)).toMatch(/Approval a sponsor of your organisation/);
    const form = { card: await chats.click(mona, found, 'Request'), id: found.id };
    await chats.click(mona, form, 'Submit request', {
      [formInputId(0, 'justification')]: 'Registering the Contoso Cloud bundle deal for a Munich customer',
    });
    status = { card: chats.current(mona, found.id), id: found.id };
    expect(cardText(status.card)).toMatch(/Approvers a sponsor of your organisation/);
    requestId = status.card.refresh?.action?.data?.requestId;
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect((await emRequest(stack, requestId)).state).toBe('pendingApproval');
  });

  it('sends the approval card to the internal sponsors on one watcher tick, and to nobody else', async () => {
    await tick(stack);
    const forIsaiah = chats.find(isaiah, /Mona Kane asks for Partner Portal – Reseller Access/);
    expect(cardText(forIsaiah.card)).toMatch(/Irvin Sayers can also decide/);
    expect(buttonTitles(forIsaiah.card)).toEqual(['Approve', 'Deny']);
    expect(checkCard(forIsaiah.card)).toEqual([]);
    expect(chats.all(irvin, /Mona Kane asks for Partner Portal/)).toHaveLength(1);
    for (const other of [patti, sanjay, mona])
      expect(chats.all(other, /Mona Kane asks for Partner Portal/)).toHaveLength(0);
  });

  it('lists the request in "approvals" for a sponsor (their own Graph token)', async () => {
    const shown = await chats.say(irvin, 'approvals');
    expect(shown.map((s) => cardText(s.card)).join('\n')).toMatch(/Mona Kane/);
  });

  it("approves with one click: Graph delivers, the other sponsor's copy and the guest's status card follow", async () => {
    const forIsaiah = chats.find(isaiah, /Mona Kane asks for Partner Portal – Reseller Access/);
    const reply = await chats.click(isaiah, forIsaiah, 'Approve');
    expect(cardText(reply)).toMatch(/Approved by you/);
    expect(buttonTitles(reply)).toEqual([]);
    expect((await emRequest(stack, requestId)).state).toBe('delivered');
    const irvinCopy = chats.find(irvin, /Mona Kane asks for Partner Portal – Reseller Access/);
    expect(cardText(irvinCopy.card)).toMatch(/Approved by Isaiah Langer/);
    expect(buttonTitles(irvinCopy.card)).toEqual([]);
    await stack.teams.waitFor(
      () => /Delivered|Approved/.test(cardText(chats.current(mona, status.id))),
      5000,
      "the guest's status card to move on",
    );
  });

  it('does not let a member of Contoso request the partner package', async () => {
    await stack.teams.install(alex);
    const [results] = await chats.say(alex, 'request partner portal reseller');
    expect(cardText(results.card)).not.toMatch(/Partner Portal – Reseller Access/);
    const res = await fetch(`${stack.devtenant?.url}/v1.0${EM}/assignmentRequests`, {
      method: 'POST',
      headers: { authorization: `Bearer ${userToken(alex.aadObjectId)}`, 'content-type': 'application/json' },
      body: JSON.stringify({ requestType: 'userAdd', assignment: { accessPackageId: RESELLER_PACKAGE } }),
    });
    expect(res.status).toBe(403);
  });
});
