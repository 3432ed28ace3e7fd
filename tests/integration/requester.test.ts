import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { formInputId } from '../../cards/requester/requestForm.js';
import type { SeedData } from '../../devtenant/index.js';
import { PEOPLE } from '../devtenant/tokens.js';
import { checkCard } from '../helpers/cardCheck.js';
import { decideInMyAccess, graphAs } from '../helpers/devtenantGraph.js';
import { type Stack, startStack } from '../helpers/stack.js';
import {
  buttonTitles,
  type Card,
  cardsIn,
  cardText,
  findAction,
  type TeamsUser,
  teamsUser,
} from '../helpers/teamsHarness.js';

const EM = '/identityGovernance/entitlementManagement';
const id = (prefix: string, n: number) => `${prefix}-0000-4000-8000-${String(n).padStart(12, '0')}`;

const PACKAGES = {
  devops: id('40000000', 1),
  dba: id('40000000', 2),
  sandbox: id('40000000', 4),
  financeReports: id('40000000', 7),
  payroll: id('40000000', 8),
  campaign: id('40000000', 10),
  visio: id('40000000', 12),
};
const QUESTIONS = { costCentre: id('70000000', 1), region: id('70000000', 2), purpose: id('70000000', 3) };
const ALEX_VISIO_REQUEST = id('90000000', 3);
const DBA_GROUP = id('20000000', 18);
/** A question added to the DBA package's policy for these tests (the demo seed's DBA policy has none). */
const DBA_TICKET_QUESTION = id('70000000', 9);

const alex = teamsUser(PEOPLE.alex, 'Alex Wilber');
const megan = teamsUser(PEOPLE.megan, 'Megan Bowen');

/** The demo seed, with a text question (a pattern, and a German localization) on the two-stage DBA policy. */
function seedWithDbaQuestions(): SeedData {
  const file = path.resolve(import.meta.dirname, '../../devtenant/seed/demo.json');
  const seed = JSON.parse(readFileSync(file, 'utf8'));
  const dba = seed.accessPackages.find((p: any) => p.id === PACKAGES.dba);
  dba.policies[0].questions = [
    {
      '@odata.type': '#microsoft.graph.accessPackageTextInputQuestion',
      id: DBA_TICKET_QUESTION,
      sequence: 0,
      isRequired: true,
      text: 'Change ticket (CHG and 7 digits)',
      localizations: [{ languageCode: 'de-DE', text: 'Change-Ticket (CHG und 7 Ziffern)' }],
      isSingleLineQuestion: true,
      regexPattern: '^CHG[0-9]{7}$',
    },
  ];
  return seed;
}

interface Shown {
  card: Card;
  /** The activity the card lives in (a click's reply replaces the clicked card in place). */
  id: string;
}

async function say(stack: Stack, user: TeamsUser, text: string): Promise<Shown> {
  const events = await stack.teams.say(user, text);
  const event = events.find((e) => cardsIn(e.activity).length > 0);
  if (!event) throw new Error(`no card answered "${text}"`);
  return { card: cardsIn(event.activity)[0], id: event.activityId };
}

async function click(
  stack: Stack,
  user: TeamsUser,
  shown: Shown,
  title: string,
  inputs: Record<string, string> = {},
): Promise<Shown> {
  // A navigation button (Details, Back to the catalog, My access) posts its card below; others replace the card.
  const seen = await stack.teams.open(user, shown.card, title, inputs, shown.id);
  expect(seen.reply.httpStatus).toBe(200);
  if (seen.posted && seen.card && seen.activityId) return { card: seen.card, id: seen.activityId };
  expect(seen.reply.body?.type).toBe('application/vnd.microsoft.card.adaptive');
  return { card: seen.reply.body?.value, id: shown.id };
}

/** An approver decides the stage of `requestId` that waits for them. */
const decide = (stack: Stack, requestId: string, approver: string, decision: 'Approve' | 'Deny') =>
  decideInMyAccess(
    stack,
    requestId,
    approver,
    decision,
    decision === 'Approve' ? 'Looks right' : 'Not needed for your role',
  );

/** The user's requests as Graph holds them (read back from the devtenant). */
async function requestsOf(stack: Stack, who: string): Promise<any[]> {
  const body = await graphAs(
    stack,
    who,
    'GET',
    `${EM}/assignmentRequests/filterByCurrentUser(on='target')?$expand=accessPackage`,
  );
  return body.value;
}

async function assignmentsOf(stack: Stack, who: string): Promise<any[]> {
  const body = await graphAs(
    stack,
    who,
    'GET',
    `${EM}/assignments/filterByCurrentUser(on='target')?$expand=accessPackage`,
  );
  return body.value;
}

async function resetTenant(stack: Stack): Promise<void> {
  const res = await fetch(`${stack.devtenant?.url}/_devtenant/reset`, { method: 'POST' });
  expect(res.status).toBe(200);
}

async function advanceTenantClock(stack: Stack, seconds: number): Promise<void> {
  const res = await fetch(`${stack.devtenant?.url}/_devtenant/clock`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ advanceSeconds: seconds }),
  });
  expect(res.status).toBe(200);
}

/** The request id a status card is about (from its refresh action). */
function requestIdOf(card: Card): string {
  const requestId = card.refresh?.action?.data?.requestId;
  if (typeof requestId !== 'string') throw new Error('not a status card');
  return requestId;
}

/** Inputs of a card by id (for checking what a form asks). */
function inputIds(card: Card): string[] {
  const ids: string[] = [];
  const walk = (els: any[]) => {
    for (const el of els ?? []) {
      if (typeof el.type === 'string' && el.type.startsWith('Input.')) ids.push(el.id);
      walk(el.items);
      walk(el.columns);
    }
  };
  walk(card.body);
  return ids;
}

/** The part of a card (a Container) that mentions `text`, as a card of its own, to press one of its buttons. */
function section(card: Card, text: string): Card {
  const found = (card.body ?? []).find((el: any) => el.type === 'Container' && JSON.stringify(el).includes(text));
  if (!found) throw new Error(`no section about "${text}" in: ${cardText(card)}`);
  return { type: 'AdaptiveCard', version: '1.5', body: [found] };
}

function sentTo(stack: Stack, user: TeamsUser, after: number) {
  return stack.teams.events
    .slice(after)
    .filter((e) => e.kind === 'send' && e.conversationId === stack.teams.conversationId(user))
    .flatMap((e) => cardsIn(e.activity));
}

const today = () => new Date().toISOString().slice(0, 10);
const inDays = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);
const posts = async (stack: Stack) =>
  (await stack.graphCalls()).filter(
    (c) => c.method === 'POST' && c.path.includes('/assignmentRequests') && !c.batchItem,
  );

describe('requester journey: the status card follows the request without the user asking', () => {
  let stack: Stack;
  beforeAll(async () => {
    // Requests wait in `submitted` for 30 s of devtenant time, so the card can be seen moving to pending approval.
    stack = await startStack({
      devtenant: { seed: seedWithDbaQuestions(), timing: { submittedToNextMs: 30_000, deliveringToDeliveredMs: 0 } },
    });
  });
  afterAll(async () => stack?.stop());

  it('typo search → details → request with a question and justification → pending → delivered → my access → give up', async () => {
    const results = await say(stack, alex, 'request prodution databse');
    expect(cardText(results.card)).toMatch(/Production Databases – Eligible DBA/);
    expect(buttonTitles(results.card)).toEqual(expect.arrayContaining(['Details', 'Request']));

    const details = await click(stack, alex, results, 'Details');
    const about = cardText(details.card);
    expect(about).toContain('Eligible member of **Database Administrators** — activate when needed');
    expect(about).toMatch(/your manager.*then a member of Security Reviewers/);
    expect(about).toContain('90 days');

    const form = await click(stack, alex, details, 'Request');
    const ticket = formInputId(0, `q:${DBA_TICKET_QUESTION}`);
    expect(inputIds(form.card)).toEqual([formInputId(0, 'justification'), ticket]);
    const status = await click(stack, alex, form, 'Submit request', {
      [formInputId(0, 'justification')]: 'DBA cover for the Q4 migration',
      [ticket]: 'CHG1234567',
    });
    expect(cardText(status.card)).toMatch(/Submitted/);
    expect(buttonTitles(status.card)).not.toContain('Remind approvers');
    const requestId = requestIdOf(status.card);

    const [inGraph] = (await requestsOf(stack, PEOPLE.alex)).filter((r) => r.id === requestId);
    expect(inGraph).toMatchObject({ requestType: 'userAdd', justification: 'DBA cover for the Q4 migration' });
    expect(inGraph.answers[0]).toMatchObject({ value: 'CHG1234567', answeredQuestion: { id: DBA_TICKET_QUESTION } });

    // Nobody types anything from here on: the devtenant moves on, the watcher notices.
    await advanceTenantClock(stack, 31);
    let before = stack.teams.events.length;
    await stack.bot.watcher.tickNow();
    const pending = stack.teams.currentCard(alex, status.id);
    expect(cardText(pending!)).toMatch(/Pending approval/);
    expect(cardText(pending!)).toContain('Approvers your manager (Megan Bowen), then a member of Security Reviewers');
    expect(buttonTitles(pending!)).toEqual([
      'Remind approvers',
      'Cancel request',
      'Yes, cancel request',
      'My requests',
    ]);
    // Entra's own first step decides nothing: the card changed in place, no message says so.
    expect(sentTo(stack, alex, before).map(cardText).join('\n')).not.toContain('Eligible DBA: **Pending approval**');

    await decide(stack, requestId, PEOPLE.megan, 'Approve');
    await decide(stack, requestId, PEOPLE.lynne, 'Approve');
    before = stack.teams.events.length;
    await stack.bot.watcher.tickNow();
    const delivered = stack.teams.currentCard(alex, status.id)!;
    expect(cardText(delivered)).toMatch(/Delivered/);
    expect(cardText(delivered)).toContain('You are now eligible member of **Database Administrators**');
    const activate = findAction(delivered, 'Activate now');
    expect(activate?.action).toMatchObject({ verb: 'activateForm', data: { groupId: DBA_GROUP, accessId: 'member' } });
    expect(buttonTitles(delivered)).not.toContain('Cancel request');
    expect(buttonTitles(delivered)).not.toContain('Remind approvers');
    const notes = sentTo(stack, alex, before);
    expect(notes).toHaveLength(1);
    expect(cardText(notes[0])).toMatch(/Production Databases – Eligible DBA: \*\*Delivered\*\*/);

    // A second tick with nothing new sends nothing and changes nothing.
    before = stack.teams.events.length;
    await stack.bot.watcher.tickNow();
    expect(stack.teams.events.slice(before).filter((e) => e.conversationId.includes(alex.aadObjectId))).toHaveLength(0);

    const access = await say(stack, alex, 'my access');
    expect(cardText(access.card)).toMatch(/Production Databases – Eligible DBA[\s\S]*Until/);
    const dbaLine = { card: section(access.card, 'Production Databases'), id: access.id };
    const confirm = await click(stack, alex, dbaLine, 'Give up access');
    expect(cardText(confirm.card)).toMatch(/Give up Production Databases – Eligible DBA\?/);
    const removal = await click(stack, alex, confirm, 'Yes, give up access');
    expect(cardText(removal.card)).toMatch(/Giving up Production Databases – Eligible DBA/);
    expect(cardText(removal.card)).toMatch(/Removing access/);
    await advanceTenantClock(stack, 31);
    await stack.bot.watcher.tickNow();
    expect(cardText(stack.teams.currentCard(alex, removal.id)!)).toMatch(/Access removed/);
    const dbaAssignments = (await assignmentsOf(stack, PEOPLE.alex)).filter((a) => a.accessPackage.id === PACKAGES.dba);
    expect(dbaAssignments.map((a) => a.state)).toEqual(['expired']);
  });
});

describe('requester journey over HTTP', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ devtenant: { seed: seedWithDbaQuestions() } });
  });
  afterAll(async () => stack?.stop());
  beforeEach(async () => resetTenant(stack));

  it('finds packages from a plain sentence, and says so when nothing matches, suggesting close names', async () => {
    const found = await say(stack, alex, 'I need the finance reports');
    expect(cardText(found.card).split('\n')[0]).toMatch(/Access packages for "the finance reports"/);
    expect(cardText(found.card)).toMatch(/Finance Reports – Read[\s\S]*Finance Month-end Close/);

    const nothing = await say(stack, alex, 'request salesforse licence for teh crm');
    expect(cardText(nothing.card)).toMatch(/Salesforce – Sales Cloud User/);

    const none = await say(stack, alex, 'request xylophone');
    expect(cardText(none.card)).toMatch(/Nothing you can request matches "xylophone"/);
    expect(buttonTitles(none.card)).toContain('Browse the catalog');

    const weather = await say(stack, alex, 'what is the weather');
    expect(cardText(weather.card)).toMatch(/I didn't understand "what is the weather"/);
  });

  it('pages through search results with Next and Previous, keeping the order and showing each package once', async () => {
    const first = await say(stack, alex, 'request platform tools cloud finance');
    expect(cardText(first.card)).toMatch(/Access packages for "platform tools cloud finance"/);
    const total = Number(/Showing 1–5 of (\d+)/.exec(cardText(first.card))?.[1]);
    expect(total).toBeGreaterThan(5);
    const second = await click(stack, alex, first, 'Next');
    expect(cardText(second.card)).toMatch(new RegExp(`Showing 6–${Math.min(10, total)} of ${total}`));
    const back = await click(stack, alex, second, 'Previous');
    expect(cardText(back.card)).toBe(cardText(first.card));
    const names = (c: Card) => [...cardText(c).matchAll(/^\*\*(.+)\*\*$/gm)].map((m) => m[1]);
    const shown = [...names(first.card), ...names(second.card)];
    expect(shown).toHaveLength(Math.min(10, total));
    expect(new Set(shown).size).toBe(shown.length);
    if (total <= 10) expect(buttonTitles(second.card)).not.toContain('Next');
  });

  it('lists the catalog in pages with Next and Previous, without hidden or forbidden packages', async () => {
    const first = await say(stack, alex, 'catalog');
    expect(cardText(first.card)).toMatch(/Showing 1–5 of 10/);
    const second = await click(stack, alex, first, 'Next');
    expect(buttonTitles(second.card).slice(0, 2)).toEqual(['Previous', 'My requests']);
    expect(cardText(second.card)).toMatch(/Showing 6–10 of 10/);
    const all = cardText(first.card) + cardText(second.card);
    expect(all).not.toMatch(/Payroll Administration/);
    expect(all).not.toMatch(/Partner Portal/);
    const help = await say(stack, alex, 'help');
    const fromHelp = await click(stack, alex, help, 'Find access');
    expect(cardText(fromHelp.card)).toMatch(/Access packages you can request/);
  });

  it('cancels a pending request from my requests, and a stale Cancel refreshes to the current state', async () => {
    const mine = await say(stack, alex, 'my requests');
    expect(cardText(mine.card)).toMatch(/Visio & Project Licences[\s\S]*Pending approval/);
    const visio = { card: section(mine.card, 'Visio'), id: mine.id };
    const canceled = await click(stack, alex, visio, 'Yes, cancel request');
    expect(cardText(canceled.card)).toMatch(/Canceled/);
    expect(buttonTitles(canceled.card)).toContain('Request again');
    const [inGraph] = (await requestsOf(stack, PEOPLE.alex)).filter((r) => r.id === ALEX_VISIO_REQUEST);
    expect(inGraph.state).toBe('canceled');

    const stale = await click(stack, alex, visio, 'Yes, cancel request');
    expect(cardText(stale.card)).toMatch(/Canceled/);
    expect(cardText(stale.card)).not.toMatch(/went wrong|did not work/i);
  });

  it('offers Request again after a denial, and the card says Denied by itself', async () => {
    const results = await say(stack, alex, 'request visio');
    // The search knows his request waits: it offers its status, not a second request.
    expect(cardText(results.card)).toContain('Your request is waiting for approval.');
    expect(buttonTitles(results.card)).not.toContain('Request');
    // A card from before that request (still in the chat) can still send one: Graph refuses it.
    const older = {
      card: {
        type: 'AdaptiveCard',
        body: [],
        actions: [
          { type: 'Action.Execute', title: 'Request', verb: 'requestForm', data: { packageId: PACKAGES.visio } },
        ],
      },
      id: results.id,
    };
    const form = await click(stack, alex, older, 'Request');
    // Alex's seeded Visio request is still open: Graph refuses a second one with a bare BadRequest, and the card
    // carries Graph's own words beside the bot's.
    const refused = await click(stack, alex, form, 'Submit request', { [formInputId(0, 'justification')]: 'Diagrams' });
    expect(cardText(refused.card)).toMatch(
      /couldn't request Visio & Project Licences: Microsoft Entra did not accept it\. Microsoft Graph says: “There is already an open request for this access package/,
    );
    expect(cardText(refused.card)).toMatch(/my requests/);

    await decide(stack, ALEX_VISIO_REQUEST, PEOPLE.megan, 'Deny');
    const mine = await say(stack, alex, 'my requests');
    const visio = { card: section(mine.card, 'Visio'), id: mine.id };
    expect(cardText(visio.card)).toMatch(/Denied/);
    const again = await click(stack, alex, visio, 'Request again');
    expect(cardText(again.card)).toMatch(/Request Visio & Project Licences/);
    const status = await click(stack, alex, again, 'Submit request', {
      [formInputId(0, 'justification')]: 'Landing zone diagrams, second try',
    });
    expect(cardText(status.card)).toMatch(/Pending approval/);
    const requestId = requestIdOf(status.card);

    await decide(stack, requestId, PEOPLE.megan, 'Deny');
    const before = stack.teams.events.length;
    await stack.bot.watcher.tickNow();
    const denied = stack.teams.currentCard(alex, status.id)!;
    expect(cardText(denied)).toMatch(/Denied/);
    expect(buttonTitles(denied)).toEqual(expect.arrayContaining(['Request again']));
    expect(sentTo(stack, alex, before).map(cardText).join()).toMatch(/Visio & Project Licences: \*\*Denied\*\*/);
  });

  it('asks which policy when a package has two, and sends the chosen one', async () => {
    const results = await say(stack, alex, 'finance reports');
    const form = await click(stack, alex, results, 'Request');
    expect(buttonTitles(form.card)).toEqual(
      expect.arrayContaining(['Standard access (30 days)', 'Extended access for planning (180 days)']),
    );
    const extended = form.card.actions.find((a: any) => a.title.startsWith('Extended'));
    const inExtended = { card: extended.card, id: form.id };
    const missing = await click(stack, alex, inExtended, 'Submit request', { [formInputId(1, 'justification')]: '' });
    expect(cardText(missing.card)).toMatch(/A justification is required/);
    expect(cardText(missing.card)).toMatch(/Policy: \*\*Extended access for planning \(180 days\)\*\*/);

    const status = await click(stack, alex, missing, 'Submit request', {
      [formInputId(1, 'justification')]: 'FY27 budget planning',
    });
    expect(cardText(status.card)).toMatch(/Pending approval/);
    expect(cardText(status.card)).toContain('Nestor Wilke');
    const requestId = requestIdOf(status.card);
    const nestorSees = await graphAs(
      stack,
      PEOPLE.nestor,
      'GET',
      `${EM}/assignmentRequests/filterByCurrentUser(on='approver')`,
    );
    expect(nestorSees.value.map((r: any) => r.id)).toContain(requestId);
    const meganSees = await graphAs(
      stack,
      PEOPLE.megan,
      'GET',
      `${EM}/assignmentRequests/filterByCurrentUser(on='approver')`,
    );
    expect(meganSees.value.map((r: any) => r.id)).not.toContain(requestId);
  });

  it('delivers a package without approval at once, with answers and dates', async () => {
    const results = await say(stack, alex, 'sandbox');
    const form = await click(stack, alex, results, 'Request');
    expect(inputIds(form.card)).toEqual([
      formInputId(0, 'justification'),
      formInputId(0, `q:${QUESTIONS.costCentre}`),
      formInputId(0, `q:${QUESTIONS.region}`),
      formInputId(0, `q:${QUESTIONS.purpose}`),
      formInputId(0, 'startDate'),
      formInputId(0, 'endDate'),
    ]);
    const status = await click(stack, alex, form, 'Submit request', {
      [formInputId(0, `q:${QUESTIONS.costCentre}`)]: 'CC-4711',
      [formInputId(0, `q:${QUESTIONS.region}`)]: 'westeurope',
      [formInputId(0, 'endDate')]: inDays(14),
    });
    expect(cardText(status.card)).toMatch(/Delivered/);
    expect(cardText(status.card)).toContain(`Access until`);
    const [sandbox] = (await assignmentsOf(stack, PEOPLE.alex)).filter((a) => a.accessPackage.id === PACKAGES.sandbox);
    expect(sandbox.state).toBe('delivered');
    const days = (Date.parse(sandbox.schedule.expiration.endDateTime) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(13.9);
    expect(days).toBeLessThan(14.1);
    const [request] = (await requestsOf(stack, PEOPLE.alex)).filter((r) => r.accessPackage.id === PACKAGES.sandbox);
    expect(request.answers.map((a: any) => a.value)).toEqual(['CC-4711', 'westeurope']);
  });

  it('renews access where the policy allows it (a new userAdd), and only there', async () => {
    const results = await say(stack, alex, 'campaign workspace');
    const form = await click(stack, alex, results, 'Request');
    const first = await click(stack, alex, form, 'Submit request', {
      [formInputId(0, 'justification')]: 'Launch posts',
    });
    expect(cardText(first.card)).toMatch(/Delivered/);
    const endBefore = (await assignmentsOf(stack, PEOPLE.alex)).find((a) => a.accessPackage.id === PACKAGES.campaign)
      .schedule.expiration.endDateTime;

    await advanceTenantClock(stack, 1800);
    const access = await say(stack, alex, 'my access');
    expect(buttonTitles(section(access.card, 'Azure DevOps'))).not.toContain('Renew');
    const campaign = { card: section(access.card, 'Marketing Campaign Workspace'), id: access.id };
    const renewForm = await click(stack, alex, campaign, 'Renew');
    expect(cardText(renewForm.card)).toMatch(/Renew Marketing Campaign Workspace/);
    const renewed = await click(stack, alex, renewForm, 'Submit request', {
      [formInputId(0, 'justification')]: 'Campaign runs a month longer',
    });
    expect(cardText(renewed.card)).toMatch(/Delivered/);
    const after = (await assignmentsOf(stack, PEOPLE.alex)).filter((a) => a.accessPackage.id === PACKAGES.campaign);
    expect(after).toHaveLength(1);
    expect(Date.parse(after[0].schedule.expiration.endDateTime)).toBeGreaterThan(Date.parse(endBefore));
    const kinds = (await requestsOf(stack, PEOPLE.alex))
      .filter((r) => r.accessPackage.id === PACKAGES.campaign)
      .map((r) => r.requestType);
    expect(kinds).toEqual(['userAdd', 'userAdd']);
  });
});

describe('requester journey: the status card while the approvers have not decided', () => {
  let stack: Stack;
  beforeAll(async () => {
    // The devtenant clock jumps days ahead here while the bot mints tokens on real time: expiry is checked on real time.
    stack = await startStack({ devtenant: { seed: seedWithDbaQuestions(), quirks: { tokenExpiryClock: 'real' } } });
    await stack.teams.install(megan);
  });
  afterAll(async () => stack?.stop());
  beforeEach(async () => resetTenant(stack));

  /** Requests Developer Tools – Eligible Owner (one policy: Alex's manager, Megan, decides within 5 days). */
  async function pendingDevTools(): Promise<Shown> {
    const results = await say(stack, alex, 'request developer tools eligible owner');
    const line = { card: section(results.card, 'Developer Tools – Eligible Owner'), id: results.id };
    const form = await click(stack, alex, line, 'Request');
    const status = await click(stack, alex, form, 'Submit request', {
      [formInputId(0, 'justification')]: 'Owning the build agents this quarter',
    });
    expect(cardText(status.card)).toMatch(/Pending approval/);
    return status;
  }

  const toMegan = (after: number) =>
    stack.teams.events
      .slice(after)
      .filter((e) => e.kind === 'send' && e.conversationId === stack.teams.conversationId(megan))
      .flatMap((e) => cardsIn(e.activity));

  it('Remind approvers on the pending status card reminds the approver once, and explains a second click', async () => {
    const status = await pendingDevTools();
    expect(buttonTitles(status.card)).toEqual([
      'Remind approvers',
      'Cancel request',
      'Yes, cancel request',
      'My requests',
    ]);

    let before = stack.teams.events.length;
    const first = await stack.teams.click(alex, status.card, 'Remind approvers', {}, status.id);
    expect(first.httpStatus).toBe(200);
    // A short message: the status card stays as it is.
    expect(first.body?.type).toBe('application/vnd.microsoft.activity.message');
    expect(first.body?.value).toBe('I reminded Megan Bowen. You can remind them again tomorrow.');
    const reminders = toMegan(before);
    expect(reminders).toHaveLength(1);
    expect(cardText(reminders[0])).toMatch(/Reminder: Alex Wilber is still waiting for your decision/);
    expect(cardText(reminders[0])).toMatch(/Alex Wilber asks for Developer Tools – Eligible Owner/);
    expect(buttonTitles(reminders[0])).toEqual(expect.arrayContaining(['Approve', 'Deny']));
    expect(stack.teams.events.slice(before).some((e) => e.activityId === status.id)).toBe(false);

    before = stack.teams.events.length;
    const again = await stack.teams.click(alex, status.card, 'Remind approvers', {}, status.id);
    expect(again.body?.type).toBe('application/vnd.microsoft.activity.message');
    expect(again.body?.value).toMatch(/^You already reminded the approvers today\. You can remind them again /);
    expect(toMegan(before)).toHaveLength(0);
  });

  it('a request nobody decides in time: the status card turns to expired by itself, with Request again', async () => {
    const status = await pendingDevTools();
    const requestId = requestIdOf(status.card);

    // The policy denies automatically after 5 days without a decision (durationBeforeAutomaticDenial P5D).
    await advanceTenantClock(stack, 5 * 86_400 + 3600);
    const before = stack.teams.events.length;
    await stack.bot.watcher.tickNow();
    const expired = stack.teams.currentCard(alex, status.id)!;
    expect(cardText(expired)).toMatch(/^Developer Tools – Eligible Owner\nExpired without a decision\n/);
    expect(cardText(expired)).toContain('Nobody decided in time, so the request expired. You can request it again.');
    expect(buttonTitles(expired)).toEqual(['Request again', 'My requests']);
    const [inGraph] = (await requestsOf(stack, PEOPLE.alex)).filter((r) => r.id === requestId);
    expect(inGraph).toMatchObject({ state: 'denied', status: 'Expired' });
    // Alex is told in the chat too (the other cards sent to Alex here are approvals waiting for Alex himself).
    const notes = sentTo(stack, alex, before).filter((c) => cardText(c).includes('Developer Tools'));
    expect(notes.map(cardText)).toEqual([
      'Developer Tools – Eligible Owner: **Expired without a decision**\n' +
        'Nobody decided in time, so the request expired. You can request it again.',
    ]);

    const again = await click(stack, alex, { card: expired, id: status.id }, 'Request again');
    expect(cardText(again.card)).toMatch(/Request Developer Tools – Eligible Owner/);
  });
});

describe('requester journey: bad input is answered, nothing is created by mistake', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ devtenant: { seed: seedWithDbaQuestions() } });
  });
  afterAll(async () => stack?.stop());
  beforeEach(async () => {
    await resetTenant(stack);
    await stack.clearGraphLog();
  });

  async function dbaForm(): Promise<Shown> {
    const results = await say(stack, alex, 'request dba');
    return click(stack, alex, results, 'Request');
  }

  it('an empty or a 10,000-character justification gets a field error and no request', async () => {
    const form = await dbaForm();
    const ticket = formInputId(0, `q:${DBA_TICKET_QUESTION}`);
    const empty = await click(stack, alex, form, 'Submit request', { [ticket]: 'CHG1234567' });
    expect(cardText(empty.card)).toMatch(/One answer needs fixing[\s\S]*A justification is required/);
    const long = await click(stack, alex, empty, 'Submit request', {
      [formInputId(0, 'justification')]: 'x'.repeat(10_000),
      [ticket]: 'CHG1234567',
    });
    expect(cardText(long.card)).toMatch(/Keep the justification to 1,000 characters; it has 10,000/);
    expect(await posts(stack)).toHaveLength(0);
  });

  it("an answer that breaks the question's pattern gets a field error, keeping what was typed", async () => {
    const form = await dbaForm();
    const ticket = formInputId(0, `q:${DBA_TICKET_QUESTION}`);
    const reply = await click(stack, alex, form, 'Submit request', {
      [formInputId(0, 'justification')]: 'Migration',
      [ticket]: 'CHG12',
    });
    expect(cardText(reply.card)).toMatch(/not in the format this question asks for/);
    const kept = JSON.stringify(reply.card);
    expect(kept).toContain('"value":"Migration"');
    expect(kept).toContain('"value":"CHG12"');
    expect(await posts(stack)).toHaveLength(0);
  });

  it('an end date before the start date gets a field error', async () => {
    const results = await say(stack, alex, 'sandbox');
    const form = await click(stack, alex, results, 'Request');
    const reply = await click(stack, alex, form, 'Submit request', {
      [formInputId(0, `q:${QUESTIONS.costCentre}`)]: 'CC-4711',
      [formInputId(0, `q:${QUESTIONS.region}`)]: 'eastus',
      [formInputId(0, 'startDate')]: inDays(5),
      [formInputId(0, 'endDate')]: inDays(2),
    });
    expect(cardText(reply.card)).toMatch(/The end date must be after the start date/);
    const tooLong = await click(stack, alex, reply, 'Submit request', {
      [formInputId(0, 'startDate')]: today(),
      [formInputId(0, 'endDate')]: inDays(45),
    });
    expect(cardText(tooLong.card)).toMatch(/This policy allows access until .* at the latest/);
    expect(await posts(stack)).toHaveLength(0);
  });

  it('a package the user may not request is explained, for the form and the details', async () => {
    const form = await stack.teams.invoke(alex, 'requestForm', { packageId: PACKAGES.payroll });
    expect(cardText(form.body?.value)).toMatch(/You can't request this access package/);
    const before = stack.teams.events.length;
    const details = await stack.teams.invoke(alex, 'showDetails', { packageId: PACKAGES.payroll });
    expect(details.body?.type).toBe('application/vnd.microsoft.activity.message');
    const posted = stack.teams.events.slice(before).flatMap((e) => cardsIn(e.activity));
    expect(cardText(posted[0])).toMatch(/You can't request this access package/);
    const crafted = await stack.teams.invoke(alex, 'submitRequest', {
      formId: '00000000-0000-4000-8000-000000000123',
      policyId: '50000000-0000-4000-8000-000000000008',
    });
    expect(cardText(crafted.body?.value)).toMatch(/This form is no longer valid/);
    const sentBefore = stack.teams.events.length;
    const notAnId = await stack.teams.invoke(alex, 'showDetails', { packageId: '../../users' });
    expect(notAnId.body?.type).toBe('application/vnd.microsoft.activity.message');
    const refusal = stack.teams.events.slice(sentBefore).flatMap((e) => cardsIn(e.activity));
    expect(cardText(refusal[0])).toMatch(/Something on this card is not right/);
    expect(await posts(stack)).toHaveLength(0);
  });

  it('a double submit (or a Teams retry) creates exactly one request', async () => {
    const form = await dbaForm();
    const inputs = {
      [formInputId(0, 'justification')]: 'Migration weekend',
      [formInputId(0, `q:${DBA_TICKET_QUESTION}`)]: 'CHG7654321',
    };
    const [a, b] = await Promise.all([
      stack.teams.click(alex, form.card, 'Submit request', inputs, form.id),
      stack.teams.click(alex, form.card, 'Submit request', inputs, form.id),
    ]);
    const ids = [a, b].map((reply) => requestIdOf(reply.body?.value));
    expect(ids[0]).toBe(ids[1]);
    const retry = await stack.teams.click(alex, form.card, 'Submit request', inputs, form.id);
    expect(requestIdOf(retry.body?.value)).toBe(ids[0]);
    expect(await posts(stack)).toHaveLength(1);
    const dba = (await requestsOf(stack, PEOPLE.alex)).filter((r) => r.accessPackage.id === PACKAGES.dba);
    expect(dba).toHaveLength(1);
  });

  it('a Cancel clicked after the request was delivered shows it delivered instead of acting', async () => {
    const results = await say(stack, alex, 'campaign');
    const form = await click(stack, alex, results, 'Request');
    const status = await click(stack, alex, form, 'Submit request', { [formInputId(0, 'justification')]: 'Posts' });
    expect(cardText(status.card)).toMatch(/Delivered/);
    const stale = await stack.teams.invoke(alex, 'cancelRequest', { requestId: requestIdOf(status.card) }, status.id);
    expect(cardText(stale.body?.value)).toMatch(/Delivered/);
    const [campaign] = (await requestsOf(stack, PEOPLE.alex)).filter((r) => r.accessPackage.id === PACKAGES.campaign);
    expect(campaign.state).toBe('delivered');
  });

  it("someone else's request cannot be canceled or shown", async () => {
    const isaiahsRequest = '90000000-0000-4000-8000-000000000001';
    const cancel = await stack.teams.invoke(alex, 'cancelRequest', { requestId: isaiahsRequest });
    expect(cardText(cancel.body?.value)).not.toMatch(/Salesforce/);
    expect(cardText(cancel.body?.value)).toMatch(/not allowed|cannot show/i);
    const refresh = await stack.teams.invoke(alex, 'refreshRequest', { requestId: isaiahsRequest });
    expect(cardText(refresh.body?.value)).toMatch(/I cannot show this request here/);
  });
});

describe('requester journey: Graph round trips', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ devtenant: { seed: seedWithDbaQuestions() } });
  });
  afterAll(async () => stack?.stop());

  it('search 1, details 2 (the package, and one $batch of holdings), form 1, submit 1 (plus one $batch for the status card)', async () => {
    const calls = async () => (await stack.graphCalls()).filter((c) => !c.batchItem);
    await stack.clearGraphLog();
    const results = await say(stack, alex, 'request finance reports');
    // One $batch: the packages and what Alex already holds or waits for (issue 13).
    expect(await calls()).toHaveLength(1);

    await stack.clearGraphLog();
    const details = await click(stack, alex, results, 'Details');
    expect(await calls()).toHaveLength(2);

    await stack.clearGraphLog();
    const form = await click(stack, alex, details, 'Request');
    expect(await calls()).toHaveLength(1);

    await stack.clearGraphLog();
    const standard = form.card.actions.find((a: any) => a.title.startsWith('Standard'));
    await click(stack, alex, { card: standard.card, id: form.id }, 'Submit request');
    const submit = await calls();
    expect(submit.map((c) => `${c.method} ${c.path.split('?')[0].replace(/.*\/v1\.0/, '')}`)).toEqual([
      `POST ${EM}/assignmentRequests`,
      'POST /$batch',
    ]);
  });
});

/**
 * Finance Reports with 7 policies (its two and five copies of its standard policy), the third asking a required choice question whose
 * choices have no usable `actualValue`, so none can be sent back to Graph.
 */
function seedWithManyFinancePolicies(): SeedData {
  const seed = seedWithDbaQuestions();
  const finance = seed.accessPackages?.find((p: any) => p.id === PACKAGES.financeReports) as any;
  const standard = finance.policies[0];
  const copies = Array.from({ length: 5 }, (_, i) => ({
    ...structuredClone(standard),
    id: id('50000000', 700 + i),
    displayName: `Finance policy ${i + 3}`,
  }));
  // The chosen policy shows in the outcome: "Finance policy 4" needs no approval.
  copies[1].requestApprovalSettings = {
    ...copies[1].requestApprovalSettings,
    isApprovalRequiredForAdd: false,
    stages: [],
  };
  finance.policies = [...finance.policies, ...copies];
  finance.policies[2].questions = [
    {
      '@odata.type': '#microsoft.graph.accessPackageMultipleChoiceQuestion',
      id: id('70000000', 10),
      sequence: 0,
      isRequired: true,
      text: 'Reporting line',
      isMultipleSelectionAllowed: false,
      // The devtenant's seed needs the property; an empty actualValue is as unusable as a missing one.
      choices: [
        { actualValue: '', text: 'Controlling' },
        { actualValue: '', text: 'Treasury' },
      ],
    },
  ];
  return seed;
}

describe('requester journey: forms Teams can show and a person can answer', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ devtenant: { seed: seedWithManyFinancePolicies() } });
  });
  afterAll(async () => stack?.stop());

  it('7 policies: a policy list with Continue (never more than 6 buttons), then the chosen policy is sent', async () => {
    const results = await say(stack, alex, 'finance reports');
    const form = await click(stack, alex, results, 'Request');
    expect(form.card.actions).toHaveLength(1);
    expect(buttonTitles(form.card)).toEqual(['Continue']);
    const choice = form.card.body.find((e: any) => e.id === 'policyId');
    expect(choice.choices.map((c: any) => c.title)).toEqual([
      'Standard access (30 days)',
      'Extended access for planning (180 days)',
      ...Array.from({ length: 5 }, (_, i) => `Finance policy ${i + 3}`),
    ]);
    const chosen = await click(stack, alex, form, 'Continue', { policyId: id('50000000', 701) });
    expect(cardText(chosen.card)).toMatch(/Policy: \*\*Finance policy 4\*\*/);
    const status = await click(stack, alex, chosen, 'Submit request', {
      [formInputId(3, 'justification')]: 'FY27 forecast',
    });
    // The chosen policy needs no approval: the other six would wait for Alex's manager.
    expect(cardText(status.card)).toMatch(/^Finance Reports – Read\nDelivered\n/);
    const back = await click(stack, alex, chosen, 'Choose another policy');
    expect(buttonTitles(back.card)).toEqual(['Continue']);
  });

  it('a required question with no answer to choose is explained, with My Access instead of Submit', async () => {
    // The test before delivered Finance Reports to Alex, and a package he holds offers no Request.
    await resetTenant(stack);
    const results = await say(stack, alex, 'finance reports');
    const form = await click(stack, alex, results, 'Request');
    const first = await click(stack, alex, form, 'Continue', { policyId: id('50000000', 700) });
    expect(cardText(first.card)).toMatch(/Policy: \*\*Finance policy 3\*\*/);
    expect(cardText(first.card)).toContain(
      'This policy asks "Reporting line", but offers no answers that can be chosen here. Request it in My Access instead.',
    );
    expect(inputIds(first.card)).toEqual([formInputId(2, 'justification')]);
    expect(findAction(first.card, 'Submit request')).toBeUndefined();
    expect(findAction(first.card, 'Request in My Access')?.action).toMatchObject({ type: 'Action.OpenUrl' });
  });
});

/** Alex holds 70 more access packages (clones of Finance Reports): past the 100 KB Teams limit in one card. */
const MANY_ASSIGNMENTS = 70;
function seedWithManyAssignments(): SeedData {
  const seed = seedWithDbaQuestions() as any;
  const finance = seed.accessPackages.find((p: any) => p.id === PACKAGES.financeReports);
  for (let n = 0; n < MANY_ASSIGNMENTS; n++) {
    const packageId = id('40000000', 900 + n);
    const policyId = id('50000000', 900 + n);
    seed.accessPackages.push({
      ...structuredClone(finance),
      id: packageId,
      displayName: `Regional report ${n + 1} – Read`,
      policies: [{ ...structuredClone(finance.policies[0]), id: policyId }],
    });
    seed.assignments.push({
      id: id('80000000', 900 + n),
      accessPackageId: packageId,
      policyId,
      targetId: PEOPLE.alex,
      startDateTime: '-P1D',
      endDateTime: '+P30D',
    });
  }
  return seed;
}

describe('requester journey: my access with more than one Teams message holds', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ devtenant: { seed: seedWithManyAssignments() } });
  });
  afterAll(async () => stack?.stop());

  it('pages with Next and Previous, each page well under the Teams limit, every package on one page', async () => {
    const first = await say(stack, alex, 'my access');
    const pages: Shown[] = [first];
    while (findAction(pages.at(-1)?.card as Card, 'Next')) {
      pages.push(await click(stack, alex, pages.at(-1) as Shown, 'Next'));
      expect(pages.length).toBeLessThan(20);
    }
    expect(pages.length).toBeGreaterThanOrEqual(Math.ceil(MANY_ASSIGNMENTS / 10));
    for (const page of pages) {
      expect(checkCard(page.card)).toEqual([]);
      expect(JSON.stringify(page.card).length * 2).toBeLessThan(40 * 1024);
    }
    const texts = pages.map((p) => cardText(p.card));
    expect(texts[0]).toMatch(/^Your access\nShowing 1–10 of \d+\./);
    for (let n = 1; n <= MANY_ASSIGNMENTS; n++) {
      expect(texts.filter((t) => t.includes(`**Regional report ${n} – Read**\n`))).toHaveLength(1);
    }
    expect(texts.at(-1)).toContain('Active group memberships');
    const back = await click(stack, alex, pages[2], 'Previous');
    expect(cardText(back.card)).toBe(texts[1]);
  });
});
