import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approverJourney } from '../../bot/journeys/approver/index.js';
import type { SeedData } from '../../devtenant/index.js';
import { PEOPLE } from '../devtenant/tokens.js';
import { Chats, type Shown } from '../helpers/chats.js';
import { decideInMyAccess, emRequest } from '../helpers/devtenantGraph.js';
import { type Stack, startStack } from '../helpers/stack.js';
import { buttonTitles, cardText, teamsUser } from '../helpers/teamsHarness.js';

/**
 * Issue 18 item 11: "approvals" pages. Alex approves Salesforce requests (IT Operations Approvers); with twelve more
 * of them waiting he has 15 requests, which no longer fit one page of 10. He reaches the 11th and approves it, and
 * "Approve all shown" on page 2 approves page 2 only.
 */

const id = (prefix: string, n: number) => `${prefix}-0000-4000-8000-${String(n).padStart(12, '0')}`;
const SALESFORCE_PACKAGE = id('40000000', 9);
const SALESFORCE_POLICY = id('50000000', 9);
/** Neither approvers of Salesforce nor Isaiah, who already asked for it in the demo. */
const REQUESTERS = [3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 16].map((n) => id('10000000', n));
/** The extra requests, oldest first: all older than the demo's own three, so they lead the list. */
const EXTRA = REQUESTERS.map((_, k) => id('90000000', 100 + k));
const ISAIAH_SALESFORCE = id('90000000', 1);

const alex = teamsUser(PEOPLE.alex, 'Alex Wilber');

/** The demo seed with `count` more Salesforce requests (oldest first), from the first of REQUESTERS. */
function seedWithManySalesforceRequests(count = REQUESTERS.length): SeedData {
  const seed = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../devtenant/seed/demo.json'), 'utf8'));
  REQUESTERS.slice(0, count).forEach((requestorId, k) => {
    seed.requests.push({
      id: EXTRA[k],
      requestorId,
      accessPackageId: SALESFORCE_PACKAGE,
      policyId: SALESFORCE_POLICY,
      justification: `Pipeline review number ${k + 1}.`,
      createdDateTime: `-PT${80 - k}H`,
    });
  });
  return seed;
}

const nameOf = (seed: SeedData, userId: string): string =>
  (seed as any).users.find((u: any) => u.id === userId).displayName;

describe('"approvals" with more than one page', () => {
  const seed = seedWithManySalesforceRequests();
  const eleventh = nameOf(seed, REQUESTERS[10]);
  let stack: Stack;
  let chats: Chats;
  beforeAll(async () => {
    stack = await startStack({ devtenant: { seed } });
    chats = new Chats(stack.teams, { checkReplies: true });
    await stack.teams.install(alex);
  });
  afterAll(async () => stack?.stop());

  const itemCardsIn = (cards: Shown[]) => cards.filter((c) => buttonTitles(c.card).includes('Approve'));

  it('shows the 10 oldest with Next; Next brings the 11th, whose card approves it', async () => {
    const [summary, ...rest] = await chats.say(alex, 'approvals');
    const first = cardText(summary.card);
    expect(first).toMatch(/15 requests wait for your decision/);
    expect(first).toContain('Showing 1–10 of 15.');
    expect(first).not.toContain(eleventh);
    expect(itemCardsIn(rest)).toHaveLength(10);
    expect(buttonTitles(summary.card)).toContain('Next');
    expect(buttonTitles(summary.card)).not.toContain('Previous');

    const before = stack.teams.cardsFor(alex).length;
    const second = await chats.press(alex, summary, 'Next');
    const text = cardText(second.card);
    expect(text).toContain('Showing 11–15 of 15.');
    expect(text.split('\n').find((l) => l.startsWith(eleventh))).toMatch(/Salesforce – Sales Cloud User/);
    expect(buttonTitles(second.card)).toContain('Previous');
    expect(buttonTitles(second.card)).not.toContain('Next');
    // The page's own cards follow, one per request on it (five), the 11th among them.
    const sent = stack.teams.cardsFor(alex).slice(before);
    expect(sent.filter((c) => buttonTitles(c.card).includes('Approve'))).toHaveLength(5);

    const card = chats.find(alex, new RegExp(`${eleventh} asks for Salesforce`));
    const reply = await chats.click(alex, card, 'Approve');
    expect(cardText(reply)).toMatch(/Approved by you/);
    expect((await emRequest(stack, EXTRA[10])).state).toBe('delivered');

    const back = await chats.press(alex, second, 'Previous');
    expect(cardText(back.card)).toMatch(/14 requests wait for your decision/);
    expect(cardText(back.card)).toContain('Showing 1–10 of 14.');
  });

  it('"Approve all shown" on page 2 approves the requests on page 2 and nothing on page 1', async () => {
    const [summary] = await chats.say(alex, 'approvals');
    const second = await chats.press(alex, summary, 'Next');
    expect(cardText(second.card)).toContain('Showing 11–14 of 14.');
    const onPage2 = cardText(second.card)
      .split('\n')
      .filter((l) => / · /.test(l));
    expect(onPage2).toHaveLength(4);
    const confirm = await chats.press(alex, second, 'Approve all shown');
    const confirmText = cardText(confirm.card);
    expect(confirmText).toContain('Showing 11–14 of 14.');
    expect(confirmText).toMatch(/shown on this page\?/);
    expect(confirmText).toContain('the 10 requests on other pages stay as they are');
    const yes = buttonTitles(confirm.card).find((t) => t.startsWith('Yes, approve'));
    expect(yes).toBeDefined();
    const result = await chats.click(alex, confirm, yes!);
    expect(cardText(result)).toMatch(/Approved \d+ requests?/);
    // Page 1 (the ten oldest extra requests) still waits; page 2's Salesforce request (the 12th) is approved.
    for (const request of EXTRA.slice(0, 10)) expect((await emRequest(stack, request)).state).toBe('pendingApproval');
    expect((await emRequest(stack, EXTRA[11])).state).toBe('delivered');
    expect((await emRequest(stack, ISAIAH_SALESFORCE)).state).toBe('delivered');
  });
});

describe('"approvals" with seven waiting: the count, the list and "Approve all shown" agree', () => {
  // Four more Salesforce requests: with the demo's three, seven wait for Alex (one page).
  const seed = seedWithManySalesforceRequests(4);
  let stack: Stack;
  let chats: Chats;
  beforeAll(async () => {
    stack = await startStack({ devtenant: { seed } });
    chats = new Chats(stack.teams, { checkReplies: true, ownChatOnly: true });
    await stack.teams.install(alex);
    await stack.bot.watcher.tickNow();
  });
  afterAll(async () => stack?.stop());

  const rowsOf = (text: string) => text.split('\n').filter((l) => / · requested /.test(l));

  it('lists all seven it counts, asks about exactly those seven, and after one decision says and lists six', async () => {
    const [summary] = await chats.say(alex, 'approvals');
    const text = cardText(summary.card);
    expect(text).toMatch(/^7 requests wait for your decision\n/);
    expect(rowsOf(text)).toHaveLength(7);
    for (const r of REQUESTERS.slice(0, 4)) expect(text).toContain(`${nameOf(seed, r)} Salesforce – Sales Cloud User`);
    expect(text).not.toMatch(/Showing/);
    expect(buttonTitles(summary.card)).not.toContain('Next');

    const confirm = await chats.press(alex, summary, 'Approve all shown');
    const asked = cardText(confirm.card);
    expect(asked).toMatch(/Approve these 7 requests\?/);
    expect(asked.split('\n').filter((l) => l.startsWith('- '))).toHaveLength(7);
    const notNow = await chats.press(alex, confirm, 'Not now');

    // Megan (an IT Operations approver too) denies the oldest extra request in My Access: the watcher notices.
    await decideInMyAccess(stack, EXTRA[0], PEOPLE.megan, 'Deny', 'Not this quarter');
    await stack.bot.watcher.tickNow();
    const redrawn = cardText(chats.current(alex, notNow.id));
    expect(redrawn).toMatch(/^6 requests wait for your decision\n/);
    const rows = rowsOf(redrawn.split('Decided since this list was drawn')[0]);
    expect(rows).toHaveLength(6);
    expect(rows.join('\n')).not.toContain(nameOf(seed, REQUESTERS[0]));
    expect(redrawn).toMatch(
      /Decided since this list was drawn\n.*Salesforce – Sales Cloud User · Denied by Megan Bowen/,
    );
  });
});

describe('a page that is not a page', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
    await stack.teams.install(alex);
  });
  afterAll(async () => stack?.stop());

  it('answers Previous / Next data with a bad page with a card that says so, for the list and the digest', async () => {
    for (const verb of ['listApprovals', 'approvalDigest']) {
      for (const page of [-1, 1.5, 'two', 100_000]) {
        const reply = await stack.teams.invoke(alex, verb, { page });
        expect(reply.httpStatus, `${verb} ${page}`).toBe(200);
        const text = cardText(reply.body?.value as any);
        expect(text, `${verb} ${page}`).toMatch(/Something on this card is not right\n- page: /);
        expect(text).not.toMatch(/requests? (still )?waits? for your decision/);
      }
    }
    // A page past the end (the list shrank since the click) shows the last page.
    const last = await stack.teams.invoke(alex, 'listApprovals', { page: 7 });
    expect(cardText(last.body?.value as any)).toMatch(/3 requests wait for your decision/);
  });
});

describe('the daily digest with more than one page', () => {
  const seed = seedWithManySalesforceRequests();
  let stack: Stack;
  let chats: Chats;
  beforeAll(async () => {
    stack = await startStack({ devtenant: { seed }, sharedClock: true });
    chats = new Chats(stack.teams, { checkReplies: true });
    await stack.teams.install(alex);
    expect((await stack.bot.watcher.tickNow()).sources.find((s) => s.name === 'approvals')?.ok).toBe(true);
  });
  afterAll(async () => stack?.stop());

  it('shows 10 a page; Next and Previous page through all of them, each on exactly one page', async () => {
    const [digest] = approverJourney.watchSources!(stack.bot.app).filter((s) => s.name === 'approvalDigest');
    await digest.tick(stack.clock!.now()); // notes the period only
    // A day later, on the bot's clock too: the clicks below read the digest as it stands then.
    await stack.advance(24 * 3600);
    await digest.tick(stack.clock!.now());
    const sent = chats.find(alex, /still wait for your decision/);
    const first = cardText(sent.card);
    expect(first).toMatch(/15 requests still wait for your decision/);
    expect(first).toContain('Showing 1–10 of 15.');
    expect(first).not.toMatch(/more\./);
    const second = await chats.press(alex, sent, 'Next');
    expect(cardText(second.card)).toContain('Showing 11–15 of 15.');
    expect(buttonTitles(second.card)).not.toContain('Next');
    // Every waiting request on exactly one of the two pages.
    const lines = [first, cardText(second.card)].flatMap((t) => t.split('\n').filter((l) => l.includes(' · waiting')));
    const requests = lines.map((l) => l.replace(/ · waiting.*$/, ''));
    expect(new Set(requests).size).toBe(15);
    expect(requests).toHaveLength(15);
    for (const r of REQUESTERS) expect(requests).toContain(`${nameOf(seed, r)} Salesforce – Sales Cloud User`);
    expect(requests).toContain('Isaiah Langer Salesforce – Sales Cloud User');
    const back = await chats.press(alex, second, 'Previous');
    expect(cardText(back.card)).toBe(first);
  });
});
