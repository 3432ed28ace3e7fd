import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SeedData } from '../../devtenant/index.js';
import { PEOPLE, userToken } from '../devtenant/tokens.js';
import { type Stack, startStack } from '../helpers/stack.js';
import { buttonTitles, cardsIn, cardText, teamsUser } from '../helpers/teamsHarness.js';

/**
 * Reminders before an access package assignment ends: 14 days and 1 day before (EXPIRY_REMINDER_DAYS), with Renew
 * where the policy allows it, never twice, never for access that was renewed or given up. The bot and the devtenant
 * share one clock, so the test moves time for both.
 */

const alex = teamsUser(PEOPLE.alex, 'Alex Wilber');
const adele = teamsUser(PEOPLE.adele, 'Adele Vance');
const EM = '/v1.0/identityGovernance/entitlementManagement';
const DAY = 86_400;
/** Seeded: Alex's "Finance Month-end Close (JIT)" ends in 9 days, Adele's "Finance Reports – Read" in 25. */
const ADELE_FINANCE_REPORTS = '80000000-0000-4000-8000-000000000004';
const FINANCE_CLOSE_POLICY = '50000000-0000-4000-8000-000000000006';

/** The demo seed with the month-end close policy letting people renew their own access. */
function renewableSeed(): SeedData {
  const seed = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../devtenant/seed/demo.json'), 'utf8'));
  for (const pkg of seed.accessPackages) {
    for (const policy of pkg.policies) {
      if (policy.id === FINANCE_CLOSE_POLICY) policy.requestorSettings.enableTargetsToSelfUpdateAccess = true;
    }
  }
  return seed;
}

const reminders = (stack: Stack, user: typeof alex, from = 0) =>
  stack.teams.events
    .slice(from)
    .filter((e) => e.kind === 'send' && e.conversationId === stack.teams.conversationId(user))
    .flatMap((e) => cardsIn(e.activity))
    .filter((c) => /^Your access to/.test(cardText(c)));

describe('reminders before access ends', () => {
  let stack: Stack | undefined;
  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
  });

  it('reminds 14 days and 1 day before with Renew, once each, and Renew opens the renewal form', async () => {
    stack = await startStack({ sharedClock: true, devtenant: { seed: renewableSeed() } });
    await stack.teams.say(alex, 'hello');

    // 9 days left: inside the 14-day window, so the 14-day reminder comes at the first tick (the watcher's own first
    // tick may already have queued it before Alex wrote; then it follows his message).
    await stack.bot.watcher.tickNow();
    await stack.teams.waitFor(() => reminders(stack!, alex).length > 0, 5000, 'the 14-day reminder');
    const first = reminders(stack, alex);
    expect(first).toHaveLength(1);
    expect(cardText(first[0])).toMatch(
      /Your access to \*\*Finance Month-end Close \(JIT\)\*\* ends on \{\{DATE\(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z, SHORT\)\}\}/,
    );
    expect(buttonTitles(first[0])).toEqual(['Renew', 'My access']);

    // Nothing new on the next ticks, also after a later sweep.
    let before = stack.teams.events.length;
    await stack.bot.watcher.tickNow();
    await stack.advance(7 * 3600);
    await stack.bot.watcher.tickNow();
    expect(reminders(stack, alex, before)).toHaveLength(0);

    // 23 hours left: the 1-day reminder, once.
    await stack.advance(8 * DAY - 7 * 3600 + 3600);
    before = stack.teams.events.length;
    await stack.bot.watcher.tickNow();
    await stack.bot.watcher.tickNow();
    const last = reminders(stack, alex, before);
    expect(last).toHaveLength(1);
    expect(cardText(last[0])).toMatch(/ends on \{\{DATE\(/);

    const form = await stack.teams.click(alex, last[0], 'Renew');
    expect(form.httpStatus).toBe(200);
    expect(cardText(form.body?.value)).toMatch(/^Renew this access package/);
    expect(buttonTitles(form.body?.value)).toContain('Submit request');

    // Nobody else was told about Alex's access.
    expect(reminders(stack, adele)).toHaveLength(0);
  });

  it('says when the policy does not allow renewing, and never reminds of access given up meanwhile', async () => {
    stack = await startStack({ sharedClock: true });
    await stack.teams.say(alex, 'hello');
    await stack.teams.say(adele, 'hello');
    await stack.bot.watcher.tickNow();
    await stack.teams.waitFor(() => reminders(stack!, alex).length > 0, 5000, "Alex's reminder");
    const alexCard = reminders(stack, alex);
    expect(alexCard).toHaveLength(1);
    expect(cardText(alexCard[0])).toMatch(/You can request it again after \{\{DATE\([^)]+\)\}\}\./);
    expect(buttonTitles(alexCard[0])).toEqual(['My access']);
    expect(reminders(stack, adele)).toHaveLength(0); // 25 days left: not yet

    // 14 days and 1 hour before Adele's end the sweep keeps her assignment; then she gives it up in My Access, and
    // when her reminder falls due the bot reads the assignment again first: no reminder for access she no longer has.
    await stack.advance(11 * DAY - 3600);
    await stack.bot.watcher.tickNow();
    expect(reminders(stack, adele)).toHaveLength(0);
    const res = await fetch(`${stack.devtenant?.url}${EM}/assignmentRequests`, {
      method: 'POST',
      headers: { authorization: `Bearer ${userToken(PEOPLE.adele)}`, 'content-type': 'application/json' },
      body: JSON.stringify({ requestType: 'userRemove', assignment: { id: ADELE_FINANCE_REPORTS } }),
    });
    expect(res.status).toBe(201);
    await stack.clearGraphLog();
    await stack.advance(2 * 3600);
    await stack.bot.watcher.tickNow();
    expect(reminders(stack, adele)).toHaveLength(0);
    const reread = (await stack.graphCalls()).filter((c) => c.batchItem && c.path.includes(ADELE_FINANCE_REPORTS));
    expect(reread).toHaveLength(1);
  });

  it('a failed sweep (Graph busy) is tried again ten minutes later, not every tick, and then reminds', async () => {
    stack = await startStack({ sharedClock: true });
    await stack.teams.say(alex, 'hello');
    const fault = await fetch(`${stack.devtenant?.url}/_devtenant/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        rules: [{ pathPattern: '/entitlementManagement/assignments\\?', status: 503, count: 50 }],
      }),
    });
    expect(fault.status).toBeLessThan(300);
    await stack.bot.watcher.tickNow();
    const sweeps = async () =>
      (await stack!.graphCalls()).filter(
        (c) => c.method === 'GET' && /\/entitlementManagement\/assignments\?/.test(c.path),
      );
    const failedSweeps = (await sweeps()).length;
    expect(failedSweeps).toBeGreaterThan(0);
    expect(reminders(stack, alex)).toHaveLength(0);
    // Within ten minutes: no new try.
    await stack.advance(5 * 60);
    await stack.bot.watcher.tickNow();
    expect((await sweeps()).length).toBe(failedSweeps);
    // Graph is back; ten minutes after the failure the sweep runs again and the reminder comes.
    await fetch(`${stack.devtenant?.url}/_devtenant/faults`, { method: 'DELETE' });
    await stack.advance(6 * 60);
    await stack.bot.watcher.tickNow();
    expect((await sweeps()).length).toBeGreaterThan(failedSweeps);
    await stack.teams.waitFor(() => reminders(stack!, alex).length > 0, 5000, 'the reminder');
    expect(reminders(stack, alex)).toHaveLength(1);
  });

  it('sends no reminder at all with EXPIRY_REMINDER_DAYS=off', async () => {
    stack = await startStack({ sharedClock: true, env: { EXPIRY_REMINDER_DAYS: 'off' } });
    await stack.teams.say(alex, 'hello');
    await stack.bot.watcher.tickNow();
    expect(reminders(stack, alex)).toHaveLength(0);
    expect((await stack.graphCalls()).some((c) => c.path.includes('/entitlementManagement/assignments?'))).toBe(false);
  });
});
