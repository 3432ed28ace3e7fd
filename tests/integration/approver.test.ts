import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approverJourney } from '../../bot/journeys/approver/index.js';
import { formInputId } from '../../cards/requester/requestForm.js';
import type { SeedData } from '../../devtenant/index.js';
import { PEOPLE } from '../devtenant/tokens.js';
import { checkCard } from '../helpers/cardCheck.js';
import { Chats, type Shown } from '../helpers/chats.js';
import { decideInMyAccess, emRequest, graphAs } from '../helpers/devtenantGraph.js';
import { type Stack, startStack } from '../helpers/stack.js';
import { buttonTitles, type Card, cardsIn, cardText, type TeamsUser, teamsUser } from '../helpers/teamsHarness.js';

/**
 * The approver journey over HTTP: the bot, the devtenant (a local Graph) and the Teams-like harness. People: Alex
 * (approver of IT requests), Megan (Alex's and Lee's manager), Lynne and Miriam (Security Reviewers), Lee, Grady.
 */

// Multi-stage requests are re-read as an approver on every tick (default: every 5 minutes).
process.env.APPROVAL_STAGE_PROBE_MINUTES = '0';

const EM = '/identityGovernance/entitlementManagement';
const PIM = '/identityGovernance/privilegedAccess/group';
const id = (prefix: string, n: number) => `${prefix}-0000-4000-8000-${String(n).padStart(12, '0')}`;
const SALESFORCE_REQUEST = id('90000000', 1); // Isaiah; approvers: IT Operations Approvers (Alex, Megan, Grady)
const NETWORK_OPS_REQUEST = id('90000000', 2); // Johanna; approver: Alex
const ALEX_VISIO_REQUEST = id('90000000', 3); // Alex; approver: his manager Megan
const LEE_NETWORK_ACTIVATION = id('b0000000', 1); // Lee activates Network Admins; approvers Alex, Patti
const DBA_PACKAGE = id('40000000', 2); // two stages: manager, then Security Reviewers (reason required)
const EXCHANGE_GROUP = id('20000000', 16);

const alex = teamsUser(PEOPLE.alex, 'Alex Wilber');
const megan = teamsUser(PEOPLE.megan, 'Megan Bowen');
const lee = teamsUser(PEOPLE.lee, 'Lee Gu');
const grady = teamsUser(PEOPLE.grady, 'Grady Archie');
const lynne = teamsUser(PEOPLE.lynne, 'Lynne Robbins');
const miriam = teamsUser(PEOPLE.miriam, 'Miriam Graham');

async function patches(stack: Stack) {
  return (await stack.graphCalls()).filter((c) => c.method === 'PATCH');
}

async function tick(stack: Stack): Promise<void> {
  const report = await stack.bot.watcher.tickNow();
  expect(report.sources.find((s) => s.name === 'approvals')?.ok).toBe(true);
}

/** Requests an access package through the requester journey; returns the status card. */
async function requestThroughBot(chats: Chats, user: TeamsUser, search: string, justification: string): Promise<Shown> {
  const [results] = await chats.say(user, `request ${search}`);
  const form = await chats.press(user, results, 'Request');
  await chats.click(user, form, 'Submit request', { [formInputId(0, 'justification')]: justification });
  return { card: chats.current(user, results.id), id: results.id };
}

const requestIdOf = (card: Card): string => card.refresh?.action?.data?.requestId;

describe('approval cards reach each approver by themselves, and every copy follows the decision', () => {
  let stack: Stack;
  let chats: Chats;
  beforeAll(async () => {
    stack = await startStack();
    chats = new Chats(stack.teams, { checkReplies: true });
    for (const user of [alex, megan, lee]) await stack.teams.install(user);
  });
  afterAll(async () => stack?.stop());

  it('sends each approver of a waiting request its card on the first watcher tick, with who, what, why and when', async () => {
    await tick(stack);
    const forAlex = chats.find(alex, /Isaiah Langer asks for Salesforce/);
    const text = cardText(forAlex.card);
    expect(text).toContain('Isaiah Langer (Account Executive, Sales)');
    expect(text).toMatch(/Manager Irvin Sayers/);
    expect(text).toMatch(/Grants Sales Cloud User of Salesforce/);
    expect(text).toMatch(/Why Q3 pipeline reviews/);
    // Times in the reader's zone through DATE/TIME (Alex's zone is unknown here: with the date); the due day is
    // counted in calendar days, so 12 days 22 hours away is 12 or 13 days depending on the hour the test runs.
    expect(text).toMatch(/Requested \{\{DATE\(\S+Z, SHORT\)\}\} \{\{TIME\(\S+Z\)\}\}/);
    expect(text).toMatch(/Decision due in 1[23] days \(\{\{DATE\(\S+Z, SHORT\)\}\} \{\{TIME\(\S+Z\)\}\}\)/);
    expect(text).toMatch(/Grady Archie and Megan Bowen can also decide/);
    expect(buttonTitles(forAlex.card)).toEqual(['Approve', 'Deny']);
    expect(forAlex.card.refresh.action).toMatchObject({
      verb: 'refreshApproval',
      data: { kind: 'em', id: SALESFORCE_REQUEST },
    });
    expect(forAlex.card.refresh.userIds).toEqual([alex.teamsId]);
    expect(checkCard(forAlex.card)).toEqual([]);
    expect(chats.find(megan, /Isaiah Langer asks for Salesforce/).card).toBeTruthy();
    expect(chats.find(alex, /Lee Gu asks to activate membership of Network Admins/).card).toBeTruthy();
    // The requester is never asked to decide, and a second tick sends nothing again.
    const before = stack.teams.events.length;
    await tick(stack);
    expect(stack.teams.events.slice(before).filter((e) => e.kind === 'send')).toHaveLength(0);
  });

  it("approves with two Graph round trips (get, patch) as the approver; the other approver's card changes", async () => {
    const card = chats.find(alex, /Isaiah Langer asks for Salesforce/);
    await stack.clearGraphLog();
    const reply = await chats.click(alex, card, 'Approve');
    expect(cardText(reply)).toMatch(/Approved by you/);
    expect(buttonTitles(reply)).toEqual([]);
    const asAlex = (await stack.graphCalls()).filter((c) => c.caller === PEOPLE.alex);
    expect(asAlex.map((c) => `${c.method} ${c.path.split('?')[0]}`)).toEqual([
      `GET /v1.0${EM}/accessPackageAssignmentApprovals/${SALESFORCE_REQUEST}`,
      expect.stringMatching(
        new RegExp(`^PATCH /v1.0${EM}/accessPackageAssignmentApprovals/${SALESFORCE_REQUEST}/stages/`),
      ),
    ]);
    const meganCopy = chats.find(megan, /Isaiah Langer asks for Salesforce/);
    expect(cardText(meganCopy.card)).toMatch(/Approved by Alex Wilber/);
    expect(buttonTitles(meganCopy.card)).toEqual([]);
    expect((await emRequest(stack, SALESFORCE_REQUEST)).state).toBe('delivered');
  });

  it('denies with a reason: Graph holds the reason and the card says Denied by you', async () => {
    const card = chats.find(alex, /Johanna Lorenz asks for Network Operations/);
    const reply = await chats.click(alex, card, 'Deny', { reason: 'Not on the on-call rota yet' });
    expect(cardText(reply)).toMatch(/Denied by you/);
    expect(cardText(reply)).toMatch(/Reason: Not on the on-call rota yet/);
    expect((await emRequest(stack, NETWORK_OPS_REQUEST)).state).toBe('denied');
    const approval = await graphAs(
      stack,
      PEOPLE.alex,
      'GET',
      `${EM}/accessPackageAssignmentApprovals/${NETWORK_OPS_REQUEST}`,
    );
    expect(approval.stages[0]).toMatchObject({ reviewResult: 'Denied', justification: 'Not on the on-call rota yet' });
  });

  it('approves a PIM activation: Graph provisions the membership', async () => {
    const card = chats.find(alex, /Lee Gu asks to activate membership of Network Admins/);
    expect(cardText(card.card)).toMatch(/Access 2 hours from/);
    const reply = await chats.click(alex, card, 'Approve');
    expect(cardText(reply)).toMatch(/Approved by you/);
    const request = await graphAs(
      stack,
      PEOPLE.lee,
      'GET',
      `${PIM}/assignmentScheduleRequests/${LEE_NETWORK_ACTIVATION}`,
    );
    expect(request.status).toBe('Provisioned');
  });
});

describe("the requester's card, the manager, reminders and decisions made outside Teams", () => {
  let stack: Stack;
  let chats: Chats;
  beforeAll(async () => {
    stack = await startStack();
    chats = new Chats(stack.teams, { checkReplies: true });
    for (const user of [alex, megan, lee, grady]) await stack.teams.install(user);
  });
  afterAll(async () => stack?.stop());

  it("asks the requester's manager; approving changes the requester's status card", async () => {
    const status = await requestThroughBot(chats, lee, 'visio', 'Architecture diagrams for the DR runbook');
    const requestId = requestIdOf(status.card);
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    await tick(stack);
    const forMegan = chats.find(megan, /Lee Gu asks for Visio/);
    expect(cardText(forMegan.card)).toMatch(/^Manager You$/m);
    expect(cardText(forMegan.card)).toMatch(/Your decision is needed\.$/m);
    expect(chats.all(alex, /Lee Gu asks for Visio/)).toHaveLength(0);
    const reply = await chats.click(megan, forMegan, 'Approve');
    expect(cardText(reply)).toMatch(/Approved by you/);
    expect(cardText(chats.current(lee, status.id))).toMatch(/Delivered|Approved/);
    expect((await emRequest(stack, requestId)).state).toBe('delivered');
  });

  it('lets the requester remind the approvers once a day, and nobody else', async () => {
    const status = await requestThroughBot(chats, grady, 'visio', 'Floor plans for the new office');
    const requestId = requestIdOf(status.card);
    await tick(stack);
    const before = stack.teams.events.length;
    const first = await stack.teams.invoke(grady, 'remindApprovers', { requestId }, status.id);
    expect(first.body?.type).toBe('application/vnd.microsoft.activity.message');
    expect(first.body?.value).toMatch(/I reminded Megan Bowen/);
    const reminder = stack.teams.events.slice(before).filter((e) => e.conversationId.includes(megan.aadObjectId));
    expect(reminder).toHaveLength(1);
    expect(cardText(cardsIn(reminder[0].activity)[0])).toMatch(
      /Reminder: Grady Archie is still waiting for your decision/,
    );
    const again = await stack.teams.invoke(grady, 'remindApprovers', { requestId }, status.id);
    expect(again.body?.value).toMatch(/already reminded the approvers today/);
    const stranger = await stack.teams.invoke(lee, 'remindApprovers', { requestId });
    expect(stranger.body?.value).toMatch(/Only the person who made the request/);
    // An id that does not exist gets the stranger's answer too, so the answer does not tell which ids exist.
    const unknown = await stack.teams.invoke(lee, 'remindApprovers', {
      requestId: '90000000-0000-4000-8000-000000000777',
    });
    expect(unknown.body).toEqual(stranger.body);
  });

  it('notices a decision made in My Access within one tick: every copy and the requester card change', async () => {
    const grStatus = chats.find(grady, /Visio/);
    const requestId = requestIdOf(grStatus.card);
    const copies = chats.all(megan, /Grady Archie asks for Visio/);
    expect(copies).toHaveLength(2); // the first card and the reminder
    await decideInMyAccess(stack, requestId, PEOPLE.megan, 'Deny');
    await tick(stack);
    for (const copy of chats.all(megan, /Grady Archie asks for Visio/)) {
      expect(cardText(copy.card)).toMatch(/Denied by you/);
      expect(cardText(copy.card)).toMatch(/Reason: Decided in My Access/);
      expect(buttonTitles(copy.card)).toEqual([]);
    }
    expect(cardText(chats.current(grady, grStatus.id))).toMatch(/Denied/);
  });

  it('sends each approver a daily digest of what still waits for them', async () => {
    const [digest] = approverJourney.watchSources!(stack.bot.app).filter((s) => s.name === 'approvalDigest');
    // Noon UTC today: the ticks 24 h and 25 h later then fall in one 24 h digest period (periods start at midnight
    // UTC), at any hour the test runs.
    const now = new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000 + 12 * 3600_000);
    await digest.tick(now); // a fresh bot only notes the period
    const before = stack.teams.events.length;
    await digest.tick(new Date(now.getTime() + 24 * 3600_000));
    const sent = stack.teams.events.slice(before).filter((e) => e.conversationId.includes(megan.aadObjectId));
    expect(sent).toHaveLength(1);
    const text = cardText(cardsIn(sent[0].activity)[0]);
    expect(text).toMatch(/requests? still waits? for your decision/);
    expect(text).toMatch(/Alex Wilber Visio & Project Licences · waiting/);
    expect(text).toMatch(/Isaiah Langer Salesforce/);
    expect(stack.teams.events.slice(before).some((e) => e.conversationId.includes(alex.aadObjectId))).toBe(true);
    const after = stack.teams.events.length;
    await digest.tick(new Date(now.getTime() + 25 * 3600_000));
    expect(stack.teams.events.length).toBe(after);
  });
});

describe('decisions when no approver has talked to the bot (no approver token in the background)', () => {
  let stack: Stack;
  let chats: Chats;
  beforeAll(async () => {
    stack = await startStack();
    chats = new Chats(stack.teams, { checkReplies: true });
    // Only the requester has talked to the bot: production would hold no sign-in for Megan, the approver.
    await stack.teams.install(lee);
  });
  afterAll(async () => stack?.stop());

  it('gets the outcome right from the request alone and says where it was decided; reads nothing as the approver', async () => {
    const status = await requestThroughBot(chats, lee, 'visio', 'Wiring diagrams for the lab');
    const requestId = requestIdOf(status.card);
    await tick(stack);
    await decideInMyAccess(stack, requestId, PEOPLE.megan, 'Deny', 'Budget freeze until April');
    await stack.clearGraphLog();
    await tick(stack);

    // The watcher never acted as Megan: no delegated read without a token production would have.
    const calls = await stack.graphCalls();
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.filter((c) => c.caller === PEOPLE.megan)).toEqual([]);
    expect(cardText(chats.current(lee, status.id))).toMatch(/Denied/);
    expect(cardText(chats.current(lee, status.id))).not.toMatch(/Approved|Delivered/);

    // Megan's card waited for her; when she first talks to the bot it says how and where it ended, not by whom.
    await stack.teams.install(megan);
    await stack.teams.waitFor(() => chats.all(megan, /Lee Gu asks for Visio/).length > 0, 5000, "Megan's card");
    const card = chats.find(megan, /Lee Gu asks for Visio/).card;
    expect(cardText(card)).toMatch(/Denied in My Access/);
    expect(cardText(card)).not.toMatch(/Denied by|Your decision is needed|Budget freeze/);
    expect(buttonTitles(card)).toEqual([]);
  });
});

describe('APPROVAL_DIGEST_HOURS sets the digest period; 0 turns it off', () => {
  let sixHourly: Stack;
  let off: Stack;
  beforeAll(async () => {
    [sixHourly, off] = await Promise.all([
      startStack({ env: { APPROVAL_DIGEST_HOURS: '6' } }),
      startStack({ env: { APPROVAL_DIGEST_HOURS: '0' } }),
    ]);
    for (const stack of [sixHourly, off]) {
      await stack.teams.install(megan);
      await tick(stack);
    }
  });
  afterAll(async () => Promise.all([sixHourly?.stop(), off?.stop()]));

  /** Digests Megan gets over a day of digest ticks every 6 hours, after a first tick that only notes the period. */
  async function digestsOverADay(stack: Stack): Promise<number> {
    const [digest] = approverJourney.watchSources!(stack.bot.app).filter((s) => s.name === 'approvalDigest');
    const start = Date.now();
    await digest.tick(new Date(start));
    const before = stack.teams.events.length;
    for (let h = 6; h <= 24; h += 6) await digest.tick(new Date(start + h * 3600_000));
    return stack.teams.events
      .slice(before)
      .filter((e) => e.kind === 'send' && e.conversationId.includes(megan.aadObjectId))
      .filter((e) => cardsIn(e.activity).some((c) => /still waits? for your decision/.test(cardText(c)))).length;
  }

  it('sends a digest every 6 hours with APPROVAL_DIGEST_HOURS=6, and none with 0', async () => {
    expect(await digestsOverADay(sixHourly)).toBe(4);
    expect(await digestsOverADay(off)).toBe(0);
  });
});

describe('two-stage approval: manager, then Security Reviewers with a reason', () => {
  let stack: Stack;
  let chats: Chats;
  beforeAll(async () => {
    stack = await startStack();
    chats = new Chats(stack.teams, { checkReplies: true });
    for (const user of [megan, lee, grady, lynne, miriam]) await stack.teams.install(user);
  });
  afterAll(async () => stack?.stop());

  const requestDba = async (who: string) => {
    const created = await graphAs(stack, who, 'POST', `${EM}/assignmentRequests`, {
      requestType: 'userAdd',
      justification: 'DBA cover for the Q4 migration',
      assignment: { accessPackageId: DBA_PACKAGE },
    });
    return created.id as string;
  };

  it('stage 1 by the manager in Teams, stage 2 asks the reviewers at once, a reason is required there', async () => {
    const requestId = await requestDba(PEOPLE.lee);
    await tick(stack);
    const first = chats.find(megan, /Lee Gu asks for Production Databases/);
    expect(cardText(first.card)).toMatch(/stage 1 of 2/);
    expect(chats.all(lynne, /Lee Gu asks/)).toHaveLength(0);
    const reply = await chats.click(megan, first, 'Approve');
    expect(cardText(reply)).toMatch(/You approved stage 1\. Stage 2 now waits for Lynne Robbins and Miriam Graham\./);
    expect(buttonTitles(reply)).toEqual([]);

    const forLynne = chats.find(lynne, /Lee Gu asks for Production Databases/);
    expect(cardText(forLynne.card)).toMatch(/stage 2 of 2/);
    expect(cardText(forLynne.card)).toMatch(/Stage 1: approved by Megan Bowen/);
    expect(forLynne.card.body.find((el: any) => el.id === 'reason')).toMatchObject({ isRequired: true });
    await stack.clearGraphLog();
    const noReason = await chats.click(lynne, forLynne, 'Approve');
    expect(cardText(noReason)).toMatch(/needs a reason/);
    expect(await patches(stack)).toHaveLength(0);
    const approved = await chats.click(lynne, forLynne, 'Approve', { reason: 'Change CHG0034127 reviewed' });
    expect(cardText(approved)).toMatch(/Approved by you/);
    expect(cardText(chats.find(miriam, /Lee Gu asks for Production Databases/).card)).toMatch(
      /Approved by Lynne Robbins/,
    );
    expect(cardText(chats.current(megan, first.id))).toMatch(/Approved by Lynne Robbins/);
    expect((await emRequest(stack, requestId)).state).toBe('delivered');
  });

  it('notices stage 1 approved outside Teams and asks the stage 2 reviewers', async () => {
    await requestDba(PEOPLE.grady);
    await tick(stack);
    const card = chats.find(megan, /Grady Archie asks for Production Databases/);
    const requestId = card.card.refresh.action.data.id;
    await decideInMyAccess(stack, requestId, PEOPLE.megan, 'Approve');
    await tick(stack);
    expect(cardText(chats.current(megan, card.id))).toMatch(/You approved stage 1\. Stage 2 now waits for/);
    expect(cardText(chats.find(miriam, /Grady Archie asks for Production Databases/).card)).toMatch(/stage 2 of 2/);
  });
});

describe('"approvals": what waits for me, both kinds, and Approve all shown', () => {
  let stack: Stack;
  let chats: Chats;
  beforeAll(async () => {
    stack = await startStack();
    chats = new Chats(stack.teams, { checkReplies: true });
    for (const user of [alex, megan]) await stack.teams.install(user);
  });
  afterAll(async () => stack?.stop());

  it("lists pending approvals oldest first without the watcher; approving a PIM activation turns the requester's card active", async () => {
    const [list] = await chats.say(alex, 'activate');
    const form = { card: await chats.click(alex, list, 'Activate Exchange Online Admins'), id: list.id };
    const waiting = await chats.click(alex, form, 'Activate', { duration: '60', justification: 'Mailbox migration' });
    expect(cardText(waiting)).toContain('Waiting for approval');

    const cards = await chats.say(megan, 'approvals');
    expect(cardText(cards[0].card)).toMatch(/3 requests wait for your decision/);
    const order = cards.slice(1).map((c) => cardText(c.card).split('\n')[1]);
    expect(order).toEqual([
      'Isaiah Langer asks for Salesforce – Sales Cloud User',
      'Alex Wilber asks for Visio & Project Licences',
      'Alex Wilber asks to activate membership of Exchange Online Admins',
    ]);
    const exchange = cards[3];
    const reply = await chats.click(megan, exchange, 'Approve');
    expect(cardText(reply)).toMatch(/Approved by you/);
    expect(cardText(chats.current(alex, list.id))).toContain('You are a member of **Exchange Online Admins** until');
    // Alex is also told in a message of its own. Graph does not show a requester the PIM approval (the devtenant's
    // default), so card and message say where it was decided rather than naming Megan.
    const notes = chats.all(alex, /only to its approvers/).filter((s) => s.id !== list.id);
    expect(notes.map((n) => cardText(n.card).split('\n')[0])).toEqual([
      expect.stringMatching(/^You are a member of \*\*Exchange Online Admins\*\* until/),
    ]);
    const members = await graphAs(stack, PEOPLE.megan, 'GET', `/groups/${EXCHANGE_GROUP}/members`);
    expect(members.value.map((m: any) => m.id)).toContain(PEOPLE.alex);
  });

  it('approves every shown request that needs no reason after one confirmation, in two round trips', async () => {
    const [summary] = await chats.say(megan, 'approvals');
    expect(cardText(summary.card)).toMatch(/2 requests wait for your decision/);
    const confirm = await chats.press(megan, summary, 'Approve all shown');
    expect(cardText(confirm.card)).toMatch(/^Approve these 2 requests\?$/m);
    await stack.clearGraphLog();
    const result = await chats.click(megan, confirm, 'Yes, approve 2 requests');
    expect(cardText(result)).toMatch(/Approved 2 requests/);
    const asMegan = (await stack.graphCalls()).filter((c) => c.caller === PEOPLE.megan && !c.batchItem);
    expect(asMegan.map((c) => `${c.method} ${c.path}`)).toEqual(['POST /v1.0/$batch', 'POST /v1.0/$batch']);
    expect((await emRequest(stack, SALESFORCE_REQUEST)).state).toBe('delivered');
    expect((await emRequest(stack, ALEX_VISIO_REQUEST)).state).toBe('delivered');
    const [empty] = await chats.say(megan, 'approvals');
    expect(cardText(empty.card)).toMatch(/Nothing waits for your decision/);
  });
});

/** The demo seed with Johanna's request expiring 30 minutes from now (its stage times out after 3 h 30 min). */
function seedWithShortTimeout(): SeedData {
  const seed = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../devtenant/seed/demo.json'), 'utf8'));
  const pkg = seed.accessPackages.find((p: any) => p.id === id('40000000', 5));
  pkg.policies[0].requestApprovalSettings.stages[0].durationBeforeAutomaticDenial = 'PT3H30M';
  return seed;
}

describe('bad input: refused or explained, never a second decision', () => {
  let stack: Stack;
  let chats: Chats;
  beforeAll(async () => {
    stack = await startStack({
      devtenant: { seed: seedWithShortTimeout(), timing: { submittedToNextMs: 0, deliveringToDeliveredMs: 0 } },
    });
    chats = new Chats(stack.teams, { checkReplies: true });
    for (const user of [alex, megan, lynne]) await stack.teams.install(user);
    await tick(stack);
  });
  afterAll(async () => stack?.stop());

  it('refuses a card forwarded to someone who is not an approver, without writing', async () => {
    const card = chats.find(alex, /Isaiah Langer asks for Salesforce/);
    await stack.clearGraphLog();
    const reply = await stack.teams.click(lynne, card.card, 'Approve');
    expect(cardText(reply.body!.value)).toMatch(/You are not an approver of this request/);
    const calls = await stack.graphCalls();
    expect(calls.filter((c) => c.method !== 'GET')).toEqual([]);
    expect(calls.every((c) => c.caller === PEOPLE.lynne)).toBe(true);
  });

  it('refuses approval data edited to point at another request, before any Graph call', async () => {
    const card = chats.find(alex, /Isaiah Langer asks for Salesforce/);
    const data = card.card.actions.find((a: any) => a.title === 'Approve').data;
    await stack.clearGraphLog();
    const reply = await stack.teams.invoke(alex, 'approve', { ...data, id: NETWORK_OPS_REQUEST }, card.id);
    expect(cardText(reply.body!.value)).toMatch(/This card was changed or is out of date/);
    expect(await stack.graphCalls()).toEqual([]);
  });

  it("never lets requesters decide their own request, even with an approver's card", async () => {
    const meganCard = chats.find(megan, /Alex Wilber asks for Visio/);
    await stack.clearGraphLog();
    const reply = await stack.teams.click(alex, meganCard.card, 'Approve');
    expect(cardText(reply.body!.value)).toMatch(/You cannot decide your own request/);
    expect(await stack.graphCalls()).toEqual([]);
  });

  it('writes one decision for a double click on Approve; both clicks show it', async () => {
    const card = chats.find(alex, /Lee Gu asks to activate membership of Network Admins/);
    await stack.clearGraphLog();
    const [one, two] = await Promise.all([
      stack.teams.click(alex, card.card, 'Approve', {}, card.id),
      stack.teams.click(alex, card.card, 'Approve', {}, card.id),
    ]);
    expect(cardText(one.body!.value)).toMatch(/Approved by you/);
    expect(cardText(two.body!.value)).toMatch(/Approved by you/);
    expect(await patches(stack)).toHaveLength(1);
  });

  it('writes one decision when two approvers approve and deny at the same moment', async () => {
    const forAlex = chats.find(alex, /Isaiah Langer asks for Salesforce/);
    const forMegan = chats.find(megan, /Isaiah Langer asks for Salesforce/);
    await stack.clearGraphLog();
    const [approve, deny] = await Promise.all([
      stack.teams.click(alex, forAlex.card, 'Approve', {}, forAlex.id),
      stack.teams.click(megan, forMegan.card, 'Deny', {}, forMegan.id),
    ]);
    expect(await patches(stack)).toHaveLength(1);
    const texts = [cardText(approve.body!.value), cardText(deny.body!.value)];
    const state = (await emRequest(stack, SALESFORCE_REQUEST)).state;
    if (state === 'delivered') {
      expect(texts[0]).toMatch(/Approved by you/);
      expect(texts[1]).toMatch(/Already decided by Alex Wilber[\s\S]*Approved by Alex Wilber/);
    } else {
      expect(state).toBe('denied');
      expect(texts[1]).toMatch(/Denied by you/);
      expect(texts[0]).toMatch(/Already decided by Megan Bowen[\s\S]*Denied by Megan Bowen/);
    }
  });

  it('explains a card whose approval expired, and the watcher marks every copy expired', async () => {
    const card = chats.find(alex, /Johanna Lorenz asks for Network Operations/);
    await fetch(`${stack.devtenant?.url}/_devtenant/clock`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ advanceSeconds: 31 * 60 }),
    });
    await stack.clearGraphLog();
    const reply = await chats.click(alex, card, 'Approve');
    expect(cardText(reply)).toMatch(/expired before anyone decided/);
    expect(await patches(stack)).toHaveLength(0);
    expect((await emRequest(stack, NETWORK_OPS_REQUEST)).status).toBe('Expired');
    await tick(stack);
    expect(cardText(chats.current(alex, card.id))).toMatch(/Expired: nobody decided in time/);
  });

  it('answers unknown ids, bad stages and oversized reasons with an error card', async () => {
    const card = chats.find(alex, /Isaiah Langer asks for Salesforce/);
    const data = card.card.actions.find((a: any) => a.title === 'Approve').data;
    for (const bad of [
      { ...data, id: 'not-a-guid' },
      { ...data, stage: 0 },
      { ...data, kind: 'sql' },
      { ...data, reason: 'x'.repeat(501) },
      { ...data, sig: undefined },
    ]) {
      const reply = await stack.teams.invoke(alex, 'approve', bad);
      expect(reply.httpStatus).toBe(200);
      expect(cardText(reply.body!.value)).toMatch(/Something on this card is not right/);
    }
  });
});
