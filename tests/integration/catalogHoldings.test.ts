import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { formInputId } from '../../cards/requester/requestForm.js';
import type { SeedData } from '../../devtenant/index.js';
import { PEOPLE } from '../devtenant/tokens.js';
import { checkCard } from '../helpers/cardCheck.js';
import { type Stack, startStack } from '../helpers/stack.js';
import { buttonTitles, type Card, cardsIn, cardText, type TeamsUser, teamsUser } from '../helpers/teamsHarness.js';

/**
 * Search results and details know what the person already has (issue 13), over HTTP against the devtenant. Seeded:
 * Alex holds "Finance Month-end Close (JIT)" (ends in 9 days, manager approval, no self-renewal) and "Azure DevOps –
 * Platform Contributors" (120 days); his Visio request waits for his manager.
 */

const id = (prefix: string, n: number) => `${prefix}-0000-4000-8000-${String(n).padStart(12, '0')}`;
const MONTH_END = id('40000000', 6);
const MONTH_END_POLICY = id('50000000', 6);
const FINANCE_REPORTS = id('40000000', 7);
const VISIO = id('40000000', 12);
const alex = teamsUser(PEOPLE.alex, 'Alex Wilber');
const EM = '/identityGovernance/entitlementManagement';

function seed(renewable: boolean): SeedData {
  const data = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../devtenant/seed/demo.json'), 'utf8'));
  for (const pkg of data.accessPackages)
    for (const policy of pkg.policies)
      if (policy.id === MONTH_END_POLICY) policy.requestorSettings.enableTargetsToSelfUpdateAccess = renewable;
  return data;
}

async function say(stack: Stack, user: TeamsUser, text: string): Promise<{ card: Card; id: string }> {
  const events = await stack.teams.say(user, text);
  const event = events.find((e) => cardsIn(e.activity).length > 0);
  if (!event) throw new Error(`no card answered "${text}"`);
  return { card: cardsIn(event.activity)[0], id: event.activityId };
}

/** The container of one package's line in a list card (found by the package id its Details button carries). */
function lineOf(card: Card, packageId: string): Card {
  const line = (card.body ?? []).find((el: any) =>
    (el.items ?? []).some((i: any) =>
      (i.actions ?? []).some((a: any) => a.verb === 'showDetails' && a.data?.packageId === packageId),
    ),
  );
  if (!line) throw new Error(`no line for ${packageId} in: ${cardText(card)}`);
  return { type: 'AdaptiveCard', body: line.items };
}

const ENDS = /You have this until (\{\{DATE\([^)]+\)\}\})\./;

describe('the catalog knows what the person has', () => {
  let stack: Stack | undefined;
  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
  });

  it('says "You have this until ..." with no Request, and when it can be requested again; others keep Request', async () => {
    stack = await startStack();
    const { card } = await say(stack, alex, 'I need finance');
    expect(checkCard(card)).toEqual([]);
    const held = lineOf(card, MONTH_END);
    expect(cardText(held)).toMatch(ENDS);
    const date = ENDS.exec(cardText(held))?.[1];
    expect(cardText(held)).toContain(`You can request it again after ${date}.`);
    expect(buttonTitles(held)).toEqual(['Details']);
    expect(buttonTitles(lineOf(card, FINANCE_REPORTS))).toEqual(['Details', 'Request']);

    // Details goes somewhere else: a new card below, the search results stay.
    const details = await stack.teams.open(alex, held, 'Details');
    expect(details.reply.httpStatus).toBe(200);
    expect(details.posted).toBe(true);
    expect(cardText(details.card as Card)).toContain(`You have this until ${date}.`);
    expect(buttonTitles(details.card as Card)).not.toContain('Request');
  });

  it('offers Renew where the policy allows it, and Renew opens the renewal form', async () => {
    stack = await startStack({ devtenant: { seed: seed(true) } });
    const { card } = await say(stack, alex, 'can I get access to month-end close?');
    const held = lineOf(card, MONTH_END);
    expect(cardText(held)).toMatch(ENDS);
    expect(cardText(held)).not.toMatch(/request it again/);
    expect(buttonTitles(held)).toEqual(['Details', 'Renew']);
    const form = await stack.teams.click(alex, held, 'Renew');
    expect(form.httpStatus).toBe(200);
    expect(cardText(form.body?.value)).toMatch(/^Renew Finance Month-end Close \(JIT\)/);
    expect(buttonTitles(form.body?.value)).toContain('Submit request');
  });

  it('after Renew, the search says the renewal waits for approval and offers no second Renew', async () => {
    stack = await startStack({ devtenant: { seed: seed(true) } });
    const { card } = await say(stack, alex, 'I need month-end close');
    const form = await stack.teams.click(alex, lineOf(card, MONTH_END), 'Renew');
    const sent = await stack.teams.click(alex, form.body?.value, 'Submit request', {
      [formInputId(0, 'justification')]: 'Next month-end close',
    });
    expect(sent.httpStatus).toBe(200);
    expect(cardText(sent.body?.value)).not.toMatch(/couldn't|could not|refused/i);
    const again = lineOf((await say(stack, alex, 'I need month-end close')).card, MONTH_END);
    expect(cardText(again)).toMatch(ENDS);
    expect(cardText(again)).toContain('Your renewal is waiting for approval.');
    expect(buttonTitles(again)).toEqual(['Details', 'See its status']);
  });

  it('says a pending request waits for approval and offers its status instead of Request', async () => {
    stack = await startStack();
    const { card } = await say(stack, alex, 'give me visio');
    const line = lineOf(card, VISIO);
    expect(cardText(line)).toContain('Your request is waiting for approval.');
    expect(buttonTitles(line)).toEqual(['Details', 'See its status']);
    const status = await stack.teams.open(alex, line, 'See its status');
    expect(cardText(status.card as Card)).toMatch(/Visio & Project Licences/);
  });

  it('searches in one round trip: the package list and what Alex holds or waits for, in one $batch with his token', async () => {
    stack = await startStack();
    await stack.teams.say(alex, 'hello');
    await stack.clearGraphLog();
    await say(stack, alex, 'I need finance');
    const calls = await stack.graphCalls();
    expect(calls.filter((c) => !c.batchItem).map((c) => `${c.method} ${c.path.split('?')[0]}`)).toEqual([
      'POST /v1.0/$batch',
    ]);
    expect(calls.filter((c) => c.batchItem).map((c) => `${c.path.split('?')[0]} ${c.caller}`)).toEqual([
      `/v1.0${EM}/accessPackages/filterByCurrentUser(on='allowedRequestor') ${PEOPLE.alex}`,
      `/v1.0${EM}/assignments/filterByCurrentUser(on='target') ${PEOPLE.alex}`,
      `/v1.0${EM}/assignmentRequests/filterByCurrentUser(on='target') ${PEOPLE.alex}`,
    ]);
  });
});

async function fault(stack: Stack, rule: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${stack.devtenant?.url}/_devtenant/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ rules: [rule] }),
  });
  expect(res.status).toBe(200);
}

describe('when Graph refuses part of the search', () => {
  let stack: Stack | undefined;
  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
  });

  it("a 400 on the list's $expand falls back to the plain list and still knows what Alex holds", async () => {
    stack = await startStack();
    await fault(stack, { pathPattern: 'allowedRequestor.*expand', status: 400 });
    const { card } = await say(stack, alex, 'I need month-end close');
    expect(cardText(card)).toContain('Matched on package names and descriptions only.');
    expect(cardText(lineOf(card, MONTH_END))).toMatch(ENDS);
    expect(buttonTitles(lineOf(card, MONTH_END))).toEqual(['Details']);
  });

  it('holdings Graph will not list leave the results as they were (Request offered), never an error', async () => {
    stack = await startStack();
    await fault(stack, { pathPattern: 'assignments/filterByCurrentUser', status: 503 });
    const { card } = await say(stack, alex, 'I need finance');
    expect(cardText(card)).not.toMatch(/You have this/);
    expect(buttonTitles(lineOf(card, FINANCE_REPORTS))).toEqual(['Details', 'Request']);
  });

  it('a refused package list answers with a problem card, not a crash', async () => {
    stack = await startStack();
    await fault(stack, { pathPattern: 'allowedRequestor', status: 503 });
    const { card } = await say(stack, alex, 'I need finance');
    expect(buttonTitles(card)).toContain('Try again');
  });
});

describe('asking for something in words', () => {
  let stack: Stack | undefined;
  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
  });

  it('"I need payroll" says nothing Alex can request matches, and what to try next; other phrasings search', async () => {
    stack = await startStack();
    const none = await say(stack, alex, 'I need payroll');
    expect(cardText(none.card)).toContain('Nothing you can request matches "payroll".');
    expect(cardText(none.card)).not.toMatch(/didn't understand/i);
    expect(buttonTitles(none.card)).toContain('Browse the catalog');
    for (const text of [
      'i need access to finance reports',
      'could I have finance reports',
      'access to finance reports',
      'request finance reports',
    ]) {
      const { card } = await say(stack, alex, text);
      expect(buttonTitles(lineOf(card, FINANCE_REPORTS)), text).toContain('Request');
    }
  });

  it('a phrase around a command runs the command: "I need help", "I want to find ...", "can I get my access"', async () => {
    stack = await startStack();
    const help = await say(stack, alex, 'I need help');
    expect(cardText(help.card)).toMatch(/^What Access Bot can do/);
    expect(cardText(help.card)).not.toMatch(/didn't understand|Nothing you can request/);

    const found = await say(stack, alex, 'I want to find finance reports');
    expect(cardText(found.card)).toMatch(/^Access packages for "finance reports"/);
    expect(buttonTitles(lineOf(found.card, FINANCE_REPORTS))).toContain('Request');

    const mine = await say(stack, alex, 'can I get my access');
    expect(cardText(mine.card)).not.toMatch(/Nothing you can request/);
    expect(cardText(mine.card)).toContain('Finance Month-end Close (JIT)');
  });
});

describe('the expiry reminder and the catalog', () => {
  let stack: Stack | undefined;
  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
  });

  it.each([
    ['not renewable', false],
    ['renewable', true],
  ])('say the same about the same assignment (%s)', async (_name, renewable) => {
    stack = await startStack({ sharedClock: true, devtenant: { seed: seed(renewable) } });
    await stack.teams.say(alex, 'hello');
    await stack.bot.watcher.tickNow();
    const reminderOf = () =>
      stack!.teams.events
        .filter((e) => e.kind === 'send')
        .flatMap((e) => cardsIn(e.activity))
        .find((c) => /^Your access to/.test(cardText(c))) as Card;
    await stack.teams.waitFor(() => reminderOf() !== undefined, 5000, 'the reminder');
    const reminder = cardText(reminderOf());
    const line = cardText(lineOf((await say(stack, alex, 'I need month-end close')).card, MONTH_END));
    const said =
      line.match(/You have this until [^.]*\.|You can request it again after [^.]*\.|Renew it [^.]*\./g) ?? [];
    expect(said.length).toBe(2);
    for (const sentence of said) expect(reminder).toContain(sentence);
    expect(buttonTitles(reminderOf()).includes('Renew')).toBe(renewable);
    // Who to ask: the policy's approver, as the requester sees it.
    expect(reminder).toMatch(/Questions about this access\? Ask your manager/);
  });
});
