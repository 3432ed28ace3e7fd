import type { StoreItems } from 'botbuilder';
import { type BotAppOverrides, type RunningBot, startBot } from '../../bot/app.js';
import { StorageCardRegistry } from '../../bot/proactive/cardRegistry.js';
import type { InstanceIdentity } from '../../bot/proactive/identity.js';
import { UnreachableError } from '../../bot/proactive/messenger.js';
import { StorageNotifier } from '../../bot/proactive/notifier.js';
import { PendingQueue } from '../../bot/proactive/pending.js';
import type { ConversationDirectory, Messenger, StoredReference } from '../../bot/proactive/types.js';
import { ManualClock } from '../../services/clock.js';
import { loadConfig } from '../../services/config.js';
import { createLogger, type Logger } from '../../services/log.js';
import type { BotStorage } from '../../services/storage/index.js';
import { TeamsHarness } from '../helpers/teamsHarness.js';

export function captureLog(): { log: Logger; lines: string[]; messages: () => string[] } {
  const lines: string[] = [];
  const log = createLogger('debug', { write: (line: string) => lines.push(line) });
  return { log, lines, messages: () => lines.map((l) => JSON.parse(l).msg as string) };
}

export function card(text: string): Record<string, unknown> {
  return { type: 'AdaptiveCard', version: '1.5', body: [{ type: 'TextBlock', text, wrap: true }] };
}

export function cardTextOf(value: unknown): string {
  const body = (value as { body?: { text?: string }[] })?.body ?? [];
  return body.map((b) => b.text ?? '').join('\n');
}

/** A messenger that records what it would send; users in `unreachable` cannot be reached. */
export class FakeMessenger implements Messenger {
  readonly sent: { user: string; activityId: string; card: unknown }[] = [];
  readonly updated: { user: string; activityId: string; card: unknown }[] = [];
  readonly unreachable = new Set<string>();
  failNextSend?: Error;
  private next = 1;

  async sendCard(user: string, card: object): Promise<string | undefined> {
    if (this.failNextSend) {
      const err = this.failNextSend;
      this.failNextSend = undefined;
      throw err;
    }
    if (this.unreachable.has(user)) return undefined;
    const activityId = `act-${this.next++}`;
    this.sent.push({ user, activityId, card });
    return activityId;
  }

  async updateCard(user: string, activityId: string, card: object): Promise<void> {
    if (this.unreachable.has(user)) throw new UnreachableError(user, 'serviceUrlGone');
    this.updated.push({ user, activityId, card });
  }
}

export class FakeDirectory implements ConversationDirectory {
  async get(user: string): Promise<StoredReference | undefined> {
    return {
      userAadObjectId: user,
      teamsUserId: `29:${user}`,
      conversationId: `a:personal-${user}`,
      serviceUrl: 'http://127.0.0.1:9/',
      botId: '28:bot',
      channelId: 'msteams',
      updatedAt: new Date(0).toISOString(),
    };
  }
}

/**
 * Storage that "dies" like a killed process: once `crashWhen` matches a write, that write and every later call
 * throw. The underlying storage keeps what was written before, as a file or blob container would.
 */
export class CrashingStorage implements BotStorage {
  dead = false;
  constructor(
    readonly inner: BotStorage,
    private readonly crashWhen: (changes: StoreItems) => boolean,
  ) {}

  private check(): void {
    if (this.dead) throw new Error('process is dead');
  }
  async read(keys: string[]) {
    this.check();
    return this.inner.read(keys);
  }
  async write(changes: StoreItems) {
    this.check();
    if (this.crashWhen(changes)) {
      this.dead = true;
      throw new Error('process is dead');
    }
    return this.inner.write(changes);
  }
  async delete(keys: string[]) {
    this.check();
    return this.inner.delete(keys);
  }
  async keys(prefix: string) {
    this.check();
    return this.inner.keys(prefix);
  }
  async ping() {
    this.check();
  }
}

export interface NotifierRig {
  notifier: StorageNotifier;
  registry: StorageCardRegistry;
  pending: PendingQueue;
  messenger: FakeMessenger;
}

export function notifierRig(
  storage: BotStorage,
  identity: InstanceIdentity,
  opts: { messenger?: FakeMessenger; clock?: ManualClock; log?: Logger; claimTtlMs?: number } = {},
): NotifierRig {
  const messenger = opts.messenger ?? new FakeMessenger();
  const clock = opts.clock ?? new ManualClock(new Date('2026-03-02T09:00:00Z'));
  const log = opts.log ?? captureLog().log;
  const pending = new PendingQueue(storage, clock, log);
  const registry = new StorageCardRegistry({ storage, messenger, clock, log, pending });
  const notifier = new StorageNotifier({
    storage,
    messenger,
    registry,
    pending,
    conversations: new FakeDirectory(),
    identity,
    clock,
    log,
    claimTtlMs: opts.claimTtlMs,
  });
  return { notifier, registry, pending, messenger };
}

export interface BotRig {
  bot: RunningBot;
  teams: TeamsHarness;
  log: ReturnType<typeof captureLog>;
  stop(): Promise<void>;
}

/** The real bot (local mode, Graph on a closed port) with the given storage and the Teams harness. */
export async function startBotRig(
  storageOrFactory: BotStorage | ((log: Logger) => BotStorage),
  overrides: BotAppOverrides = {},
  teams?: TeamsHarness,
  env: Record<string, string> = {},
): Promise<BotRig> {
  const config = loadConfig({
    PORT: '0',
    STORAGE: 'memory',
    GRAPH_BASE_URL: 'http://127.0.0.1:9',
    LOG_LEVEL: 'debug',
    WATCH_INTERVAL_SECONDS: '3600',
    ...env,
  });
  const log = captureLog();
  const storage = typeof storageOrFactory === 'function' ? storageOrFactory(log.log) : storageOrFactory;
  const bot = await startBot(config, { log: log.log, storage, ...overrides });
  const harness = teams ?? (await new TeamsHarness(bot.url).start());
  harness.botUrl = bot.url;
  return {
    bot,
    teams: harness,
    log,
    async stop() {
      await bot.close();
    },
  };
}
