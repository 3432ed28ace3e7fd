import { randomUUID } from 'node:crypto';
import type { Activity, AdaptiveCardInvokeResponse } from 'botbuilder';
import { TestAdapter } from 'botbuilder';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AccessBot } from '../../bot/accessBot.js';
import { ActionTable, type CardAction, defineAction } from '../../bot/actions/registry.js';
import {
  EXCHANGE_FAILED_TEXT,
  SIGN_IN_FAILED_TEXT,
  SIGNED_IN_TEXT,
  ssoTokenSource,
  useTeamsSso,
} from '../../bot/auth/index.js';
import { CommandTable, prefixMatcher, type TextCommand } from '../../bot/commands/table.js';
import { cardReply, messageReply } from '../../bot/invokeResponse.js';
import { SubjectKinds } from '../../bot/proactive/subjects.js';
import type { ActingUser, BotServices } from '../../bot/services.js';
import { type CredentialFactory, EntraTokenProvider } from '../../services/auth/index.js';
import { encodeUnsignedJwt } from '../../services/auth/localTokens.js';
import { decodeJwtClaims, GRAPH_DEFAULT_SCOPE, SignInRequiredError, type UserRef } from '../../services/auth/tokens.js';
import { ManualClock } from '../../services/clock.js';
import { loadConfig } from '../../services/config.js';
import type { Graph } from '../../services/graph/client.js';
import { createLogger } from '../../services/log.js';
import type { BotStorage } from '../../services/storage/index.js';
import { MemoryBotStorage } from '../../services/storage/memoryStorage.js';
import { SqliteStorage } from '../../services/storage/sqliteStorage.js';

const CONNECTION = 'AccessBotSSO';
const TENANT = 'c0a70500-0000-4000-8000-000000000001';
const CHANNEL = 'msteams';

interface Person {
  aadObjectId: string;
  teamsId: string;
  name: string;
}
const alex: Person = { aadObjectId: '10000000-0000-4000-8000-000000000001', teamsId: '29:alex', name: 'Alex Wilber' };
const megan: Person = { aadObjectId: '10000000-0000-4000-8000-000000000002', teamsId: '29:megan', name: 'Megan Bowen' };

/** A token-service token for the bot's API, as Entra issues it: `oid` is the user; `label` names it in assertions. */
function apiToken(person: Person, label: string): string {
  return encodeUnsignedJwt({ aud: 'api://botid-bot-app-id', oid: person.aadObjectId, tid: TENANT, label });
}

interface Options {
  mode?: 'entra' | 'local';
  connectionName?: string;
  storage?: BotStorage;
  /** Runs inside the card action / command before the Graph token is requested (barriers, probes). */
  beforeToken?: (user: ActingUser) => Promise<void>;
  oboError?: unknown;
}

/** AccessBot on botbuilder's TestAdapter (its token-service fakes), with fake on-behalf-of credentials. */
function harness(opts: Options = {}) {
  const mode = opts.mode ?? 'entra';
  const clock = new ManualClock(new Date('2025-07-01T08:00:00Z'));
  const logLines: string[] = [];
  const log = createLogger('debug', { write: (line: string) => logLines.push(line) });
  const storage = opts.storage ?? new MemoryBotStorage();
  const obo: { assertion: string; label: string }[] = [];
  const factory: CredentialFactory = {
    onBehalfOf: ({ userAssertionToken }) => ({
      async getToken() {
        if (opts.oboError) throw opts.oboError;
        const label = String(decodeJwtClaims(userAssertionToken)?.label ?? userAssertionToken);
        obo.push({ assertion: userAssertionToken, label });
        return { token: `graph:${label}`, expiresOnTimestamp: clock.now().getTime() + 3_600_000 };
      },
    }),
    app: () => ({ getToken: async () => ({ token: 'app', expiresOnTimestamp: clock.now().getTime() + 3_600_000 }) }),
  };
  const tokens = new EntraTokenProvider({
    clientId: 'bot-app-id',
    tenantId: TENANT,
    settings: { kind: 'secret', clientSecret: 'not-a-real-secret' },
    ssoTokenSource,
    clock,
    credentialFactory: factory,
    log,
  });
  const config = {
    ...loadConfig({
      AUTH_MODE: mode,
      STORAGE: 'memory',
      ...(mode === 'entra'
        ? {
            MicrosoftAppId: 'bot-app-id',
            MicrosoftAppTenantId: TENANT,
            PUBLIC_URL: 'https://accessbot.contoso.example',
          }
        : {}),
      OAUTH_CONNECTION_NAME: 'placeholder',
    }),
    // Configuration validation refuses entra mode without a connection; this covers a bot built without it anyway.
    oauthConnectionName: opts.connectionName,
  };
  // Only what sign-in touches; the test handlers use nothing else (BotServices grows as journeys land).
  const parts = { config, log, clock, storage, tokens, graph: {} as Graph, subjects: new SubjectKinds() };
  const app = parts satisfies Partial<BotServices> as unknown as BotServices;

  const graphTokenFor = async (user: ActingUser) => {
    await opts.beforeToken?.(user);
    return app.tokens.userToken(user, [GRAPH_DEFAULT_SCOPE]);
  };
  const actions: CardAction<any>[] = [
    defineAction({
      verb: 'whoami',
      kind: 'updatesCard',
      data: z.object({}).loose(),
      run: async ({ user }) => messageReply(`graph token ${await graphTokenFor(user)}`),
    }),
    defineAction({
      // Like a journey that maps every error to its own card: the sign-in must still be asked for.
      verb: 'swallows',
      kind: 'updatesCard',
      data: z.object({}).loose(),
      run: async ({ user }) => {
        try {
          return messageReply(`graph token ${await graphTokenFor(user)}`);
        } catch (err) {
          return cardReply({ type: 'AdaptiveCard', version: '1.5', body: [{ type: 'TextBlock', text: String(err) }] });
        }
      },
    }),
  ];
  const whoamiCommand: TextCommand = {
    name: 'whoami',
    match: prefixMatcher('whoami'),
    run: async ({ turn, user }) => {
      await turn.sendActivity(`graph token ${await graphTokenFor(user)}`);
    },
  };
  const fallback: TextCommand = { name: 'fallback', match: () => undefined, run: async () => undefined };
  const bot = new AccessBot(app, new ActionTable(actions), new CommandTable([whoamiCommand], fallback));

  const adapter = new TestAdapter();
  const outbox = new Map<string, Partial<Activity>[]>();
  adapter.use(async (turn, next) => {
    const sent: Partial<Activity>[] = [];
    outbox.set(turn.activity.id ?? '', sent);
    turn.onSendActivities(async (_ctx, activities, send) => {
      sent.push(...activities);
      return send();
    });
    await next();
  });
  if (mode === 'entra') useTeamsSso(adapter, { storage, connectionName: opts.connectionName, log });

  /** Delivers one activity from `person` and returns what the bot sent during that turn. */
  async function send(person: Person, activity: Partial<Activity>): Promise<Partial<Activity>[]> {
    const id = randomUUID();
    await adapter.processActivity(
      {
        channelId: CHANNEL,
        from: { id: person.teamsId, name: person.name, aadObjectId: person.aadObjectId },
        conversation: { id: `a:${person.aadObjectId}`, tenantId: TENANT } as Activity['conversation'],
        recipient: { id: '28:bot', name: 'Access Bot' },
        ...activity,
        id,
      },
      (turn) => bot.run(turn),
    );
    return outbox.get(id) ?? [];
  }

  async function click(person: Person, extra: Record<string, unknown> = {}, verb = 'whoami') {
    const sent = await send(person, {
      type: 'invoke',
      name: 'adaptiveCard/action',
      value: { action: { type: 'Action.Execute', verb, data: {} }, trigger: 'manual', ...extra },
    });
    return invokeReplyOf(sent);
  }

  return { adapter, send, click, obo, logLines, storage };
}

function invokeReplyOf(sent: Partial<Activity>[]): { status: number; body: AdaptiveCardInvokeResponse } {
  const replies = sent.filter((a) => a.type === 'invokeResponse');
  expect(replies).toHaveLength(1);
  return replies[0]?.value as { status: number; body: AdaptiveCardInvokeResponse };
}

const texts = (sent: Partial<Activity>[]) => sent.filter((a) => a.type === 'message').map((a) => a.text);

describe('Action.Execute sign-in (entra mode)', () => {
  it('answers a user without a sign-in with the documented 401 loginRequest, as HTTP 200', async () => {
    const { click, obo } = harness({ connectionName: CONNECTION });
    const reply = await click(alex);
    expect(reply.status).toBe(200);
    expect(reply.body.statusCode).toBe(401);
    expect(reply.body.type).toBe('application/vnd.microsoft.activity.loginRequest');
    const value = reply.body.value as Record<string, any>;
    expect(value.connectionName).toBe(CONNECTION);
    expect(value.text).toEqual(expect.any(String));
    expect(value.tokenExchangeResource).toEqual({ id: expect.any(String), uri: `api://${CONNECTION}/resource` });
    expect(value.buttons).toEqual([
      {
        type: 'signin',
        title: 'Sign in',
        value: `https://botframeworktestadapter.com/oauthsignin/${CONNECTION}/${CHANNEL}/${alex.teamsId}`,
      },
    ]);
    expect(obo).toHaveLength(0);
  });

  it('asks for sign-in even when the handler turned the missing sign-in into its own card', async () => {
    const { click } = harness({ connectionName: CONNECTION });
    const reply = await click(alex, {}, 'swallows');
    expect(reply.status).toBe(200);
    expect(reply.body.type).toBe('application/vnd.microsoft.activity.loginRequest');
  });

  it('uses the cached token-service sign-in without asking again', async () => {
    const h = harness({ connectionName: CONNECTION });
    h.adapter.addUserToken(CONNECTION, CHANNEL, alex.teamsId, apiToken(alex, 'alex-cached'));
    const reply = await h.click(alex);
    expect(reply).toEqual({ status: 200, body: messageReply('graph token graph:alex-cached') });
    expect(h.obo.map((o) => o.label)).toEqual(['alex-cached']);
  });

  it('exchanges the SSO token Teams re-sends with the action, then runs the handler as that user', async () => {
    const h = harness({ connectionName: CONNECTION });
    h.adapter.addExchangeableToken(CONNECTION, CHANNEL, alex.teamsId, 'teams-sso-alex', apiToken(alex, 'alex-sso'));
    const reply = await h.click(alex, {
      authentication: { id: 'x1', connectionName: CONNECTION, token: 'teams-sso-alex' },
    });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual(messageReply('graph token graph:alex-sso'));
    expect(h.obo).toEqual([{ assertion: apiToken(alex, 'alex-sso'), label: 'alex-sso' }]);
  });

  it('answers 412 preconditionFailed (HTTP 200) when the exchange fails, and does not run the handler', async () => {
    const h = harness({ connectionName: CONNECTION });
    h.adapter.throwOnExchangeRequest(CONNECTION, CHANNEL, alex.teamsId, 'expired-sso');
    for (const token of ['expired-sso', 'never-issued', 42]) {
      const reply = await h.click(alex, { authentication: { id: 'x2', connectionName: CONNECTION, token } });
      expect(reply).toEqual({
        status: 200,
        body: {
          statusCode: 412,
          type: 'application/vnd.microsoft.error.preconditionFailed',
          value: { code: '412', message: EXCHANGE_FAILED_TEXT },
        },
      });
    }
    expect(h.obo).toHaveLength(0);
    expect(h.logLines.join('\n')).toContain('SSO token exchange failed');
    expect(h.logLines.join('\n')).not.toMatch(/expired-sso|never-issued|eyJ/);
  });

  it('answers invalidAuthCode (HTTP 200) for a wrong magic code and runs the handler for the right one', async () => {
    const h = harness({ connectionName: CONNECTION });
    h.adapter.addUserToken(CONNECTION, CHANNEL, alex.teamsId, apiToken(alex, 'alex-code'), '123456');
    for (const state of ['654321', '', { code: '123456' }]) {
      const bad = await h.click(alex, { state });
      expect(bad.status).toBe(200);
      expect(bad.body.statusCode).toBe(401);
      expect(bad.body.type).toBe('application/vnd.microsoft.error.invalidAuthCode');
    }
    expect(h.obo).toHaveLength(0);
    const good = await h.click(alex, { state: '123456' });
    expect(good).toEqual({ status: 200, body: messageReply('graph token graph:alex-code') });
  });

  it('refuses a token-service token that was issued to another user', async () => {
    const h = harness({ connectionName: CONNECTION });
    h.adapter.addUserToken(CONNECTION, CHANNEL, alex.teamsId, apiToken(megan, 'megans'));
    const reply = await h.click(alex);
    expect(reply.status).toBe(200);
    expect(reply.body.type).toBe('application/vnd.microsoft.card.adaptive');
    expect(JSON.stringify(reply.body.value)).toContain('Something went wrong');
    expect(h.obo).toHaveLength(0);
    expect(h.logLines.join('\n')).toContain('issued to another user');
  });

  it('does not ask for a sign-in when consent is missing: that needs an admin', async () => {
    const h = harness({
      connectionName: CONNECTION,
      oboError: new Error('AADSTS65001: The user or administrator has not consented'),
    });
    h.adapter.addUserToken(CONNECTION, CHANNEL, alex.teamsId, apiToken(alex, 'alex-cached'));
    const reply = await h.click(alex, {}, 'swallows');
    expect(reply.body.type).toBe('application/vnd.microsoft.card.adaptive');
    expect(JSON.stringify(reply.body.value)).toContain('SignInRequiredError');
  });

  it('tells the user sign-in is not set up when OAUTH_CONNECTION_NAME is missing', async () => {
    const h = harness({});
    const reply = await h.click(alex);
    expect(reply.status).toBe(200);
    expect(reply.body.type).toBe('application/vnd.microsoft.card.adaptive');
    expect(JSON.stringify(reply.body.value)).toContain('OAUTH_CONNECTION_NAME');
  });
});

describe('one user never gets another user’s token', () => {
  it('keeps two interleaved turns apart', async () => {
    let arrived = 0;
    let release: () => void = () => undefined;
    const bothInside = new Promise<void>((resolve) => {
      release = resolve;
    });
    const seen: Record<string, { own?: string; other?: string }> = {};
    const h = harness({
      connectionName: CONNECTION,
      beforeToken: async (user) => {
        arrived += 1;
        if (arrived === 2) release();
        await bothInside;
        const other = user.aadObjectId === alex.aadObjectId ? megan : alex;
        const otherRef: UserRef = { aadObjectId: other.aadObjectId, tenantId: TENANT };
        seen[user.aadObjectId] = { own: await ssoTokenSource(user), other: await ssoTokenSource(otherRef) };
      },
    });
    h.adapter.addUserToken(CONNECTION, CHANNEL, alex.teamsId, apiToken(alex, 'alex-cached'));
    h.adapter.addExchangeableToken(CONNECTION, CHANNEL, megan.teamsId, 'teams-sso-megan', apiToken(megan, 'megan-sso'));

    const [alexReply, meganSent] = await Promise.all([
      h.click(alex),
      h.send(megan, {
        type: 'invoke',
        name: 'adaptiveCard/action',
        value: {
          action: { type: 'Action.Execute', verb: 'whoami', data: {} },
          authentication: { id: 'm1', connectionName: CONNECTION, token: 'teams-sso-megan' },
        },
      }),
    ]);

    expect(arrived).toBe(2);
    expect(alexReply.body).toEqual(messageReply('graph token graph:alex-cached'));
    expect(invokeReplyOf(meganSent).body).toEqual(messageReply('graph token graph:megan-sso'));
    expect(seen[alex.aadObjectId]).toEqual({ own: apiToken(alex, 'alex-cached'), other: undefined });
    expect(seen[megan.aadObjectId]).toEqual({ own: apiToken(megan, 'megan-sso'), other: undefined });
    expect(h.obo.map((o) => o.label).sort()).toEqual(['alex-cached', 'megan-sso']);
    expect(h.logLines.join('\n')).not.toMatch(/teams-sso-megan|eyJ/);
    // Outside any turn (the watcher, a timer) there is no user token at all.
    expect(await ssoTokenSource({ aadObjectId: alex.aadObjectId })).toBeUndefined();
  });
});

describe('sign-in in a message turn (entra mode)', () => {
  it('sends an OAuth card with the token exchange resource when the user is not signed in', async () => {
    const h = harness({ connectionName: CONNECTION });
    const sent = await h.send(alex, { type: 'message', text: 'whoami' });
    const cards = sent.flatMap((a) => a.attachments ?? []);
    expect(cards).toHaveLength(1);
    expect(cards[0]?.contentType).toBe('application/vnd.microsoft.card.oauth');
    const content = cards[0]?.content as Record<string, any>;
    expect(content.connectionName).toBe(CONNECTION);
    expect(content.tokenExchangeResource.uri).toBe(`api://${CONNECTION}/resource`);
    expect(content.buttons[0]).toMatchObject({ type: 'signin', title: 'Sign in' });
    expect(content.buttons[0].value).toContain('oauthsignin');
  });

  it('runs the command with the signed-in user’s token', async () => {
    const h = harness({ connectionName: CONNECTION });
    h.adapter.addUserToken(CONNECTION, CHANNEL, alex.teamsId, apiToken(alex, 'alex-cached'));
    const sent = await h.send(alex, { type: 'message', text: 'whoami' });
    expect(texts(sent)).toEqual(['graph token graph:alex-cached']);
    expect(sent.flatMap((a) => a.attachments ?? [])).toHaveLength(0);
  });
});

describe('signin/* invokes', () => {
  const exchange = (id: string, token: string): Partial<Activity> => ({
    type: 'invoke',
    name: 'signin/tokenExchange',
    value: { id, connectionName: CONNECTION, token },
  });

  for (const [name, makeStorage] of [
    ['memory', (): BotStorage => new MemoryBotStorage()],
    ['sqlite', (): BotStorage => new SqliteStorage(':memory:')],
  ] as const) {
    it(`signin/tokenExchange signs the user in once, whichever Teams clients send it (${name} storage)`, async () => {
      const storage = makeStorage();
      const h = harness({ connectionName: CONNECTION, storage });
      h.adapter.addExchangeableToken(CONNECTION, CHANNEL, alex.teamsId, 'teams-sso-alex', apiToken(alex, 'alex-sso'));
      const first = await h.send(alex, exchange('ex-1', 'teams-sso-alex'));
      const second = await h.send(alex, exchange('ex-1', 'teams-sso-alex'));
      expect(invokeReplyOf(first).status).toBe(200);
      expect(texts(first)).toEqual([SIGNED_IN_TEXT]);
      expect(invokeReplyOf(second).status).toBe(200);
      expect(texts(second)).toEqual([]);
      await storage.close?.();
    });
  }

  it('signin/tokenExchange that cannot be exchanged gets 412 so Teams shows the sign-in button', async () => {
    const h = harness({ connectionName: CONNECTION });
    const sent = await h.send(alex, exchange('ex-2', 'unknown-token'));
    const reply = invokeReplyOf(sent) as unknown as { status: number; body: Record<string, unknown> };
    expect(reply.status).toBe(412);
    expect(reply.body).toMatchObject({ id: 'ex-2', connectionName: CONNECTION });
    expect(texts(sent)).toEqual([]);
  });

  it('signin/verifyState redeems the magic code, and says so; a wrong code is reported', async () => {
    const h = harness({ connectionName: CONNECTION });
    h.adapter.addUserToken(CONNECTION, CHANNEL, alex.teamsId, apiToken(alex, 'alex-code'), '246810');
    const wrong = await h.send(alex, { type: 'invoke', name: 'signin/verifyState', value: { state: '000000' } });
    expect(invokeReplyOf(wrong).status).toBe(200);
    expect(texts(wrong)).toEqual([SIGN_IN_FAILED_TEXT]);
    const right = await h.send(alex, { type: 'invoke', name: 'signin/verifyState', value: { state: '246810' } });
    expect(invokeReplyOf(right).status).toBe(200);
    expect(texts(right)).toEqual([SIGNED_IN_TEXT]);
    // The sign-in is now cached by the token service: the next action runs without asking.
    expect((await h.click(alex)).body).toEqual(messageReply('graph token graph:alex-code'));
  });

  it('signin/failure is answered with 200', async () => {
    const h = harness({ connectionName: CONNECTION });
    const sent = await h.send(alex, {
      type: 'invoke',
      name: 'signin/failure',
      value: { code: 'resourcematchfailed', message: 'Resource match failed' },
    });
    expect(invokeReplyOf(sent).status).toBe(200);
  });
});

describe('local mode', () => {
  it('has no SSO: card actions run as before and no SSO token exists', async () => {
    const h = harness({ mode: 'local', connectionName: CONNECTION });
    h.adapter.addUserToken(CONNECTION, CHANNEL, alex.teamsId, apiToken(alex, 'alex-cached'));
    const reply = await h.click(alex, {}, 'swallows');
    expect(reply.status).toBe(200);
    expect(reply.body.type).toBe('application/vnd.microsoft.card.adaptive');
    expect(JSON.stringify(reply.body.value)).toContain(new SignInRequiredError({ aadObjectId: 'x' }).message);
    const verify = await h.send(alex, { type: 'invoke', name: 'signin/verifyState', value: { state: '1' } });
    expect(invokeReplyOf(verify).status).toBe(200);
    expect(texts(verify)).toEqual([]);
  });
});
