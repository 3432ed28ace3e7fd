/**
 * Starts the real bot in child processes (tests/helpers/journeyBotProcess.ts) against the devtenant, for tests that
 * restart the bot or run several instances. Bundled once per test process like the crash tests' fixture
 * (bundleChildProcess in tests/proactive/processes.ts); the processes are FixtureBots, so killAllFixtureBots() cleans
 * them up. What people see in their chats: tests/helpers/chats.ts; Graph as a person: tests/helpers/devtenantGraph.ts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { bundleChildProcess, FixtureBot } from '../proactive/processes.js';
import { type Card, type ConnectorEvent, cardsIn, cardText } from './teamsHarness.js';

let bundled: Promise<string> | undefined;

export function bundleJourneyBot(): Promise<string> {
  bundled ??= bundleChildProcess('tests/helpers/journeyBotProcess.ts', 'journeyBot');
  return bundled;
}

export interface JourneyBotOptions {
  /** The bot's environment (STORAGE, GRAPH_BASE_URL, WATCH_INTERVAL_SECONDS, …). */
  env: Record<string, string>;
  instanceId: string;
  /** Where the process appends its pino log lines (read with logLines). */
  logFile: string;
  leaseTtlMs?: number;
}

export async function startJourneyBot(opts: JourneyBotOptions): Promise<FixtureBot> {
  return FixtureBot.start(await bundleJourneyBot(), {
    LOG_LEVEL: 'debug',
    ...opts.env,
    JOURNEY_INSTANCE: opts.instanceId,
    JOURNEY_LOG_FILE: opts.logFile,
    ...(opts.leaseTtlMs ? { JOURNEY_LEASE_TTL_MS: String(opts.leaseTtlMs) } : {}),
  });
}

/** The parsed log lines a journey bot wrote so far. */
export function logLines(logFile: string): { msg: string; time: number; [k: string]: unknown }[] {
  if (!existsSync(logFile)) return [];
  return readFileSync(logFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

/** What a card is about, to count copies: an approval, a request's status, or else its first line of text. */
export function subjectOfCard(card: Card): string {
  const refresh = card.refresh?.action;
  if (refresh?.verb === 'refreshApproval' && refresh.data?.id)
    return `approval:${refresh.data.kind}:${refresh.data.id}`;
  if (refresh?.data?.requestId) return `request:${refresh.data.requestId}`;
  return `text:${cardText(card).split('\n')[0]}`;
}

/** Every card the connector received as a new message (proactive or a turn's reply), per chat and subject. */
export function sendsBySubject(events: ConnectorEvent[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const event of events) {
    if (event.kind !== 'send') continue;
    for (const card of cardsIn(event.activity)) {
      const key = `${event.conversationId} ${subjectOfCard(card)}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return counts;
}

/** The subjects that reached some chat more than once, with their counts (empty when nobody got a duplicate). */
export function duplicateSends(events: ConnectorEvent[]): Record<string, number> {
  return Object.fromEntries([...sendsBySubject(events)].filter(([, n]) => n > 1));
}

/** The request id a status card follows. */
export const requestIdOf = (card: Card): string => card.refresh?.action?.data?.requestId;
