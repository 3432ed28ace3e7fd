import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PEOPLE } from '../devtenant/tokens.js';
import { Chats, type Shown } from '../helpers/chats.js';
import { decideInMyAccess, emRequest, graphAs } from '../helpers/devtenantGraph.js';
import { type Stack, startStack } from '../helpers/stack.js';
import { buttonTitles, cardText, teamsUser } from '../helpers/teamsHarness.js';

/**
 * The "approvals" summary never goes stale (issue 13, "Stale summaries"): it is redrawn in place when one of its
 * requests is decided here or elsewhere, "Approve all shown" asks about what still waits when it is clicked, the
 * reader is "you", and `approvals` does not post a second copy of a card already in the chat. Alex approves three
 * seeded requests, none needing a reason: Isaiah's Salesforce request (with Megan and Grady), Johanna's Network
 * Operations request (Alex alone) and Lee's activation of Network Admins (with Patti).
 */

const id = (prefix: string, n: number) => `${prefix}-0000-4000-8000-${String(n).padStart(12, '0')}`;
const SALESFORCE_REQUEST = id('90000000', 1);
const NETWORK_OPS_REQUEST = id('90000000', 2);
const LEE_ACTIVATION = id('b0000000', 1);
const PIM = '/identityGovernance/privilegedAccess/group';

const alex = teamsUser(PEOPLE.alex, 'Alex Wilber');
const megan = teamsUser(PEOPLE.megan, 'Megan Bowen');

const LEE = /Lee Gu asks to activate membership of Network Admins/;
const JOHANNA = /Johanna Lorenz asks for Network Operations/;
const ISAIAH = /Isaiah Langer asks for Salesforce/;

async function tick(stack: Stack): Promise<void> {
  const report = await stack.bot.watcher.tickNow();
  expect(report.sources.find((s) => s.name === 'approvals')?.ok).toBe(true);
}

/** An approver approves a PIM activation straight on Graph (as in the PIM portal). */
async function decideAsApprover(stack: Stack, requestId: string, approver: string): Promise<void> {
  const root = `${PIM}/assignmentApprovals/${requestId}`;
  const approval = await graphAs(stack, approver, 'GET', `${root}?$expand=stages`);
  const stage = approval.stages.find((s: any) => s.status === 'InProgress' && s.assignedToMe);
  if (!stage) throw new Error(`no stage of ${requestId} waits for ${approver}`);
  await graphAs(stack, approver, 'PATCH', `${root}/stages/${stage.id}`, {
    reviewResult: 'Approve',
    justification: 'ok',
  });
}

async function patches(stack: Stack) {
  return (await stack.graphCalls()).filter((c) => c.method === 'PATCH' || (c.batchItem && c.method === 'PATCH'));
}

describe('the approvals summary follows every decision, and approvals posts no second copy of a card', () => {
  let stack: Stack;
  let chats: Chats;
  let summary: Shown;
  beforeAll(async () => {
    stack = await startStack();
    chats = new Chats(stack.teams, { checkReplies: true, ownChatOnly: true });
    for (const user of [alex, megan]) await stack.teams.install(user);
    await tick(stack); // the watcher brings Alex his three approval cards
  });
  afterAll(async () => stack?.stop());

  it('shows the summary without posting the cards already in the chat, and says where they are', async () => {
    expect(chats.all(alex, LEE)).toHaveLength(1);
    const shown = await chats.say(alex, 'approvals');
    expect(shown).toHaveLength(1);
    summary = shown[0];
    const text = cardText(summary.card);
    expect(text).toMatch(/^3 requests wait for your decision$/m);
    expect(text).toContain('Each one already has its own card further up in this chat, with Approve and Deny.');
    for (const card of [LEE, JOHANNA, ISAIAH]) expect(chats.all(alex, card)).toHaveLength(1);
  });

  it('redraws the summary when Alex decides a request on its own card, and calls him "you"', async () => {
    const reply = await chats.click(alex, chats.find(alex, JOHANNA), 'Deny', { reason: 'Not on the rota' });
    expect(cardText(reply)).toMatch(/Denied by you/);
    const text = cardText(chats.current(alex, summary.id));
    expect(text).toMatch(/^2 requests wait for your decision$/m);
    expect(text).toMatch(
      /Decided since this list was drawn\nJohanna Lorenz Network Operations – Eligible Admin · Denied by you/,
    );
    expect(text).not.toContain('Alex Wilber');
  });

  it('redraws the summary when another approver decides on their own card in Teams', async () => {
    await chats.click(megan, chats.find(megan, ISAIAH), 'Approve');
    const text = cardText(chats.current(alex, summary.id));
    expect(text).toMatch(/^1 request waits for your decision$/m);
    expect(text).toMatch(/Isaiah Langer Salesforce – Sales Cloud User · Approved by Megan Bowen/);
    expect(text).toMatch(/^Lee Gu Network Admins \(member\) · /m);
  });

  it('redraws the summary when another approver decides in the PIM portal (the watcher notices it)', async () => {
    await decideAsApprover(stack, LEE_ACTIVATION, PEOPLE.patti);
    expect(cardText(chats.current(alex, summary.id))).toMatch(/^1 request waits/m);
    await tick(stack);
    const text = cardText(chats.current(alex, summary.id));
    expect(text).toMatch(/^Nothing waits for your decision$/m);
    expect(text).toMatch(/Lee Gu Network Admins \(member\) · Approved by Patti Fernandez/);
    expect(buttonTitles(chats.current(alex, summary.id))).not.toContain('Approve all shown');
  });

  it('posts the cards that are not in the chat yet, once', async () => {
    const fresh = await startStack();
    try {
      const freshChats = new Chats(fresh.teams, { checkReplies: true, ownChatOnly: true });
      await fresh.teams.install(alex);
      const first = await freshChats.say(alex, 'approvals');
      expect(first).toHaveLength(4);
      expect(cardText(first[0].card)).toContain('Each one follows as its own card with Approve and Deny.');
      const again = await freshChats.say(alex, 'approvals');
      expect(again).toHaveLength(1);
      expect(cardText(again[0].card)).toMatch(/^3 requests wait for your decision$/m);
      for (const card of [LEE, JOHANNA, ISAIAH]) expect(freshChats.all(alex, card)).toHaveLength(1);
    } finally {
      await fresh.stop();
    }
  });
});

describe('"Approve all shown" acts on what still waits when it is clicked', () => {
  let stack: Stack;
  let chats: Chats;
  beforeAll(async () => {
    stack = await startStack();
    chats = new Chats(stack.teams, { checkReplies: true, ownChatOnly: true });
    for (const user of [alex, megan]) await stack.teams.install(user);
  });
  afterAll(async () => stack?.stop());

  it("re-reads with the clicker's token and asks about the 2 still open, saying 1 was decided since", async () => {
    const [summary] = await chats.say(alex, 'approvals');
    expect(cardText(summary.card)).toMatch(/^3 requests wait for your decision$/m);
    // Megan approves Isaiah's request in My Access; no watcher tick, so nothing has redrawn Alex's summary yet.
    await decideInMyAccess(stack, SALESFORCE_REQUEST, PEOPLE.megan, 'Approve');
    await stack.clearGraphLog();
    const confirm = await chats.press(alex, summary, 'Approve all shown');
    const calls = await stack.graphCalls();
    expect(calls.some((c) => c.caller === PEOPLE.alex && c.path.includes('$batch'))).toBe(true);
    expect(calls.filter((c) => c.method === 'PATCH')).toEqual([]);
    const text = cardText(confirm.card);
    expect(text).toMatch(/^2 requests wait for your decision$/m);
    expect(text).toContain('Approve these 2 requests? (1 was decided since this card was drawn)');
    expect(text).toContain('- Johanna Lorenz: Network Operations – Eligible Admin');
    expect(text).toContain('- Lee Gu: Network Admins (member)');
    expect(text).not.toContain('- Isaiah Langer');
    expect(buttonTitles(confirm.card)).toEqual(expect.arrayContaining(['Yes, approve 2 requests', 'Not now']));

    await stack.clearGraphLog();
    const result = cardText(await chats.click(alex, confirm, 'Yes, approve 2 requests'));
    expect(result).toMatch(/^Approved 2 requests$/m);
    expect(result).toMatch(/^Johanna Lorenz Network Operations/m);
    expect(result).toMatch(/^Lee Gu Network Admins \(member\)$/m);
    expect(result).not.toContain('Not approved');
    expect(await patches(stack)).toHaveLength(2);
    expect((await emRequest(stack, NETWORK_OPS_REQUEST)).state).toBe('delivered');
  });

  it('calls the reader "you" for a request they decided after the question was asked', async () => {
    const fresh = await startStack();
    try {
      const freshChats = new Chats(fresh.teams, { checkReplies: true, ownChatOnly: true });
      await fresh.teams.install(alex);
      const [summary] = await freshChats.say(alex, 'approvals');
      const confirm = await freshChats.press(alex, summary, 'Approve all shown');
      expect(cardText(confirm.card)).toContain('Approve these 3 requests?');
      expect(cardText(confirm.card)).not.toContain('decided since');
      // Alex approves Lee's activation on its own card meanwhile, then presses Yes on the question he still sees.
      await freshChats.click(alex, freshChats.find(alex, LEE), 'Approve');
      const reply = await fresh.teams.click(alex, confirm.card, 'Yes, approve 3 requests', {}, confirm.id);
      const result = cardText(reply.body!.value);
      expect(result).toMatch(/^Approved 2 requests$/m);
      expect(result).toMatch(/Not approved\nLee Gu Network Admins \(member\): already decided by you/);
      expect(result).not.toContain('Alex Wilber');
    } finally {
      await fresh.stop();
    }
  });
});

describe('"Approve all shown" with data that is not what the card carried', () => {
  let stack: Stack;
  let chats: Chats;
  beforeAll(async () => {
    stack = await startStack();
    chats = new Chats(stack.teams, { checkReplies: true, ownChatOnly: true });
    await stack.teams.install(alex);
  });
  afterAll(async () => stack?.stop());

  it('refuses bad, edited or replayed data with a card that says so, before any Graph call and without approving', async () => {
    const [summary] = await chats.say(alex, 'approvals');
    const review = summary.card.actions.find((a: any) => a.title === 'Approve all shown').data;
    await stack.clearGraphLog();
    for (const bad of [
      { ...review, items: [] },
      { ...review, items: ['sql:x:1'] },
      { ...review, page: -1 },
      { ...review, sig: undefined },
    ]) {
      const reply = await stack.teams.invoke(alex, 'reviewApproveAll', bad);
      expect(reply.httpStatus).toBe(200);
      expect(cardText(reply.body!.value)).toMatch(/Something on this card is not right/);
    }
    const edited = await stack.teams.invoke(alex, 'reviewApproveAll', { ...review, items: review.items.slice(1) });
    expect(cardText(edited.body!.value)).toMatch(/This card was changed or is out of date/);
    // The question's signature is not an approval's: replayed as "Yes", it approves nothing.
    const { page: _page, ...asBulk } = review;
    const replayed = await stack.teams.invoke(alex, 'approveAll', asBulk);
    expect(cardText(replayed.body!.value)).toMatch(/This card was changed or is out of date/);
    expect(await stack.graphCalls()).toEqual([]);
  });
});
