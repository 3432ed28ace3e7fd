import { afterEach, describe, expect, it } from 'vitest';
import { PEOPLE } from '../devtenant/tokens.js';
import { Chats } from '../helpers/chats.js';
import { graphAs } from '../helpers/devtenantGraph.js';
import { type Stack, startStack } from '../helpers/stack.js';
import { buttonTitles, type Card, cardText, teamsUser } from '../helpers/teamsHarness.js';

/**
 * How a PIM activation ended, as the approvers' cards show it, when the watcher reads it app-only: Lee's activation of
 * Network Admins (approvers Alex and Patti) is decided in the PIM portal, and the watcher cannot read the stages as an
 * approver (the faults below), so only the request's own status tells.
 */

const PIM = '/identityGovernance/privilegedAccess/group';
const LEE_NETWORK_ACTIVATION = 'b0000000-0000-4000-8000-000000000001';
const alex = teamsUser(PEOPLE.alex, 'Alex Wilber');
const CARD = /Lee Gu asks to activate membership of Network Admins/;

async function faults(stack: Stack, rules?: unknown[]): Promise<void> {
  const res = await fetch(`${stack.devtenant?.url}/_devtenant/faults`, {
    method: rules ? 'POST' : 'DELETE',
    headers: { 'content-type': 'application/json' },
    body: rules ? JSON.stringify({ rules }) : undefined,
  });
  expect(res.status).toBeLessThan(300);
}

/** The approver's stage reads fail (as when the bot holds no approver token), so the request status decides. */
const STAGES_UNREADABLE = {
  pathPattern: '/group/assignmentApprovals/',
  method: 'GET',
  status: 503,
  retryAfterSeconds: 3600,
};
/** The app's read of the request itself fails. */
const REQUEST_UNREADABLE = { pathPattern: `/group/assignmentScheduleRequests/${LEE_NETWORK_ACTIVATION}`, status: 503 };

/** Patti denies in the PIM portal (Graph straight, not through the bot). */
async function denyInPortal(stack: Stack): Promise<void> {
  const root = `${PIM}/assignmentApprovals/${LEE_NETWORK_ACTIVATION}`;
  const approval = await graphAs(stack, PEOPLE.patti, 'GET', root);
  const stage = approval.stages.find((s: { status: string }) => s.status === 'InProgress');
  await graphAs(stack, PEOPLE.patti, 'PATCH', `${root}/stages/${stage.id}`, {
    reviewResult: 'Deny',
    justification: 'Not during the freeze',
  });
}

async function tick(stack: Stack): Promise<void> {
  const report = await stack.bot.watcher.tickNow();
  expect(report.sources.find((s) => s.name === 'approvals')?.ok).toBe(true);
}

function openUrls(card: Card): string[] {
  return (card.actions ?? []).filter((a: { type: string }) => a.type === 'Action.OpenUrl').map((a: any) => a.url);
}

describe('a PIM activation decided outside Teams, read back app-only', () => {
  let stack: Stack | undefined;
  afterEach(async () => {
    delete process.env.APPROVAL_UNCONFIRMED_HOURS;
    await stack?.stop();
    stack = undefined;
  });

  it('shows a denial as Denied (the read selects only what a PIM request has), and never as Approved', async () => {
    stack = await startStack();
    const chats = new Chats(stack.teams);
    await stack.teams.install(alex);
    await tick(stack);
    const card = chats.find(alex, CARD);
    await denyInPortal(stack);
    await faults(stack, [STAGES_UNREADABLE]);
    await stack.clearGraphLog();
    await tick(stack);
    const text = cardText(chats.current(alex, card.id));
    expect(text).toMatch(/Denied/);
    expect(text).not.toMatch(/Approved/);
    expect(buttonTitles(chats.current(alex, card.id))).toEqual([]);
    const finalRead = (await stack.graphCalls()).find((c) => c.path.includes(`${LEE_NETWORK_ACTIVATION}?`));
    expect(finalRead).toMatchObject({ status: 200 });
    expect(decodeURIComponent(finalRead?.path ?? '')).toContain('$select=id,status,completedDateTime');
    // As Graph does, the devtenant refuses what the watcher used to select: a PIM request has no state.
    stack.devtenant?.refusals.expect(/assignmentScheduleRequests\/[^?]*\?(\$|%24)select=id,state$/);
    await expect(
      graphAs(stack, PEOPLE.lee, 'GET', `${PIM}/assignmentScheduleRequests/${LEE_NETWORK_ACTIVATION}?$select=id,state`),
    ).rejects.toThrow(/answered 400.*Could not find a property named 'state'/);
  });

  it('keeps the card waiting while the request cannot be read, and shows the denial once it can', async () => {
    stack = await startStack();
    const chats = new Chats(stack.teams);
    await stack.teams.install(alex);
    await tick(stack);
    const card = chats.find(alex, CARD);
    await denyInPortal(stack);
    await faults(stack, [STAGES_UNREADABLE, REQUEST_UNREADABLE]);
    await tick(stack);
    await tick(stack);
    const waiting = cardText(chats.current(alex, card.id));
    expect(waiting).not.toMatch(/Approved|Denied|No longer waiting/);
    await faults(stack);
    await faults(stack, [STAGES_UNREADABLE]);
    await tick(stack);
    expect(cardText(chats.current(alex, card.id))).toMatch(/Denied/);
  });

  it('after APPROVAL_UNCONFIRMED_HOURS of failed reads, says it could not confirm the outcome and links the PIM portal', async () => {
    // The approver settings are read from the environment (services/approvals/settings.ts).
    process.env.APPROVAL_UNCONFIRMED_HOURS = '2';
    stack = await startStack({ sharedClock: true });
    const chats = new Chats(stack.teams);
    await stack.teams.install(alex);
    await tick(stack);
    const card = chats.find(alex, CARD);
    await denyInPortal(stack);
    await faults(stack, [STAGES_UNREADABLE, REQUEST_UNREADABLE]);
    await tick(stack);
    await stack.advance(3600);
    await tick(stack);
    expect(cardText(chats.current(alex, card.id))).not.toMatch(/could not confirm/);
    await stack.advance(3600);
    await tick(stack);
    const shown = chats.current(alex, card.id);
    expect(cardText(shown)).toMatch(/could not confirm how it ended/);
    expect(cardText(shown)).not.toMatch(/Approved/);
    expect(openUrls(shown)).toEqual([expect.stringMatching(/^https:\/\/portal\.azure\.com\/.*PIMCommon/)]);
  });
});
