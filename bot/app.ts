import type { AddressInfo } from 'node:net';
import { ConfigurationBotFrameworkAuthentication, type TurnContext } from 'botbuilder';
import type restify from 'restify';
import { createTokenProvider } from '../services/auth/index.js';
import type { TokenProvider } from '../services/auth/tokens.js';
import { type Clock, systemClock } from '../services/clock.js';
import { type BotConfig, isLoopback } from '../services/config.js';
import { graphReachable } from '../services/doctor/reachability.js';
import { createGraph, type GraphRequestInfo } from '../services/graph/client.js';
import { createLogger, type Logger } from '../services/log.js';
import { type BotStorage, createStorage } from '../services/storage/index.js';
import { storageReadiness } from '../services/storage/readiness.js';
import { AccessBot, internalErrorCard } from './accessBot.js';
import { actionTable } from './actions/index.js';
import { storedReferences, talkedToBot, tokenStoreSource, userTokenClientFor } from './auth/backgroundTokens.js';
import { ssoTokenSource, useTeamsSso } from './auth/index.js';
import { sendCard } from './cardSender.js';
import { commandTable } from './commands/index.js';
import { EdgeAdapter } from './http/edgeAdapter.js';
import { type ActivityHandler, activityHandler } from './http/messages.js';
import { stepUpRoutes } from './journeys/activation/stepUpRoutes.js';
import { journeys } from './journeys/index.js';
import { createProactive, createWatcher, type ProactiveOverrides } from './proactive/index.js';
import { watchSources } from './proactive/sources.js';
import { SubjectKinds } from './proactive/subjects.js';
import type { Watcher } from './proactive/watcher.js';
import { createServer, type ReadinessCheck } from './server.js';
import type { BotServices } from './services.js';

export interface BotAppOverrides {
  log?: Logger;
  clock?: Clock;
  storage?: BotStorage;
  tokens?: TokenProvider;
  /** Called for every Graph HTTP exchange (benchmarks count round trips with it). */
  onGraphRequest?: (info: GraphRequestInfo) => void;
  /** Proactive machinery knobs (instance id, extra watch sources, lease and claim lifetimes). */
  proactive?: ProactiveOverrides;
  /** Extra Bot Framework authentication settings (e.g. where its signing keys are fetched from, for tests). */
  botFrameworkAuth?: Record<string, string>;
}

export interface RunningBot {
  url: string;
  app: BotServices;
  server: restify.Server;
  /** The background watcher (started; tests can also call tickNow()). */
  watcher: Watcher;
  /** What `/api/messages` does after reading the body; tests drive turns in process with it. */
  handleActivity: ActivityHandler;
  close(): Promise<void>;
}

/** Builds the bot from validated configuration. Tests pass overrides (clock, storage, log). */
export async function startBot(config: BotConfig, overrides: BotAppOverrides = {}): Promise<RunningBot> {
  if (config.authMode === 'local' && !isLoopback(config.host)) {
    // Local mode accepts unauthenticated activities, so it must never be reachable from another machine.
    throw new Error(`Refusing to listen on ${config.host} in local mode: use a loopback address such as 127.0.0.1.`);
  }
  const log = overrides.log ?? createLogger(config.logLevel);
  const clock = overrides.clock ?? systemClock;
  const storage =
    overrides.storage ??
    (await createStorage(
      config.storage,
      {
        AZURE_STORAGE_CONNECTION_STRING: config.azureStorageConnectionString,
        AZURE_STORAGE_ACCOUNT_URL: config.azureStorageAccountUrl,
        MANAGED_IDENTITY_CLIENT_ID: config.managedIdentityClientId,
      },
      log,
    ));
  const auth = new ConfigurationBotFrameworkAuthentication({
    MicrosoftAppId: config.authMode === 'entra' ? (config.appId ?? '') : '',
    MicrosoftAppPassword: config.authMode === 'entra' ? (config.appPassword ?? '') : '',
    MicrosoftAppType: config.appType ?? (config.authMode === 'entra' ? 'SingleTenant' : ''),
    MicrosoftAppTenantId: config.appTenantId ?? '',
    ...overrides.botFrameworkAuth,
  });
  const references = storedReferences(storage, log);
  const tokens =
    overrides.tokens ??
    createTokenProvider(config, {
      clock,
      log,
      env: process.env,
      // Entra mode: the sender's SSO token for the bot's API, read per turn (bot/auth); never another user's.
      ssoTokenSource,
      // Outside a person's turns (the watcher): their sign-in kept by the token store (entra), or, in local mode, a
      // token only for people who have talked to the bot.
      backgroundTokenSource:
        config.authMode === 'entra' && config.oauthConnectionName
          ? tokenStoreSource({
              references,
              connectionName: config.oauthConnectionName,
              client: userTokenClientFor(auth, config.appId ?? ''),
            })
          : undefined,
      talkedToBot: talkedToBot(references),
    });
  const graph = createGraph({
    baseUrl: config.graphBaseUrl,
    tokens,
    timeoutMs: config.graphTimeoutMs,
    log,
    onRequest: overrides.onGraphRequest,
  });
  const adapter = new EdgeAdapter(auth);
  const proactive = createProactive({ config, storage, clock, log, graph, adapter, overrides: overrides.proactive });
  adapter.use(proactive.conversations.middleware());
  const subjects = new SubjectKinds();
  const app: BotServices = { config, log, clock, storage, tokens, graph, subjects, proactive: proactive.services };
  for (const journey of journeys) for (const kind of journey.subjects?.(app) ?? []) subjects.register(kind);

  if (config.authMode === 'entra') useTeamsSso(adapter, { storage, connectionName: config.oauthConnectionName, log });
  adapter.onTurnError = async (turn: TurnContext, err: unknown) => {
    log.error({ err, activityType: turn.activity.type }, 'turn failed');
    if (turn.activity.type === 'message') {
      await sendCard(turn, internalErrorCard()).catch(() => undefined);
    }
  };

  const bot = new AccessBot(app, actionTable(), commandTable());
  const readiness: ReadinessCheck[] = [
    { name: 'storage', check: storageReadiness(storage, clock) },
    { name: 'graph', check: () => graphReachable(config.graphBaseUrl) },
    proactive.unreachable.readiness(config.authMode === 'local'),
  ];
  const handleActivity = activityHandler({ adapter, log, run: (turn) => bot.run(turn) });
  const server = createServer({ app, handleActivity, readiness, routes: stepUpRoutes(app) });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  log.info({ url, authMode: config.authMode, graph: config.graphBaseUrl }, 'Access Bot listening');
  const watcher = createWatcher(proactive, watchSources(app), {
    config,
    storage,
    clock,
    log,
    overrides: overrides.proactive,
  });
  watcher.start();

  return {
    url,
    app,
    server,
    watcher,
    handleActivity,
    async close() {
      await watcher.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await proactive.conversations.settle();
      await storage.close?.();
    },
  };
}
