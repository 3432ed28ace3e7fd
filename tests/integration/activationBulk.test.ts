import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PEOPLE } from '../devtenant/tokens.js';
import { ActivationDriver, ALEX, GROUP, PIM, signInUntilCallback } from '../helpers/activationDriver.js';
import { decideInPimPortal } from '../helpers/devtenantGraph.js';
import { buttonTitles, type Card, cardText, findAction } from '../helpers/teamsHarness.js';

/**
 * Issue 16 item 2: several groups and Entra roles activated with one click, one justification, one `$batch` of
 * selfActivate requests with Alex's token; each item's outcome on one card. Bot, devtenant and a Teams-like client
 * over real HTTP, one clock.
 */

const RM = '/v1.0/roleManagement/directory';
const GLOBAL_READER = 'f2ef992c-3afb-46b9-b7cf-a126ee74c451';
const USER_ADMIN = 'fe930be7-5e62-47db-91af-98c3a49a38b1';
const EXCHANGE_ONLINE = '20000000-0000-4000-8000-000000000016';

const groupKey = (id: string) => `${id}|member|`;
const roleKey = (id: string) => `${id}|member|/`;

/** The result card's row of one name (its Container). */
function resultRow(card: Card, name: string): Card {
  const found = (card.body ?? []).find(
    (el: Card) =>
      el.type === 'Container' && cardText({ type: 'AdaptiveCard', version: '1.5', body: [el] }).startsWith(`**${name}`),
  );
  if (!found) throw new Error(`no row for ${name} in ${cardText(card)}`);
  return { type: 'AdaptiveCard', version: '1.5', body: [found] };
}

/** Alex's active Entra role definitions, as Graph lists them. */
async function activeRoleIds(stack: ActivationDriver): Promise<string[]> {
  const path = `${RM}/roleAssignmentScheduleInstances/filterByCurrentUser(on='principal')`;
  return (await stack.graph(ALEX.aadObjectId, 'GET', path)).body.value.map((r: any) => r.roleDefinitionId);
}

async function openBulkForm(stack: ActivationDriver): Promise<{ form: Card; id: string }> {
  const { card, id } = await stack.list();
  expect(buttonTitles(card)).toContain('Activate several…');
  return { form: await stack.press(card, 'Activate several…', {}, id), id };
}

describe('activate several at once', () => {
  let stack: ActivationDriver;
  beforeEach(async () => {
    stack = await ActivationDriver.start();
  });
  afterEach(async () => stack?.stop());

  it('the form lists what can be activated now, each with its cap, and the ticket when one needs it', async () => {
    const { form } = await openBulkForm(stack);
    const picks = (form.body ?? []).find((el: any) => el.id === 'picked') as any;
    const titles: string[] = picks.choices.map((c: { title: string }) => c.title);
    expect(picks).toMatchObject({ type: 'Input.ChoiceSet', isMultiSelect: true });
    expect(titles).toContain('Membership of Finance Admins: up to 1 hour · justification');
    expect(titles).toContain('Global Reader role: up to 8 hours · justification');
    // Security Reader is active (seeded): nothing to pick there.
    expect(titles.join('\n')).not.toContain('Security Reader');
    expect(JSON.stringify(form)).toContain(
      'Ticket number (needed for Production Servers Admins, Exchange Administrator)',
    );
  });

  it('activates two groups and a role in one $batch with Alex token: two active (one capped), one waiting', async () => {
    const { form, id } = await openBulkForm(stack);
    await stack.clearGraphLog();
    const result = await stack.press(
      form,
      'Activate selected',
      {
        picked: [groupKey(GROUP.finance), roleKey(GLOBAL_READER), groupKey(EXCHANGE_ONLINE)].join(','),
        duration: '120',
        justification: 'Month-end close',
      },
      id,
    );
    const finance = cardText(resultRow(result, 'Membership of Finance Admins'));
    expect(finance).toContain('Active');
    expect(finance).toContain('Capped to 1 hour, the most this allows.');
    expect(cardText(resultRow(result, 'Global Reader role'))).toContain('Active');
    expect(cardText(resultRow(result, 'Global Reader role'))).not.toContain('Capped');
    expect(cardText(resultRow(result, 'Membership of Exchange Online Admins'))).toContain('Waiting for approval');
    expect(buttonTitles(resultRow(result, 'Membership of Finance Admins'))).toContain('Deactivate');
    expect(buttonTitles(resultRow(result, 'Membership of Exchange Online Admins'))).toContain('Cancel request');

    // The eligible re-read and one $batch carrying the three POSTs: at most 1 + ceil(3/20) round trips for the sends.
    const trips = await stack.roundTrips();
    const batches = trips.filter((t) => t.path === '/v1.0/$batch');
    expect(trips.length).toBeLessThanOrEqual(1 + Math.ceil(3 / 20));
    const items = (await stack.stack.graphCalls()) as {
      method: string;
      path: string;
      caller: string;
      batchItem?: boolean;
    }[];
    const posts = items.filter((e) => e.method === 'POST' && /ScheduleRequests$/.test(e.path));
    expect(posts).toHaveLength(3);
    expect(posts.every((p) => p.batchItem && p.caller === ALEX.aadObjectId)).toBe(true);
    expect(trips.filter((t) => t.method === 'POST' && t.path !== '/v1.0/$batch')).toEqual([]);
    expect(batches.length).toBe(1);

    // Graph has them, with the one justification and each item's own (capped) duration.
    const finReq = (
      await stack.graph(
        ALEX.aadObjectId,
        'GET',
        `${PIM}/assignmentScheduleRequests/filterByCurrentUser(on='principal')`,
      )
    ).body.value
      .filter((r: any) => r.groupId === GROUP.finance)
      .at(-1);
    expect(finReq).toMatchObject({ justification: 'Month-end close', action: 'selfActivate' });
    expect(finReq.scheduleInfo.expiration.duration).toBe('PT1H');
    expect((await stack.activeInstances(GROUP.finance)).length).toBe(1);
    expect(await activeRoleIds(stack)).toContain(GLOBAL_READER);
  });

  it('does not send an item whose rules the form does not meet, and one needing MFA asks for a stronger sign-in', async () => {
    const { form, id } = await openBulkForm(stack);
    await stack.clearGraphLog();
    const result = await stack.press(
      form,
      'Activate selected',
      {
        picked: [groupKey(GROUP.prod), roleKey(USER_ADMIN), roleKey(GLOBAL_READER)].join(','),
        duration: '60',
        justification: 'Incident bridge',
      },
      id,
    );
    const prod = resultRow(result, 'Membership of Production Servers Admins');
    expect(cardText(prod)).toContain('Not sent');
    expect(cardText(prod)).toContain('asks for a ticket number');
    expect(buttonTitles(prod)).toEqual(['Activate Production Servers Admins']);
    const admin = resultRow(result, 'User Administrator role');
    expect(cardText(admin)).toContain('Needs a stronger sign-in: verify below, or activate it on its own');
    expect(buttonTitles(admin)).toEqual(['Activate User Administrator']);
    expect(cardText(resultRow(result, 'Global Reader role'))).toContain('Active');
    const items = (await stack.stack.graphCalls()) as { method: string; path: string }[];
    const posts = items.filter((e) => e.method === 'POST' && /ScheduleRequests$/.test(e.path));
    // Production Servers Admins was never sent; Graph decided about User Administrator.
    expect(posts.map((p) => p.path).every((p) => p.startsWith(RM))).toBe(true);
    expect(posts).toHaveLength(2);
    const prodRequests = (
      await stack.graph(
        ALEX.aadObjectId,
        'GET',
        `${PIM}/assignmentScheduleRequests/filterByCurrentUser(on='principal')`,
      )
    ).body.value.filter((r: any) => r.groupId === GROUP.prod);
    expect(prodRequests).toEqual([]);
  });

  it('a double click sends once', async () => {
    const { form, id } = await openBulkForm(stack);
    const inputs = { picked: groupKey(GROUP.finance), duration: '60', justification: 'Month-end close' };
    await stack.clearGraphLog();
    await stack.press(form, 'Activate selected', inputs, id);
    const again = await stack.press(form, 'Activate selected', inputs, id);
    expect(cardText(again)).toContain('Already sent');
    expect(await stack.postedActivations()).toHaveLength(0);
    const items = (await stack.stack.graphCalls()) as { method: string; path: string }[];
    expect(items.filter((e) => e.method === 'POST' && /ScheduleRequests$/.test(e.path))).toHaveLength(1);
  });

  it('refuses forged or too many picks on the form, sending nothing', async () => {
    const { form, id } = await openBulkForm(stack);
    await stack.clearGraphLog();
    const forged = await stack.press(
      form,
      'Activate selected',
      {
        picked: `${groupKey('20000000-0000-4000-8000-0000000000ff')},${groupKey(GROUP.finance)}`,
        duration: '60',
        justification: 'x',
      },
      id,
    );
    expect(cardText(forged)).toContain('1 of the picked roles is not (any more) among your eligible roles.');
    const many = Array.from({ length: 21 }, (_, i) =>
      groupKey(`20000000-0000-4000-8000-0000000001${String(i).padStart(2, '0')}`),
    );
    const tooMany = await stack.press(forged, 'Activate selected', { picked: many.join(','), duration: '60' }, id);
    expect(cardText(tooMany)).toContain('Pick at most 20 at once (you picked 21).');
    const none = await stack.press(tooMany, 'Activate selected', { picked: '', duration: '60' }, id);
    expect(cardText(none)).toContain('Pick at least one role to activate.');
    const items = (await stack.stack.graphCalls()) as { method: string; path: string }[];
    expect(items.filter((e) => e.method === 'POST' && /ScheduleRequests$/.test(e.path))).toEqual([]);
  });

  it('each item has its own Deactivate or Cancel, which ends only that one and redraws the result card', async () => {
    const { form, id } = await openBulkForm(stack);
    const picked = [groupKey(GROUP.finance), roleKey(GLOBAL_READER), groupKey(EXCHANGE_ONLINE)];
    const result = await stack.press(
      form,
      'Activate selected',
      { picked: picked.join(','), duration: '60', justification: 'Audit' },
      id,
    );
    expect(cardText(result)).toContain('3 of 3 requested');
    await stack.advance(6 * 60);

    const one = await stack.press(resultRow(result, 'Membership of Finance Admins'), 'Yes, deactivate', {}, id);
    expect(cardText(one)).toContain('Activate several: the result');
    expect(cardText(one)).toContain('3 of 3 requested');
    expect(cardText(resultRow(one, 'Membership of Finance Admins'))).toContain('Deactivated');
    expect(cardText(resultRow(one, 'Membership of Finance Admins'))).toContain('You are still eligible');
    expect(buttonTitles(resultRow(one, 'Membership of Finance Admins'))).toEqual(['Activate Finance Admins']);
    expect(cardText(resultRow(one, 'Global Reader role'))).toContain('Active');
    expect(await stack.activeInstances(GROUP.finance)).toEqual([]);
    expect(await activeRoleIds(stack)).toContain(GLOBAL_READER);

    const two = await stack.press(resultRow(one, 'Global Reader role'), 'Yes, deactivate', {}, id);
    expect(cardText(resultRow(two, 'Global Reader role'))).toContain('Deactivated');
    expect(cardText(resultRow(two, 'Membership of Finance Admins'))).toContain('Deactivated');
    expect(await activeRoleIds(stack)).not.toContain(GLOBAL_READER);

    const three = await stack.press(resultRow(two, 'Membership of Exchange Online Admins'), 'Yes, cancel it', {}, id);
    expect(cardText(resultRow(three, 'Membership of Exchange Online Admins'))).toContain('Request canceled');
    const sent = (await stack.stack.graphCalls()) as { method: string; path: string }[];
    expect(sent.some((e) => e.method === 'POST' && /\/cancel$/.test(e.path))).toBe(true);
    // A second click from the first copy of the card: the row says where it stands.
    const stale = await stack.press(resultRow(result, 'Global Reader role'), 'Yes, deactivate', {}, id);
    expect(cardText(resultRow(stale, 'Global Reader role'))).toContain('Deactivated');
  });

  it('shown again, the result card redraws a row that changed by itself (approved in the PIM portal, then ended)', async () => {
    const { form, id } = await openBulkForm(stack);
    const result = await stack.press(
      form,
      'Activate selected',
      {
        picked: [groupKey(GROUP.finance), groupKey(EXCHANGE_ONLINE)].join(','),
        duration: '60',
        justification: 'Audit',
      },
      id,
    );
    const refresh = (result as any).refresh;
    expect(refresh?.action).toMatchObject({ type: 'Action.Execute', verb: 'refreshBulkResult' });
    expect(refresh?.userIds).toEqual([ALEX.teamsId]);
    const { body } = await stack.graph(
      ALEX.aadObjectId,
      'GET',
      `${PIM}/assignmentScheduleRequests/filterByCurrentUser(on='principal')`,
    );
    const waiting = body.value.find((r: any) => r.groupId === EXCHANGE_ONLINE && r.status === 'PendingApproval');
    await decideInPimPortal(stack.stack, waiting.id, PEOPLE.megan, 'Approve', 'Fine for the audit');
    await stack.tick();

    await stack.clearGraphLog();
    const shown = await stack.teams.invoke(ALEX, refresh.action.verb, refresh.action.data, id);
    const again = shown.body?.value as Card;
    expect(cardText(resultRow(again, 'Membership of Exchange Online Admins'))).toContain('Active');
    expect(buttonTitles(resultRow(again, 'Membership of Exchange Online Admins'))).toContain('Deactivate');
    expect(cardText(resultRow(again, 'Membership of Finance Admins'))).toContain('Active');
    // Drawn from the records the watcher keeps: no Graph call for it.
    expect(await stack.stack.graphCalls()).toEqual([]);

    // Both end (Finance Admins allows an hour); the watcher notices; shown again, nothing runs and refresh stops.
    await stack.advance(2 * 3600);
    await stack.tick();
    const later = (await stack.teams.invoke(ALEX, refresh.action.verb, refresh.action.data, id)).body?.value as Card;
    expect(cardText(resultRow(later, 'Membership of Finance Admins'))).toContain('No longer active');
    expect(buttonTitles(resultRow(later, 'Membership of Finance Admins'))).toEqual(['Activate Finance Admins']);
    expect((later as any).refresh).toBeUndefined();

    // Someone else's run, or a forged one: nothing of Alex's is shown.
    const forged = await stack.teams.invoke(
      ALEX,
      'refreshBulkResult',
      { op: '00000000-0000-4000-8000-000000000000' },
      id,
    );
    expect(cardText(forged.body?.value as Card)).toContain('I no longer keep this result');
    const bad = await stack.teams.invoke(ALEX, 'refreshBulkResult', { op: 'not-a-form-id' }, id);
    expect(JSON.stringify(bad.body)).not.toContain('Finance Admins');
  });

  it('each sent item has its activation record: the watcher reminds before its own end', async () => {
    const { form, id } = await openBulkForm(stack);
    await stack.press(
      form,
      'Activate selected',
      { picked: [groupKey(GROUP.finance), roleKey(GLOBAL_READER)].join(','), duration: '120', justification: 'Audit' },
      id,
    );
    // Finance Admins was capped to 1 hour: its reminder comes before Global Reader's (2 hours).
    await stack.advance(52 * 60);
    await stack.tick();
    const texts = () => stack.teams.cardsFor(ALEX).map((c) => cardText(c.card));
    await stack.teams.waitFor(() => texts().some((t) => /Finance Admins.* ends in/.test(t)));
    expect(texts().some((t) => /Global Reader role ends in/.test(t))).toBe(false);
  });

  it('one step-up sign-in covers every item that needs the same claims; after it, each is activated', async () => {
    const { form, id } = await openBulkForm(stack);
    const result = await stack.press(
      form,
      'Activate selected',
      {
        picked: [roleKey(USER_ADMIN), groupKey(GROUP.secops), roleKey(GLOBAL_READER)].join(','),
        duration: '60',
        justification: 'Incident bridge',
      },
      id,
    );
    expect(cardText(result)).toContain('One stronger sign-in activates User Administrator, Security Operations');
    expect(buttonTitles(result).filter((t) => t.startsWith('Verify my identity'))).toEqual(['Verify my identity']);
    expect(await stack.activeInstances(GROUP.secops)).toEqual([]);

    const link = findAction(result, 'Verify my identity')?.action as { url?: string } | undefined;
    expect(link?.url).toBeDefined();
    const { callback } = await signInUntilCallback(link?.url ?? '');
    const done = await fetch(callback);
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('2 of 2 activations requested; the result card in Teams shows each one.');
    expect((await stack.activeInstances(GROUP.secops)).length).toBe(1);
    expect(await activeRoleIds(stack)).toEqual(expect.arrayContaining([USER_ADMIN, GLOBAL_READER]));
    // The result card, where the person clicked, shows them active with their own buttons; the used link is gone.
    await stack.teams.waitFor(() => cardText(stack.current(id)).includes('3 of 3 requested'));
    const after = stack.current(id);
    expect(cardText(resultRow(after, 'User Administrator'))).toContain('Active');
    expect(cardText(resultRow(after, 'Membership of Security Operations'))).toContain('Active');
    expect(buttonTitles(resultRow(after, 'User Administrator'))).toContain('Deactivate');
    expect(buttonTitles(after).filter((t) => t.startsWith('Verify my identity'))).toEqual([]);
    expect(cardText(after)).not.toContain('One stronger sign-in');
    // Nothing else arrives for them: the result card is the one place.
    expect(
      stack.teams
        .cardsFor(ALEX)
        .filter((c) => /User Administrator\*\* \(whole directory\) until/.test(cardText(c.card))),
    ).toEqual([]);

    // Deactivate on the redrawn row answers with the result card again.
    await stack.advance(6 * 60);
    const ended = await stack.press(resultRow(after, 'User Administrator'), 'Yes, deactivate', {}, id);
    expect(cardText(resultRow(ended, 'User Administrator'))).toContain('Deactivated');
    expect(await activeRoleIds(stack)).not.toContain(USER_ADMIN);
  });
});
