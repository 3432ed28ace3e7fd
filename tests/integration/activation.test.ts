import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { timeText } from '../../cards/activation/format.js';
import { datedMomentText, onDateAtText } from '../../cards/time.js';
import { ActivationDriver, type GraphLogEntry, openUrl, signInUntilCallback } from '../helpers/activationDriver.js';
import { checkCard } from '../helpers/cardCheck.js';
import { buttonTitles, type Card, cardsIn, cardText, findAction, teamsUser } from '../helpers/teamsHarness.js';

/**
 * The activation journey over real HTTP: the bot, the devtenant (a local Graph) and a Teams-like client. The bot and
 * the devtenant share one manual clock, so tests move time for both (reminders, the end of an activation).
 */

const TENANT = 'c0a70500-0000-4000-8000-000000000001';
const ALEX = teamsUser('10000000-0000-4000-8000-000000000001', 'Alex Wilber');
const MEGAN = '10000000-0000-4000-8000-000000000002';
const LYNNE = '10000000-0000-4000-8000-000000000006';
const GROUP = {
  finance: '20000000-0000-4000-8000-000000000011',
  prod: '20000000-0000-4000-8000-000000000012',
  devtools: '20000000-0000-4000-8000-000000000013',
  secops: '20000000-0000-4000-8000-000000000014',
  azure: '20000000-0000-4000-8000-000000000015',
  exchange: '20000000-0000-4000-8000-000000000016',
  dba: '20000000-0000-4000-8000-000000000018',
  financeTeam: '20000000-0000-4000-8000-000000000004',
};
const PIM = '/v1.0/identityGovernance/privilegedAccess/group';
const EM = '/v1.0/identityGovernance/entitlementManagement';

type LogEntry = GraphLogEntry;
const ActivationStack = ActivationDriver;
type ActivationStack = ActivationDriver;

/**
 * A moment as the cards write it when rendered at the bot's clock now, through the cards' own formatter: the time
 * alone on the same UTC day, date and time otherwise (an activation started at 23:50 UTC ends on the next day).
 */
function time(stack: ActivationStack, iso: string): string {
  return timeText(iso, stack.clock.now().toISOString());
}

async function activeInstances(stack: ActivationStack, groupId: string): Promise<any[]> {
  const { body } = await stack.graph(
    ALEX.aadObjectId,
    'GET',
    `${PIM}/assignmentScheduleInstances/filterByCurrentUser(on='principal')`,
  );
  return body.value.filter((i: any) => i.groupId === groupId);
}

/** The column of the activation form that holds the start input `id`, with what stands beside it. */
function startColumn(card: Card, id: string): any[] {
  const columns = card.body.flatMap((e: any) => e.columns ?? []);
  return columns.find((c: any) => c.items.some((e: any) => e.id === id))?.items ?? [];
}

async function postedActivations(stack: ActivationStack): Promise<LogEntry[]> {
  return (await stack.roundTrips()).filter(
    (e) => e.method === 'POST' && e.path.startsWith(`${PIM}/assignmentScheduleRequests`),
  );
}

describe('activate: eligible roles and the activation form', () => {
  let stack: ActivationStack;
  beforeAll(async () => {
    stack = await ActivationStack.start();
  });
  afterAll(async () => stack?.stop());

  it('lists my eligible roles with each group policy, where the eligibility came from, and what is active', async () => {
    const { card } = await stack.list();
    expect(checkCard(card)).toEqual([]);
    const text = cardText(card);
    for (const name of [
      'Finance Admins',
      'Production Servers Admins',
      'Developer Tools Power Users',
      'Security Operations',
      'Azure Subscription Owners',
      'Exchange Online Admins',
    ]) {
      expect(text).toContain(name);
    }
    expect(text).toContain('up to 1 hour · justification');
    expect(text).toContain('up to 8 hours · justification · ticket number');
    expect(text).toContain('multi-factor sign-in');
    expect(text).toContain('stronger sign-in (Privileged access)');
    expect(text).toContain('approval by Megan Bowen or Patti Fernandez');
    expect(text).toMatch(/from the access package \*\*Finance Month-end Close \(JIT\)\*\*, which ends \{\{DATE\(/);
    // Developer Tools is already active (seeded): it shows its end time, with its date (the list has no refresh),
    // instead of an Activate button.
    const devtools = await activeInstances(stack, GROUP.devtools);
    expect(text).toContain(`Now Active until ${datedMomentText(devtools[0].endDateTime)}`);
    expect(buttonTitles(card)).not.toContain('Activate Developer Tools Power Users');
    expect(buttonTitles(card)).toEqual(
      expect.arrayContaining([
        'Activate Finance Admins',
        'Activate Security Operations',
        'Activate Exchange Online Admins',
      ]),
    );
  });

  it('reads the list with policies in two Graph round trips: the eligibilities, then one $batch of policies', async () => {
    await stack.clearGraphLog();
    await stack.list();
    const trips = await stack.roundTrips();
    // The first $batch holds the eligibility lists (groups and Entra roles) with everything else that needs no id.
    expect(trips.map((t) => `${t.method} ${t.path.split('?')[0]}`)).toEqual(['POST /v1.0/$batch', 'POST /v1.0/$batch']);
    expect(trips.every((t) => t.caller === ALEX.aadObjectId)).toBe(true);
  });

  it('narrows the list to groups whose name matches what follows "activate"', async () => {
    const { card } = await stack.list(ALEX, 'activate finance');
    expect(cardText(card)).toContain('Finance Admins');
    expect(cardText(card)).not.toContain('Security Operations');
    const none = await stack.list(ALEX, 'activate payroll');
    expect(cardText(none.card)).toMatch(/None of your eligible roles matches "payroll"/);
  });

  it('offers durations up to the policy maximum, defaulting to the maximum, and asks only what the policy asks', async () => {
    const { form } = await stack.form('Activate Finance Admins');
    const duration = form.body.find((e: any) => e.id === 'duration');
    expect(duration.choices.map((c: any) => c.title)).toEqual(['30 minutes', '1 hour']);
    expect(duration.value).toBe('60');
    const justification = form.body.find((e: any) => e.id === 'justification');
    expect(justification.isRequired).toBe(true);
    expect(JSON.stringify(form)).not.toContain('ticketNumber');
    const prod = await stack.form('Activate Production Servers Admins');
    expect(JSON.stringify(prod.form)).toContain('"ticketNumber"');
    expect(prod.form.body.find((e: any) => e.id === 'duration').choices.at(-1).title).toBe('8 hours');
  });

  it('activates with a justification (max 1 hour): the card says until when, and Graph has the membership', async () => {
    const { form, id } = await stack.form('Activate Finance Admins');
    await stack.clearGraphLog();
    const card = await stack.press(form, 'Activate', { duration: '30', justification: 'Month-end close' }, id);
    expect(await postedActivations(stack)).toHaveLength(1);
    expect((await stack.roundTrips()).length).toBe(1);
    const [instance] = await activeInstances(stack, GROUP.finance);
    expect(Date.parse(instance.endDateTime) - Date.parse(instance.startDateTime)).toBe(30 * 60_000);
    expect(cardText(card)).toContain(
      `You are a member of **Finance Admins** until ${time(stack, instance.endDateTime)}`,
    );
    expect(buttonTitles(card)).toContain('Deactivate');
    expect(await stack.members(GROUP.finance)).toContain(ALEX.aadObjectId);
  });

  it('activates with a ticket when the policy asks for one and passes it to Graph', async () => {
    const { form, id } = await stack.form('Activate Production Servers Admins');
    const card = await stack.press(
      form,
      'Activate',
      { duration: '120', justification: 'Patch night', ticketNumber: 'CHG0042', ticketSystem: 'ServiceNow' },
      id,
    );
    expect(cardText(card)).toContain('You are a member of **Production Servers Admins** until');
    const { body } = await stack.graph(
      ALEX.aadObjectId,
      'GET',
      `${PIM}/assignmentScheduleRequests/filterByCurrentUser(on='principal')`,
    );
    const request = body.value.find((r: any) => r.groupId === GROUP.prod);
    expect(request.ticketInfo).toEqual({ ticketNumber: 'CHG0042', ticketSystem: 'ServiceNow' });
    expect(request.justification).toBe('Patch night');
  });

  it('sends an approval-needing activation and says whom it waits for', async () => {
    const { form, id } = await stack.form('Activate Exchange Online Admins');
    const card = await stack.press(form, 'Activate', { duration: '60', justification: 'Mailbox migration' }, id);
    expect(cardText(card)).toContain('Waiting for approval');
    expect(cardText(card)).toContain('waiting for Megan Bowen or Patti Fernandez');
    expect(await stack.members(GROUP.exchange)).not.toContain(ALEX.aadObjectId);
    // Megan approves in Graph; the approval journey (or the watcher) refreshes the subject: the card turns active.
    const { body } = await stack.graph(MEGAN, 'GET', `${PIM}/assignmentApprovals/filterByCurrentUser(on='approver')`);
    const approval = body.value.find((a: any) => a.stages?.length);
    const stage = approval.stages[0];
    const decided = await stack.graph(MEGAN, 'PATCH', `${PIM}/assignmentApprovals/${approval.id}/stages/${stage.id}`, {
      reviewResult: 'Approve',
      justification: 'ok',
    });
    expect(decided.status).toBe(204);
    await stack.tick();
    const updated = stack.current(id);
    expect(cardText(updated)).toContain('You are a member of **Exchange Online Admins** until');
    expect(await stack.members(GROUP.exchange)).toContain(ALEX.aadObjectId);
  });
});

describe('activate: bad input is refused or explained, never sent to Graph blindly', () => {
  let stack: ActivationStack;
  beforeEach(async () => {
    stack = await ActivationStack.start();
  });
  afterEach(async () => stack?.stop());

  const invoke = async (verb: string, data: Record<string, unknown>) => {
    const reply = await stack.teams.invoke(ALEX, verb, data);
    expect(reply.httpStatus).toBe(200);
    return reply.body!.value as Card;
  };

  it('refuses a forged group id in the card data without writing to Graph', async () => {
    await stack.clearGraphLog();
    const op = crypto.randomUUID();
    const card = await invoke('activate', {
      groupId: GROUP.financeTeam,
      accessId: 'member',
      op,
      duration: '60',
      justification: 'let me in',
    });
    expect(cardText(card)).toMatch(/You are not eligible for this role/);
    const form = await invoke('activateForm', { groupId: GROUP.financeTeam, accessId: 'member', here: true });
    expect(cardText(form)).toMatch(/You are not eligible for this role/);
    const garbage = await invoke('activate', { groupId: "x' or 1 eq 1", accessId: 'member', op });
    expect(cardText(garbage)).toMatch(/groupId: must be a group id/);
    expect(await postedActivations(stack)).toHaveLength(0);
  });

  it('refuses a duration over the policy maximum before calling Graph, and keeps what was typed', async () => {
    const { form, id } = await stack.form('Activate Finance Admins');
    await stack.clearGraphLog();
    const card = await stack.press(form, 'Activate', { duration: '120', justification: 'Month-end close' }, id);
    expect(cardText(card)).toContain('2 hours is longer than this group allows (at most 1 hour).');
    expect(card.body.find((e: any) => e.id === 'justification').value).toBe('Month-end close');
    expect(await stack.roundTrips()).toHaveLength(0);
  });

  it('refuses a duration below the minimum or not a number before calling Graph', async () => {
    const { form, id } = await stack.form('Activate Finance Admins');
    await stack.clearGraphLog();
    for (const duration of ['3', '0', 'forever', '-30']) {
      const card = await stack.press(form, 'Activate', { duration, justification: 'Month-end close' }, id);
      expect(cardText(card)).toMatch(/Please fix this first:\n- Choose a duration of at least 5 minutes\./);
      expect(card.body.find((e: any) => e.id === 'justification').value).toBe('Month-end close');
      // The form offers only the policy's choices again.
      expect(card.body.find((e: any) => e.id === 'duration').choices.map((c: any) => c.value)).toEqual(['30', '60']);
    }
    expect(await stack.roundTrips()).toHaveLength(0);
    expect(await activeInstances(stack, GROUP.finance)).toHaveLength(0);
  });

  it('refuses a start time in the past, or one that is not a time, before calling Graph', async () => {
    const { form, id } = await stack.form('Activate Finance Admins');
    await stack.clearGraphLog();
    const past = new Date(stack.clock.now().getTime() - 2 * 3600_000).toISOString();
    const inPast = await stack.press(
      form,
      'Activate',
      { duration: '60', justification: 'Month-end close', startDate: past.slice(0, 10), startTime: past.slice(11, 16) },
      id,
    );
    expect(cardText(inPast)).toContain('The start time is in the past: leave it empty to start now.');
    // What was typed stays on the form, to be corrected.
    expect(inPast.body.flatMap((e: any) => e.columns ?? []).flatMap((c: any) => c.items)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: 'startDate', value: past.slice(0, 10) }),
        expect.objectContaining({ id: 'startTime', value: past.slice(11, 16) }),
      ]),
    );
    const today = stack.clock.now().toISOString().slice(0, 10);
    // Each error stands under its own input, and only a valid YYYY-MM-DD / HH:MM goes back into Input.Date/Time.
    const cases: [Record<string, string>, Partial<Record<'startDate' | 'startTime', RegExp>>][] = [
      [{ startDate: today, startTime: '25:99' }, { startTime: /^Not a time: choose one between 00:00 and 23:59/ }],
      [{ startDate: 'next week', startTime: '10:00' }, { startDate: /^Not a date: choose a day \(YYYY-MM-DD\)/ }],
      [{ startDate: '2026-02-30', startTime: '10:00' }, { startDate: /^Not a date/ }],
      [{ startDate: today, startTime: 'noon' }, { startTime: /^Not a time/ }],
      [
        { startDate: 'next week', startTime: '25:99' },
        { startDate: /^Not a date/, startTime: /^Not a time/ },
      ],
      [{ startDate: today }, { startTime: /^Choose a start time too, or leave both empty to start now\.$/ }],
    ];
    for (const [start, problems] of cases) {
      const card = await stack.press(
        form,
        'Activate',
        { duration: '60', justification: 'Month-end close', ...start },
        id,
      );
      expect(cardText(card)).toMatch(/^Activate: Membership of Finance Admins/);
      expect(cardText(card)).toContain('Please fix this first:\n- The start date or time: see below.');
      expect(checkCard(card)).toEqual([]);
      for (const field of ['startDate', 'startTime'] as const) {
        const beside = startColumn(card, field);
        const input = beside.find((e: any) => e.id === field);
        const typed = start[field];
        const valid = field === 'startDate' ? /^\d{4}-\d{2}-\d{2}$/ : /^\d{2}:\d{2}$/;
        if (problems[field] && typed) expect(input).not.toHaveProperty('value');
        if (input.value !== undefined) expect(input.value).toMatch(valid);
        // An error shows in an attention callout (a Container) under the input.
        const errors = beside
          .flatMap((e: any) => (e.type === 'Container' ? e.items : [e]))
          .filter((e: any) => e.type === 'TextBlock')
          .map((e: any) => e.text);
        if (problems[field]) expect(errors).toEqual([expect.stringMatching(problems[field] as RegExp)]);
        else expect(errors).toEqual([]);
      }
    }
    expect(await postedActivations(stack)).toHaveLength(0);
    expect(await stack.roundTrips()).toHaveLength(0);
    expect(await stack.members(GROUP.finance)).not.toContain(ALEX.aadObjectId);
  });

  it('explains a missing justification and a justification of 10,000 characters', async () => {
    const { form, id } = await stack.form('Activate Finance Admins');
    await stack.clearGraphLog();
    const empty = await stack.press(form, 'Activate', { duration: '60', justification: '  ' }, id);
    expect(cardText(empty)).toContain('This group asks for a justification');
    const long = await stack.press(form, 'Activate', { duration: '60', justification: 'x'.repeat(10_000) }, id);
    expect(cardText(long)).toContain('The justification has 10,000 characters; keep it to 500.');
    expect(await stack.roundTrips()).toHaveLength(0);
  });

  it('makes exactly one Graph request for a double click on Activate, and both clicks see the result', async () => {
    const { form, id } = await stack.form('Activate Finance Admins');
    await stack.clearGraphLog();
    const inputs = { duration: '60', justification: 'Month-end close' };
    const [a, b] = await Promise.all([
      stack.press(form, 'Activate', inputs, id),
      stack.press(form, 'Activate', inputs, id),
    ]);
    expect(await postedActivations(stack)).toHaveLength(1);
    for (const card of [a, b]) expect(cardText(card)).toContain('You are a member of **Finance Admins** until');
    const again = await stack.press(form, 'Activate', inputs, id);
    expect(cardText(again)).toContain('You are a member of **Finance Admins** until');
    expect(await postedActivations(stack)).toHaveLength(1);
  });

  it('explains a stale card after the eligibility ended', async () => {
    const { form, id } = await stack.form('Activate Finance Admins');
    // Alex gives up the access package that made him eligible: Entra removes the eligibility with it.
    const removed = await stack.graph(ALEX.aadObjectId, 'POST', `${EM}/assignmentRequests`, {
      requestType: 'userRemove',
      assignment: { id: '80000000-0000-4000-8000-000000000001' },
    });
    expect(removed.status).toBe(201);
    await stack.graph(ALEX.aadObjectId, 'GET', '/v1.0/me');
    const card = await stack.press(form, 'Activate', { duration: '60', justification: 'Month-end close' }, id);
    expect(cardText(card)).toMatch(/I could not activate Finance Admins/);
    expect(cardText(card)).toMatch(/you are not eligible \(any more\)/);
    expect(buttonTitles(card)).toContain('Try again');
    // A few minutes later the bot reads the roles again, and the same card says so without asking Graph to write.
    await stack.advance(4 * 60);
    await stack.clearGraphLog();
    const later = await stack.press(form, 'Activate', { duration: '60', justification: 'Month-end close' }, id);
    expect(cardText(later)).toMatch(/You are not eligible for this role/);
    expect(await postedActivations(stack)).toHaveLength(0);
  });
});

describe('activate: roles that are already active, and deactivation', () => {
  let stack: ActivationStack;
  beforeEach(async () => {
    stack = await ActivationStack.start();
  });
  afterEach(async () => stack?.stop());

  it('shows an already active role with its end time instead of a form, and Deactivate ends it early', async () => {
    const [instance] = await activeInstances(stack, GROUP.devtools);
    const { id } = await stack.list();
    const reply = await stack.teams.invoke(
      ALEX,
      'activateForm',
      { groupId: GROUP.devtools, accessId: 'member', here: true },
      id,
    );
    const card = reply.body!.value as Card;
    expect(cardText(card)).toContain('already active');
    expect(cardText(card)).toContain(
      `You are a member of **Developer Tools Power Users** until ${time(stack, instance.endDateTime)}`,
    );
    const ended = await stack.press(card, 'Yes, deactivate', {}, id);
    expect(cardText(ended)).toMatch(/Membership of Developer Tools Power Users deactivated/);
    expect(cardText(ended)).toContain('you are no longer a member of **Developer Tools Power Users**');
    expect(buttonTitles(ended)).toContain('Activate again');
    expect(await stack.members(GROUP.devtools)).not.toContain(ALEX.aadObjectId);
    expect(await activeInstances(stack, GROUP.devtools)).toHaveLength(0);
  });

  it('shows the active state when Graph says the role is already active (a stale form)', async () => {
    const { form, id } = await stack.form('Activate Finance Admins');
    const direct = await stack.graph(ALEX.aadObjectId, 'POST', `${PIM}/assignmentScheduleRequests`, {
      action: 'selfActivate',
      accessId: 'member',
      principalId: ALEX.aadObjectId,
      groupId: GROUP.finance,
      justification: 'from the portal',
      scheduleInfo: {
        startDateTime: stack.clock.now().toISOString(),
        expiration: { type: 'afterDuration', duration: 'PT45M' },
      },
    });
    expect(direct.status).toBe(201);
    const card = await stack.press(form, 'Activate', { duration: '60', justification: 'Month-end close' }, id);
    expect(cardText(card)).toContain('already active');
    expect(cardText(card)).toContain('You are a member of **Finance Admins** until');
    expect(buttonTitles(card)).toContain('Deactivate');
  });

  it('activates a role with no requirements, refuses Deactivate in the first 5 minutes with the reason, then allows it', async () => {
    const devtools = await stack.list();
    const active = (
      await stack.teams.invoke(
        ALEX,
        'activateForm',
        { groupId: GROUP.devtools, accessId: 'member', here: true },
        devtools.id,
      )
    ).body!.value;
    await stack.advance(60);
    await stack.press(active, 'Yes, deactivate', {}, devtools.id);
    const { form, id } = await stack.form('Activate Developer Tools Power Users');
    expect(form.body.find((e: any) => e.id === 'justification').label).toBe('Justification (optional)');
    const card = await stack.press(form, 'Activate', { duration: '120' }, id);
    expect(cardText(card)).toContain('You are a member of **Developer Tools Power Users** until');
    await stack.advance(2 * 60);
    await stack.clearGraphLog();
    const refused = await stack.press(card, 'Yes, deactivate', {}, id);
    expect(cardText(refused)).toMatch(/Not yet: Microsoft Entra does not end an activation in its first 5 minutes/);
    const [started] = await activeInstances(stack, GROUP.devtools);
    const fiveMinutesIn = new Date(Date.parse(started.startDateTime) + 5 * 60_000).toISOString();
    expect(cardText(refused)).toContain(`You can deactivate from ${time(stack, fiveMinutesIn)}.`);
    expect(await postedActivations(stack)).toHaveLength(0);
    expect(await stack.members(GROUP.devtools)).toContain(ALEX.aadObjectId);
    await stack.advance(4 * 60);
    const ended = await stack.press(card, 'Yes, deactivate', {}, id);
    expect(cardText(ended)).toMatch(/deactivated/);
    expect(await stack.members(GROUP.devtools)).not.toContain(ALEX.aadObjectId);
    // The next form for this role starts at the last duration chosen.
    const next = await stack.form('Activate Developer Tools Power Users');
    expect(next.form.body.find((e: any) => e.id === 'duration').value).toBe('120');
  });
});

describe('activate: reminder, extend and the end, driven by the clock', () => {
  let stack: ActivationStack;
  beforeEach(async () => {
    stack = await ActivationStack.start();
  });
  afterEach(async () => stack?.stop());

  it('reminds 10 minutes before the end with Extend, extends, and turns the card to "ended" at the end', async () => {
    const { form, id } = await stack.form('Activate Finance Admins');
    const card = await stack.press(form, 'Activate', { duration: '60', justification: 'Month-end close' }, id);
    expect(buttonTitles(card)).not.toContain('Extend');
    await stack.advance(45 * 60);
    await stack.tick();
    const sentBefore = stack.teams.events.filter((e) => e.kind === 'send').length;
    expect(cardText(stack.current(id))).toContain('You are a member of **Finance Admins** until');
    await stack.advance(6 * 60);
    await stack.tick();
    const reminders = stack.teams.events.filter((e) => e.kind === 'send').slice(sentBefore);
    expect(reminders).toHaveLength(1);
    const [reminder] = cardsIn(reminders[0].activity);
    expect(cardText(reminder)).toMatch(/Membership of Finance Admins ends in 9 minutes/);
    expect(buttonTitles(reminder)).toEqual(['Extend', 'Deactivate', 'Yes, deactivate']);
    // The card Alex already had shows the same choice.
    expect(buttonTitles(stack.current(id))).toEqual(['Extend', 'Deactivate', 'Yes, deactivate']);
    await stack.tick();
    expect(stack.teams.events.filter((e) => e.kind === 'send').slice(sentBefore)).toHaveLength(1);

    const extended = await stack.press(reminder, 'Extend', {}, reminders[0].activityId);
    const [instance] = await activeInstances(stack, GROUP.finance);
    expect(Date.parse(instance.endDateTime) - stack.clock.now().getTime()).toBe(60 * 60_000);
    expect(cardText(extended)).toContain(
      `You are a member of **Finance Admins** until ${time(stack, instance.endDateTime)}`,
    );
    expect(cardText(stack.current(id))).toMatch(/Membership of Finance Admins extended/);

    await stack.advance(61 * 60);
    await stack.tick();
    const end = cardText(stack.current(reminders[0].activityId));
    expect(end).toMatch(/Membership of Finance Admins has ended/);
    expect(end).toContain(`It ended ${onDateAtText(instance.endDateTime)}`);
    expect(await stack.members(GROUP.finance)).not.toContain(ALEX.aadObjectId);
  });

  it('schedules an activation for a later start: the card says when it starts, and it turns active then', async () => {
    const { form, id } = await stack.form('Activate Finance Admins');
    const start = new Date(stack.clock.now().getTime() + 2 * 3600_000).toISOString();
    const end = new Date(Date.parse(start) + 60 * 60_000).toISOString();
    await stack.clearGraphLog();
    const card = await stack.press(
      form,
      'Activate',
      {
        duration: '60',
        justification: 'Month-end close tonight',
        startDate: start.slice(0, 10),
        startTime: start.slice(11, 16),
      },
      id,
    );
    expect(await postedActivations(stack)).toHaveLength(1);
    const text = cardText(card);
    expect(text).toMatch(/^Scheduled: Membership of Finance Admins/);
    expect(text).toContain(
      `You become a member of **Finance Admins** at ${time(stack, start)} until ${time(stack, end)}`,
    );
    expect(buttonTitles(card)).not.toContain('Deactivate');
    const { body } = await stack.graph(
      ALEX.aadObjectId,
      'GET',
      `${PIM}/assignmentScheduleRequests/filterByCurrentUser(on='principal')`,
    );
    const request = body.value.find((r: any) => r.groupId === GROUP.finance);
    expect(Date.parse(request.scheduleInfo.startDateTime)).toBe(Date.parse(start));
    expect(await stack.members(GROUP.finance)).not.toContain(ALEX.aadObjectId);

    // Nothing changes before the start; at the start the watcher turns the card active.
    await stack.advance(60 * 60);
    await stack.tick();
    expect(cardText(stack.current(id))).toMatch(/^Scheduled: Membership of Finance Admins/);
    await stack.advance(61 * 60);
    await stack.tick();
    expect(cardText(stack.current(id))).toContain(`You are a member of **Finance Admins** until ${time(stack, end)}`);
    expect(await stack.members(GROUP.finance)).toContain(ALEX.aadObjectId);
  });

  it('explains why an activation that needs approval cannot be extended', async () => {
    const { form, id } = await stack.form('Activate Exchange Online Admins');
    await stack.press(form, 'Activate', { duration: '30', justification: 'Mailbox migration' }, id);
    const { body } = await stack.graph(MEGAN, 'GET', `${PIM}/assignmentApprovals/filterByCurrentUser(on='approver')`);
    const approval = body.value[0];
    await stack.graph(MEGAN, 'PATCH', `${PIM}/assignmentApprovals/${approval.id}/stages/${approval.stages[0].id}`, {
      reviewResult: 'Approve',
      justification: 'ok',
    });
    await stack.tick();
    await stack.advance(25 * 60);
    await stack.tick();
    const card = stack.current(id);
    await stack.clearGraphLog();
    const refused = await stack.press(card, 'Extend', {}, id);
    expect(cardText(refused)).toMatch(
      /I can't extend this: Exchange Online Admins needs an approval for every activation/,
    );
    expect(await postedActivations(stack)).toHaveLength(0);
  });
});

/** The part of a card (a top-level Container) that mentions `text`, as a card of its own, to press one of its buttons. */
function sectionAbout(card: Card, text: string): Card {
  const found = (card.body ?? []).find((el: any) => el.type === 'Container' && JSON.stringify(el).includes(text));
  if (!found) throw new Error(`no section about "${text}" in: ${cardText(card)}`);
  return { type: 'AdaptiveCard', version: '1.5', body: [found] };
}

describe('my access: active group memberships next to the access packages', () => {
  let stack: ActivationStack;
  beforeEach(async () => {
    stack = await ActivationStack.start();
  });
  afterEach(async () => {
    await stack?.control('faults', undefined, 'DELETE');
    await stack?.stop();
  });

  const myAccess = () => stack.list(ALEX, 'my access');

  it('lists an activation with its end time and Deactivate, next to the packages; Deactivate ends it', async () => {
    const { form, id } = await stack.form('Activate Finance Admins');
    await stack.press(form, 'Activate', { duration: '30', justification: 'Month-end close' }, id);
    const [finance] = await activeInstances(stack, GROUP.finance);
    const [devtools] = await activeInstances(stack, GROUP.devtools);

    const access = await myAccess();
    expect(checkCard(access.card)).toEqual([]);
    const text = cardText(access.card);
    // The packages are still there …
    expect(text).toMatch(/Access packages[\s\S]*Finance Month-end Close \(JIT\)[\s\S]*Azure DevOps/);
    // … and after them, what is active in PIM right now, soonest end first.
    expect(text).toMatch(
      /Active group memberships\n\*\*Finance Admins\*\* \(member\): until [^\n]*\n\*\*Developer Tools Power Users\*\* \(member\): until /,
    );
    expect(text).toContain(`**Finance Admins** (member): until ${time(stack, finance.endDateTime)}`);
    expect(text).toContain(`**Developer Tools Power Users** (member): until ${time(stack, devtools.endDateTime)}`);
    const financeLine = sectionAbout(access.card, 'Finance Admins');
    expect(buttonTitles(financeLine)).toEqual(['Deactivate', 'Yes, deactivate']);

    // Entra does not end an activation in its first 5 minutes: my access stays, with the reason by the row.
    const tooSoon = await stack.press(financeLine, 'Yes, deactivate', {}, access.id);
    expect(cardText(tooSoon)).toMatch(
      /^Your access\n[\s\S]*\*\*Finance Admins\*\* \(member\): until [^\n]*\nNot yet: Microsoft Entra does not end an activation in its first 5 minutes/,
    );
    expect(await stack.members(GROUP.finance)).toContain(ALEX.aadObjectId);

    // After that, Deactivate ends it and answers with my access again (in place of the clicked card), the row gone
    // and what happened where it was.
    await stack.advance(6 * 60);
    const ended = await stack.press(sectionAbout(tooSoon, 'Finance Admins'), 'Yes, deactivate', {}, access.id);
    const after = cardText(ended);
    expect(after).toMatch(/^Your access\n[\s\S]*Access packages[\s\S]*Finance Month-end Close \(JIT\)/);
    expect(after).toMatch(
      /Active group memberships\nDeactivated: you are no longer a member of \*\*Finance Admins\*\*\.\n\*\*Developer Tools Power Users\*\* \(member\): until/,
    );
    expect(after).not.toContain('Finance Admins** (member)');
    expect(await stack.members(GROUP.finance)).not.toContain(ALEX.aadObjectId);
    expect(buttonTitles(ended)).toEqual(expect.arrayContaining(['Find access', 'My requests']));
  });

  it("refuses Deactivate in my access for someone else's activation or forged data, ending nothing", async () => {
    const { form, id } = await stack.form('Activate Finance Admins');
    await stack.press(form, 'Activate', { duration: '30', justification: 'Month-end close' }, id);
    await stack.advance(6 * 60);
    const access = await myAccess();
    const confirm = findAction(sectionAbout(access.card, 'Finance Admins'), 'Yes, deactivate')?.action;
    expect(confirm).toMatchObject({ verb: 'deactivateInMyAccess', data: { page: 0 } });
    const lynne = teamsUser(LYNNE, 'Lynne Robbins');
    const theirs = await stack.teams.invoke(lynne, confirm.verb, confirm.data);
    expect(theirs.httpStatus).toBe(200);
    expect(cardText(theirs.body!.value as Card)).toMatch(/I can not find this activation for you/);
    const forged = await stack.teams.invoke(ALEX, confirm.verb, { requestId: "x' or 1 eq 1", page: 0 });
    expect(forged.httpStatus).toBe(200);
    expect(cardText(forged.body!.value as Card)).toMatch(/requestId: must be an id/);
    const badPage = await stack.teams.invoke(ALEX, confirm.verb, { ...confirm.data, page: -1 });
    expect(cardText(badPage.body!.value as Card)).toMatch(/page/);
    expect(await stack.members(GROUP.finance)).toContain(ALEX.aadObjectId);
  });

  it('reads the packages and the active roles at the same time, not one after the other', async () => {
    // The package read is slow: if the active-role read waited for it, it would be logged after it.
    await stack.control('faults', {
      rules: [{ pathPattern: 'entitlementManagement/assignments/filterByCurrentUser', method: 'GET', latencyMs: 1500 }],
    });
    await stack.clearGraphLog();
    const access = await myAccess();
    expect(cardText(access.card)).toContain('**Developer Tools Power Users** (member): until');
    const trips = (await stack.roundTrips()).map((t) => `${t.method} ${t.path.split('?')[0]}`);
    // The active roles with their names ($expand), the requests behind them (for Deactivate), groups and Entra roles
    // alike, are one $batch; the package requests that start later beside the packages: side by side.
    expect(trips.slice(0, -1).sort()).toEqual(
      ['POST /v1.0/$batch', `GET ${EM}/assignmentRequests/filterByCurrentUser(on='target')`].sort(),
    );
    expect(trips.at(-1)).toBe(`GET ${EM}/assignments/filterByCurrentUser(on='target')`);
    expect((await stack.roundTrips()).every((t) => t.caller === ALEX.aadObjectId)).toBe(true);
  });

  it('reads the group names separately when Graph refuses to expand the group', async () => {
    await stack.control('faults', {
      rules: [{ pathPattern: 'assignmentScheduleInstances/filterByCurrentUser.*expand=group', status: 400 }],
    });
    await stack.clearGraphLog();
    const access = await myAccess();
    expect(cardText(access.card)).toContain('**Developer Tools Power Users** (member): until');
    const trips = (await stack.roundTrips()).map((t) => `${t.method} ${t.path.split('?')[0]}`);
    expect(trips).toContain('POST /v1.0/$batch');
  });

  it('still lists the packages, with a short note, when the active roles cannot be read', async () => {
    await stack.control('faults', {
      rules: [{ pathPattern: 'assignmentScheduleInstances', status: 503, retryAfterSeconds: 3600 }],
    });
    const access = await myAccess();
    const text = cardText(access.card);
    expect(text).toMatch(/Your access[\s\S]*Finance Month-end Close \(JIT\)[\s\S]*Azure DevOps/);
    expect(text).toMatch(/Active group memberships\nI could not read your group memberships just now/);
    expect(text).not.toMatch(/went wrong|did not work|None right now/i);
    expect(buttonTitles(access.card)).toEqual(expect.arrayContaining(['Find access', 'My requests']));
  });
});

describe('activate: the roles cannot be read when Activate is pressed', () => {
  let stack: ActivationStack;
  beforeAll(async () => {
    stack = await ActivationStack.start();
  });
  afterAll(async () => stack?.stop());

  it('says so, and Try again brings the form back in place (not a new list below)', async () => {
    const { form, id } = await stack.form('Activate Finance Admins');
    // The roles read for the form are older than the few minutes they are kept: Activate reads them again.
    await stack.advance(4 * 60);
    await stack.control('faults', {
      rules: [{ pathPattern: 'eligibilityScheduleInstances/filterByCurrentUser', status: 400, count: 1 }],
    });
    const failed = await stack.press(form, 'Activate', { duration: '60', justification: 'Month-end close' }, id);
    expect(cardText(failed)).toMatch(/I could not read your eligible roles/);
    const again = await stack.press(failed, 'Try again', {}, id);
    expect(cardText(again)).toMatch(/Activate: Membership of Finance Admins/);
    expect(await postedActivations(stack)).toEqual([]);
  });
});

/** Follows the step-up link like a browser: the bot's page, the devtenant's sign-in form, then the callback page. */
async function signInThroughStepUp(signInUrl: string): Promise<{ status: number; page: string; callback: string }> {
  const { callback } = await signInUntilCallback(signInUrl);
  const done = await fetch(callback);
  return { status: done.status, page: await done.text(), callback: callback.toString() };
}

describe('activate: step-up sign-in for MFA and authentication context', () => {
  let stack: ActivationStack;
  beforeEach(async () => {
    stack = await ActivationStack.start();
  });
  afterEach(async () => stack?.stop());

  it('MFA: explains, links the sign-in, and finishes the activation by itself on the same card', async () => {
    const { form, id } = await stack.form('Activate Security Operations');
    const card = await stack.press(form, 'Activate', { duration: '60', justification: 'Incident INC0042' }, id);
    expect(cardText(card)).toMatch(/Verify your identity to activate Security Operations/);
    expect(cardText(card)).toMatch(/asks for multi-factor authentication/);
    const url = openUrl(card, 'Verify my identity');
    expect(url).toMatch(new RegExp(`^${stack.bot.url}/auth/stepup\\?state=[A-Za-z0-9_-]{40,}$`));
    expect(await stack.members(GROUP.secops)).not.toContain(ALEX.aadObjectId);

    const { status, page } = await signInThroughStepUp(url);
    expect(status).toBe(200);
    expect(page).toContain('You are verified and activated');
    await stack.teams.waitFor(() =>
      /You are a member of \*\*Security Operations\*\* until/.test(cardText(stack.current(id))),
    );
    expect(await stack.members(GROUP.secops)).toContain(ALEX.aadObjectId);
    // The link was single-use: opening it again is refused with a page that says so.
    const replay = await fetch(url, { redirect: 'manual' });
    expect(replay.status).toBe(410);
    expect(await replay.text()).toContain('This sign-in link was already used');
  });

  it('authentication context: the sign-in carries the claims Graph asked for, then the activation goes through', async () => {
    const { form, id } = await stack.form('Activate Azure Subscription Owners');
    const card = await stack.press(form, 'Activate', { duration: '60', justification: 'Subscription clean-up' }, id);
    expect(cardText(card)).toMatch(/authentication context "Privileged access"/);
    const url = openUrl(card, 'Verify my identity');
    const toAuthority = await fetch(url, { redirect: 'manual' });
    const authorize = new URL(toAuthority.headers.get('location') as string);
    expect(authorize.pathname).toBe(`/${TENANT}/oauth2/v2.0/authorize`);
    expect(JSON.parse(authorize.searchParams.get('claims') as string)).toEqual({
      access_token: { acrs: { essential: true, value: 'c1' } },
    });
    expect(authorize.searchParams.get('login_hint')).toBe(ALEX.aadObjectId);
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${stack.bot.url}/auth/stepup/callback`);

    const { page } = await signInThroughStepUp(url);
    expect(page).toContain('You are verified and activated');
    await stack.teams.waitFor(() =>
      /You are a member of \*\*Azure Subscription Owners\*\* until/.test(cardText(stack.current(id))),
    );
    expect(await stack.members(GROUP.azure)).toContain(ALEX.aadObjectId);
  });

  it('answers missing, forged, expired and replayed states, authority errors and double submits with a page', async () => {
    const page = async (path: string) => {
      const res = await fetch(`${stack.bot.url}${path}`, { redirect: 'manual' });
      const text = await res.text();
      expect(res.headers.get('content-type')).toMatch(/text\/html/);
      expect(text).not.toMatch(/at .*\.ts:\d+|Error:|stack/i);
      return { status: res.status, text };
    };
    expect(await page('/auth/stepup')).toMatchObject({ status: 400, text: expect.stringContaining('incomplete') });
    expect(await page('/auth/stepup?state=forged')).toMatchObject({
      status: 400,
      text: expect.stringContaining('not valid'),
    });
    expect(await page(`/auth/stepup/callback?state=${'A'.repeat(43)}&code=x`)).toMatchObject({
      status: 400,
      text: expect.stringContaining('not valid'),
    });

    const { form, id } = await stack.form('Activate Security Operations');
    const card = await stack.press(form, 'Activate', { duration: '60', justification: 'Incident' }, id);
    const url = openUrl(card, 'Verify my identity');
    const state = new URL(url).searchParams.get('state') as string;
    const denied = await page(
      `/auth/stepup/callback?state=${state}&error=access_denied&error_description=${encodeURIComponent('<b>The user canceled</b>')}`,
    );
    expect(denied.status).toBe(400);
    expect(denied.text).toContain('The sign-in did not finish');
    expect(denied.text).toContain('&lt;b&gt;The user canceled&lt;/b&gt;');
    // The person can still use the link after cancelling once.
    const { status, callback } = await signInThroughStepUp(url);
    expect(status).toBe(200);
    const twice = await page(new URL(callback).pathname + new URL(callback).search);
    expect(twice).toMatchObject({ status: 410, text: expect.stringContaining('already used') });

    const other = await stack.press(
      await stack.press((await stack.list()).card, 'Activate Azure Subscription Owners', {}, id),
      'Activate',
      { duration: '60', justification: 'Later' },
      id,
    );
    await stack.advance(11 * 60);
    const expired = await page(
      new URL(openUrl(other, 'Verify my identity')).pathname + new URL(openUrl(other, 'Verify my identity')).search,
    );
    expect(expired).toMatchObject({ status: 410, text: expect.stringContaining('expired') });
  });
});

describe('activate: the seed story, from an access package to a just-in-time membership', () => {
  let stack: ActivationStack;
  beforeAll(async () => {
    stack = await ActivationStack.start();
  });
  afterAll(async () => stack?.stop());

  async function approveStage(approver: string, requestId: string): Promise<void> {
    const { body } = await stack.graph(approver, 'GET', `${EM}/accessPackageAssignmentApprovals/${requestId}`);
    const stage = body.stages.find((s: any) => s.status === 'InProgress');
    const decided = await stack.graph(
      approver,
      'PATCH',
      `${EM}/accessPackageAssignmentApprovals/${requestId}/stages/${stage.id}`,
      {
        reviewResult: 'Approve',
        justification: 'Approved for the migration.',
      },
    );
    expect(decided.status).toBe(204);
  }

  it('request Eligible DBA → approved → delivered → Activate now → member → removed at the end time', async () => {
    const requested = await stack.graph(ALEX.aadObjectId, 'POST', `${EM}/assignmentRequests`, {
      requestType: 'userAdd',
      assignment: {
        accessPackageId: '40000000-0000-4000-8000-000000000002',
        assignmentPolicyId: '50000000-0000-4000-8000-000000000002',
        targetId: ALEX.aadObjectId,
      },
      justification: 'DBA cover during the migration.',
    });
    expect(requested.status).toBe(201);
    const requestId = requested.body.id;
    await stack.graph(ALEX.aadObjectId, 'GET', '/v1.0/me');
    await approveStage(MEGAN, requestId); // Alex's manager
    await approveStage(LYNNE, requestId); // Security Reviewers
    const { body } = await stack.graph(ALEX.aadObjectId, 'GET', `${EM}/assignmentRequests/${requestId}`);
    expect(body.state).toBe('delivered');

    // "Activate now" on the delivered package's status card (the requester journey) sends activateForm.
    const before = stack.teams.events.length;
    const now = await stack.teams.invoke(ALEX, 'activateForm', { groupId: GROUP.dba, accessId: 'member' });
    expect(now.body?.type).toBe('application/vnd.microsoft.activity.message');
    const sent = stack.teams.events.slice(before).find((e) => e.kind === 'send');
    const [form] = cardsIn(sent?.activity);
    expect(cardText(form)).toContain('Activate: Membership of Database Administrators');
    expect(await stack.members(GROUP.dba)).not.toContain(ALEX.aadObjectId);

    const card = await stack.press(
      form,
      'Activate',
      { duration: '30', justification: 'Index rebuild' },
      sent!.activityId,
    );
    expect(cardText(card)).toContain('You are a member of **Database Administrators** until');
    expect(await stack.members(GROUP.dba)).toContain(ALEX.aadObjectId);
    const list = cardText((await stack.list()).card);
    expect(list).toContain('from the access package **Production Databases – Eligible DBA**');

    await stack.advance(31 * 60);
    await stack.tick();
    expect(await stack.members(GROUP.dba)).not.toContain(ALEX.aadObjectId);
    expect(cardText(stack.current(sent!.activityId))).toMatch(/Membership of Database Administrators has ended/);
  });
});
