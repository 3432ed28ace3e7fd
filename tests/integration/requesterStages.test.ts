import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formInputId } from '../../cards/requester/requestForm.js';
import { cardTimestamp } from '../../cards/time.js';
import { PEOPLE } from '../devtenant/tokens.js';
import { decideInMyAccess, graphAs } from '../helpers/devtenantGraph.js';
import { type Stack, startStack } from '../helpers/stack.js';
import { type Card, cardsIn, cardText, teamsUser } from '../helpers/teamsHarness.js';

// Multi-stage requests are re-read as an approver on every tick (default: every 5 minutes).
process.env.APPROVAL_STAGE_PROBE_MINUTES = '0';

/**
 * A two-stage access package request (Production Databases: Alex's manager Megan, then Security Reviewers) while
 * stage 2 waits, over HTTP against the devtenant: Alex's status card, a notification and `my requests` already name
 * who approved stage 1 and why (read with Alex's own token, once), and who stage 2 waits for since when.
 */

const EM = '/identityGovernance/entitlementManagement';
const alex = teamsUser(PEOPLE.alex, 'Alex Wilber');
const megan = teamsUser(PEOPLE.megan, 'Megan Bowen');

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

function section(card: Card, text: string): Card {
  const found = (card.body ?? []).find((el: any) => el.type === 'Container' && JSON.stringify(el).includes(text));
  if (!found) throw new Error(`no section about "${text}" in: ${cardText(card)}`);
  return { type: 'AdaptiveCard', version: '1.5', body: [found] };
}

const notesTo = (stack: Stack, after: number) =>
  stack.teams.events
    .slice(after)
    .filter((e) => e.kind === 'send' && e.conversationId === stack.teams.conversationId(alex))
    .flatMap((e) => cardsIn(e.activity))
    .map(cardText)
    .filter((t) => t.includes('Production Databases'));

/** Reads of the request's approval made with Alex's token since the last clearGraphLog. */
const alexApprovalReads = async (stack: Stack, requestId: string) =>
  (await stack.graphCalls()).filter(
    (c) => c.path.includes(`/accessPackageAssignmentApprovals/${requestId}`) && c.caller?.includes(PEOPLE.alex),
  );

describe('requester: the decided stages while a later one waits', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
    // Megan has talked to the bot: the watcher reads the stages with her token and sees stage 1 decided.
    await stack.teams.install(megan);
  });
  afterAll(async () => stack?.stop());

  it('stage 1 approved in My Access: card, notification and my requests name Megan and the waiting stage', async () => {
    const results = await say(stack, 'request production databases');
    const form = await click(
      stack,
      { card: section(results.card, 'Production Databases – Eligible DBA'), id: results.id },
      'Request',
    );
    const status = await click(stack, form, 'Submit request', {
      [formInputId(0, 'justification')]: 'DBA cover for the Q4 migration',
    });
    const requestId = status.card.refresh.action.data.requestId as string;
    await stack.bot.watcher.tickNow();
    const waitingText = cardText(stack.teams.currentCard(alex, status.id)!);
    expect(waitingText).not.toMatch(/Stage 1 approved/);

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
    expect(await alexApprovalReads(stack, requestId)).toHaveLength(1);
    const notes = notesTo(stack, before);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toContain(`${approved} · ${waiting}`);

    // Nothing moved: no read of the approval with Alex's token, no second notification.
    await stack.clearGraphLog();
    const quiet = stack.teams.events.length;
    await stack.bot.watcher.tickNow();
    expect(await alexApprovalReads(stack, requestId)).toHaveLength(0);
    expect(notesTo(stack, quiet)).toHaveLength(0);

    const row = cardText(section((await say(stack, 'my requests')).card, 'Production Databases'));
    expect(row).toContain(`${approved} · ${waiting}`);
    expect(await alexApprovalReads(stack, requestId)).toHaveLength(0);

    // Stage 2 decided: the final read replaces what was kept while it waited.
    await decideInMyAccess(stack, requestId, PEOPLE.lynne, 'Approve', 'Change CHG0034127 reviewed');
    await stack.bot.watcher.tickNow();
    const done = cardText(stack.teams.currentCard(alex, status.id)!);
    expect(done).toContain(`${approved}\nStage 2 approved by Lynne Robbins: “Change CHG0034127 reviewed”`);
    expect(done).not.toMatch(/waiting for/);
  });
});
