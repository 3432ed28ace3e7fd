import type { TokenCredential } from '@azure/identity';
import { ConfigurationBotFrameworkAuthentication } from 'botbuilder';
import { describe, expect, it, vi } from 'vitest';
import {
  type BackgroundTokenClient,
  storedReferences,
  talkedToBot,
  tokenStoreSource,
  userTokenClientFor,
} from '../../bot/auth/backgroundTokens.js';
import { referenceKey } from '../../bot/proactive/conversations.js';
import type { StoredReference } from '../../bot/proactive/types.js';
import { type CredentialFactory, EntraTokenProvider } from '../../services/auth/index.js';
import { encodeUnsignedJwt, LocalTokenProvider } from '../../services/auth/localTokens.js';
import { decodeJwtClaims, GRAPH_DEFAULT_SCOPE, SignInRequiredError, type UserRef } from '../../services/auth/tokens.js';
import { ManualClock } from '../../services/clock.js';
import { createGraph } from '../../services/graph/client.js';
import { createLogger } from '../../services/log.js';
import { createStorage } from '../../services/storage/index.js';

/**
 * Delegated tokens outside a person's own turns (the watcher reading approval stages as an approver), as production
 * has them: entra mode only from the Bot Service token store for people who signed in before, then on-behalf-of;
 * local mode only for people who have talked to the bot. Nobody else gets one, and no call is made without one.
 */

const TENANT = 'c0a70500-0000-4000-8000-000000000001';
const ALEX = '10000000-0000-4000-8000-000000000001';
const MEGAN = '10000000-0000-4000-8000-000000000002';
const PATTI = '10000000-0000-4000-8000-000000000003';
const apiToken = (oid: string) => encodeUnsignedJwt({ aud: 'api://botid-bot-app-id', oid, tid: TENANT });

function entra(store: (user: UserRef) => Promise<string | undefined>) {
  const clock = new ManualClock(new Date('2025-07-01T08:00:00Z'));
  const obo: string[] = [];
  const factory: CredentialFactory = {
    onBehalfOf: ({ userAssertionToken }) => ({
      async getToken() {
        obo.push(userAssertionToken);
        return {
          token: `graph-for-${decodeJwtClaims(userAssertionToken)?.oid}`,
          expiresOnTimestamp: clock.now().getTime() + 3_600_000,
        };
      },
    }),
    app: (): TokenCredential => ({ getToken: async () => ({ token: 'app', expiresOnTimestamp: 0 }) }),
  };
  const lines: string[] = [];
  const source = vi.fn(store);
  const tokens = new EntraTokenProvider({
    clientId: 'bot-app-id',
    tenantId: TENANT,
    settings: { kind: 'secret', clientSecret: 'not-a-real-secret' },
    ssoTokenSource: async () => undefined,
    backgroundTokenSource: source,
    clock,
    credentialFactory: factory,
    log: createLogger('debug', { write: (l: string) => lines.push(l) }),
  });
  return { tokens, obo, source, lines, clock };
}

describe('entra mode: background tokens from the Bot Service token store', () => {
  it('exchanges the stored sign-in on-behalf-of for a Graph token, and caches it', async () => {
    const { tokens, obo, source } = entra(async (u) => (u.aadObjectId === MEGAN ? apiToken(MEGAN) : undefined));
    expect(await tokens.backgroundUserToken({ aadObjectId: MEGAN }, [GRAPH_DEFAULT_SCOPE])).toBe(`graph-for-${MEGAN}`);
    expect(obo).toEqual([apiToken(MEGAN)]);
    expect(await tokens.backgroundUserToken({ aadObjectId: MEGAN }, [GRAPH_DEFAULT_SCOPE])).toBe(`graph-for-${MEGAN}`);
    expect(source).toHaveBeenCalledTimes(1);
    expect(obo).toHaveLength(1);
  });

  it('has none for someone who never signed in, and makes no exchange', async () => {
    const { tokens, obo } = entra(async () => undefined);
    expect(await tokens.backgroundUserToken({ aadObjectId: PATTI }, [GRAPH_DEFAULT_SCOPE])).toBeUndefined();
    expect(obo).toEqual([]);
  });

  it('refuses a stored sign-in issued to someone else, and a store that does not answer, without logging a token', async () => {
    const mixedUp = entra(async () => apiToken(ALEX));
    expect(await mixedUp.tokens.backgroundUserToken({ aadObjectId: MEGAN }, [GRAPH_DEFAULT_SCOPE])).toBeUndefined();
    expect(mixedUp.obo).toEqual([]);
    expect(mixedUp.lines.join('\n')).toContain('a stored sign-in issued to another user was refused');
    expect(mixedUp.lines.join('\n')).not.toContain(apiToken(ALEX));

    const down = entra(async () => {
      throw new Error('connect ECONNREFUSED token.botframework.com');
    });
    expect(await down.tokens.backgroundUserToken({ aadObjectId: MEGAN }, [GRAPH_DEFAULT_SCOPE])).toBeUndefined();
    expect(down.lines.join('\n')).toContain('the Bot Framework token store did not answer');
  });

  it('never uses the token store for a delegated call in a turn (only the sender’s own SSO token counts there)', async () => {
    const { tokens, source, obo } = entra(async () => apiToken(MEGAN));
    const error = await tokens.userToken({ aadObjectId: MEGAN }, [GRAPH_DEFAULT_SCOPE]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SignInRequiredError);
    expect(source).not.toHaveBeenCalled();
    expect(obo).toEqual([]);
  });
});

const reference = (aad: string, teamsUserId: string): StoredReference => ({
  userAadObjectId: aad,
  teamsUserId,
  conversationId: `a:conv-${teamsUserId}`,
  serviceUrl: 'https://smba.trafficmanager.net/emea/',
  botId: '28:bot-app-id',
  channelId: 'msteams',
  updatedAt: '2025-07-01T08:00:00Z',
});

describe('tokenStoreSource: the person’s Teams id and channel from the stored conversation reference', () => {
  it('asks the token store by Teams user id, connection and channel, and only for people who talked to the bot', async () => {
    const refs = new Map([[MEGAN, reference(MEGAN, '29:megan-teams-id')]]);
    const calls: unknown[][] = [];
    const client: BackgroundTokenClient = {
      async getUserToken(...args) {
        calls.push(args);
        return { token: apiToken(MEGAN), connectionName: 'AccessBotSSO', expiration: '' };
      },
    };
    const createClient = vi.fn(async () => client);
    const source = tokenStoreSource({
      references: async (id) => refs.get(id),
      connectionName: 'AccessBotSSO',
      client: createClient,
    });
    expect(await source({ aadObjectId: MEGAN })).toBe(apiToken(MEGAN));
    expect(calls).toEqual([['29:megan-teams-id', 'AccessBotSSO', 'msteams', '']]);
    expect(await source({ aadObjectId: PATTI })).toBeUndefined();
    expect(calls).toHaveLength(1);
    await source({ aadObjectId: MEGAN });
    expect(createClient).toHaveBeenCalledTimes(1);
  });

  it('makes the token store client for the bot’s own app id outside any turn', async () => {
    const createUserTokenClient = vi.fn(async (identity: any) => {
      expect(identity.getClaimValue('aud')).toBe('bot-app-id');
      return { getUserToken: async () => ({}) } as never;
    });
    await userTokenClientFor({ createUserTokenClient }, 'bot-app-id')();
    expect(createUserTokenClient).toHaveBeenCalledTimes(1);
    // botbuilder's own authentication accepts that identity offline and binds the client to the bot's app id.
    const appId = '9a8b7c6d-0000-4000-8000-000000000001';
    const real = new ConfigurationBotFrameworkAuthentication({
      MicrosoftAppId: appId,
      MicrosoftAppPassword: 'not-a-real-secret',
      MicrosoftAppType: 'SingleTenant',
      MicrosoftAppTenantId: TENANT,
    });
    const client = await userTokenClientFor(real, appId)();
    expect(typeof client.getUserToken).toBe('function');
    expect((client as unknown as { appId?: string }).appId).toBe(appId);
  });
});

describe('local mode: background tokens only for people who have talked to the bot', () => {
  it('issues one for a person with a stored conversation reference, none for anyone else', async () => {
    const log = createLogger('silent');
    const storage = await createStorage('memory', {}, log);
    await storage.write({ [referenceKey(MEGAN)]: reference(MEGAN, '29:megan') });
    const clock = new ManualClock(new Date('2025-07-01T08:00:00Z'));
    const tokens = new LocalTokenProvider({
      tenantId: TENANT,
      clock,
      talkedToBot: talkedToBot(storedReferences(storage, log)),
    });
    const megan = await tokens.backgroundUserToken({ aadObjectId: MEGAN }, [GRAPH_DEFAULT_SCOPE]);
    expect(decodeJwtClaims(megan ?? '')).toMatchObject({ oid: MEGAN, tid: TENANT });
    expect(await tokens.backgroundUserToken({ aadObjectId: PATTI }, [GRAPH_DEFAULT_SCOPE])).toBeUndefined();
    // Without the question answered, nobody gets one.
    const unwired = new LocalTokenProvider({ tenantId: TENANT, clock });
    expect(await unwired.backgroundUserToken({ aadObjectId: MEGAN }, [GRAPH_DEFAULT_SCOPE])).toBeUndefined();
  });
});

describe('graph.forBackgroundUser', () => {
  it('makes no request without a background token, and fails with SignInRequiredError', async () => {
    const fetchImpl = vi.fn(async () => new Response('{}', { status: 200 }));
    const clock = new ManualClock(new Date('2025-07-01T08:00:00Z'));
    const graph = createGraph({
      baseUrl: 'http://127.0.0.1:9',
      tokens: new LocalTokenProvider({ tenantId: TENANT, clock, talkedToBot: async (id) => id === MEGAN }),
      timeoutMs: 1000,
      log: createLogger('silent'),
      fetchImpl: fetchImpl as unknown as typeof fetch,
    });
    const error = await graph
      .forBackgroundUser({ aadObjectId: PATTI })
      .get('/me')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SignInRequiredError);
    expect(error).toMatchObject({ reason: 'noBackgroundToken' });
    expect(fetchImpl).not.toHaveBeenCalled();
    await graph.forBackgroundUser({ aadObjectId: MEGAN }).get('/me');
    expect(fetchImpl).toHaveBeenCalledTimes(1);
  });
});
