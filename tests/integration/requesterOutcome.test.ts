import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { formatDate } from '../../cards/requester/format.js';
import { formInputId } from '../../cards/requester/requestForm.js';
import { cardTimestamp } from '../../cards/time.js';
import { toRequestView } from '../../services/entitlement/parse.js';
import { PEOPLE } from '../devtenant/tokens.js';
import { Chats } from '../helpers/chats.js';
import { decideInMyAccess, graphAs } from '../helpers/devtenantGraph.js';
import { type Stack, startStack } from '../helpers/stack.js';
import { buttonTitles, type Card, cardsIn, cardText, findAction, teamsUser } from '../helpers/teamsHarness.js';

/**
 * What the requester is told about how an access package request ended (issue 13), over HTTP against the devtenant:
 * who decided and why (read with the requester's own token), for every stage; expiry and cancellation instead; "decided
 * in My Access" when Graph will not show it; Cancel asks in the card before anything reaches Graph; access that
 * starts later and renewals; while a later stage waits, the stages approved so far (read once per stage).
 */

const EM = '/identityGovernance/entitlementManagement';
const alex = teamsUser(PEOPLE.alex, 'Alex Wilber');
const DENY_REASON = 'Talk to Lee first, he owns the build agents';

interface Shown {
  card: Card;
  id: string;
}

async function say(stack: Stack, text: string): Promise<Shown> {
  const events = await stack.teams.say(alex, text);
  const event = events.find((e) => cardsIn(e.activity).length > 0);
  if (!event) throw new Error(`no card answered "${text}"`);
  return { card: cardsIn(event.activity)[0], id: event.activityId };
}

async function click(stack: Stack, shown: Shown, title: string, inputs: Record<string, string> = {}): Promise<Shown> {
  const reply = await stack.teams.click(alex, shown.card, title, inputs, shown.id);
  expect(reply.httpStatus).toBe(200);
  return { card: reply.body?.value, id: shown.id };
}

/** The part of a card (a Container) that mentions `text`, as a card of its own. */
function section(card: Card, text: string): Card {
  const found = (card.body ?? []).find((el: any) => el.type === 'Container' && JSON.stringify(el).includes(text));
  if (!found) throw new Error(`no section about "${text}" in: ${cardText(card)}`);
  return { type: 'AdaptiveCard', version: '1.5', body: [found] };
}

function requestIdOf(card: Card): string {
  const requestId = card.refresh?.action?.data?.requestId;
  if (typeof requestId !== 'string') throw new Error('not a status card');
  return requestId;
}

const notesTo = (stack: Stack, after: number) =>
  stack.teams.events
    .slice(after)
    .filter((e) => e.kind === 'send' && e.conversationId === stack.teams.conversationId(alex))
    .flatMap((e) => cardsIn(e.activity))
    .map(cardText);

async function resetTenant(stack: Stack): Promise<void> {
  expect((await fetch(`${stack.devtenant?.url}/_devtenant/reset`, { method: 'POST' })).status).toBe(200);
}

async function advanceTenantClock(stack: Stack, seconds: number): Promise<void> {
  const res = await fetch(`${stack.devtenant?.url}/_devtenant/clock`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ advanceSeconds: seconds }),
  });
  expect(res.status).toBe(200);
}

/** Alex asks for a package (one policy) with a justification; the status card as the submit's reply. */
async function requestPackage(stack: Stack, search: string, name: string, justification: string): Promise<Shown> {
  const results = await say(stack, `request ${search}`);
  const form = await click(stack, { card: section(results.card, name), id: results.id }, 'Request');
  return click(stack, form, 'Submit request', { [formInputId(0, 'justification')]: justification });
}

/** Developer Tools – Eligible Owner: one stage, Alex's manager Megan, 5 days. */
const devTools = (stack: Stack) =>
  requestPackage(stack, 'developer tools eligible owner', 'Developer Tools – Eligible Owner', 'Build agents');

/** Production Databases – Eligible DBA: two stages, Alex's manager Megan, then Security Reviewers (with a reason). */
const productionDatabases = (stack: Stack) =>
  requestPackage(
    stack,
    'production databases',
    'Production Databases – Eligible DBA',
    'DBA cover for the Q4 migration',
  );

/** The `my requests` row of a package. */
async function myRequestsRow(stack: Stack, name: string): Promise<string> {
  const mine = await say(stack, 'my requests');
  return cardText(section(mine.card, name));
}

describe('requester outcomes: who decided and why', () => {
  let stack: Stack;
  beforeAll(async () => {
    // The expiry case jumps the devtenant clock days ahead while the bot mints tokens on real time.
    stack = await startStack({ devtenant: { quirks: { tokenExpiryClock: 'real' } } });
  });
  afterAll(async () => stack?.stop());
  beforeEach(async () => resetTenant(stack));

  it('Megan denies with a reason: the status card, the notification and my requests name her and quote it', async () => {
    const status = await devTools(stack);
    expect(cardText(status.card)).toMatch(/Pending approval/);
    const requestId = requestIdOf(status.card);

    await decideInMyAccess(stack, requestId, PEOPLE.megan, 'Deny', DENY_REASON);
    await stack.clearGraphLog();
    const before = stack.teams.events.length;
    await stack.bot.watcher.tickNow();

    const said = `Denied by Megan Bowen: “${DENY_REASON}”`;
    const card = stack.teams.currentCard(alex, status.id);
    expect(cardText(card!)).toMatch(/^Developer Tools – Eligible Owner\nDenied\nYour request was denied\./);
    expect(cardText(card!)).toContain(said);
    const notes = notesTo(stack, before).filter((t) => t.includes('Developer Tools'));
    expect(notes).toHaveLength(1);
    expect(notes[0]).toContain(said);
    // Read with Alex's own token: what Graph shows the requester, not what an approver's read would show.
    const reads = (await stack.graphCalls()).filter((c) => c.path.includes('/accessPackageAssignmentApprovals/'));
    expect(reads.length).toBeGreaterThan(0);
    expect(reads.every((c) => c.caller?.includes(PEOPLE.alex))).toBe(true);

    expect(await myRequestsRow(stack, 'Developer Tools')).toContain(said);
  });

  it('two stages: each stage names who decided and why', async () => {
    const status = await productionDatabases(stack);
    const requestId = requestIdOf(status.card);
    await decideInMyAccess(stack, requestId, PEOPLE.megan, 'Approve', 'ok for Q1');
    await decideInMyAccess(stack, requestId, PEOPLE.lynne, 'Deny', 'Talk to Lee first');
    const before = stack.teams.events.length;
    await stack.bot.watcher.tickNow();

    const text = cardText(stack.teams.currentCard(alex, status.id)!);
    expect(text).toContain(
      'Stage 1 approved by Megan Bowen: “ok for Q1”\nStage 2 denied by Lynne Robbins: “Talk to Lee first”',
    );
    const both = 'Stage 1 approved by Megan Bowen: “ok for Q1” · Stage 2 denied by Lynne Robbins: “Talk to Lee first”';
    expect(notesTo(stack, before).join('\n')).toContain(both);
    expect(await myRequestsRow(stack, 'Production Databases')).toContain(both);
  });

  it('nobody decides in time: the card says it expired, and names nobody', async () => {
    const status = await devTools(stack);
    await advanceTenantClock(stack, 5 * 86_400 + 3600);
    await stack.bot.watcher.tickNow();
    const text = cardText(stack.teams.currentCard(alex, status.id)!);
    expect(text).toMatch(/^Developer Tools – Eligible Owner\nExpired without a decision\n/);
    expect(text).toContain('Nobody decided in time, so the request expired.');
    expect(text).not.toMatch(/ by |Decided in My Access/);
  });

  it('canceled here says "You canceled"; canceled in My Access says where it may have come from', async () => {
    const mine = await devTools(stack);
    const canceled = await click(stack, mine, 'Yes, cancel request');
    expect(cardText(canceled.card)).toMatch(/Canceled\nYou canceled this request\./);

    // A second request, canceled outside the bot (My Access, straight to Graph): the watcher tells Alex.
    const other = await devTools(stack);
    await cancelInMyAccess(stack, requestIdOf(other.card));
    await stack.bot.watcher.tickNow();
    expect(cardText(stack.teams.currentCard(alex, other.id)!)).toContain(
      'This request was canceled outside this chat: by you in My Access, or by an admin.',
    );
  });

  it('Cancel request asks first, in the card: nothing reaches Graph before "Yes, cancel request"', async () => {
    const status = await devTools(stack);
    const requestId = requestIdOf(status.card);
    const cancel = findAction(status.card, 'Cancel request');
    // A ShowCard opens in the client: the click itself sends nothing to the bot, let alone to Graph.
    expect(cancel?.action.type).toBe('Action.ShowCard');
    const asked = cardText(cancel?.action.card);
    const requested = (await graphAs(stack, PEOPLE.alex, 'GET', `${EM}/assignmentRequests/${requestId}`))
      .createdDateTime;
    expect(asked).toMatch(
      new RegExp(
        `^Withdraw your request for Developer Tools – Eligible Owner \\(requested ${escapeRe(formatDate(requested))}\\)\\?`,
      ),
    );
    await stack.clearGraphLog();
    const cancels = async () => (await stack.graphCalls()).filter((c) => c.path.endsWith('/cancel'));
    expect(await cancels()).toHaveLength(0);
    expect((await graphAs(stack, PEOPLE.alex, 'GET', `${EM}/assignmentRequests/${requestId}`)).state).toBe(
      'pendingApproval',
    );

    const done = await click(stack, status, 'Yes, cancel request');
    expect(cardText(done.card)).toMatch(/Canceled/);
    expect(await cancels()).toHaveLength(1);
    expect((await graphAs(stack, PEOPLE.alex, 'GET', `${EM}/assignmentRequests/${requestId}`)).state).toBe('canceled');
  });

  it('access that starts later: "Starts on" (no approval was needed), the chosen end, and my access lists it', async () => {
    const results = await say(stack, 'sandbox');
    const form = await click(stack, results, 'Request');
    const start = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
    const end = new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10);
    const status = await click(stack, form, 'Submit request', {
      [formInputId(0, `q:70000000-0000-4000-8000-000000000001`)]: 'CC-4711',
      [formInputId(0, `q:70000000-0000-4000-8000-000000000002`)]: 'westeurope',
      [formInputId(0, 'startDate')]: start,
      [formInputId(0, 'endDate')]: end,
    });
    const requestId = requestIdOf(status.card);
    const inGraph = await graphAs(stack, PEOPLE.alex, 'GET', `${EM}/assignmentRequests/${requestId}`);
    expect(inGraph.state).toBe('scheduled');
    const startsOn = formatDate(inGraph.schedule.startDateTime);
    const endsOn = formatDate(toRequestView(inGraph).requestedEndsAt ?? 'no end');
    expect(endsOn).toMatch(/^\{\{DATE\(\d{4}-\d\d-\d\dT[\d:]+Z, SHORT\)\}\}$/);
    const text = cardText(status.card);
    expect(text).toMatch(
      new RegExp(
        `^Cloud Sandbox Subscription\\nStarts on ${escapeRe(startsOn)}\\nYour access starts on ${escapeRe(startsOn)}\\.`,
      ),
    );
    expect(text).not.toMatch(/Approved/);
    expect(text).toContain(`Access until ${endsOn} (as you asked)`);

    const access = await say(stack, 'my access');
    expect(cardText(section(access.card, 'Cloud Sandbox'))).toContain(`Starts on ${startsOn}, until ${endsOn}`);
  });

  it('a renewal is labelled as one in the status card and in my requests', async () => {
    const first = await requestPackage(stack, 'campaign workspace', 'Marketing Campaign Workspace', 'Launch posts');
    expect(cardText(first.card)).toMatch(/^Marketing Campaign Workspace\nDelivered/);
    await advanceTenantClock(stack, 1800);
    const access = await say(stack, 'my access');
    const renewForm = await click(stack, { card: section(access.card, 'Marketing Campaign'), id: access.id }, 'Renew');
    const renewed = await click(stack, renewForm, 'Submit request', {
      [formInputId(0, 'justification')]: 'Campaign runs a month longer',
    });
    expect(cardText(renewed.card)).toMatch(/^Renewal of Marketing Campaign Workspace\nDelivered/);
    const mine = cardText((await say(stack, 'my requests')).card);
    expect(mine).toContain('**Renewal of Marketing Campaign Workspace**');
    expect(mine.match(/\*\*(Renewal of )?Marketing Campaign Workspace\*\*/g)).toEqual([
      '**Renewal of Marketing Campaign Workspace**',
      '**Marketing Campaign Workspace**',
    ]);
  });
});

/** Alex cancels `requestId` in My Access (straight to Graph, with his token): the bot is not told. */
async function cancelInMyAccess(stack: Stack, requestId: string): Promise<void> {
  await graphAs(stack, PEOPLE.alex, 'POST', `${EM}/assignmentRequests/${requestId}/cancel`);
}

describe('requester outcomes: when Graph will not show the requester who decided', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ devtenant: { quirks: { emRequestorReadsApproval: false } } });
  });
  afterAll(async () => stack?.stop());

  it('says "decided in My Access" in the card, the notification and my requests, never the reason', async () => {
    const status = await devTools(stack);
    const requestId = requestIdOf(status.card);
    await decideInMyAccess(stack, requestId, PEOPLE.megan, 'Deny', DENY_REASON);
    const before = stack.teams.events.length;
    await stack.bot.watcher.tickNow();

    const said = 'Decided in My Access: I cannot see who decided or why.';
    const text = cardText(stack.teams.currentCard(alex, status.id)!);
    expect(text).toMatch(/Denied/);
    expect(text).toContain(said);
    const notes = notesTo(stack, before)
      .filter((t) => t.includes('Developer Tools'))
      .join('\n');
    expect(notes).toContain(said);
    const row = await myRequestsRow(stack, 'Developer Tools');
    expect(row).toContain(said);
    for (const shown of [text, notes, row]) {
      expect(shown).not.toContain('Megan Bowen');
      expect(shown).not.toContain('Talk to Lee');
    }
    expect(buttonTitles(stack.teams.currentCard(alex, status.id)!)).toContain('Request again');
  });
});

describe('requester outcomes: the decided stages while a later one waits', () => {
  let stack: Stack;
  const probeMinutes = process.env.APPROVAL_STAGE_PROBE_MINUTES;
  const notesAbout = (after: number) => notesTo(stack, after).filter((t) => t.includes('Production Databases'));
  /** Reads of the request's approval made with Alex's token since the last clearGraphLog. */
  const alexApprovalReads = async (requestId: string) =>
    (await stack.graphCalls()).filter(
      (c) => c.path.includes(`/accessPackageAssignmentApprovals/${requestId}`) && c.caller?.includes(PEOPLE.alex),
    );
  beforeAll(async () => {
    // Multi-stage requests are re-read as an approver on every tick (default: every 5 minutes).
    process.env.APPROVAL_STAGE_PROBE_MINUTES = '0';
    stack = await startStack();
    // Megan has talked to the bot: the watcher reads the stages with her token and sees stage 1 decided.
    await stack.teams.install(teamsUser(PEOPLE.megan, 'Megan Bowen'));
  });
  afterAll(async () => {
    await stack?.stop();
    if (probeMinutes === undefined) delete process.env.APPROVAL_STAGE_PROBE_MINUTES;
    else process.env.APPROVAL_STAGE_PROBE_MINUTES = probeMinutes;
  });

  it('stage 1 approved in My Access: card, notification and my requests name Megan and the waiting stage', async () => {
    const status = await productionDatabases(stack);
    const requestId = requestIdOf(status.card);
    await stack.bot.watcher.tickNow();
    expect(cardText(stack.teams.currentCard(alex, status.id)!)).not.toMatch(/Stage 1 approved/);

    await decideInMyAccess(stack, requestId, PEOPLE.megan, 'Approve', 'ok for Q1');
    const stage1 = (await graphAs(stack, PEOPLE.megan, 'GET', `${EM}/accessPackageAssignmentApprovals/${requestId}`))
      .stages[0];
    await stack.clearGraphLog();
    const before = stack.teams.events.length;
    await stack.bot.watcher.tickNow();

    const approved = 'Stage 1 approved by Megan Bowen: “ok for Q1”';
    const since = `since {{DATE(${cardTimestamp(stage1.reviewedDateTime)}, SHORT)}}`;
    const waiting = `Stage 2: waiting for a member of Security Reviewers ${since}`;
    const card = cardText(stack.teams.currentCard(alex, status.id)!);
    expect(card).toMatch(/^Production Databases – Eligible DBA\nPending approval\n/);
    expect(card).toContain(`${approved}\n${waiting}`);
    // Read once, with Alex's own token.
    expect(await alexApprovalReads(requestId)).toHaveLength(1);
    const notes = notesAbout(before);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toContain(`${approved} · ${waiting}`);

    // Nothing moved: no read of the approval with Alex's token, no second notification.
    await stack.clearGraphLog();
    const quiet = stack.teams.events.length;
    await stack.bot.watcher.tickNow();
    expect(await alexApprovalReads(requestId)).toHaveLength(0);
    expect(notesAbout(quiet)).toHaveLength(0);

    expect(await myRequestsRow(stack, 'Production Databases')).toContain(`${approved} · ${waiting}`);
    expect(await alexApprovalReads(requestId)).toHaveLength(0);

    // Stage 2 decided: the final read replaces what was kept while it waited.
    await decideInMyAccess(stack, requestId, PEOPLE.lynne, 'Approve', 'Change CHG0034127 reviewed');
    await stack.bot.watcher.tickNow();
    const done = cardText(stack.teams.currentCard(alex, status.id)!);
    expect(done).toContain(`${approved}\nStage 2 approved by Lynne Robbins: “Change CHG0034127 reviewed”`);
    expect(done).not.toMatch(/waiting for/);
  });

  it("stage 1 approved by Megan on her card in Teams: Alex's card says so at once, the next tick tells him once", async () => {
    await resetTenant(stack); // the test before left Alex holding the package
    const megan = teamsUser(PEOPLE.megan, 'Megan Bowen');
    const status = await productionDatabases(stack);
    await stack.bot.watcher.tickNow(); // Megan gets her approval card
    const chats = new Chats(stack.teams, { ownChatOnly: true });
    const approval = chats.find(megan, /Alex Wilber asks for Production Databases/);
    const reply = await chats.click(megan, approval, 'Approve', { reason: 'Cover agreed with the DBA lead' });
    expect(cardText(reply)).toMatch(/You approved stage 1/);

    const approved = 'Stage 1 approved by Megan Bowen: “Cover agreed with the DBA lead”';
    expect(cardText(stack.teams.currentCard(alex, status.id)!)).toContain(approved);
    expect(cardText(stack.teams.currentCard(alex, status.id)!)).toContain('Stage 2: waiting for a member of Security');
    const before = stack.teams.events.length;
    await stack.bot.watcher.tickNow();
    await stack.bot.watcher.tickNow();
    const notes = notesAbout(before);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toContain(approved);
  });
});

function escapeRe(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
