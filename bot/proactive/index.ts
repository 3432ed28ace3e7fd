import type { CloudAdapter } from 'botbuilder';
import type { Clock } from '../../services/clock.js';
import type { BotConfig } from '../../services/config.js';
import type { Graph } from '../../services/graph/client.js';
import type { Logger } from '../../services/log.js';
import type { BotStorage } from '../../services/storage/index.js';
import { StorageCardRegistry } from './cardRegistry.js';
import { ConversationStore } from './conversations.js';
import { type InstanceIdentity, instanceIdentity } from './identity.js';
import { DEFAULT_TEAMS_APP_ID, GraphAppInstaller } from './installer.js';
import { StorageLease } from './lease.js';
import { BotMessenger } from './messenger.js';
import { StorageNotifier } from './notifier.js';
import { PendingQueue } from './pending.js';
import { pendingDeliveriesSource } from './pendingSource.js';
import type { CardRegistry, ConversationDirectory, Messenger, Notifier, WatchSource } from './types.js';
import { UnreachableUsers } from './unreachable.js';
import { Watcher } from './watcher.js';

/** What journeys get in BotServices.proactive. */
export interface ProactiveServices {
  messenger: Messenger;
  registry: CardRegistry;
  notifier: Notifier;
  conversations: ConversationDirectory;
  /** This process (absent in tests that build the services by hand): marks what it holds, see identity.ts. */
  identity?: InstanceIdentity;
}

/** Test and operations knobs; production uses the defaults. */
export interface ProactiveOverrides {
  /** Names this bot process's place (see identity.ts); default host:port. */
  instanceId?: string;
  /** Sources run after the journeys' ones (tests add theirs here). */
  extraSources?: WatchSource[];
  leaseTtlMs?: number;
  claimTtlMs?: number;
}

export interface ProactiveParts {
  services: ProactiveServices;
  conversations: ConversationStore;
  messenger: BotMessenger;
  registry: StorageCardRegistry;
  notifier: StorageNotifier;
  pending: PendingQueue;
  unreachable: UnreachableUsers;
  identity: InstanceIdentity;
}

export interface ProactiveDeps {
  config: BotConfig;
  storage: BotStorage;
  clock: Clock;
  log: Logger;
  graph: Graph;
  adapter: Pick<CloudAdapter, 'continueConversationAsync'>;
  overrides?: ProactiveOverrides;
}

export function createProactive({ config, storage, clock, log, graph, adapter, overrides = {} }: ProactiveDeps) {
  const identity = instanceIdentity(config.port, overrides.instanceId);
  const conversations = new ConversationStore(storage, clock, log);
  const unreachable = new UnreachableUsers(clock);
  const installer =
    config.authMode === 'entra'
      ? new GraphAppInstaller({
          graph: () => graph.forApp(),
          graphBaseUrl: config.graphBaseUrl,
          teamsAppId: process.env.TEAMS_APP_ID?.trim() || DEFAULT_TEAMS_APP_ID,
          clock,
          log,
        })
      : undefined;
  const appId = config.authMode === 'entra' ? (config.appId ?? '') : '';
  const messenger = new BotMessenger({ adapter, appId, conversations, unreachable, installer, log });
  const pending = new PendingQueue(storage, clock, log);
  const registry = new StorageCardRegistry({ storage, messenger, clock, log, pending });
  const notifier = new StorageNotifier({
    storage,
    messenger,
    registry,
    pending,
    conversations,
    identity,
    clock,
    log,
    claimTtlMs: overrides.claimTtlMs,
  });
  conversations.onReference(async (ref) => {
    unreachable.clear(ref.userAadObjectId);
    if ((await pending.list(ref.userAadObjectId)).length > 0) await notifier.deliverPending(ref.userAadObjectId);
  });
  const parts: ProactiveParts = {
    services: { messenger, registry, notifier, conversations, identity },
    conversations,
    messenger,
    registry,
    notifier,
    pending,
    unreachable,
    identity,
  };
  return parts;
}

/** The watcher over the machinery's own source, the journeys' sources and any extra ones. */
export function createWatcher(
  parts: ProactiveParts,
  journeySources: WatchSource[],
  deps: Pick<ProactiveDeps, 'config' | 'storage' | 'clock' | 'log' | 'overrides'>,
): Watcher {
  const { config, storage, clock, log, overrides = {} } = deps;
  const intervalMs = config.watchIntervalSeconds * 1000;
  // A lease outlives a few missed renewals, so a slow tick or a storage hiccup does not hand it over.
  const ttlMs = overrides.leaseTtlMs ?? Math.max(60_000, 3 * intervalMs);
  const lease = new StorageLease({ storage, identity: parts.identity, clock, log, ttlMs });
  const machinery = pendingDeliveriesSource({ ...parts, log });
  return new Watcher({
    sources: [machinery, ...journeySources, ...(overrides.extraSources ?? [])],
    intervalSeconds: config.watchIntervalSeconds,
    lease,
    clock,
    log,
    renewEveryMs: Math.floor(ttlMs / 3),
  });
}
