import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeedData } from '../../devtenant/index.js';
import { PEOPLE } from '../devtenant/tokens.js';
import { type Stack, startStack } from '../helpers/stack.js';
import {
  buttonTitles,
  type Card,
  type ConnectorEvent,
  cardsIn,
  cardText,
  findAction,
  type InvokeReply,
  teamsUser,
} from '../helpers/teamsHarness.js';

/**
 * Issue 13, "navigation replaces what you were reading": a button that goes somewhere else posts a new card and
 * leaves the clicked one as it was; the card's own actions (paging included) update it in place.
 */

const alex = teamsUser(PEOPLE.alex, 'Alex Wilber');
const MESSAGE = 'application/vnd.microsoft.activity.message';
const CARD = 'application/vnd.microsoft.card.adaptive';
const REGIONS = ['North', 'South', 'East', 'West', 'Central', 'Nordics', 'Iberia'];

/** The demo seed plus seven more "Finance Reports" packages, so a search for "finance reports" has two pages. */
function seedWithManyReports(): SeedData {
  const file = path.resolve(import.meta.dirname, '../../devtenant/seed/demo.json');
  const seed = JSON.parse(readFileSync(file, 'utf8'));
  const reports = seed.accessPackages.find((p: any) => p.displayName.startsWith('Finance Reports'));
  REGIONS.forEach((region, i) => {
    const copy = structuredClone(reports);
    copy.id = `4e000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`;
    copy.displayName = `Finance Reports – ${region}`;
    copy.policies.forEach((policy: any, j: number) => {
      policy.id = `5e000000-0000-4000-8000-${String(i * 10 + j + 1).padStart(12, '0')}`;
    });
    seed.accessPackages.push(copy);
  });
  return seed;
}

interface Shown {
  card: Card;
  id: string;
}

interface Click {
  reply: InvokeReply;
  /** What the bot did in the chat during the click. */
  events: ConnectorEvent[];
  /** The clicked card as the chat held it before and after the click. */
  before?: Card;
  after?: Card;
}

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ devtenant: { seed: seedWithManyReports() } });
});
afterAll(async () => stack?.stop());

async function press(shown: Shown, title: string): Promise<Click> {
  const count = stack.teams.events.length;
  const before = stack.teams.currentCard(alex, shown.id);
  const reply = await stack.teams.click(alex, shown.card, title, {}, shown.id);
  expect(reply.httpStatus).toBe(200);
  return { reply, events: stack.teams.events.slice(count), before, after: stack.teams.currentCard(alex, shown.id) };
}

/** A navigation click: nothing in the chat was updated, one new card was posted, the clicked card is as it was. */
function expectPostedNewCard(clicked: Shown, click: Click, exactlyOne = true): Shown {
  expect(click.reply.body?.type).toBe(MESSAGE);
  expect(click.events.filter((e) => e.kind === 'update')).toEqual([]);
  const sent = click.events.filter((e) => e.kind === 'send' && cardsIn(e.activity).length > 0);
  // `approvals` also posts each open approval as its own card after the summary.
  if (exactlyOne) expect(sent).toHaveLength(1);
  else expect(sent.length).toBeGreaterThanOrEqual(1);
  expect(sent[0].activityId).not.toBe(clicked.id);
  expect(click.after).toEqual(click.before);
  return { card: cardsIn(sent[0].activity)[0], id: sent[0].activityId };
}

/** An in-place click: the answer is the clicked card's replacement and nothing new was posted. */
function expectUpdatedInPlace(clicked: Shown, click: Click): Shown {
  expect(click.reply.body?.type).toBe(CARD);
  expect(click.events.filter((e) => e.kind === 'send')).toEqual([]);
  return { card: click.reply.body?.value, id: clicked.id };
}

async function say(text: string): Promise<Shown> {
  const events = await stack.teams.say(alex, text);
  const event = events.find((e) => cardsIn(e.activity).length > 0);
  if (!event) throw new Error(`no card answered "${text}"`);
  return { card: cardsIn(event.activity)[0], id: event.activityId };
}

describe('navigation posts a new card and leaves the one you were reading', () => {
  it("the welcome card's buttons each post a new card below it; the welcome card stays", async () => {
    const installed = await stack.teams.install(alex);
    const welcomeEvent = installed.find((e) => cardsIn(e.activity).length > 0);
    if (!welcomeEvent) throw new Error('no welcome card');
    const welcome: Shown = { card: cardsIn(welcomeEvent.activity)[0], id: welcomeEvent.activityId };
    expect(cardText(welcome.card)).toMatch(/Hi Alex/);

    const catalog = expectPostedNewCard(welcome, await press(welcome, 'Find access'));
    expect(cardText(catalog.card)).toMatch(/Finance Reports/);
    const access = expectPostedNewCard(welcome, await press(welcome, 'My access'));
    expect(cardText(access.card)).toMatch(/access/i);
    const requests = expectPostedNewCard(welcome, await press(welcome, 'My requests'));
    expect(cardText(requests.card)).toMatch(/request/i);
    const approvals = expectPostedNewCard(welcome, await press(welcome, 'Approvals'), false);
    expect(cardText(approvals.card)).toMatch(/request/i);
    expectPostedNewCard(welcome, await press(welcome, 'Activate a role'));
  });

  it('search results → Details posts the details; the results stay; Back to the catalog brings the search back', async () => {
    const results = await say('find finance reports');
    expect(cardText(results.card)).toMatch(/Finance Reports – Read/);
    const details = expectPostedNewCard(results, await press(results, 'Details'));
    expect(cardText(details.card)).toMatch(/Read access to the Finance Reports site/);

    const back = expectPostedNewCard(details, await press(details, 'Back to the catalog'));
    expect(cardText(back.card)).toBe(cardText(results.card));
  });

  it('paging updates the results in place, Next then Previous, and keeps the query', async () => {
    const first = await say('find finance reports');
    const firstText = cardText(first.card);
    expect(firstText).toMatch(/1–5 of 9/);
    expect(buttonTitles(first.card)).not.toContain('Previous');

    const second = expectUpdatedInPlace(first, await press(first, 'Next'));
    expect(cardText(second.card)).toMatch(/6–9 of 9/);
    expect(cardText(second.card)).toMatch(/finance reports/i);
    expect(cardText(second.card)).not.toMatch(/Salesforce|Payroll|Visio/);

    const again = expectUpdatedInPlace(second, await press(second, 'Previous'));
    expect(cardText(again.card)).toBe(firstText);
  });

  it('a Details button on the second page brings back that page with Back to the catalog', async () => {
    const first = await say('find finance reports');
    const second = expectUpdatedInPlace(first, await press(first, 'Next'));
    const details = expectPostedNewCard(second, await press(second, 'Details'));
    const back = expectPostedNewCard(details, await press(details, 'Back to the catalog'));
    expect(cardText(back.card)).toBe(cardText(second.card));
    expect(findAction(back.card, 'Previous')).toBeDefined();
  });
});

describe("the expiry reminder's buttons", () => {
  let reminderStack: Stack | undefined;
  afterAll(async () => reminderStack?.stop());

  it('My access posts a new card and leaves the reminder; Renew (its own subject) updates it in place', async () => {
    const seed = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../devtenant/seed/demo.json'), 'utf8'));
    for (const pkg of seed.accessPackages)
      for (const policy of pkg.policies) policy.requestorSettings.enableTargetsToSelfUpdateAccess = true;
    reminderStack = await startStack({ sharedClock: true, devtenant: { seed } });
    const teams = reminderStack.teams;
    await teams.say(alex, 'hello');
    await reminderStack.bot.watcher.tickNow();
    // Seeded: Alex's "Finance Month-end Close (JIT)" ends in 9 days, inside the 14-day window.
    const event = await teams.waitFor(
      () =>
        teams.events.find(
          (e) => e.kind === 'send' && cardsIn(e.activity).some((c) => /^Your access to/.test(cardText(c))),
        ),
      5000,
      'the expiry reminder',
    );
    const reminder: Shown = { card: cardsIn(event.activity)[0], id: event.activityId };

    const count = teams.events.length;
    const access = await teams.click(alex, reminder.card, 'My access', {}, reminder.id);
    expect(access.body?.type).toBe(MESSAGE);
    const after = teams.events.slice(count);
    expect(after.filter((e) => e.kind === 'update')).toEqual([]);
    const posted = after.filter((e) => e.kind === 'send').flatMap((e) => cardsIn(e.activity));
    expect(posted).toHaveLength(1);
    expect(cardText(posted[0])).toMatch(/Finance Month-end Close/);
    expect(teams.currentCard(alex, reminder.id)).toEqual(reminder.card);

    const renewCount = teams.events.length;
    const form = await teams.click(alex, reminder.card, 'Renew', {}, reminder.id);
    expect(form.body?.type).toBe(CARD);
    expect(cardText(form.body?.value)).toMatch(/^Renew/);
    expect(buttonTitles(form.body?.value)).toContain('Submit request');
    expect(teams.events.slice(renewCount).filter((e) => e.kind === 'send')).toEqual([]);
  });
});

describe('in a group chat: navigation posts into the same chat, and the clicked card stays', () => {
  const megan = teamsUser(PEOPLE.megan, 'Megan Bowen');
  const GROUP = { id: '19:group-chat-finance@thread.v2', conversationType: 'groupChat', isGroup: true };
  const inGroup = (e: ConnectorEvent) => e.conversationId === GROUP.id;
  const groupActivity = (user: typeof alex, extra: Record<string, unknown>) =>
    stack.teams.baseActivity(user, {
      ...extra,
      conversation: { ...GROUP, tenantId: 'c0a70500-0000-4000-8000-000000000001' },
    });
  /** The card with this activity id as the group chat shows it now (last send or update wins). */
  const groupCard = (activityId: string) =>
    stack.teams.events
      .filter((e) => inGroup(e) && e.activityId === activityId && (e.kind === 'send' || e.kind === 'update'))
      .flatMap((e) => cardsIn(e.activity))
      .at(-1);

  async function sayInGroup(user: typeof alex, text: string): Promise<Shown> {
    const count = stack.teams.events.length;
    const res = await stack.teams.post(
      groupActivity(user, { type: 'message', text: `<at>Access Bot</at> ${text}`, textFormat: 'plain' }),
    );
    expect(res.status).toBeLessThan(300);
    const event = stack.teams.events.slice(count).find((e) => cardsIn(e.activity).length > 0);
    if (!event) throw new Error(`no card answered "${text}" in the group chat`);
    expect(inGroup(event)).toBe(true);
    return { card: cardsIn(event.activity)[0], id: event.activityId };
  }

  async function pressInGroup(user: typeof alex, shown: Shown, title: string): Promise<Click> {
    const found = findAction(shown.card, title);
    if (found?.action.type !== 'Action.Execute') throw new Error(`no button "${title}"`);
    const count = stack.teams.events.length;
    const before = groupCard(shown.id);
    const res = await stack.teams.post(
      groupActivity(user, {
        type: 'invoke',
        name: 'adaptiveCard/action',
        replyToId: shown.id,
        value: { action: { type: 'Action.Execute', verb: found.action.verb, data: found.action.data ?? {} } },
      }),
    );
    expect(res.status).toBe(200);
    return {
      reply: { httpStatus: res.status, body: res.body },
      events: stack.teams.events.slice(count),
      before,
      after: groupCard(shown.id),
    };
  }

  it('Details posts the details into the group chat, the results stay; Back to the catalog brings them back', async () => {
    const results = await sayInGroup(alex, 'find finance reports');
    expect(cardText(results.card)).toMatch(/Finance Reports – Read/);
    const click = await pressInGroup(alex, results, 'Details');
    const details = expectPostedNewCard(results, click);
    expect(click.events.every(inGroup)).toBe(true);
    expect(cardText(details.card)).toMatch(/Read access to the Finance Reports site/);

    const back = await pressInGroup(alex, details, 'Back to the catalog');
    expect(back.events.every(inGroup)).toBe(true);
    expect(cardText(expectPostedNewCard(details, back).card)).toBe(cardText(results.card));
  });

  it('paging updates the card in place in the group chat and keeps the query', async () => {
    const first = await sayInGroup(alex, 'find finance reports');
    const next = await pressInGroup(alex, first, 'Next');
    const second = expectUpdatedInPlace(first, next);
    expect(cardText(second.card)).toMatch(/6–9 of 9/);
    expect(next.events.filter((e) => !inGroup(e))).toEqual([]);
  });

  it("another member's Next and Back to the catalog keep the search made in the chat", async () => {
    const results = await sayInGroup(alex, 'find finance reports');
    const second = expectUpdatedInPlace(results, await pressInGroup(megan, results, 'Next'));
    expect(cardText(second.card)).toMatch(/6–9 of 9/);
    expect(cardText(second.card)).not.toMatch(/Salesforce|Payroll|Visio/);

    const details = expectPostedNewCard(results, await pressInGroup(alex, results, 'Details'));
    const back = expectPostedNewCard(details, await pressInGroup(megan, details, 'Back to the catalog'));
    expect(cardText(back.card)).toMatch(/1–5 of 9/);
    expect(cardText(back.card)).toMatch(/finance reports/i);
  });

  it('a search made in the personal chat stays there: the same ids from another person show the catalog', async () => {
    const mine = await say('find finance reports');
    const next = findAction(mine.card, 'Next')?.action;
    const reply = await stack.teams.invoke(megan, next?.verb, next?.data ?? {}, mine.id);
    expect(cardText(reply.body?.value)).toMatch(/^Access packages you can request\nShowing 1–5 of (\d+)\./);
    expect(cardText(reply.body?.value)).not.toMatch(/ of 9\./);
  });

  it('in a channel thread too: Details posts into the same thread and the results stay', async () => {
    const thread = {
      id: '19:it-helpdesk@thread.tacv2;messageid=1764770000000',
      conversationType: 'channel',
      isGroup: true,
    };
    const inThread = (e: ConnectorEvent) => e.conversationId === thread.id;
    const activity = (extra: Record<string, unknown>) =>
      stack.teams.baseActivity(alex, {
        ...extra,
        conversation: { ...thread, tenantId: 'c0a70500-0000-4000-8000-000000000001' },
      });
    const count = stack.teams.events.length;
    await stack.teams.post(activity({ type: 'message', text: '<at>Access Bot</at> find finance reports' }));
    const event = stack.teams.events.slice(count).find((e) => cardsIn(e.activity).length > 0);
    expect(event && inThread(event)).toBe(true);
    const results = cardsIn(event?.activity)[0];
    const details = findAction(results, 'Details')?.action;
    const clicked = stack.teams.events.length;
    const res = await stack.teams.post(
      activity({
        type: 'invoke',
        name: 'adaptiveCard/action',
        replyToId: event?.activityId,
        value: { action: { type: 'Action.Execute', verb: details?.verb, data: details?.data ?? {} } },
      }),
    );
    expect(res.body?.type).toBe(MESSAGE);
    const after = stack.teams.events.slice(clicked);
    expect(after.filter((e) => e.kind === 'update')).toEqual([]);
    const sent = after.filter((e) => e.kind === 'send' && cardsIn(e.activity).length > 0);
    expect(sent).toHaveLength(1);
    expect(inThread(sent[0])).toBe(true);
    expect(cardText(cardsIn(sent[0].activity)[0])).toMatch(/Read access to the Finance Reports site/);
  });

  it("the help card's My requests posts the clicker's own list into the chat, the help card stays", async () => {
    const help = await sayInGroup(alex, 'help');
    const click = await pressInGroup(megan, help, 'My requests');
    const posted = expectPostedNewCard(help, click);
    expect(click.events.every(inGroup)).toBe(true);
    expect(cardText(posted.card)).toMatch(/request/i);
  });
});
