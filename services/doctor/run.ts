import { createTokenProvider } from '../auth/index.js';
import { GRAPH_DEFAULT_SCOPE } from '../auth/tokens.js';
import { systemClock } from '../clock.js';
import { type BotConfig, ConfigError, entraAppIdOf, loadConfig } from '../config.js';
import { createLogger } from '../log.js';
import { createStorage } from '../storage/index.js';
import { storageReadiness } from '../storage/readiness.js';
import { catalogCheck } from './catalog.js';
import { firstId, type GraphProbe, permissionReads, permissionResult, probe } from './graphProbes.js';
import { graphReachable, healthzStatus } from './reachability.js';
import { type CheckResult, fail, notApplicable, ok, reasonOf, skip, withDeadline } from './types.js';

export type { CheckResult, CheckStatus } from './types.js';

/** Each check gets this long: a host that never answers costs seconds, not minutes (the whole run stays under 30 s). */
export const CHECK_TIMEOUT_MS = 6000;

export interface DoctorOptions {
  /** The bot's environment (process.env for `npm run doctor`). */
  env: Record<string, string | undefined>;
  /** The Teams app manifest id to look for in the org catalog (TEAMS_APP_ID or the package's default). */
  teamsAppId: string;
  /**
   * Entra mode: checks the Azure Bot's OAuth connection through the Bot Service token API (the bot edge supplies it,
   * as it needs botbuilder). Absent: reported as not checked.
   */
  oauthConnection?: (config: BotConfig, timeoutMs: number) => Promise<CheckResult>;
  timeoutMs?: number;
}

export interface DoctorReport {
  mode?: 'local' | 'entra';
  results: CheckResult[];
  passed: boolean;
}

/** Runs every check a deployment needs, in parallel where they do not depend on each other. */
export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const timeoutMs = options.timeoutMs ?? CHECK_TIMEOUT_MS;
  let config: BotConfig;
  let tokens: ReturnType<typeof createTokenProvider>;
  try {
    config = loadConfig(options.env);
    // Entra mode: also picks the app credential (secret, certificate or managed identity) exactly as the bot does.
    tokens = createTokenProvider(config, {
      clock: systemClock,
      env: options.env,
      ssoTokenSource: async () => undefined,
    });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const problems = err.message.split('\n- ').slice(1).join('; ') || err.message;
    return {
      results: [
        fail(
          'configuration',
          problems,
          'Set the variables named here (README "Configuration"); the bot reads the same ones.',
        ),
        skip('everything else', 'not checked: the configuration is invalid'),
      ],
      passed: false,
    };
  }
  const local = config.authMode === 'local';
  const configured = ok(
    'configuration',
    `${config.authMode} mode, Graph ${config.graphBaseUrl}, storage ${config.storage.split(':')[0]}, public URL ${config.publicUrl}`,
  );

  const graphChecks = (async () => {
    const [reach, token] = await Promise.all([checkGraphReachable(config, timeoutMs), appToken(tokens, timeoutMs)]);
    const results = [reach, token.result];
    if (!token.value) {
      for (const read of permissionReads({}, options.teamsAppId)) {
        results.push(skip(`permission ${read.permission}`, 'not checked: no app-only token'));
      }
      results.push(skip('Teams app in the org catalog', 'not checked: no app-only token'));
      return results;
    }
    const graph: GraphProbe = { baseUrl: config.graphBaseUrl, token: token.value, timeoutMs };
    return [
      ...results,
      ...(await permissions(graph, config, options.teamsAppId)),
      await catalogCheck(graph, options.teamsAppId, entraAppIdOf(config)),
    ];
  })();

  const oauth = local
    ? Promise.resolve(
        notApplicable(
          'OAuth connection',
          'local mode has no Azure Bot OAuth connection (Teams SSO is entra mode only)',
        ),
      )
    : options.oauthConnection
      ? withDeadline(options.oauthConnection(config, timeoutMs), timeoutMs + 1000).catch((err: unknown) =>
          fail(
            'OAuth connection',
            `could not be checked: ${reasonOf(err)}`,
            `Check in the Azure portal: Azure Bot → Configuration → OAuth Connection Settings → ${config.oauthConnectionName} (Token Exchange URL api://botid-${config.appId}).`,
          ),
        )
      : Promise.resolve(skip('OAuth connection', 'could not be checked here'));

  const [graphResults, oauthResult, storageResult, healthResult] = await Promise.all([
    graphChecks,
    oauth,
    checkStorage(config, timeoutMs),
    checkHealthz(config, timeoutMs),
  ]);
  const results = [configured, ...graphResults, oauthResult, storageResult, healthResult];
  // Local mode checks everything entra mode does against the devtenant; only what does not exist there is excused.
  const passed = results.every((r) => r.status === 'ok' || r.notApplicable === true);
  return { mode: config.authMode, results, passed };
}

async function checkGraphReachable(config: BotConfig, timeoutMs: number): Promise<CheckResult> {
  try {
    await withDeadline(graphReachable(config.graphBaseUrl, timeoutMs), timeoutMs);
    return ok('Graph reachable', config.graphBaseUrl);
  } catch (err) {
    return fail(
      'Graph reachable',
      `${config.graphBaseUrl} did not answer: ${reasonOf(err)}`,
      config.authMode === 'local'
        ? 'Start the devtenant (npm start or npm run devtenant) or set GRAPH_BASE_URL to where it listens.'
        : 'Set GRAPH_BASE_URL to https://graph.microsoft.com (or leave it unset) and allow outbound HTTPS from this host.',
    );
  }
}

async function appToken(
  tokens: ReturnType<typeof createTokenProvider>,
  timeoutMs: number,
): Promise<{ result: CheckResult; value?: string }> {
  const name = 'app-only Graph token';
  try {
    const value = await withDeadline(tokens.appToken([GRAPH_DEFAULT_SCOPE]), timeoutMs);
    return { result: ok(name, 'obtained'), value };
  } catch (err) {
    return {
      result: fail(
        name,
        reasonOf(err),
        'Check MicrosoftAppId, MicrosoftAppTenantId and the app credential (APP_CREDENTIAL: a current client secret, certificate or the managed identity with its federated credential), and that this host reaches login.microsoftonline.com (or AZURE_AUTHORITY_HOST).',
      ),
    };
  }
}

async function permissions(graph: GraphProbe, config: BotConfig, teamsAppId: string): Promise<CheckResult[]> {
  // The PIM and policy reads need a principal and a group: the first ones the tenant lists (User.Read.All, GroupMember.Read.All).
  const [users, groups] = await Promise.all([
    probe(graph, '/users?$top=1&$select=id'),
    probe(graph, '/groups?$top=1&$select=id'),
  ]);
  const reads = permissionReads({ userId: firstId(users), groupId: firstId(groups) }, teamsAppId);
  const appId = entraAppIdOf(config) ?? '(MicrosoftAppId)';
  return Promise.all(
    reads.map(async (read) => {
      if (typeof read.path !== 'string') return permissionResult(read, undefined, appId);
      const answer =
        read.path === '/users?$top=1&$select=id'
          ? users
          : read.path === '/groups?$top=1&$select=id'
            ? groups
            : await probe(graph, read.path);
      return permissionResult(read, answer, appId);
    }),
  );
}

async function checkStorage(config: BotConfig, timeoutMs: number): Promise<CheckResult> {
  const name = 'storage';
  const kind = config.storage.startsWith('azureblob:') ? config.storage : config.storage.split(':')[0];
  const attempt = (async () => {
    const storage = await createStorage(
      config.storage,
      { AZURE_STORAGE_CONNECTION_STRING: config.azureStorageConnectionString },
      createLogger('silent'),
    );
    try {
      await storageReadiness(storage, systemClock)();
    } finally {
      await storage.close?.();
    }
  })();
  try {
    await withDeadline(attempt, timeoutMs);
    return ok(name, `${kind} is reachable and writable`);
  } catch (err) {
    attempt.catch(() => undefined);
    return fail(
      name,
      `${kind}: ${reasonOf(err)}`,
      config.storage.startsWith('azureblob:')
        ? 'Check AZURE_STORAGE_CONNECTION_STRING (account, endpoint), that the container exists or may be created, and that this host reaches the storage account.'
        : 'Make sure the STORAGE path is on a writable disk (the folder exists and the bot may write there).',
    );
  }
}

async function checkHealthz(config: BotConfig, timeoutMs: number): Promise<CheckResult> {
  const name = 'public URL /healthz';
  const url = `${config.publicUrl}/healthz`;
  if (config.authMode === 'entra' && !config.publicUrl.startsWith('https://')) {
    return fail(name, `${config.publicUrl} is not https`, "Set PUBLIC_URL to the bot's public https address.");
  }
  try {
    const status = await healthzStatus(config.publicUrl, timeoutMs);
    if (status === 200) return ok(name, `${url} answers 200`);
    return fail(
      name,
      `${url} answered ${status}`,
      'PUBLIC_URL must be the address of this bot (its /healthz answers 200).',
    );
  } catch (err) {
    return fail(
      name,
      `${url} did not answer: ${reasonOf(err)}`,
      config.authMode === 'local'
        ? 'Start the bot (npm start) or set PUBLIC_URL to where it listens.'
        : 'Make sure the bot is running and PUBLIC_URL is its public https address with a valid certificate (App Service: the app is started and HTTPS only).',
    );
  }
}
