import { ContainerClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type RunningBot, startBot } from '../../bot/app.js';
import { type RunningDevtenant, startDevtenant } from '../../devtenant/index.js';
import { LocalTokenProvider } from '../../services/auth/localTokens.js';
import { decodeJwtClaims } from '../../services/auth/tokens.js';
import { systemClock } from '../../services/clock.js';
import { loadConfig } from '../../services/config.js';
import { createLogger } from '../../services/log.js';
import { type AzuriteHandle, startAzurite } from '../helpers/azurite.js';
import { CHANNEL_ISSUER, redirectTls, type StubAuthority, startStubAuthority } from '../helpers/stubAuthority.js';
import { cardText, TeamsHarness } from '../helpers/teamsHarness.js';
import {
  ALEX,
  activate,
  eligibleList,
  fetchApprovalCard,
  MEGAN,
  openActivateForm,
  openForm,
  press,
  replyCard,
  sayForCard,
  search,
  submitForm,
} from './drive.js';

/**
 * Log hygiene where the secrets are really read (the local-mode suite, logHygiene.test.ts, sets them where no code
 * reads them). The bot runs in entra mode: Bot Framework channel tokens signed by a stub OpenID configuration on
 * loopback authenticate every activity, its replies go out with a connector token and its Graph calls with on-behalf-of
 * and app-only tokens, all from a stub Entra token endpoint that only answers the configured MicrosoftAppPassword
 * (tests/helpers/stubAuthority.ts; the bot keeps its real authority host names). Storage is Azure Blob on Azurite, with
 * an account key of the test's own in the connection string. A demo run goes through (request, approval, the
 * watcher's app-only reads, an activation), then nothing the process wrote (the bot's log, the console, stdout and
 * stderr) may contain the password, the connection string, its account key or any token issued on the way.
 */

const TENANT = 'c0a70500-0000-4000-8000-000000000001';
const APP_ID = '9a8b7c6d-0000-4000-8000-0000000000a1';
const CONNECTION_NAME = 'graph-sso';
const CANARY_PASSWORD = 'canary-entra-app-password-Hw3kP7x~Q2';
const CANARY_KEY_TEXT = 'canary-storage-account-key-Vt5nR1-hygiene';
const CANARY_ACCOUNT = { name: 'canaryhygiene', key: Buffer.from(CANARY_KEY_TEXT).toString('base64') };
const REQUEST_WHY = 'Audit sampling for the Porto branch (entra-hygiene-6113)';
const ACTIVATE_WHY = 'Payroll run fix for cost centre 7781 (entra-hygiene-3094)';

/** Tokens the teams client signed for its activities (besides those the stub issued). */
const channelTokens = new Set<string>();

/** A Teams client whose every activity carries a Bot Framework channel token for this bot and its serviceUrl. */
class SignedTeams extends TeamsHarness {
  constructor(
    botUrl: string,
    private readonly stub: StubAuthority,
  ) {
    super(botUrl);
  }

  override post(body: unknown, headers: Record<string, string> = {}) {
    const token = this.stub.signedToken({ iss: CHANNEL_ISSUER, aud: APP_ID, serviceurl: this.serviceUrl });
    channelTokens.add(token);
    return super.post(body, { authorization: `Bearer ${token}`, ...headers });
  }
}

describe('log hygiene in entra mode, with the app password and the storage connection string really used', () => {
  const written: string[] = [];
  const logs: string[] = [];
  let azurite: AzuriteHandle;
  let devtenant: RunningDevtenant;
  let stub: StubAuthority;
  let restoreTls: (() => void) | undefined;
  let bot: RunningBot | undefined;
  let teams: SignedTeams | undefined;
  let connectionString = '';
  const refusals: Record<string, number> = {};

  beforeAll(async () => {
    capture(written);
    [azurite, devtenant] = await Promise.all([
      startAzurite({ account: CANARY_ACCOUNT }),
      startDevtenant({ port: 0, timing: { submittedToNextMs: 0, deliveringToDeliveredMs: 0 } }),
    ]);
    connectionString = azurite.connectionString;
    const graphTokens = new LocalTokenProvider({ tenantId: TENANT, clock: systemClock });
    stub = await startStubAuthority({
      tenantId: TENANT,
      clientId: APP_ID,
      clientSecret: CANARY_PASSWORD,
      accessToken: ({ scope, assertion }) => {
        if (/api\.botframework\.com/.test(scope)) return stub.signedToken({ aud: 'https://api.botframework.com' });
        if (!assertion) return graphTokens.appToken([scope]);
        const oid = decodeJwtClaims(assertion)?.oid as string;
        return graphTokens.userToken({ aadObjectId: oid, tenantId: TENANT }, [scope]);
      },
      // Teams ids are `29:<aadObjectId>` in the harness; the SSO token is for the bot's API, as Teams SSO gives it.
      userToken: ({ userId }) =>
        stub.signedToken({
          aud: `api://botid-${APP_ID}`,
          iss: `https://login.microsoftonline.com/${TENANT}/v2.0`,
          oid: userId.replace(/^29:/, ''),
          tid: TENANT,
          scp: 'access_as_user',
        }),
    });
    restoreTls = redirectTls(stub);
    const config = loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      AUTH_MODE: 'entra',
      PUBLIC_URL: 'https://accessbot.contoso.test',
      MicrosoftAppId: APP_ID,
      MicrosoftAppType: 'SingleTenant',
      MicrosoftAppTenantId: TENANT,
      MicrosoftAppPassword: CANARY_PASSWORD,
      OAUTH_CONNECTION_NAME: CONNECTION_NAME,
      STORAGE: 'azureblob:hygiene',
      AZURE_STORAGE_CONNECTION_STRING: connectionString,
      GRAPH_BASE_URL: devtenant.url,
      LOG_LEVEL: 'trace',
      WATCH_INTERVAL_SECONDS: '3600',
    });
    bot = await startBot(config, { log: createLogger(config.logLevel, { write: (line: string) => logs.push(line) }) });
    teams = await new SignedTeams(bot.url, stub).start();
    await demoRun(bot, teams);
  }, 60_000);

  afterAll(async () => {
    vi.restoreAllMocks();
    await teams?.stop();
    await bot?.close();
    restoreTls?.();
    await Promise.all([stub?.close(), devtenant?.close(), azurite?.close()]);
  });

  async function demoRun(running: RunningBot, client: SignedTeams): Promise<void> {
    // Activities the edge must refuse: none, or one signed by someone else.
    const activity = client.baseActivity(ALEX, { type: 'message', text: 'help' });
    refusals.unsigned = (await TeamsHarness.prototype.post.call(client, activity)).status;
    refusals.forged = (
      await TeamsHarness.prototype.post.call(client, activity, {
        authorization: `Bearer ${forgedToken(client.serviceUrl)}`,
      })
    ).status;

    await client.install(ALEX);
    await client.install(MEGAN);
    const list = await search(client, ALEX, 'finance reports');
    const form = await openForm(client, ALEX, list);
    expect(cardText(replyCard(await submitForm(client, ALEX, form, REQUEST_WHY), 'submit'))).toMatch(
      /Pending approval/,
    );
    await sayForCard(client, ALEX, 'my requests');
    const approval = await fetchApprovalCard(client, MEGAN, ALEX.name, 'Finance Reports – Read');
    expect(cardText(await press(client, MEGAN, approval.card, 'Approve', {}, approval.activityId))).toMatch(
      /Approved by you/,
    );
    await running.watcher.tickNow();
    const finance = await openActivateForm(client, ALEX, await eligibleList(client, ALEX), 'Finance Admins');
    expect(cardText(replyCard(await activate(client, ALEX, finance, ACTIVATE_WHY), 'activate'))).toMatch(
      /You are a member of \*\*Finance Admins\*\*/,
    );
    await running.watcher.tickNow();
  }

  function allLines(): string[] {
    return [...logs, ...written];
  }

  function offending(needle: string): string[] {
    return allLines().filter((l) => l.includes(needle));
  }

  it('refused the unsigned and the forged activity, and answered the signed ones', () => {
    expect(refusals).toEqual({ unsigned: 401, forged: 401 });
    expect(teams?.events.some((e) => e.kind === 'send')).toBe(true);
  });

  it('really used the password: the connector, on-behalf-of and app-only tokens all came from the stub with it', () => {
    const tokenRequests = stub.requests.filter((r) => r.form);
    expect(tokenRequests.filter((r) => !r.secretMatched)).toEqual([]);
    const grants = (test: (form: Record<string, string>) => boolean) =>
      tokenRequests.filter((r) => test(r.form ?? {})).length;
    expect(
      grants((f) => /api\.botframework\.com/.test(f.scope)),
      'connector tokens',
    ).toBeGreaterThan(0);
    expect(
      grants((f) => f.grant_type === 'client_credentials' && /graph/.test(f.scope)),
      'app tokens',
    ).toBeGreaterThan(0);
    expect(
      grants((f) => /jwt-bearer/.test(f.grant_type)),
      'on-behalf-of tokens',
    ).toBeGreaterThan(0);
    expect(stub.requests.some((r) => r.path === '/api/usertoken/GetToken')).toBe(true);
    expect(stub.requests.some((r) => r.host === 'login.botframework.com' && r.path.endsWith('/keys'))).toBe(true);
  });

  it('really used the connection string: the bot keeps its state in that Azurite account', async () => {
    const keys = await bot?.app.storage.keys('');
    expect(keys?.length).toBeGreaterThan(0);
    const blobs: string[] = [];
    for await (const blob of new ContainerClient(connectionString, 'hygiene').listBlobsFlat()) blobs.push(blob.name);
    expect(blobs.length).toBeGreaterThanOrEqual(keys?.length ?? 1);
    const requests = [...devtenant.state.emRequests.values()].map((r) => r.justification);
    expect(requests).toContain(REQUEST_WHY);
    expect(logs.length).toBeGreaterThan(30);
  });

  it('logs neither the app password nor the storage connection string or its account key', () => {
    for (const [what, secret] of [
      ['app password', CANARY_PASSWORD],
      ['connection string', connectionString],
      ['account key', CANARY_ACCOUNT.key],
      ['account key (decoded)', CANARY_KEY_TEXT],
    ] as const) {
      expect(offending(secret), what).toEqual([]);
    }
    // Not even part of them.
    expect(offending(CANARY_PASSWORD.slice(6, 26)), 'part of the app password').toEqual([]);
    expect(offending(CANARY_ACCOUNT.key.slice(8, 32)), 'part of the account key').toEqual([]);
  });

  it('logs no token: no JWT, no Bearer header, none the stub issued or the channel signed', () => {
    expect(offending('eyJ')).toEqual([]);
    expect(allLines().filter((l) => /Bearer\s+\S/i.test(l))).toEqual([]);
    const tokens = [...stub.issued, ...channelTokens];
    expect(tokens.length).toBeGreaterThan(5);
    for (const token of tokens) {
      for (const part of [token, ...token.split('.')].filter((p) => p.length >= 16)) {
        expect(offending(part), `a token part (${part.slice(0, 6)}…)`).toEqual([]);
      }
    }
  });

  it('logs no justification', () => {
    for (const text of [REQUEST_WHY, ACTIVATE_WHY]) expect(offending(text), text).toEqual([]);
  });

  function forgedToken(serviceUrl: string): string {
    // A well-formed RS256 token with a key id the channel's JWKS does not publish.
    const header = Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: 'not-published' })).toString(
      'base64url',
    );
    const payload = Buffer.from(
      JSON.stringify({ iss: CHANNEL_ISSUER, aud: APP_ID, serviceurl: serviceUrl, exp: 4_102_444_800 }),
    ).toString('base64url');
    const token = `${header}.${payload}.${Buffer.from('forged-signature-bytes-0123456789').toString('base64url')}`;
    channelTokens.add(token);
    return token;
  }
});

/** Everything this process writes: console methods and raw stdout/stderr writes (still passed through). */
function capture(into: string[]): void {
  for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
    const original = console[method].bind(console);
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      into.push(args.map((a) => (typeof a === 'string' ? a : safeStringify(a))).join(' '));
      original(...args);
    });
  }
  for (const stream of [process.stdout, process.stderr]) {
    const original = stream.write.bind(stream) as (...args: unknown[]) => boolean;
    vi.spyOn(stream, 'write').mockImplementation(((chunk: unknown, ...rest: unknown[]) => {
      into.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
      return original(chunk, ...rest);
    }) as typeof stream.write);
  }
}

function safeStringify(value: unknown): string {
  try {
    return value instanceof Error ? `${value.message}\n${value.stack}` : JSON.stringify(value);
  } catch {
    return String(value);
  }
}
