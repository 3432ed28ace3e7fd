/**
 * The stack of tests/helpers/stack.ts (bot + devtenant + Teams-like harness over real HTTP), with the extra taps the
 * reliability suites need: every Graph exchange the bot makes (in-process, from `onGraphRequest`), every token its
 * token provider hands out, the bot's storage (for the card-signing key and step-up states) and the devtenant's
 * request log and fault rules. Only the reliability suites use it.
 */
import { type RunningBot, startBot } from '../../bot/app.js';
import { storedReferences, talkedToBot } from '../../bot/auth/backgroundTokens.js';
import type { LogEntry } from '../../devtenant/control.js';
import { type DevtenantOptions, type RunningDevtenant, startDevtenant } from '../../devtenant/index.js';
import { createTokenProvider } from '../../services/auth/index.js';
import type { TokenProvider } from '../../services/auth/tokens.js';
import { systemClock } from '../../services/clock.js';
import { loadConfig } from '../../services/config.js';
import type { GraphRequestInfo } from '../../services/graph/client.js';
import { createLogger } from '../../services/log.js';
import { type BotStorage, createStorage } from '../../services/storage/index.js';
import { TeamsHarness } from '../helpers/teamsHarness.js';

export type { LogEntry } from '../../devtenant/control.js';

export interface FaultRule {
  pathPattern: string;
  method?: string;
  status?: 429 | 503;
  retryAfterSeconds?: number;
  latencyMs?: number;
  reset?: boolean;
  probability?: number;
  count?: number;
}

export interface Rig {
  bot: RunningBot;
  teams: TeamsHarness;
  devtenant: RunningDevtenant;
  storage: BotStorage;
  /** Every line the bot's logger wrote. */
  logs: string[];
  /** Every Graph HTTP exchange the bot made (retries included), in order. */
  exchanges: GraphRequestInfo[];
  /** Every token the bot's token provider handed out or was given (step-up). */
  tokens: Set<string>;
  /** The devtenant's request log (a `$batch` is one entry plus one `batchItem` entry per item). */
  graphLog(): Promise<LogEntry[]>;
  clearGraphLog(): Promise<void>;
  setFaults(rules: FaultRule[], seed: number): Promise<void>;
  clearFaults(): Promise<void>;
  /**
   * Runs one activity (a JSON value, as the body reader parses it) through the server's own `/api/messages` handler
   * in process: the same guard, EdgeAdapter and middleware, AccessBot and services; no socket, no body reading.
   */
  inProcess(body: unknown): Promise<{ status: number; body: any; text: string }>;
  /** The same with the body as JSON text, parsed without the HTTP edge's limits (what gets past an edge's checks). */
  inProcessText(text: string): Promise<{ status: number; body: any; text: string }>;
  /** HTTP status of the bot's /healthz. */
  healthz(): Promise<number>;
  /** Waits until the bot has made no Graph call for `quietMs` (work it finishes after answering). */
  settle(quietMs?: number, maxMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export interface RigOptions {
  env?: Record<string, string>;
  devtenant?: DevtenantOptions;
}

export async function startRig(opts: RigOptions = {}): Promise<Rig> {
  const devtenant = await startDevtenant({
    port: 0,
    timing: { submittedToNextMs: 0, deliveringToDeliveredMs: 0 },
    ...opts.devtenant,
  });
  const config = loadConfig({
    PORT: '0',
    STORAGE: 'memory',
    GRAPH_BASE_URL: devtenant.url,
    LOG_LEVEL: 'debug',
    WATCH_INTERVAL_SECONDS: '3600',
    ...opts.env,
  });
  const logs: string[] = [];
  const log = createLogger(config.logLevel, { write: (line: string) => logs.push(line) });
  const storage = await createStorage(config.storage, {}, log);
  const tokens = new Set<string>();
  const exchanges: GraphRequestInfo[] = [];
  const bot = await startBot(config, {
    log,
    storage,
    tokens: recording(
      // As bot/app.ts builds it: outside their turns, only people who have talked to the bot get a token.
      createTokenProvider(config, {
        clock: systemClock,
        log,
        env: {},
        talkedToBot: talkedToBot(storedReferences(storage, log)),
      }),
      tokens,
    ),
    onGraphRequest: (info) => exchanges.push(info),
  });
  const teams = await new TeamsHarness(bot.url).start();
  const inProcessText = inProcessTurns(bot);
  const inProcess = (body: unknown) => inProcessText(JSON.stringify(body) ?? '');
  const control = async (path: string, method = 'GET', body?: unknown) => {
    const res = await fetch(`${devtenant.url}/_devtenant/${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (res.status >= 300) throw new Error(`devtenant ${method} ${path}: ${res.status} ${await res.text()}`);
    return res.status === 204 ? undefined : res.json();
  };
  return {
    bot,
    teams,
    devtenant,
    storage,
    logs,
    exchanges,
    tokens,
    inProcess,
    inProcessText,
    graphLog: () => control('requests') as Promise<LogEntry[]>,
    clearGraphLog: async () => {
      await control('requests', 'DELETE');
    },
    setFaults: async (rules, seed) => {
      await control('faults', 'POST', { rules, seed });
    },
    clearFaults: async () => {
      await control('faults', 'DELETE');
    },
    healthz: async () => (await fetch(`${bot.url}/healthz`)).status,
    async settle(quietMs = 150, maxMs = 15_000) {
      const start = Date.now();
      let seen = exchanges.length;
      let since = Date.now();
      while (Date.now() - since < quietMs && Date.now() - start < maxMs) {
        await new Promise((r) => setTimeout(r, 25));
        if (exchanges.length !== seen) {
          seen = exchanges.length;
          since = Date.now();
        }
      }
    },
    async stop() {
      await teams.stop();
      await bot.close();
      await devtenant.close();
    },
  };
}

/**
 * The server's own handler for a body it has read (bot/http/messages.ts): the same guard, EdgeAdapter (with its
 * middleware), AccessBot and services, without the socket and restify's body reading.
 */
function inProcessTurns(bot: RunningBot): Rig['inProcessText'] {
  return async (text) => {
    // The body reader hands the handler parsed JSON, so the handler sees what a JSON round trip leaves of a body.
    const answer = await bot.handleActivity(text === '' ? undefined : JSON.parse(text), '');
    const sent = answer.body === undefined ? '' : JSON.stringify(answer.body);
    return { status: answer.status, body: sent ? JSON.parse(sent) : undefined, text: sent };
  };
}

function recording(inner: TokenProvider, seen: Set<string>): TokenProvider {
  const keep = (token: string) => {
    seen.add(token);
    return token;
  };
  return {
    userToken: async (user, scopes, claims) => keep(await inner.userToken(user, scopes, claims)),
    appToken: async (scopes) => keep(await inner.appToken(scopes)),
    // Passed on as the provider has it (or not): without it the watcher would have no approver token at all.
    ...(inner.backgroundUserToken
      ? {
          backgroundUserToken: async (user, scopes) => {
            const token = await inner.backgroundUserToken?.(user, scopes);
            if (token) seen.add(token);
            return token;
          },
        }
      : {}),
    ...(inner.storeStepUpToken
      ? {
          storeStepUpToken: (user, token, expiresOn) => {
            seen.add(token);
            inner.storeStepUpToken?.(user, token, expiresOn);
          },
        }
      : {}),
  };
}

/** Paths of Graph calls that change nothing although they are POSTs. */
const READ_ONLY_POSTS = [/\/\$batch(\?|$)/, /\/getApplicablePolicyRequirements(\?|$)/];

/**
 * A devtenant log entry that is (or tried to be) a Graph write: any method but GET, except a top-level `$batch`
 * (whose items are logged one by one, `batchItem: true`, and judged by their own method) and the read-only
 * `getApplicablePolicyRequirements` action. Attempts the devtenant refused count too: the bot must not try.
 */
export function isWrite(entry: Pick<LogEntry, 'method' | 'path'>): boolean {
  if (entry.method === 'GET') return false;
  return !(entry.method === 'POST' && READ_ONLY_POSTS.some((p) => p.test(entry.path)));
}

/** Same rule for the bot's own view of an exchange (`onGraphRequest` paths carry no query values). */
export function isWriteExchange(info: GraphRequestInfo): boolean {
  return isWrite({ method: info.method, path: info.path });
}
