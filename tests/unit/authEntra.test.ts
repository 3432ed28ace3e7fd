import {
  ClientAssertionCredential,
  ClientSecretCredential,
  type GetTokenOptions,
  OnBehalfOfCredential,
  type TokenCredential,
} from '@azure/identity';
import { describe, expect, it } from 'vitest';
import {
  type AppCredentialSettings,
  type CredentialFactory,
  createAzureCredentialFactory,
  createTokenProvider,
  EntraTokenProvider,
  type LazyCredential,
  readAppCredentialSettings,
} from '../../services/auth/index.js';
import { encodeUnsignedJwt } from '../../services/auth/localTokens.js';
import {
  GRAPH_DEFAULT_SCOPE,
  SignInRequiredError,
  StepUpRequiredError,
  type UserRef,
} from '../../services/auth/tokens.js';
import { ManualClock } from '../../services/clock.js';
import { ConfigError, loadConfig } from '../../services/config.js';
import { createLogger } from '../../services/log.js';

const alex: UserRef = { aadObjectId: '10000000-0000-4000-8000-000000000001', tenantId: 'tenant-a' };
const megan: UserRef = { aadObjectId: '10000000-0000-4000-8000-000000000002' };
const ACRS = '{"access_token":{"acrs":{"essential":true,"value":"c1"}}}';

interface OboCall {
  assertion: string;
  tenantId: string;
  scopes: string[];
  options?: GetTokenOptions;
}

/** Fake credentials: no network, tokens named after the SSO assertion and a counter, one hour lifetime. */
function fakeFactory(clock: ManualClock, behaviour: { oboError?: unknown; delayMs?: number } = {}) {
  const obo: OboCall[] = [];
  const app: { settings: AppCredentialSettings; scopes: string[] }[] = [];
  const factory: CredentialFactory = {
    onBehalfOf: ({ userAssertionToken, tenantId }) => ({
      async getToken(scopes, options) {
        obo.push({ assertion: userAssertionToken, tenantId, scopes: [scopes].flat(), options });
        if (behaviour.delayMs) await new Promise((r) => setTimeout(r, behaviour.delayMs));
        if (behaviour.oboError) throw behaviour.oboError;
        return {
          token: `graph-for-${userAssertionToken}-${obo.length}`,
          expiresOnTimestamp: clock.now().getTime() + 3_600_000,
        };
      },
    }),
    app: ({ settings }): TokenCredential => ({
      async getToken(scopes) {
        app.push({ settings, scopes: [scopes].flat() });
        return { token: `app-token-${app.length}`, expiresOnTimestamp: clock.now().getTime() + 3_600_000 };
      },
    }),
  };
  return { factory, obo, app };
}

function provider(
  behaviour: { oboError?: unknown; delayMs?: number } = {},
  sso = (u: UserRef) => `sso-${u.aadObjectId.slice(-2)}`,
) {
  const clock = new ManualClock(new Date('2025-07-01T08:00:00Z'));
  const fake = fakeFactory(clock, behaviour);
  const logLines: string[] = [];
  const tokens = new EntraTokenProvider({
    clientId: 'bot-app-id',
    tenantId: 'bot-tenant',
    settings: { kind: 'secret', clientSecret: 'not-a-real-secret' },
    ssoTokenSource: async (user) => (user.aadObjectId === 'nobody' ? undefined : sso(user)),
    clock,
    credentialFactory: fake.factory,
    log: createLogger('debug', { write: (l: string) => logLines.push(l) }),
  });
  return { clock, tokens, logLines, ...fake };
}

describe('EntraTokenProvider on-behalf-of', () => {
  it('exchanges the SSO token with cp1 declared and caches the result until 5 minutes before expiry', async () => {
    const { tokens, obo, clock } = provider();
    const first = await tokens.userToken(alex, [GRAPH_DEFAULT_SCOPE]);
    expect(first).toBe('graph-for-sso-01-1');
    expect(obo[0]).toMatchObject({ assertion: 'sso-01', tenantId: 'tenant-a', scopes: [GRAPH_DEFAULT_SCOPE] });
    expect(obo[0]?.options?.enableCae).toBe(true);
    expect(obo[0]?.options?.claims).toBeUndefined();

    clock.advance(54 * 60_000);
    expect(await tokens.userToken(alex, [GRAPH_DEFAULT_SCOPE])).toBe(first);
    expect(obo).toHaveLength(1);

    clock.advance(2 * 60_000);
    expect(await tokens.userToken(alex, [GRAPH_DEFAULT_SCOPE])).toBe('graph-for-sso-01-2');
    expect(obo).toHaveLength(2);
  });

  it('keeps users apart and uses the bot tenant when the user has none', async () => {
    const { tokens, obo } = provider();
    const [a, m] = await Promise.all([
      tokens.userToken(alex, [GRAPH_DEFAULT_SCOPE]),
      tokens.userToken(megan, [GRAPH_DEFAULT_SCOPE]),
    ]);
    expect(a).toContain('sso-01');
    expect(m).toContain('sso-02');
    expect(obo.find((c) => c.assertion === 'sso-02')?.tenantId).toBe('bot-tenant');
  });

  it('makes one exchange for concurrent requests of the same user', async () => {
    const { tokens, obo } = provider({ delayMs: 20 });
    const results = await Promise.all([1, 2, 3].map(() => tokens.userToken(alex, [GRAPH_DEFAULT_SCOPE])));
    expect(new Set(results).size).toBe(1);
    expect(obo).toHaveLength(1);
  });

  it('forwards claims to getToken and caches claim-bearing tokens separately', async () => {
    const { tokens, obo } = provider();
    const plain = await tokens.userToken(alex, [GRAPH_DEFAULT_SCOPE]);
    const withClaims = await tokens.userToken(alex, [GRAPH_DEFAULT_SCOPE], ACRS);
    expect(withClaims).not.toBe(plain);
    expect(obo[1]?.options).toMatchObject({ claims: ACRS, enableCae: true });
    await tokens.userToken(alex, [GRAPH_DEFAULT_SCOPE], ACRS);
    expect(obo).toHaveLength(2);
  });

  it('throws SignInRequiredError when there is no SSO token', async () => {
    const { tokens, obo } = provider();
    const user = { aadObjectId: 'nobody' };
    const error = await tokens.userToken(user, [GRAPH_DEFAULT_SCOPE]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SignInRequiredError);
    expect(error).toMatchObject({ reason: 'noSsoToken', user });
    expect(obo).toHaveLength(0);
  });

  it('turns an MFA / claims failure into StepUpRequiredError with the claims Entra sent', async () => {
    const entra = Object.assign(
      new Error(
        'invalid_grant: AADSTS50076: Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication.',
      ),
      { name: 'AuthenticationRequiredError', claims: ACRS },
    );
    const { tokens } = provider({ oboError: entra });
    const error = await tokens.userToken(alex, [GRAPH_DEFAULT_SCOPE]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StepUpRequiredError);
    expect(error).toMatchObject({ claims: ACRS });
  });

  it('reads claims quoted in the raw error, or falls back to the claims it asked for', async () => {
    const raw = new Error(
      `interaction_required: {"error":"interaction_required","error_description":"AADSTS50079: ...","claims":${JSON.stringify(ACRS)}}`,
    );
    const quoted = await provider({ oboError: raw })
      .tokens.userToken(alex, [GRAPH_DEFAULT_SCOPE])
      .catch((e: unknown) => e);
    expect(quoted).toMatchObject({ claims: ACRS });

    const bare = Object.assign(new Error('AADSTS50076: MFA required'), { name: 'InteractionRequiredAuthError' });
    const fallback = await provider({ oboError: bare })
      .tokens.userToken(alex, [GRAPH_DEFAULT_SCOPE], '{"x":1}')
      .catch((e: unknown) => e);
    expect(fallback).toMatchObject({ claims: '{"x":1}' });
  });

  it('maps consent and expired assertions to SignInRequiredError, other failures to a scrubbed error', async () => {
    const consent = await provider({ oboError: new Error('AADSTS65001: The user or administrator has not consented') })
      .tokens.userToken(alex, [GRAPH_DEFAULT_SCOPE])
      .catch((e: unknown) => e);
    expect(consent).toMatchObject({ name: 'SignInRequiredError', reason: 'consentRequired' });
    const expired = await provider({
      oboError: new Error('AADSTS500133: Assertion is not within its valid time range.'),
    })
      .tokens.userToken(alex, [GRAPH_DEFAULT_SCOPE])
      .catch((e: unknown) => e);
    expect(expired).toMatchObject({ reason: 'expired' });

    const jwt = encodeUnsignedJwt({ oid: 'x', secret: 'y' });
    const { tokens, logLines } = provider({ oboError: new Error(`AADSTS7000215: Invalid client secret for ${jwt}`) });
    const other = (await tokens.userToken(alex, [GRAPH_DEFAULT_SCOPE]).catch((e: unknown) => e)) as Error;
    expect(other.message).toMatch(/AADSTS7000215/);
    expect(other.message).not.toContain('eyJ');
    expect(logLines.join('\n')).not.toContain('eyJ');
  });

  it('prefers a stored step-up token for that user until it expires', async () => {
    const { tokens, clock, obo } = provider();
    const strong = encodeUnsignedJwt({ oid: alex.aadObjectId, amr: ['pwd', 'mfa'] });
    tokens.storeStepUpToken(alex, strong, new Date(clock.now().getTime() + 30 * 60_000));
    expect(await tokens.userToken(alex, [GRAPH_DEFAULT_SCOPE], ACRS)).toBe(strong);
    expect(await tokens.userToken(megan, [GRAPH_DEFAULT_SCOPE])).not.toBe(strong);
    clock.advance(30 * 60_000);
    expect(await tokens.userToken(alex, [GRAPH_DEFAULT_SCOPE])).toMatch(/^graph-for-sso-01/);
    expect(obo.map((c) => c.assertion)).toEqual(['sso-02', 'sso-01']);
  });
});

describe('EntraTokenProvider app-only', () => {
  it('uses the configured credential once and caches its token', async () => {
    const { tokens, app, clock } = provider();
    expect(await tokens.appToken([GRAPH_DEFAULT_SCOPE])).toBe('app-token-1');
    expect(await tokens.appToken([GRAPH_DEFAULT_SCOPE])).toBe('app-token-1');
    expect(app).toEqual([
      { settings: { kind: 'secret', clientSecret: 'not-a-real-secret' }, scopes: [GRAPH_DEFAULT_SCOPE] },
    ]);
    clock.advance(56 * 60_000);
    expect(await tokens.appToken([GRAPH_DEFAULT_SCOPE])).toBe('app-token-2');
  });
});

describe('credential configuration', () => {
  it('reads APP_CREDENTIAL and its companions from an options object', () => {
    expect(readAppCredentialSettings({ MicrosoftAppPassword: 's3' })).toEqual({ kind: 'secret', clientSecret: 's3' });
    expect(readAppCredentialSettings({ APP_CERTIFICATE_PATH: '/etc/bot.pem' })).toEqual({
      kind: 'certificate',
      certificatePath: '/etc/bot.pem',
    });
    expect(
      readAppCredentialSettings({ APP_CREDENTIAL: 'managedIdentity', MANAGED_IDENTITY_CLIENT_ID: 'mi-1' }),
    ).toEqual({
      kind: 'managedIdentity',
      managedIdentityClientId: 'mi-1',
    });
    expect(readAppCredentialSettings({}, 'UserAssignedMSI')).toEqual({ kind: 'managedIdentity' });
  });

  it('explains what is missing or wrong, without echoing secrets', () => {
    expect(() => readAppCredentialSettings({})).toThrow(ConfigError);
    expect(() => readAppCredentialSettings({ APP_CREDENTIAL: 'secret' })).toThrow(/MicrosoftAppPassword is required/);
    expect(() => readAppCredentialSettings({ APP_CREDENTIAL: 'certificate' })).toThrow(/APP_CERTIFICATE_PATH/);
    expect(() => readAppCredentialSettings({ APP_CREDENTIAL: 'password', MicrosoftAppPassword: 'hunter2' })).toThrow(
      /must be secret, certificate or managedIdentity \(got "password"\)/,
    );
  });

  it('builds the real @azure/identity credentials offline, loading the module only when one is needed', async () => {
    const factory = createAzureCredentialFactory();
    const base = { tenantId: 'tenant-a', clientId: 'bot-app-id' };
    const secret: AppCredentialSettings = { kind: 'secret', clientSecret: 'x' };
    const mi: AppCredentialSettings = { kind: 'managedIdentity', managedIdentityClientId: 'mi-1' };
    const real = (c: unknown) => (c as LazyCredential).credential();
    expect(await real(factory.onBehalfOf({ ...base, userAssertionToken: 'sso', settings: secret }))).toBeInstanceOf(
      OnBehalfOfCredential,
    );
    expect(await real(factory.onBehalfOf({ ...base, userAssertionToken: 'sso', settings: mi }))).toBeInstanceOf(
      OnBehalfOfCredential,
    );
    expect(await real(factory.app({ ...base, settings: secret }))).toBeInstanceOf(ClientSecretCredential);
    expect(await real(factory.app({ ...base, settings: mi }))).toBeInstanceOf(ClientAssertionCredential);
  });

  it('createTokenProvider picks Entra in entra mode and needs an SSO token source', async () => {
    const config = loadConfig({
      AUTH_MODE: 'entra',
      MicrosoftAppId: 'bot-app-id',
      MicrosoftAppTenantId: 'bot-tenant',
      MicrosoftAppPassword: 'pw',
      OAUTH_CONNECTION_NAME: 'sso',
      PUBLIC_URL: 'https://accessbot.contoso.example',
    });
    const clock = new ManualClock(new Date('2025-07-01T08:00:00Z'));
    const fake = fakeFactory(clock);
    expect(() => createTokenProvider(config, { clock })).toThrow(/ssoTokenSource/);
    const tokens = createTokenProvider(config, {
      clock,
      ssoTokenSource: async () => 'sso-token',
      credentialFactory: fake.factory,
    });
    expect(tokens).toBeInstanceOf(EntraTokenProvider);
    expect(await tokens.userToken(megan, [GRAPH_DEFAULT_SCOPE])).toBe('graph-for-sso-token-1');
    expect(await tokens.appToken([GRAPH_DEFAULT_SCOPE])).toBe('app-token-1');
    expect(fake.app[0]?.settings).toEqual({ kind: 'secret', clientSecret: 'pw' });
  });
});
