import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { approverContext } from '../../bot/journeys/approver/context.js';
import type { SeedData } from '../../devtenant/index.js';
import { PEOPLE } from '../devtenant/tokens.js';
import { checkCard } from '../helpers/cardCheck.js';
import { Chats } from '../helpers/chats.js';
import { type Stack, startStack } from '../helpers/stack.js';
import { buttonTitles, type InvokeReply, teamsUser } from '../helpers/teamsHarness.js';

/**
 * A card shows a person only what their own Graph access would show them (issue 12, items 4 and 10): refreshing
 * someone else's approval card, with Graph answering or failing, and Renew data naming another person's assignment.
 * Bot + devtenant + Teams-like harness over real HTTP.
 */

const id = (prefix: string, n: number) => `${prefix}-0000-4000-8000-${String(n).padStart(12, '0')}`;
const SALESFORCE_REQUEST = id('90000000', 1); // Isaiah; approvers: IT Operations Approvers (Alex, Megan, Grady)
const NETWORK_OPS_REQUEST = id('90000000', 2); // Johanna; approver: Alex
const FINANCE_JIT_PACKAGE = id('40000000', 6); // requestable by every member
const ALEX_FINANCE_ASSIGNMENT = id('80000000', 1); // Alex's, ends in 9 days
const APPROVALS = 'accessPackageAssignmentApprovals';

const alex = teamsUser(PEOPLE.alex, 'Alex Wilber');
const megan = teamsUser(PEOPLE.megan, 'Megan Bowen');
const lynne = teamsUser(PEOPLE.lynne, 'Lynne Robbins');
const johanna = teamsUser(PEOPLE.johanna, 'Johanna Lorenz');

/** What only Johanna's request and Alex's decision on it hold: none of it may reach Lynne. */
const DENY_REASON = 'Not on the on-call rota yet (reason 7f3c)';
const JOHANNA_SECRETS = [
  'Johanna',
  'Network Operations',
  'Joining the network on-call rotation',
  DENY_REASON,
  'Alex Wilber',
  'Lidia Holloway', // her manager
];
const ISAIAH_SECRETS = ['Isaiah', 'Salesforce', 'Q3 pipeline reviews', 'Irvin Sayers'];

/** The demo seed with the month-end close policy letting people renew their own access. */
function renewableSeed(): SeedData {
  const seed = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../devtenant/seed/demo.json'), 'utf8'));
  const pkg = seed.accessPackages.find((p: any) => p.id === FINANCE_JIT_PACKAGE);
  pkg.policies[0].requestorSettings.enableTargetsToSelfUpdateAccess = true;
  return seed;
}

function answerText(reply: InvokeReply): string {
  return JSON.stringify(reply.body ?? null);
}

function expectNothingOf(reply: InvokeReply, secrets: string[]) {
  const text = answerText(reply);
  for (const secret of secrets) expect(text, `the answer shows "${secret}"`).not.toContain(secret);
}

async function faults(stack: Stack, body?: unknown) {
  const res = await fetch(`${stack.devtenant?.url}/_devtenant/faults`, {
    method: body === undefined ? 'DELETE' : 'POST',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(res.status).toBeLessThan(300);
}

describe("refreshing someone else's approval card shows nothing of it", () => {
  let stack: Stack;
  let chats: Chats;
  beforeAll(async () => {
    stack = await startStack({ devtenant: { seed: renewableSeed() } });
    chats = new Chats(stack.teams, { checkReplies: true });
    for (const user of [alex, megan, lynne, johanna]) await stack.teams.install(user);
    const report = await stack.bot.watcher.tickNow();
    expect(report.sources.find((s) => s.name === 'approvals')?.ok).toBe(true);
    const card = chats.find(alex, /Johanna Lorenz asks for Network Operations/);
    const denied = await chats.click(alex, card, 'Deny', { reason: DENY_REASON });
    expect(JSON.stringify(denied)).toContain(DENY_REASON);
  });
  afterAll(async () => stack?.stop());
  afterEach(async () => faults(stack));

  it('answers a non-approver who refreshes a decided approval that it is not theirs, after their own read was refused', async () => {
    await stack.clearGraphLog();
    const reply = await stack.teams.invoke(lynne, 'refreshApproval', { kind: 'em', id: NETWORK_OPS_REQUEST });
    expect(reply.httpStatus).toBe(200);
    expect(reply.body?.type).toBe('application/vnd.microsoft.card.adaptive');
    expect(JSON.stringify(reply.body?.value)).toMatch(/This approval is not yours/);
    expect(checkCard(reply.body?.value)).toEqual([]);
    expectNothingOf(reply, JOHANNA_SECRETS);
    const calls = await stack.graphCalls();
    expect(calls.map((c) => [c.caller, c.method, c.status])).toEqual([[PEOPLE.lynne, 'GET', 403]]);
  });

  it('still shows the decided card to its approver (no call) and to its requester', async () => {
    await stack.clearGraphLog();
    const forAlex = await stack.teams.invoke(alex, 'refreshApproval', { kind: 'em', id: NETWORK_OPS_REQUEST });
    expect(answerText(forAlex)).toMatch(/Denied by you/);
    expect(answerText(forAlex)).toContain(DENY_REASON);
    expect(await stack.graphCalls()).toEqual([]);
    const forJohanna = await stack.teams.invoke(johanna, 'refreshApproval', { kind: 'em', id: NETWORK_OPS_REQUEST });
    expect(answerText(forJohanna)).toContain(DENY_REASON);
    expect(buttonTitles(forJohanna.body?.value)).not.toContain('Approve');
  });

  it('answers "I could not check" when the viewer\'s own read fails with 503, for decided and waiting approvals', async () => {
    await faults(stack, { rules: [{ pathPattern: APPROVALS, status: 503, retryAfterSeconds: 0 }] });
    for (const [requestId, secrets] of [
      [NETWORK_OPS_REQUEST, JOHANNA_SECRETS],
      [SALESFORCE_REQUEST, ISAIAH_SECRETS],
    ] as const) {
      const reply = await stack.teams.invoke(lynne, 'refreshApproval', { kind: 'em', id: requestId });
      expect(reply.httpStatus).toBe(200);
      expect(answerText(reply)).toMatch(/I could not check this approval/);
      expect(buttonTitles(reply.body?.value)).toContain('Try again');
      expect(checkCard(reply.body?.value)).toEqual([]);
      expectNothingOf(reply, [...secrets]);
    }
    await faults(stack);
    const again = await stack.teams.invoke(lynne, 'refreshApproval', { kind: 'em', id: SALESFORCE_REQUEST });
    expect(answerText(again)).toMatch(/This approval is not yours/);
    expectNothingOf(again, ISAIAH_SECRETS);
  });

  it("names nothing of the requests when an outsider presses an approver's Approve all", async () => {
    const cards = await chats.say(megan, 'approvals');
    const findBulk = (node: any, verb: string): any =>
      node && typeof node === 'object'
        ? node.verb === verb
          ? node
          : Object.values(node)
              .map((n) => findBulk(n, verb))
              .find(Boolean)
        : undefined;
    const review = findBulk(cards[0].card, 'reviewApproveAll');
    expect(review?.data?.items?.length).toBeGreaterThan(0);
    // The question re-reads the clicker's own list: an outsider pressing Megan's button is asked about nothing of hers.
    const asked = await stack.teams.invoke(lynne, 'reviewApproveAll', review.data);
    expect(checkCard(asked.body?.value)).toEqual([]);
    expectNothingOf(asked, [...ISAIAH_SECRETS, 'Visio', 'Alex Wilber']);
    expect(findBulk(asked.body?.value, 'approveAll')).toBeUndefined();
    const confirm = (await stack.teams.invoke(megan, 'reviewApproveAll', review.data, cards[0].id)).body?.value;
    const bulk = findBulk(confirm, 'approveAll');
    expect(bulk?.data?.items?.length).toBeGreaterThan(0);
    await stack.clearGraphLog();
    const reply = await stack.teams.invoke(lynne, 'approveAll', bulk.data);
    expect(reply.httpStatus).toBe(200);
    expect(answerText(reply)).toMatch(/Approved 0 requests/);
    expect(checkCard(reply.body?.value)).toEqual([]);
    expectNothingOf(reply, [...ISAIAH_SECRETS, 'Visio', 'Alex Wilber']);
    expect(
      (await stack.graphCalls()).every(
        (c) => c.method !== 'PATCH' && !(c.method === 'POST' && !c.path.includes('$batch')),
      ),
    ).toBe(true);
  });

  it("opens no Renew form for Renew data that names another person's assignment", async () => {
    await stack.clearGraphLog();
    for (const assignmentId of [ALEX_FINANCE_ASSIGNMENT, id('80000000', 99)]) {
      const reply = await stack.teams.invoke(megan, 'renew', { packageId: FINANCE_JIT_PACKAGE, assignmentId });
      expect(reply.httpStatus).toBe(200);
      expect(answerText(reply)).toMatch(/I cannot renew this access for you/);
      expect(buttonTitles(reply.body?.value)).not.toContain('Submit request');
      expect(checkCard(reply.body?.value)).toEqual([]);
    }
    const calls = await stack.graphCalls();
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.every((c) => c.caller === PEOPLE.megan && c.method === 'GET')).toBe(true);
    expect(calls.some((c) => /getApplicablePolicyRequirements/.test(c.path))).toBe(false);
    // Alex's own Renew of the same assignment opens the form.
    const own = await stack.teams.invoke(alex, 'renew', {
      packageId: FINANCE_JIT_PACKAGE,
      assignmentId: ALEX_FINANCE_ASSIGNMENT,
    });
    expect(answerText(own)).toMatch(/Renew /);
    expect(buttonTitles(own.body?.value)).toContain('Submit request');
  });
});

describe('refreshApproval with an id the bot has not met', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => stack?.stop());

  const stored = (requestId: string) => approverContext(stack.bot.app).store.record('em', requestId);

  it('stores nothing for an outsider, and answers the same whether or not the id exists', async () => {
    expect(await stored(SALESFORCE_REQUEST)).toBeUndefined();
    const existing = await stack.teams.invoke(lynne, 'refreshApproval', { kind: 'em', id: SALESFORCE_REQUEST });
    expect(answerText(existing)).toMatch(/This approval is not yours/);
    expectNothingOf(existing, ISAIAH_SECRETS);
    expect(await stored(SALESFORCE_REQUEST)).toBeUndefined();

    const missingId = id('90000000', 777);
    const missing = await stack.teams.invoke(lynne, 'refreshApproval', { kind: 'em', id: missingId });
    expect(missing.httpStatus).toBe(existing.httpStatus);
    expect(missing.body).toEqual(existing.body);
    expect(await stored(missingId)).toBeUndefined();
  });

  it('stores the record once an approver (one of its people) refreshes it, and shows them the card', async () => {
    const forAlex = await stack.teams.invoke(alex, 'refreshApproval', { kind: 'em', id: SALESFORCE_REQUEST });
    expect(answerText(forAlex)).toContain('Salesforce');
    expect(buttonTitles(forAlex.body?.value)).toEqual(expect.arrayContaining(['Approve', 'Deny']));
    expect((await stored(SALESFORCE_REQUEST))?.state.details.requester.id).toBe(PEOPLE.isaiah);
  });
});
