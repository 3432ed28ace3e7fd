import { afterEach, describe, expect, it } from 'vitest';
import { DECIDED_IN_PIM_PORTAL } from '../../cards/requester/decisions.js';
import { PEOPLE } from '../devtenant/tokens.js';
import { ActivationDriver, ALEX, type GraphLogEntry, PIM } from '../helpers/activationDriver.js';
import { checkCard } from '../helpers/cardCheck.js';
import { decideInPimPortal } from '../helpers/devtenantGraph.js';
import { buttonTitles, type Card, cardText } from '../helpers/teamsHarness.js';

/**
 * Issue 13 over real HTTP (bot, devtenant, Teams-like client): Alex activates Exchange Online Admins, which Megan or
 * Patti must approve; they decide straight in Graph (the PIM portal), the watcher finds it, and Alex's card and a new
 * message say who decided and why, as Alex's own token reads the approval. Where Graph does not let the requester
 * read the approval (the devtenant's default, as the docs say approvers make that read), they say it was decided in
 * the PIM portal.
 */

const EXCHANGE = '20000000-0000-4000-8000-000000000016';
const REASON = 'Not during the change freeze';

/** Alex's Exchange Online Admins activation, waiting for approval: its card's activity id and the request id. */
async function activateExchange(stack: ActivationDriver): Promise<{ id: string; requestId: string }> {
  const { form, id } = await stack.form('Activate Exchange Online Admins');
  const card = await stack.press(form, 'Activate', { duration: '60', justification: 'Mailbox migration' }, id);
  expect(cardText(card)).toContain('Waiting for approval');
  const { body } = await stack.graph(
    ALEX.aadObjectId,
    'GET',
    `${PIM}/assignmentScheduleRequests/filterByCurrentUser(on='principal')`,
  );
  const request = body.value.find((r: any) => r.groupId === EXCHANGE && r.status === 'PendingApproval');
  expect(request?.approvalId).toBe(request.id);
  return { id, requestId: request.id };
}

/** Alex's reads of the activation's approval since the last clear. */
async function approvalReadsByAlex(stack: ActivationDriver, requestId: string): Promise<GraphLogEntry[]> {
  return ((await stack.stack.graphCalls()) as GraphLogEntry[]).filter(
    (c) => c.caller === ALEX.aadObjectId && c.path.includes(`/group/assignmentApprovals/${requestId}`),
  );
}

/** The messages in Alex's chat that are not the activation card itself. */
function messagesBesides(stack: ActivationDriver, activityId: string, text: RegExp): Card[] {
  return stack.teams
    .cardsFor(ALEX)
    .filter((c) => c.event.kind === 'send' && c.event.activityId !== activityId && text.test(cardText(c.card)))
    .map((c) => c.card);
}

describe('an activation decided in the PIM portal, as Alex sees it', () => {
  let stack: ActivationDriver | undefined;
  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
  });

  it('Patti denies with a reason: the card and a message name her and the reason; the approval is read once', async () => {
    stack = await ActivationDriver.start({ quirks: { pimRequestorReadsApproval: true } });
    const { id, requestId } = await activateExchange(stack);
    await stack.clearGraphLog();
    await stack.tick();
    // Still waiting: nobody decided, so nothing is read on Alex's behalf.
    expect(await approvalReadsByAlex(stack, requestId)).toEqual([]);

    await decideInPimPortal(stack.stack, requestId, PEOPLE.patti, 'Deny', REASON);
    await stack.tick();
    const card = stack.current(id);
    expect(checkCard(card)).toEqual([]);
    const text = cardText(card);
    expect(text).toContain('Membership of Exchange Online Admins was denied');
    expect(text).toContain(`Denied by Patti Fernandez: “${REASON}”`);
    expect(buttonTitles(card)).toEqual(['Activate again']);
    const [note, ...more] = messagesBesides(stack, id, /was denied/);
    expect(more).toEqual([]);
    expect(cardText(note)).toContain(`Denied by Patti Fernandez: “${REASON}”`);

    await stack.tick();
    await stack.tick();
    const reads = await approvalReadsByAlex(stack, requestId);
    expect(reads.map((r) => r.status)).toEqual([200]);
    expect(messagesBesides(stack, id, /was denied/)).toHaveLength(1);
  });

  it('Megan approves: the active card says she approved and why, and so does the message', async () => {
    stack = await ActivationDriver.start({ quirks: { pimRequestorReadsApproval: true } });
    const { id, requestId } = await activateExchange(stack);
    await decideInPimPortal(stack.stack, requestId, PEOPLE.megan, 'Approve', 'Go ahead for the migration');
    await stack.tick();
    const text = cardText(stack.current(id));
    expect(text).toContain('You are a member of **Exchange Online Admins** until');
    expect(text).toContain('Approved by Megan Bowen: “Go ahead for the migration”');
    expect(await stack.members(EXCHANGE)).toContain(ALEX.aadObjectId);
    const [note] = messagesBesides(stack, id, /Approved by Megan Bowen/);
    expect(cardText(note)).toContain('You are a member of **Exchange Online Admins** until');
  });

  it('where Graph refuses the requester the approval (403), card and message say it was decided in the PIM portal', async () => {
    stack = await ActivationDriver.start();
    const { id, requestId } = await activateExchange(stack);
    // As Graph documents it, the approval is an approver's read: Alex's own GET is refused.
    const own = await stack.graph(ALEX.aadObjectId, 'GET', `${PIM}/assignmentApprovals/${requestId}`);
    expect(own.status).toBe(403);

    await stack.clearGraphLog();
    await decideInPimPortal(stack.stack, requestId, PEOPLE.megan, 'Deny', REASON);
    await stack.tick();
    const text = cardText(stack.current(id));
    expect(text).toContain('Membership of Exchange Online Admins was denied');
    expect(text).toContain(DECIDED_IN_PIM_PORTAL);
    expect(text).not.toMatch(/Megan|My Access/);
    const [note] = messagesBesides(stack, id, /was denied/);
    expect(cardText(note)).toContain(DECIDED_IN_PIM_PORTAL);
    expect(cardText(note)).not.toContain(REASON);

    // The refusal is kept: later ticks do not ask again.
    await stack.tick();
    expect((await approvalReadsByAlex(stack, requestId)).map((r) => r.status)).toEqual([403]);
  });
});
