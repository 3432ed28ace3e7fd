/**
 * kill -9 the bot mid-tick 20 times, restarting it each time on the same SQLite file: every card arrives, and a
 * card arrives twice only where the guarantee in bot/proactive/notifier.ts allows it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TeamsHarness, teamsUser } from '../helpers/teamsHarness.js';
import { bundleFixture, checkExactlyOnce, FixtureBot, killAllFixtureBots, numberedSends, sleep } from './processes.js';

const KILLS = 20;
const COUNT = 40;
const users = [
  teamsUser('20000000-0000-4000-8000-000000000001', 'Alex Wilber'),
  teamsUser('20000000-0000-4000-8000-000000000002', 'Megan Bowen'),
];

describe('kill -9 mid-tick, 20 times', () => {
  const root = mkdtempSync(join(tmpdir(), 'proactive-crash-'));
  let bundle: string;
  let teams: TeamsHarness;

  beforeAll(async () => {
    bundle = await bundleFixture();
    teams = await new TeamsHarness('').start();
  });
  afterAll(async () => {
    await killAllFixtureBots();
    await teams?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('delivers every card, duplicating at most the one in flight at a kill', async () => {
    const env = {
      FIXTURE_STORAGE: `sqlite:${join(root, 'bot.db')}`,
      FIXTURE_INSTANCE: 'crash-test-bot',
      FIXTURE_USERS: users.map((u) => u.aadObjectId).join(','),
      FIXTURE_COUNT: String(COUNT),
      FIXTURE_SLEEP_MS: '25',
      FIXTURE_INTERVAL_SECONDS: '0.05',
    };
    const killed = new Set<number>();
    let current: FixtureBot | undefined;
    // The next process loads its code while the current one runs; its bot starts only after the kill.
    let next: Promise<FixtureBot> = FixtureBot.preload(bundle, env);
    for (let k = 0; k <= KILLS; k++) {
      current = await (await next).go();
      if (k < KILLS) next = FixtureBot.preload(bundle, env);
      teams.botUrl = current.url;
      if (k === 0) for (const user of users) await teams.say(user, 'hello');
      if (k === KILLS) break;
      // Wait until this process is sending (mid-tick), then kill it at a random moment.
      const before = numberedSends(teams.events).length;
      await teams.waitFor(() => numberedSends(teams.events).length > before || current?.done, 60_000, 'a card');
      await sleep(Math.random() * 60);
      killed.add(current.pid);
      await current.kill9();
    }
    await current?.waitUntilDone(60_000);
    await current?.terminate();

    const sends = numberedSends(teams.events);
    const expected = users.flatMap((u) => Array.from({ length: COUNT }, (_, i) => ({ n: i + 1, user: u.aadObjectId })));
    const { duplicates, kills, problems } = checkExactlyOnce(sends, expected, killed);
    console.info(`${sends.length} cards from ${killed.size + 1} processes; ${duplicates.length} duplicated by a kill`);
    expect(problems).toEqual([]);
    // Per kill: at most one extra copy, and only of the card in flight at that kill.
    expect(kills).toHaveLength(KILLS);
    expect(duplicates).toEqual(kills.filter((k) => k.duplicated).map((k) => k.inFlight));
    // Most kills land outside the crash window (between the connector's answer and the `sent` record).
    expect(sends.length).toBeLessThanOrEqual(expected.length + KILLS);
    expect(new Set(sends.map((s) => s.from)).size).toBeGreaterThanOrEqual(KILLS); // it really was that many processes
  }, 300_000);
});
