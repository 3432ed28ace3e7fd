import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { datedMomentText } from '../../cards/time.js';
import { ActivationDriver, ALEX, GROUP, PIM, listRow as row } from '../helpers/activationDriver.js';
import { checkCard } from '../helpers/cardCheck.js';
import { Chats } from '../helpers/chats.js';
import { buttonTitles, type Card, cardText, findAction, teamsUser } from '../helpers/teamsHarness.js';

/**
 * Issue 13: the `activate` list says what is active and what waits, with Deactivate, Extend and Cancel right there;
 * a pending activation's own card has Cancel too. Bot, devtenant and a Teams-like client over real HTTP, one clock.
 */

const MEGAN = teamsUser('10000000-0000-4000-8000-000000000002', 'Megan Bowen');
const EXCHANGE = '20000000-0000-4000-8000-000000000016';
const REQUESTS = `${PIM}/assignmentScheduleRequests`;

/** The text of the question a ShowCard button opens in the card. */
function question(card: Card, title: string): string {
  const shown = findAction(card, title)?.action.card;
  if (!shown) throw new Error(`no "${title}" question on the card`);
  return cardText(shown);
}

/** Alex's request of one group as Graph has it now (the newest selfActivate). */
async function requestIn(stack: ActivationDriver, groupId: string): Promise<any> {
  const { body } = await stack.graph(ALEX.aadObjectId, 'GET', `${REQUESTS}/filterByCurrentUser(on='principal')`);
  return body.value.filter((r: any) => r.groupId === groupId && r.action === 'selfActivate').at(-1);
}

async function cancelPosts(stack: ActivationDriver) {
  return (await stack.roundTrips()).filter((e) => e.method === 'POST' && /\/cancel$/.test(e.path));
}

describe('activate list: a pending activation, and Cancel', () => {
  let stack: ActivationDriver;
  beforeEach(async () => {
    stack = await ActivationDriver.start();
  });
  afterEach(async () => stack?.stop());

  /** Alex asks for Exchange Online Admins (needs Megan's or Patti's approval) from the list; returns the list. */
  async function requestExchange(): Promise<{ card: Card; id: string }> {
    const { form, id } = await stack.form('Activate Exchange Online Admins');
    const waiting = await stack.press(form, 'Activate', { duration: '60', justification: 'Mailbox migration' }, id);
    expect(cardText(waiting)).toContain('Waiting for approval');
    return stack.list();
  }

  it('shows the request with its time and Cancel; cancel asks once, cancels in Graph, and the row is eligible again', async () => {
    const chats = new Chats(stack.teams);
    await stack.teams.install(MEGAN);
    const list = await requestExchange();
    expect(checkCard(list.card)).toEqual([]);
    const request = await requestIn(stack, EXCHANGE);
    const waiting = row(list.card, 'Exchange Online Admins');
    expect(cardText(waiting)).toContain(
      `Now Waiting for approval: 1 hour, requested ${datedMomentText(request.createdDateTime)}`,
    );
    // Cancel asks first, in the card: the question names the role, and only its one button acts.
    expect(buttonTitles(waiting)).toEqual(['Cancel request', 'Yes, cancel it']);
    expect(question(waiting, 'Cancel request')).toContain(
      'Cancel your request to become a member of **Exchange Online Admins**?',
    );
    expect(buttonTitles(waiting)).not.toContain('Activate Exchange Online Admins');

    // Megan has the approval card: the watcher sent it (the bot watches the group since the activation asked it).
    await stack.tick();
    const approval = chats.find(MEGAN, /Alex Wilber asks to activate membership of Exchange Online Admins/);
    expect(buttonTitles(approval.card)).toContain('Approve');

    await stack.clearGraphLog();
    const after = await stack.press(waiting, 'Yes, cancel it', {}, list.id);
    const cancels = await cancelPosts(stack);
    expect(cancels.map((c) => [c.path, c.caller, c.status])).toEqual([
      [`${REQUESTS}/${request.id}/cancel`, ALEX.aadObjectId, 204],
    ]);
    expect((await requestIn(stack, EXCHANGE)).status).toBe('Canceled');
    // The same list, drawn again: the row is eligible (Activate) and says what happened.
    expect(cardText(after)).toMatch(/^Your eligible roles/);
    const eligible = row(after, 'Exchange Online Admins');
    expect(cardText(eligible)).toContain('Now Not active');
    expect(cardText(eligible)).toContain('Request canceled.');
    expect(buttonTitles(eligible)).toEqual(['Activate Exchange Online Admins']);

    // Megan's card follows by itself: canceled, nothing left to press.
    await stack.tick();
    const decided = chats.current(MEGAN, approval.id);
    expect(cardText(decided)).toContain('Canceled by the requester');
    expect(buttonTitles(decided)).not.toContain('Approve');
  });

  it("the pending activation's own card has Cancel; after it the card says canceled and offers Activate again", async () => {
    const { form, id } = await stack.form('Activate Exchange Online Admins');
    const waiting = await stack.press(form, 'Activate', { duration: '30', justification: 'Mailbox migration' }, id);
    expect(buttonTitles(waiting)).toEqual(['Cancel request', 'Yes, cancel it']);
    const canceled = await stack.press(waiting, 'Yes, cancel it', {}, id);
    expect(cardText(canceled)).toMatch(/^Request canceled\./);
    expect(cardText(canceled)).toContain('Membership of Exchange Online Admins was canceled');
    expect(buttonTitles(canceled)).toEqual(['Activate again']);
    expect((await requestIn(stack, EXCHANGE)).status).toBe('Canceled');
    // A second click on the stale confirm does not write again and says it is done.
    await stack.clearGraphLog();
    const again = await stack.press(waiting, 'Yes, cancel it', {}, id);
    expect(cardText(again)).toContain('This request was already canceled.');
    expect(await cancelPosts(stack)).toHaveLength(0);
  });

  it('a request approved meanwhile is not cancellable: a clear answer and the row as it stands, not an error', async () => {
    const list = await requestExchange();
    const stale = row(list.card, 'Exchange Online Admins');
    const request = await requestIn(stack, EXCHANGE);
    const { body: approval } = await stack.graph(MEGAN.aadObjectId, 'GET', `${PIM}/assignmentApprovals/${request.id}`);
    const approved = await stack.graph(
      MEGAN.aadObjectId,
      'PATCH',
      `${PIM}/assignmentApprovals/${request.id}/stages/${approval.stages[0].id}`,
      { reviewResult: 'Approve', justification: 'ok' },
    );
    expect(approved.status).toBe(204);
    await stack.clearGraphLog();
    const after = await stack.press(stale, 'Yes, cancel it', {}, list.id);
    // Graph was asked (and said 400): the bot does not guess from its own copy.
    expect((await cancelPosts(stack)).map((c) => c.status)).toEqual([400]);
    const active = row(after, 'Exchange Online Admins');
    expect(cardText(active)).toContain('Too late to cancel: it was approved and has started.');
    expect(cardText(active)).toMatch(/Now Active until \{\{DATE\(/);
    expect(buttonTitles(active)).toEqual(['Extend', 'Deactivate', 'Yes, deactivate']);
    expect(await stack.members(EXCHANGE)).toContain(ALEX.aadObjectId);
  });

  it('a scheduled activation (later start) shows when it starts and ends; canceled, it never starts', async () => {
    const { form, id } = await stack.form('Activate Finance Admins');
    const start = new Date(stack.clock.now().getTime() + 3 * 3600_000).toISOString().slice(0, 16);
    await stack.press(
      form,
      'Activate',
      { duration: '60', justification: 'Close tonight', startDate: start.slice(0, 10), startTime: start.slice(11) },
      id,
    );
    const request = await requestIn(stack, GROUP.finance);
    expect(request.status).toBe('Granted');
    const list = await stack.list();
    const scheduled = row(list.card, 'Finance Admins');
    const end = new Date(Date.parse(request.scheduleInfo.startDateTime) + 3600_000).toISOString();
    expect(cardText(scheduled)).toContain(
      `Now Scheduled from ${datedMomentText(request.scheduleInfo.startDateTime)} until ${datedMomentText(end)}`,
    );
    expect(question(scheduled, 'Cancel request')).toContain('The activation will not start.');
    const after = await stack.press(scheduled, 'Yes, cancel it', {}, list.id);
    expect(cardText(row(after, 'Finance Admins'))).toContain('Request canceled.');
    expect((await requestIn(stack, GROUP.finance)).status).toBe('Canceled');
    await stack.advance(4 * 3600);
    await stack.tick();
    expect(await stack.members(GROUP.finance)).not.toContain(ALEX.aadObjectId);
    // The activation card that showed the schedule says canceled too.
    expect(cardText(stack.current(id))).toContain('Membership of Finance Admins was canceled');
  });

  it('reads pending and scheduled requests in the same $batch: still two round trips for the list', async () => {
    await requestExchange();
    await stack.clearGraphLog();
    await stack.list();
    const trips = await stack.roundTrips();
    // The eligibilities (groups and Entra roles) with the requests in one $batch, then policies and group names.
    expect(trips.map((t) => `${t.method} ${t.path.split('?')[0]}`)).toEqual(['POST /v1.0/$batch', 'POST /v1.0/$batch']);
  });

  it("refuses to cancel someone else's request or a forged id, without asking Graph to write", async () => {
    const list = await requestExchange();
    const request = await requestIn(stack, EXCHANGE);
    const lynne = teamsUser('10000000-0000-4000-8000-000000000006', 'Lynne Robbins');
    await stack.clearGraphLog();
    const theirs = await stack.teams.invoke(lynne, 'cancelActivation', { requestId: request.id });
    expect(theirs.httpStatus).toBe(200);
    expect(cardText(theirs.body!.value as Card)).toMatch(/I can not find this activation for you/);
    const forged = await stack.teams.invoke(ALEX, 'cancelActivation', { requestId: "x' or 1 eq 1", list: { page: 0 } });
    expect(forged.httpStatus).toBe(200);
    expect(cardText(forged.body!.value as Card)).toMatch(/requestId: must be an activation request id/);
    const badPage = await stack.teams.invoke(ALEX, 'cancelActivation', { requestId: request.id, list: { page: -1 } });
    expect(cardText(badPage.body!.value as Card)).toMatch(/list\.page/);
    expect(await cancelPosts(stack)).toHaveLength(0);
    expect((await requestIn(stack, EXCHANGE)).status).toBe('PendingApproval');
    expect(buttonTitles(row(list.card, 'Exchange Online Admins'))).toContain('Yes, cancel it');
  });
});

describe('activate list: the status of a later start is configurable (UNCONFIRMED in Graph)', () => {
  let stack: ActivationDriver | undefined;
  afterEach(async () => stack?.stop());

  /** Alex activates Finance Admins from 3 hours on; returns the Finance row of the list afterwards. */
  async function scheduleFinance(): Promise<Card> {
    const driver = stack as ActivationDriver;
    const { form, id } = await driver.form('Activate Finance Admins');
    const start = new Date(driver.clock.now().getTime() + 3 * 3600_000).toISOString().slice(0, 16);
    await driver.press(
      form,
      'Activate',
      { duration: '60', justification: 'Close tonight', startDate: start.slice(0, 10), startTime: start.slice(11) },
      id,
    );
    return row((await driver.list()).card, 'Finance Admins');
  }

  it('a tenant that says ScheduleCreated: PIM_SCHEDULED_STATUSES=ScheduleCreated finds the request, with Cancel', async () => {
    stack = await ActivationDriver.start(
      { quirks: { pimFutureActivationStatus: 'ScheduleCreated' } },
      { env: { PIM_SCHEDULED_STATUSES: 'ScheduleCreated' } },
    );
    const finance = await scheduleFinance();
    expect(cardText(finance)).toMatch(/Now Scheduled from \{\{DATE\(/);
    expect(buttonTitles(finance)).toEqual(['Cancel request', 'Yes, cancel it']);
  });

  it('by default only Granted is read: a ScheduleCreated request is not listed as scheduled', async () => {
    stack = await ActivationDriver.start({ quirks: { pimFutureActivationStatus: 'ScheduleCreated' } });
    const finance = await scheduleFinance();
    expect(cardText(finance)).toContain('Now Not active');
  });
});

describe('activate list: an active role, with Deactivate and Extend right there', () => {
  let stack: ActivationDriver;
  beforeEach(async () => {
    stack = await ActivationDriver.start();
  });
  afterEach(async () => stack?.stop());

  it('Extend from the list ends the activation and starts a new one; the row says until when', async () => {
    const list = await stack.list();
    const [before] = await stack.activeInstances(GROUP.devtools);
    const active = row(list.card, 'Developer Tools Power Users');
    expect(cardText(active)).toContain(`Now Active until ${datedMomentText(before.endDateTime)}`);
    expect(buttonTitles(active)).toEqual(['Extend', 'Deactivate', 'Yes, deactivate']);
    await stack.advance(10 * 60);
    const after = await stack.press(active, 'Extend', {}, list.id);
    expect(cardText(after)).toMatch(/^Your eligible roles/);
    const [extended] = await stack.activeInstances(GROUP.devtools);
    expect(extended.startDateTime).not.toBe(before.startDateTime);
    expect(Date.parse(extended.startDateTime)).toBe(stack.clock.now().getTime());
    const updated = row(after, 'Developer Tools Power Users');
    expect(cardText(updated)).toContain(
      `Extended: you are a member of **Developer Tools Power Users** until ${datedMomentText(extended.endDateTime)}.`,
    );
    expect(cardText(updated)).toContain(`Now Active until ${datedMomentText(extended.endDateTime)}`);
    expect(buttonTitles(updated)).toEqual(['Extend', 'Deactivate', 'Yes, deactivate']);
  });

  it('Deactivate from the list asks once, ends the membership, and the row can be activated again', async () => {
    const list = await stack.list();
    const active = row(list.card, 'Developer Tools Power Users');
    expect(question(active, 'Deactivate')).toContain('Stop being a member of **Developer Tools Power Users** now?');
    const after = await stack.press(active, 'Yes, deactivate', {}, list.id);
    const ended = row(after, 'Developer Tools Power Users');
    expect(cardText(ended)).toContain('Deactivated: you are no longer a member of **Developer Tools Power Users**.');
    expect(cardText(ended)).toContain('Now Not active');
    expect(buttonTitles(ended)).toEqual(['Activate Developer Tools Power Users']);
    expect(await stack.members(GROUP.devtools)).not.toContain(ALEX.aadObjectId);
    expect(await stack.activeInstances(GROUP.devtools)).toHaveLength(0);
  });

  it('Extend and Deactivate from the list refuse with the reason, as on the activation card', async () => {
    const { form, id } = await stack.form('Activate Exchange Online Admins');
    await stack.press(form, 'Activate', { duration: '60', justification: 'Mailbox migration' }, id);
    const request = await requestIn(stack, EXCHANGE);
    const { body: approval } = await stack.graph(MEGAN.aadObjectId, 'GET', `${PIM}/assignmentApprovals/${request.id}`);
    await stack.graph(
      MEGAN.aadObjectId,
      'PATCH',
      `${PIM}/assignmentApprovals/${request.id}/stages/${approval.stages[0].id}`,
      {
        reviewResult: 'Approve',
        justification: 'ok',
      },
    );
    const list = await stack.list();
    const active = row(list.card, 'Exchange Online Admins');
    await stack.clearGraphLog();
    const tooSoon = row(await stack.press(active, 'Yes, deactivate', {}, list.id), 'Exchange Online Admins');
    expect(cardText(tooSoon)).toContain('Not yet: Microsoft Entra does not end an activation in its first 5 minutes.');
    const refused = row(await stack.press(active, 'Extend', {}, list.id), 'Exchange Online Admins');
    expect(cardText(refused)).toMatch(
      /I can't extend this: Exchange Online Admins needs an approval for every activation/,
    );
    expect(await stack.postedActivations()).toHaveLength(0);
    expect(await stack.members(EXCHANGE)).toContain(ALEX.aadObjectId);
  });
});
