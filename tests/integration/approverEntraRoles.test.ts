import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SeedData } from '../../devtenant/index.js';
import { DEFAULT_SEED_PATH } from '../../devtenant/seed.js';
import { ActivationDriver, ALEX, type GraphLogEntry, MEGAN_ID } from '../helpers/activationDriver.js';
import { checkCard } from '../helpers/cardCheck.js';
import { Chats } from '../helpers/chats.js';
import { buttonTitles, type Card, cardText, teamsUser } from '../helpers/teamsHarness.js';

/**
 * Issue 16: approver cards for Microsoft Entra role activations, behind ROLE_APPROVALS_BETA (off by default), since
 * Graph decides them only in beta (`/beta/roleManagement/directory/roleAssignmentApprovals/{id}/steps/{stepId}`).
 * In the demo seed Megan Bowen approves Exchange Administrator (a reason is required). Bot, devtenant and a
 * Teams-like client over real HTTP, one clock.
 */

const RM = '/v1.0/roleManagement/directory';
const EXCHANGE_ADMIN = '29232cdf-9323-42fd-ade2-1d097af3e4de';
const megan = teamsUser(MEGAN_ID, 'Megan Bowen');
/** The demo seed's own waiting request: Grady Archie's Exchange Administrator activation, asked for outside Teams. */
const GRADY_REQUEST = 'af000000-0000-4000-8000-000000000002';
const ALEX_CARD = /Alex Wilber asks to activate the Exchange Administrator role \(whole directory\)/;
const ON = { env: { ROLE_APPROVALS_BETA: 'on' } };

/** Alex asks for Exchange Administrator from `activate`, like a person would; the activation card and its id. */
async function alexAsks(stack: ActivationDriver): Promise<{ card: Card; id: string }> {
  const listed = await stack.list();
  let card = listed.card;
  for (let i = 0; i < 5 && !buttonTitles(card).includes('Activate Exchange Administrator'); i++) {
    card = await stack.press(card, 'Next', {}, listed.id);
  }
  const form = await stack.press(card, 'Activate Exchange Administrator', {}, listed.id);
  const fields = { duration: '60', justification: 'Mailbox move for Berlin', ticketNumber: 'INC0049001' };
  const waiting = await stack.press(form, 'Activate', fields, listed.id);
  expect(cardText(waiting)).toContain('Waiting for approval');
  return { card: waiting, id: listed.id };
}

async function approvalsTick(stack: ActivationDriver): Promise<void> {
  const report = await stack.bot.watcher.tickNow();
  expect(report.sources.find((s) => s.name === 'approvals')?.ok).toBe(true);
}

async function alexRequest(stack: ActivationDriver): Promise<any> {
  const { body } = await stack.graph(
    ALEX.aadObjectId,
    'GET',
    `${RM}/roleAssignmentScheduleRequests/filterByCurrentUser(on='principal')`,
  );
  return body.value.filter((r: any) => r.roleDefinitionId === EXCHANGE_ADMIN).at(-1);
}

async function alexActiveRoles(stack: ActivationDriver): Promise<string[]> {
  const { body } = await stack.graph(
    ALEX.aadObjectId,
    'GET',
    `${RM}/roleAssignmentScheduleInstances/filterByCurrentUser(on='principal')`,
  );
  return body.value.map((r: any) => r.roleDefinitionId);
}

/** The app never reads Entra role requests or role policies (it does not hold that permission in production; README). */
const appRoleReads = (log: GraphLogEntry[]) =>
  log.filter(
    (e) =>
      e.caller?.startsWith('app:') &&
      (e.path.includes('/roleManagement/') || decodeURIComponent(e.path).includes("scopeType eq 'DirectoryRole'")),
  );
const betaCalls = (log: GraphLogEntry[]) => log.filter((e) => e.path.startsWith('/beta/'));
const roleApproverLists = (log: GraphLogEntry[]) =>
  log.filter((e) =>
    decodeURIComponent(e.path).includes("roleAssignmentScheduleRequests/filterByCurrentUser(on='approver')"),
  );

describe('ROLE_APPROVALS_BETA=on: approver cards for Entra role activations', () => {
  let stack: ActivationDriver;
  let chats: Chats;
  beforeEach(async () => {
    stack = await ActivationDriver.start(undefined, ON);
    chats = new Chats(stack.teams, { checkReplies: true });
    await stack.teams.install(megan);
  });
  afterEach(async () => stack?.stop());

  it('sends Megan the card the moment Alex waits; her approval activates the role and every card shows it', async () => {
    await stack.clearGraphLog();
    const alex = await alexAsks(stack);
    // The card is out before any watcher tick: made with Alex's own token when he submitted.
    expect(chats.all(megan, ALEX_CARD)).toHaveLength(1);
    // Approvers who get a card in Teams are named on the requester's card, as for groups.
    expect(cardText(alex.card)).toMatch(/Megan Bowen/);
    const requestId = (await alexRequest(stack)).id;
    await approvalsTick(stack);

    const shown = chats.find(megan, ALEX_CARD);
    const text = cardText(shown.card);
    expect(text).toContain('Microsoft Entra role activation');
    expect(text).toMatch(/Role Exchange Administrator/);
    expect(text).toMatch(/Scope whole directory/);
    expect(text).toMatch(/Why Mailbox move for Berlin/);
    expect(text).toMatch(/Ticket INC0049001/);
    expect(text).toMatch(/Access 1 hour from/);
    expect(text).toMatch(/Who approves Megan Bowen/);
    expect(buttonTitles(shown.card)).toEqual(['Approve', 'Deny']);
    // The role's policy asks approvers for a reason.
    expect(shown.card.body.find((el: any) => el.id === 'reason')).toMatchObject({ isRequired: true });
    expect(checkCard(shown.card)).toEqual([]);

    expect(appRoleReads((await stack.stack.graphCalls()) as GraphLogEntry[])).toEqual([]);
    await stack.clearGraphLog();
    const approved = await chats.click(megan, shown, 'Approve', { reason: 'Planned mailbox move' });
    expect(cardText(approved)).toMatch(/Approved by you/);
    expect(buttonTitles(approved)).toEqual([]);
    // Megan's own token decided, through beta (the only place Graph offers it).
    const patches = (await stack.roundTrips()).filter((e) => e.method === 'PATCH');
    expect(patches).toHaveLength(1);
    expect(patches[0].path).toMatch(
      new RegExp(`^/beta/roleManagement/directory/roleAssignmentApprovals/${requestId}/steps/`),
    );
    expect(patches[0].caller).toBe(MEGAN_ID);
    expect(patches[0].status).toBe(204);
    expect(await alexActiveRoles(stack)).toContain(EXCHANGE_ADMIN);
    await approvalsTick(stack);
    expect(appRoleReads((await stack.stack.graphCalls()) as GraphLogEntry[])).toEqual([]);

    // Alex's activation card says who decided and why.
    await stack.teams.waitFor(
      () =>
        /Exchange Administrator/.test(cardText(stack.current(alex.id))) &&
        /Megan Bowen/.test(cardText(stack.current(alex.id))),
      5000,
      "Alex's card naming Megan",
    );
    const alexText = cardText(stack.current(alex.id));
    expect(alexText).toMatch(/You are \*\*Exchange Administrator\*\* \(whole directory\) until/);
    expect(alexText).toMatch(/Planned mailbox move/);
  });

  it('a denial with a reason reaches Alex, and the approver card redraws when decided elsewhere', async () => {
    const alex = await alexAsks(stack);
    await approvalsTick(stack);
    const shown = chats.find(megan, ALEX_CARD);
    const noReason = await chats.click(megan, shown, 'Deny');
    expect(cardText(noReason)).toMatch(/needs a reason/);
    const denied = await chats.click(megan, shown, 'Deny', { reason: 'Not during the change freeze' });
    expect(cardText(denied)).toMatch(/Denied by you/);
    expect((await alexRequest(stack)).status).toBe('Denied');
    await stack.teams.waitFor(
      () => /Not during the change freeze/.test(cardText(stack.current(alex.id))),
      5000,
      "Alex's card with Megan's reason",
    );
    expect(cardText(stack.current(alex.id))).toMatch(/Megan Bowen/);
    // And a message of its own tells him, naming who denied and why.
    const told = chats.all(ALEX, /Not during the change freeze/).filter((c) => c.id !== alex.id);
    expect(told).toHaveLength(1);
    expect(cardText(told[0].card)).toMatch(/Megan Bowen/);
  });

  it('approvals lists Entra role activations in the summary, read in the same $batch as the other lists', async () => {
    await alexAsks(stack);
    await stack.clearGraphLog();
    const [summary] = await chats.say(megan, 'approvals');
    expect(cardText(summary.card)).toMatch(/Exchange Administrator role \(whole directory\)/);
    const log = await stack.roundTrips();
    const all = (await stack.stack.graphCalls()) as GraphLogEntry[];
    // The role list is an item of the listing's one $batch, not a round trip of its own.
    expect(roleApproverLists(all).every((e) => e.batchItem)).toBe(true);
    expect(roleApproverLists(all)).toHaveLength(1);
    expect(log.filter((e) => e.path === '/v1.0/$batch' && e.caller === MEGAN_ID)).toHaveLength(1);
    // Listing needs no beta read: the decision reads the approval's step when Megan clicks.
    expect(betaCalls(all)).toEqual([]);
    expect(appRoleReads(all)).toEqual([]);
  });

  it('once Megan is known to approve role activations, the watcher brings her one asked for outside Teams', async () => {
    await alexAsks(stack);
    expect(chats.all(megan, /Grady Archie asks/)).toEqual([]);
    await stack.clearGraphLog();
    await approvalsTick(stack);
    // Nobody typed anything: her own approver list, read with her background token, had Grady's request.
    const grady = chats.find(
      megan,
      /Grady Archie asks to activate the Exchange Administrator role \(whole directory\)/,
    );
    expect(cardText(grady.card)).toMatch(/Shared mailbox permissions for the Berlin office/);
    expect(buttonTitles(grady.card)).toEqual(['Approve', 'Deny']);
    const log = (await stack.stack.graphCalls()) as GraphLogEntry[];
    expect(roleApproverLists(log).map((e) => e.caller)).toEqual([MEGAN_ID]);
    expect(appRoleReads(log)).toEqual([]);
    // The next tick within APPROVAL_STAGE_PROBE_MINUTES reads no list again.
    await stack.clearGraphLog();
    await approvalsTick(stack);
    expect(roleApproverLists((await stack.stack.graphCalls()) as GraphLogEntry[])).toEqual([]);
  });

  it('finds a role activation asked for outside Teams when Megan lists her approvals, and follows it from then on', async () => {
    const [summary] = await chats.say(megan, 'approvals');
    expect(cardText(summary.card)).toMatch(/Grady Archie/);
    const grady = chats.find(megan, /Grady Archie asks to activate the Exchange Administrator role/);
    expect(buttonTitles(grady.card)).toEqual(['Approve', 'Deny']);
    // Decided in the Entra admin center: the watcher's next tick redraws her card.
    const root = `/beta/roleManagement/directory/roleAssignmentApprovals/${GRADY_REQUEST}`;
    const step = (await stack.graph(MEGAN_ID, 'GET', root)).body.steps[0];
    const denied = await stack.graph(MEGAN_ID, 'PATCH', `${root}/steps/${step.id}`, {
      reviewResult: 'Deny',
      justification: 'Use the shared mailbox role',
    });
    expect(denied.status).toBe(204);
    await approvalsTick(stack);
    const after = cardText(chats.current(megan, grady.id));
    expect(after).toMatch(/Denied by you/);
    expect(after).toMatch(/Use the shared mailbox role/);
  });

  it('when the role policy cannot be read at submit, the card reaches Megan once her own list reads it', async () => {
    const listed = await stack.list();
    let card = listed.card;
    for (let i = 0; i < 5 && !buttonTitles(card).includes('Activate Exchange Administrator'); i++) {
      card = await stack.press(card, 'Next', {}, listed.id);
    }
    const form = await stack.press(card, 'Activate Exchange Administrator', {}, listed.id);
    // Graph is busy for the role policy read right when Alex submits (the app never reads it: it is Alex's token).
    await stack.control('faults', {
      rules: [{ pathPattern: 'roleManagementPolicyAssignments', status: 503, count: 3 }],
    });
    const fields = { duration: '60', justification: 'Mailbox move for Berlin', ticketNumber: 'INC0049001' };
    expect(cardText(await stack.press(form, 'Activate', fields, listed.id))).toContain('Waiting for approval');
    await approvalsTick(stack);
    expect(chats.all(megan, ALEX_CARD)).toEqual([]);
    await stack.control('faults', undefined, 'DELETE');

    await chats.say(megan, 'approvals');
    const shown = chats.find(megan, ALEX_CARD);
    expect(cardText(shown.card)).toMatch(/Who approves Megan Bowen/);
    expect(shown.card.body.find((el: any) => el.id === 'reason')).toMatchObject({ isRequired: true });
  });

  it("Alex canceling his request turns Megan's card to canceled on the next tick, without buttons", async () => {
    const alex = await alexAsks(stack);
    const shown = chats.find(megan, ALEX_CARD);
    const canceled = await stack.press(alex.card, 'Yes, cancel it', {}, alex.id);
    expect(cardText(canceled)).toContain('Request canceled');
    await approvalsTick(stack);
    const after = chats.current(megan, shown.id);
    expect(cardText(after)).toMatch(/Canceled by the requester/);
    expect(buttonTitles(after)).toEqual([]);
  });

  it("a decision made in the Entra admin center (Graph beta straight) redraws Megan's card", async () => {
    await alexAsks(stack);
    await approvalsTick(stack);
    const shown = chats.find(megan, ALEX_CARD);
    const id = (await alexRequest(stack)).id;
    const approval = await stack.graph(MEGAN_ID, 'GET', `/beta/roleManagement/directory/roleAssignmentApprovals/${id}`);
    const step = approval.body.steps.find((s: any) => s.status === 'InProgress');
    const patched = await stack.graph(
      MEGAN_ID,
      'PATCH',
      `/beta/roleManagement/directory/roleAssignmentApprovals/${id}/steps/${step.id}`,
      { reviewResult: 'Approve', justification: 'Done in the portal' },
    );
    expect(patched.status).toBe(204);
    await approvalsTick(stack);
    const after = chats.current(megan, shown.id);
    // Read back as Megan (the approval's steps, beta): who decided and why, as Graph shows it.
    expect(cardText(after)).toMatch(/Approved by you/);
    expect(cardText(after)).toMatch(/Reason: Done in the portal/);
    expect(buttonTitles(after)).toEqual([]);
  });
});

/** The demo seed with Exchange Administrator approved without a reason (so "Approve all shown" includes it). */
function seedWithoutApproverReason(): SeedData {
  const seed = JSON.parse(readFileSync(DEFAULT_SEED_PATH, 'utf8'));
  const role = seed.directoryRoles.roleDefinitions.find((r: any) => r.id === EXCHANGE_ADMIN);
  role.policy.approval.isApproverJustificationRequired = false;
  return seed;
}

describe('ROLE_APPROVALS_BETA=on: "Approve all shown" with role activations among the rest', () => {
  let stack: ActivationDriver;
  let chats: Chats;
  beforeEach(async () => {
    stack = await ActivationDriver.start({ seed: seedWithoutApproverReason() }, ON);
    chats = new Chats(stack.teams, { checkReplies: true });
    await stack.teams.install(megan);
  });
  afterEach(async () => stack?.stop());

  it('approves the role activations through one beta $batch of reads and one of writes', async () => {
    await alexAsks(stack);
    const [summary] = await chats.say(megan, 'approvals');
    const listed = cardText(summary.card);
    expect(listed).toMatch(/Exchange Administrator role \(whole directory\)/);
    const confirm = await chats.press(megan, summary, 'Approve all shown');
    const count = Number(/Approve these (\d+) requests\?/.exec(cardText(confirm.card))?.[1]);
    expect(count).toBeGreaterThanOrEqual(2);
    await stack.clearGraphLog();
    const result = await chats.click(megan, confirm, `Yes, approve ${count} requests`);
    expect(cardText(result)).toMatch(new RegExp(`Approved ${count} requests`));
    const asMegan = (await stack.roundTrips()).filter((c) => c.caller === MEGAN_ID);
    const beta = asMegan.filter((c) => c.path.startsWith('/beta/'));
    expect(beta.map((c) => `${c.method} ${c.path}`)).toEqual(['POST /beta/$batch', 'POST /beta/$batch']);
    expect(asMegan.filter((c) => c.path.startsWith('/beta/') && c.path !== '/beta/$batch')).toEqual([]);
    expect((await alexRequest(stack)).status).toBe('Provisioned');
    expect(await alexActiveRoles(stack)).toContain(EXCHANGE_ADMIN);
  });
});

describe('ROLE_APPROVALS_BETA=on while Graph beta refuses role approvals (Microsoft changed or dropped them)', () => {
  let stack: ActivationDriver;
  let chats: Chats;
  beforeEach(async () => {
    stack = await ActivationDriver.start({ quirks: { roleApprovalsInBeta: false } }, ON);
    chats = new Chats(stack.teams, { checkReplies: true });
    await stack.teams.install(megan);
  });
  afterEach(async () => stack?.stop());

  it('says the approval could not be made, writes nothing, and the request still waits', async () => {
    // As Graph would if the beta segment went away: the devtenant refuses it (expected here).
    stack.stack.devtenant?.refusals.expect(/\/beta\/roleManagement\/directory\/roleAssignmentApprovals\//);
    await alexAsks(stack);
    const shown = chats.find(megan, ALEX_CARD);
    const answer = await chats.click(megan, shown, 'Approve', { reason: 'Planned mailbox move' });
    expect(cardText(answer)).toMatch(/Nothing was recorded/);
    expect(cardText(answer)).toMatch(/beta API for Microsoft Entra role approvals refused/);
    expect(cardText(answer)).toMatch(/Decide this request in the Microsoft Entra admin center/);
    expect(cardText(answer)).not.toMatch(/Approved by you/);
    expect((await alexRequest(stack)).status).toBe('PendingApproval');
    expect(await alexActiveRoles(stack)).not.toContain(EXCHANGE_ADMIN);
  });
});

describe('ROLE_APPROVALS_BETA off (the default): no role approver cards and no beta', () => {
  let stack: ActivationDriver;
  let chats: Chats;
  beforeEach(async () => {
    stack = await ActivationDriver.start();
    chats = new Chats(stack.teams);
    await stack.teams.install(megan);
  });
  afterEach(async () => stack?.stop());

  it('sends no card for a waiting role activation, calls no beta and lists no role requests', async () => {
    await stack.clearGraphLog();
    const alex = await alexAsks(stack);
    expect(cardText(alex.card)).not.toMatch(/Megan/);
    await approvalsTick(stack);
    expect(chats.all(megan, /Exchange Administrator/)).toEqual([]);
    await chats.say(megan, 'approvals');
    const all = (await stack.stack.graphCalls()) as GraphLogEntry[];
    expect(betaCalls(all)).toEqual([]);
    expect(roleApproverLists(all)).toEqual([]);
    expect(all.filter((e) => e.path.includes('roleAssignmentApprovals'))).toEqual([]);
    expect((await alexRequest(stack)).status).toBe('PendingApproval');
  });
});
