import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PEOPLE } from '../devtenant/tokens.js';
import { Chats } from '../helpers/chats.js';
import { graphAs } from '../helpers/devtenantGraph.js';
import { type Stack, startStack } from '../helpers/stack.js';
import { cardText, teamsUser } from '../helpers/teamsHarness.js';

/**
 * A tenant that keeps PIM approval stages under `steps` (the older v1.0 docs page) instead of `stages` (the v1.0
 * metadata): the bot tries `stages`, then `steps` once, and keeps what worked. Lee's activation of Network Admins waits
 * for Alex.
 */

const PIM = '/identityGovernance/privilegedAccess/group';
const LEE_NETWORK_ACTIVATION = 'b0000000-0000-4000-8000-000000000001';
const alex = teamsUser(PEOPLE.alex, 'Alex Wilber');

describe('PIM approval stages under steps', () => {
  let stack: Stack;
  let chats: Chats;
  beforeAll(async () => {
    stack = await startStack({ devtenant: { quirks: { pimApprovalSegment: 'steps' } } });
    // This tenant refuses `$expand=stages` on purpose: the bot's one try of it is part of what these tests prove.
    stack.devtenant?.refusals.expect(/assignmentApprovals\/[^?]*\?(\$|%24)expand=stages/);
    chats = new Chats(stack.teams, { checkReplies: true });
    await stack.teams.install(alex);
  });
  afterAll(async () => stack?.stop());

  const approvalCalls = async () =>
    (await stack.graphCalls())
      .filter((c) => c.path.includes('/group/assignmentApprovals'))
      .map((c) => `${c.method} ${decodeURIComponent(c.path).replace(/^\/v1\.0/, '')} ${c.status}`);

  it('the devtenant refuses the stages segment there (404 as a path, 400 as $expand) and serves steps', async () => {
    const root = `${PIM}/assignmentApprovals/${LEE_NETWORK_ACTIVATION}`;
    await expect(graphAs(stack, PEOPLE.alex, 'GET', `${root}/stages`)).rejects.toThrow(/answered 404/);
    await expect(graphAs(stack, PEOPLE.alex, 'GET', `${root}?$expand=stages`)).rejects.toThrow(/answered 400/);
    const steps = await graphAs(stack, PEOPLE.alex, 'GET', `${root}/steps`);
    expect(steps.value[0]).toMatchObject({ status: 'InProgress', assignedToMe: true });
  });

  it('"approvals" lists the activation with its open stage, finding steps once', async () => {
    await stack.clearGraphLog();
    const cards = await chats.say(alex, 'approvals');
    const lee = cards.find((c) => /Lee Gu asks to activate membership of Network Admins/.test(cardText(c.card)));
    expect(cardText(lee?.card ?? {})).toMatch(/Your decision is needed/);
    const calls = await approvalCalls();
    expect(calls.filter((c) => / 200$/.test(c) && /steps/.test(c)).length).toBeGreaterThan(0);
    expect(calls.filter((c) => /\/stages/.test(c))).toHaveLength(1);
  });

  it('approves through steps, without trying stages again', async () => {
    const card = chats.find(alex, /Lee Gu asks to activate membership of Network Admins/);
    await stack.clearGraphLog();
    const reply = await chats.click(alex, card, 'Approve');
    expect(cardText(reply)).toMatch(/Approved by you/);
    const calls = await approvalCalls();
    expect(calls).toEqual([
      `GET ${PIM}/assignmentApprovals/${LEE_NETWORK_ACTIVATION}?$expand=steps 200`,
      expect.stringMatching(new RegExp(`^PATCH ${PIM}/assignmentApprovals/${LEE_NETWORK_ACTIVATION}/steps/.+ 204$`)),
    ]);
    const request = await graphAs(
      stack,
      PEOPLE.lee,
      'GET',
      `${PIM}/assignmentScheduleRequests/${LEE_NETWORK_ACTIVATION}`,
    );
    expect(request.status).toBe('Provisioned');
  });
});

describe('PIM approval stages under steps, met first by a click', () => {
  let stack: Stack;
  afterAll(async () => stack?.stop());

  it('a click on Approve tries stages, then steps once, and decides there', async () => {
    stack = await startStack({ devtenant: { quirks: { pimApprovalSegment: 'steps' } } });
    // This tenant refuses `$expand=stages` on purpose: the bot's one try of it is part of what these tests prove.
    stack.devtenant?.refusals.expect(/assignmentApprovals\/[^?]*\?(\$|%24)expand=stages/);
    const chats = new Chats(stack.teams, { checkReplies: true });
    await stack.teams.install(alex);
    await stack.bot.watcher.tickNow();
    const card = chats.find(alex, /Lee Gu asks to activate membership of Network Admins/);
    await stack.clearGraphLog();
    const reply = await chats.click(alex, card, 'Approve');
    expect(cardText(reply)).toMatch(/Approved by you/);
    const calls = (await stack.graphCalls())
      .filter((c) => c.path.includes('/group/assignmentApprovals'))
      .map((c) => `${c.method} ${decodeURIComponent(c.path).replace(/^\/v1\.0/, '')} ${c.status}`);
    const root = `${PIM}/assignmentApprovals/${LEE_NETWORK_ACTIVATION}`;
    expect(calls).toEqual([
      `GET ${root}?$expand=stages 400`,
      `GET ${root}?$expand=steps 200`,
      expect.stringMatching(new RegExp(`^PATCH ${root}/steps/.+ 204$`)),
    ]);
  });
});
