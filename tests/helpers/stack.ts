import { type RunningBot, startBot } from '../../bot/app.js';
import { type DevtenantOptions, type RunningDevtenant, startDevtenant } from '../../devtenant/index.js';
import type { TokenProvider } from '../../services/auth/tokens.js';
import { type Clock, ManualClock, systemClock } from '../../services/clock.js';
import { loadConfig } from '../../services/config.js';
import { createLogger } from '../../services/log.js';
import { createStorage } from '../../services/storage/index.js';
import { TeamsHarness } from './teamsHarness.js';

export interface Stack {
  bot: RunningBot;
  teams: TeamsHarness;
  /** Present unless started with `devtenant: false`. */
  devtenant?: RunningDevtenant;
  logs: string[];
  /** Graph round trips the devtenant saw since the last `clearGraphLog()` (a $batch counts once). */
  graphCalls(): Promise<{ method: string; path: string; caller: string | null; status: number; batchItem?: boolean }[]>;
  clearGraphLog(): Promise<void>;
  /** With `sharedClock`: moves the bot's and the devtenant's clocks together. */
  advance(seconds: number): Promise<void>;
  clock?: ManualClock;
  stop(): Promise<void>;
}

export interface StackOptions {
  env?: Record<string, string>;
  /** Devtenant options, or false for no devtenant (Graph then points at a closed port). Default: instant timing. */
  devtenant?: DevtenantOptions | false;
  /** The bot and a frozen devtenant share one manual clock (start: this minute), moved by `advance`. */
  sharedClock?: boolean;
  /** The bot's token provider, made with the bot's clock (default: the local-mode one the configuration gives). */
  tokens?: (clock: Clock) => TokenProvider;
}

/**
 * The bot on a free loopback port with in-memory storage and a log capture, the devtenant (a local Graph) and the
 * Teams-like harness. Everything talks over real HTTP.
 */
export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const start = new Date(Math.floor(Date.now() / 60_000) * 60_000);
  const clock = opts.sharedClock ? new ManualClock(start) : undefined;
  const devtenant =
    opts.devtenant === false
      ? undefined
      : await startDevtenant({
          port: 0,
          timing: { submittedToNextMs: 0, deliveringToDeliveredMs: 0 },
          ...(clock ? { now: start, freezeClock: true } : {}),
          ...opts.devtenant,
        });
  const config = loadConfig({
    PORT: '0',
    STORAGE: 'memory',
    GRAPH_BASE_URL: devtenant?.url ?? 'http://127.0.0.1:9',
    LOG_LEVEL: 'debug',
    WATCH_INTERVAL_SECONDS: '3600',
    ...opts.env,
  });
  const logs: string[] = [];
  const log = createLogger(config.logLevel, { write: (line: string) => logs.push(line) });
  const storage = await createStorage(config.storage, {}, log);
  const bot = await startBot(config, {
    log,
    storage,
    ...(clock ? { clock } : {}),
    ...(opts.tokens ? { tokens: opts.tokens(clock ?? systemClock) } : {}),
  });
  const teams = await new TeamsHarness(bot.url).start();
  const control = (path: string, init?: RequestInit) => fetch(`${devtenant?.url}/_devtenant/${path}`, init);
  return {
    bot,
    teams,
    devtenant,
    logs,
    async graphCalls() {
      if (!devtenant) return [];
      const calls: Awaited<ReturnType<Stack['graphCalls']>> = await (await control('requests')).json();
      // A later page (DEVTENANT_PAGE_SIZE) is not a round trip the bot chose; how many there are depends on page size.
      return calls.filter((c) => !/[?&]\$skiptoken=/.test(c.path));
    },
    async clearGraphLog() {
      if (devtenant) await control('requests', { method: 'DELETE' });
    },
    clock,
    async advance(seconds: number) {
      if (!clock) throw new Error('advance needs startStack({ sharedClock: true })');
      clock.advance(seconds * 1000);
      const res = await control('clock', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ advanceSeconds: seconds }),
      });
      if (res.status !== 200) throw new Error(`devtenant clock answered ${res.status}`);
    },
    async stop() {
      await teams.stop();
      await bot.close();
      await devtenant?.close();
    },
  };
}
