import { afterEach, describe, expect, it } from 'vitest';
import { PEOPLE } from '../devtenant/tokens.js';
import { Chats } from '../helpers/chats.js';
import { type Stack, startStack } from '../helpers/stack.js';
import { buttonTitles, cardText, teamsUser } from '../helpers/teamsHarness.js';

/**
 * "approvals" when Graph refuses `$expand` on filterByCurrentUser(on='approver') (neither the metadata nor the docs
 * promise it there), or a list fails outright. Alex approves Isaiah's Salesforce request, Johanna's Network Operations
 * request and Lee's activation of Network Admins.
 */

const alex = teamsUser(PEOPLE.alex, 'Alex Wilber');
const PIM_REQUESTS = "privilegedAccess/group/assignmentScheduleRequests/filterByCurrentUser\\(on='approver'\\)";
const PIM_APPROVALS = "privilegedAccess/group/assignmentApprovals/filterByCurrentUser\\(on='approver'\\)";

async function faults(stack: Stack, rules: unknown[]): Promise<void> {
  const res = await fetch(`${stack.devtenant?.url}/_devtenant/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ rules }),
  });
  expect(res.status).toBeLessThan(300);
}

describe('"approvals" with no silent holes', () => {
  let stack: Stack | undefined;
  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
  });

  async function approvalsOfAlex() {
    stack = stack ?? (await startStack());
    await stack.teams.install(alex);
    return new Chats(stack.teams, { checkReplies: true }).say(alex, 'approvals');
  }

  it('reads the lists again without $expand when Graph refuses it, and still shows every request with its details', async () => {
    stack = await startStack();
    await faults(stack, [
      { pathPattern: `${PIM_REQUESTS}\\?.*expand`, status: 400 },
      { pathPattern: `${PIM_APPROVALS}\\?.*expand`, status: 400 },
    ]);
    const cards = await approvalsOfAlex();
    expect(cardText(cards[0].card)).toMatch(/3 requests wait for your decision/);
    expect(cardText(cards[0].card)).not.toMatch(/could not load/);
    const lee = cards.find((c) => /Lee Gu asks to activate membership of Network Admins/.test(cardText(c.card)));
    expect(lee).toBeDefined();
    expect(cardText(lee!.card)).toMatch(/Your decision is needed/);
    expect(buttonTitles(lee!.card)).toEqual(['Approve', 'Deny']);
  });

  it('says which list could not be loaded when it fails even without $expand', async () => {
    stack = await startStack();
    await faults(stack, [{ pathPattern: PIM_REQUESTS, status: 400 }]);
    const cards = await approvalsOfAlex();
    const summary = cardText(cards[0].card);
    expect(summary).toMatch(/2 requests wait for your decision/);
    expect(summary).toMatch(/I could not load group activation requests just now, so this list may be incomplete/);
  });

  it('an empty list with a failed part does not say that nothing waits', async () => {
    // Patti approves only Lee's activation: with the PIM list unreadable her list is empty, but not complete.
    stack = await startStack();
    const patti = teamsUser(PEOPLE.patti, 'Patti Fernandez');
    await stack.teams.install(patti);
    await faults(stack, [{ pathPattern: PIM_REQUESTS, status: 400 }]);
    const [summary] = await new Chats(stack.teams, { checkReplies: true }).say(patti, 'approvals');
    const text = cardText(summary.card);
    expect(text).not.toMatch(/^Nothing waits for your decision/);
    expect(text).toMatch(/Nothing I could load waits for your decision/);
    expect(text).toMatch(/I could not load group activation requests just now/);
  });
});
