/**
 * Issue 6, "Done when": restart the bot (a new process on the same SQLite file) between a request and its approval:
 * the status card is still updated and nobody gets a duplicate. Real journeys over HTTP: the devtenant (Graph), the
 * Teams-like harness (the connector) and the bot.
 *
 * The first bot runs in this process (its watcher ticked by hand); the restarted bot is a NEW PROCESS
 * (tests/helpers/journeyBotProcess.ts, bundled with esbuild) on the same SQLite file and instance id, as after a
 * restart on the same host, with its own watcher on a short interval. Nothing in memory survives the restart.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningBot, startBot } from '../../bot/app.js';
import { type RunningDevtenant, startDevtenant } from '../../devtenant/index.js';
import { loadConfig } from '../../services/config.js';
import { PEOPLE } from '../devtenant/tokens.js';
import { Chats } from '../helpers/chats.js';
import { decideInMyAccess } from '../helpers/devtenantGraph.js';
import {
  bundleJourneyBot,
  duplicateSends,
  logLines,
  requestIdOf,
  sendsBySubject,
  startJourneyBot,
} from '../helpers/journeyBots.js';
import { buttonTitles, cardText, TeamsHarness, teamsUser } from '../helpers/teamsHarness.js';
import { captureLog } from './helpers.js';
import { type FixtureBot, killAllFixtureBots } from './processes.js';

const alex = teamsUser(PEOPLE.alex, 'Alex Wilber');
const megan = teamsUser(PEOPLE.megan, 'Megan Bowen');

describe('restart the bot between a request and its approval', () => {
  const root = mkdtempSync(join(tmpdir(), 'restart-journey-'));
  const dbFile = join(root, 'bot.db');
  let devtenant: RunningDevtenant;
  let teams: TeamsHarness;
  let restarted: FixtureBot | undefined;
  /** The first, in-process bot while it runs (closed by the test; by afterAll only when the test failed first). */
  let running: RunningBot | undefined;

  beforeAll(async () => {
    [devtenant, teams] = await Promise.all([
      startDevtenant({ port: 0, timing: { submittedToNextMs: 0, deliveringToDeliveredMs: 0 } }),
      new TeamsHarness('').start(),
      bundleJourneyBot(),
    ]);
  });
  afterAll(async () => {
    await running?.close().catch(() => undefined);
    await killAllFixtureBots();
    await teams?.stop();
    await devtenant?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('the status card is still updated and nobody gets a duplicate', async () => {
    const env = {
      STORAGE: `sqlite:${dbFile}`,
      GRAPH_BASE_URL: devtenant.url,
      APPROVAL_DIGEST_HOURS: '0',
    };
    const instanceId = 'restart-host:3978';
    const { log } = captureLog();
    const first = await startBot(
      loadConfig({ ...env, PORT: '0', LOG_LEVEL: 'debug', WATCH_INTERVAL_SECONDS: '3600' }),
      {
        log,
        proactive: { instanceId },
      },
    );
    running = first;
    teams.botUrl = first.url;
    const chats = new Chats(teams, { ownChatOnly: true });
    await teams.install(alex);
    await teams.install(megan);

    // Alex asks for two packages his manager Megan approves; both wait for her.
    const finance = await chats.request(alex, 'finance reports', { policy: 'Standard access (30 days)' });
    const devTools = await chats.request(alex, 'developer tools', {
      justification: 'Owning the build agents this quarter',
    });
    for (const status of [finance, devTools]) expect(cardText(status.card)).toMatch(/Pending approval/);
    const financeId = requestIdOf(finance.card);
    const devToolsId = requestIdOf(devTools.card);

    // A watcher tick of the first bot sends Megan her approval cards.
    await first.watcher.tickNow();
    const forMegan = (text: RegExp) => {
      const found = chats.all(megan, text);
      expect(found).toHaveLength(1);
      return found[0];
    };
    const financeCard = forMegan(/Alex Wilber asks for Finance Reports – Read/);
    forMegan(/Alex Wilber asks for Developer Tools – Eligible Owner/);
    expect(buttonTitles(financeCard.card)).toEqual(['Approve', 'Deny']);

    // Stop the bot (gracefully: it finishes its tick, releases the lease, closes the SQLite file) …
    await first.close();
    running = undefined;
    const sentBeforeRestart = teams.events.filter((e) => e.kind === 'send').length;

    // … and start a new process on the same file.
    const logFile = join(root, 'restarted.log');
    restarted = await startJourneyBot({ env: { ...env, WATCH_INTERVAL_SECONDS: '0.2' }, instanceId, logFile });
    teams.botUrl = restarted.url;
    const ticks = () => logLines(logFile).filter((l) => l.msg === 'watch tick').length;
    // Two full ticks of the new process with nothing new: it re-sends nothing it sent before the restart.
    await teams.waitFor(() => ticks() >= 2, 10_000, 'two ticks of the restarted bot');
    expect(teams.events.filter((e) => e.kind === 'send')).toHaveLength(sentBeforeRestart);

    // Megan approves one on the card she got from the first bot, now answered by the new process …
    const reply = await chats.press(megan, financeCard, 'Approve');
    expect(cardText(reply.card)).toMatch(/Approved by you/);
    expect(buttonTitles(reply.card)).toEqual([]);
    // … and the other in My Access, where only the new process's watcher can notice it.
    await decideInMyAccess(devtenant.url, devToolsId, PEOPLE.megan, 'Approve');

    const delivered = (title: string) =>
      chats.all(alex, /Delivered/).filter((c) => cardText(c.card).startsWith(`${title}: **Delivered**`)).length === 1;
    await teams.waitFor(
      () => delivered('Finance Reports – Read') && delivered('Developer Tools – Eligible Owner'),
      15_000,
      "the restarted bot's Delivered notes to Alex",
    );
    // Alex's original status cards (same activity ids) now say Delivered.
    expect(cardText(chats.current(alex, finance.id))).toMatch(/Delivered/);
    expect(requestIdOf(chats.current(alex, finance.id))).toBe(financeId);
    expect(cardText(chats.current(alex, devTools.id))).toMatch(/Delivered/);
    expect(requestIdOf(chats.current(alex, devTools.id))).toBe(devToolsId);
    // Megan's card for the My Access decision shows it too, updated in place by the new process.
    const devToolsCard = forMegan(/Alex Wilber asks for Developer Tools – Eligible Owner/);
    expect(cardText(devToolsCard.card)).toMatch(/Approved by you/);
    expect(buttonTitles(devToolsCard.card)).toEqual([]);
    expect(teams.events.some((e) => e.kind === 'update' && e.activityId === devToolsCard.id)).toBe(true);

    // A few more ticks change nothing, then: across the whole test, nobody got any card twice.
    const after = ticks();
    await teams.waitFor(() => ticks() >= after + 3, 10_000, 'three more ticks');
    expect(duplicateSends(teams.events)).toEqual({});
    const approvalSends = (user: typeof megan) =>
      [...sendsBySubject(teams.events)]
        .filter(([key]) => key.startsWith(`${teams.conversationId(user)} approval:`))
        .map(([key, n]) => `${key.split(' ')[1]} ${n}`)
        .sort();
    expect(approvalSends(megan)).toEqual(
      [financeId, devToolsId, '90000000-0000-4000-8000-000000000001', '90000000-0000-4000-8000-000000000003']
        .map((id) => `approval:em:${id} 1`)
        .sort(),
    );
    await restarted.terminate();
    expect(restarted.stderr).not.toMatch(/journey bot failed/);
  }, 60_000);
});
