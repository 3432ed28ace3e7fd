import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloudAdapter, ConfigurationBotFrameworkAuthentication } from 'botbuilder';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConversationStore } from '../../bot/proactive/conversations.js';
import { type AppInstaller, GraphAppInstaller, type InstallOutcome } from '../../bot/proactive/installer.js';
import { BotMessenger, SendFailedError, UnreachableError } from '../../bot/proactive/messenger.js';
import { UnreachableUsers } from '../../bot/proactive/unreachable.js';
import { ManualClock, systemClock } from '../../services/clock.js';
import type { GraphFacade } from '../../services/graph/client.js';
import { GraphRequestError } from '../../services/graph/errors.js';
import { MemoryBotStorage } from '../../services/storage/memoryStorage.js';
import { captureLog, card } from './helpers.js';

interface Scripted {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** A Bot Connector whose answers are scripted per conversation; unscripted calls succeed. */
class ScriptedConnector {
  readonly calls: { method: string; conversationId: string }[] = [];
  readonly scripts = new Map<string, Scripted[]>();
  private server?: http.Server;
  url = '';
  private next = 1;

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const conversationId = decodeURIComponent((req.url ?? '').split('/')[3] ?? '');
        this.calls.push({ method: req.method ?? '', conversationId });
        const step = this.scripts.get(conversationId)?.shift() ?? { status: 200, body: { id: `act-${this.next++}` } };
        res.writeHead(step.status, { 'content-type': 'application/json', ...step.headers });
        res.end(JSON.stringify(step.body ?? {}));
      });
    });
    await new Promise<void>((r) => this.server?.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
    return this;
  }

  stop(): Promise<void> {
    return new Promise((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

const connectorError = (status: number, code: string): Scripted => ({
  status,
  body: { error: { code, message: 'scripted' } },
});

class FakeInstaller implements AppInstaller {
  readonly installs: string[] = [];
  constructor(
    private readonly outcome: InstallOutcome,
    private readonly chat?: string,
  ) {}
  async install(user: string): Promise<InstallOutcome> {
    this.installs.push(user);
    return this.outcome;
  }
  async chatId(): Promise<string | undefined> {
    return this.chat;
  }
}

const USER = (n: number) => `dddddddd-0000-4000-8000-${String(n).padStart(12, '0')}`;

describe('the messenger against a Bot Connector that fails in the ways Teams does', () => {
  const connector = new ScriptedConnector();
  const adapter = new CloudAdapter(
    new ConfigurationBotFrameworkAuthentication({ MicrosoftAppId: '', MicrosoftAppPassword: '' }),
  );
  beforeAll(async () => {
    await connector.start();
  });
  afterAll(() => connector.stop());

  async function rig(installer?: AppInstaller) {
    const captured = captureLog();
    const conversations = new ConversationStore(new MemoryBotStorage(), systemClock, captured.log);
    const unreachable = new UnreachableUsers(systemClock);
    const messenger = new BotMessenger({
      adapter,
      appId: '',
      conversations,
      unreachable,
      installer,
      log: captured.log,
    });
    const chatWith = async (n: number) => {
      await conversations.save({
        userAadObjectId: USER(n),
        teamsUserId: `29:${n}`,
        conversationId: `a:chat-${n}`,
        serviceUrl: connector.url,
        botId: '28:bot',
        channelId: 'msteams',
      });
      return USER(n);
    };
    return { messenger, conversations, unreachable, chatWith, ...captured };
  }

  it('sends a card and returns its activity id', async () => {
    const { messenger, chatWith } = await rig();
    const user = await chatWith(1);
    expect(await messenger.sendCard(user, card('hi'))).toMatch(/^act-/);
  });

  it('403 BotNotInConversationRoster: unreachable, recorded, and (entra mode) the app is installed for them', async () => {
    const installer = new FakeInstaller('requested');
    const { messenger, chatWith, unreachable, messages } = await rig(installer);
    const user = await chatWith(2);
    connector.scripts.set('a:chat-2', [connectorError(403, 'BotNotInConversationRoster')]);
    expect(await messenger.sendCard(user, card('hi'))).toBeUndefined();
    expect(unreachable.list()).toEqual([expect.objectContaining({ userAadObjectId: user, reason: 'notInstalled' })]);
    expect(installer.installs).toEqual([user]);
    expect(messages()).toContain(`cannot reach ${user}`);
  });

  it('403 MessageWritesBlocked: unreachable (blocked), no install attempt; an update says so too', async () => {
    const installer = new FakeInstaller('requested');
    const { messenger, chatWith, unreachable } = await rig(installer);
    const user = await chatWith(3);
    connector.scripts.set('a:chat-3', [
      connectorError(403, 'MessageWritesBlocked'),
      connectorError(403, 'MessageWritesBlocked'),
    ]);
    expect(await messenger.sendCard(user, card('hi'))).toBeUndefined();
    await expect(messenger.updateCard(user, 'act-9', card('hi'))).rejects.toBeInstanceOf(UnreachableError);
    expect(unreachable.list()[0].reason).toBe('blocked');
    expect(installer.installs).toEqual([]);
  });

  it('404 conversation not found: unreachable', async () => {
    const { messenger, chatWith, unreachable } = await rig();
    const user = await chatWith(4);
    connector.scripts.set('a:chat-4', [connectorError(404, 'ConversationNotFound')]);
    expect(await messenger.sendCard(user, card('hi'))).toBeUndefined();
    expect(unreachable.list()[0].reason).toBe('conversationNotFound');
  });

  it('retries 503 and 429 (Retry-After) with backoff, then delivers', async () => {
    const { messenger, chatWith } = await rig();
    const user = await chatWith(5);
    connector.scripts.set('a:chat-5', [
      connectorError(503, 'ServiceUnavailable'),
      { ...connectorError(429, 'Throttled'), headers: { 'retry-after': '0' } },
    ]);
    expect(await messenger.sendCard(user, card('hi'))).toMatch(/^act-/);
    expect(connector.calls.filter((c) => c.conversationId === 'a:chat-5')).toHaveLength(3);
  });

  it('a refused request (400) is a clear SendFailedError, not a crash', async () => {
    const { messenger, chatWith } = await rig();
    const user = await chatWith(6);
    connector.scripts.set('a:chat-6', [connectorError(400, 'BadSyntax')]);
    const err = await messenger.sendCard(user, card('hi')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SendFailedError);
    expect(err).toMatchObject({ status: 400, code: 'BadSyntax', transient: false });
  });

  it('someone without a reference: installed through Graph; when already installed, their chat is recovered', async () => {
    const installer = new FakeInstaller('alreadyInstalled', '19:recovered-chat');
    const { messenger, conversations, chatWith } = await rig(installer);
    await chatWith(7); // any inbound activity teaches the bot its serviceUrl
    const seen: string[] = [];
    conversations.onReference(async (ref) => void seen.push(ref.userAadObjectId));
    expect(await messenger.sendCard(USER(8), card('hi'))).toBeUndefined();
    expect(installer.installs).toEqual([USER(8)]);
    expect(await conversations.get(USER(8))).toMatchObject({
      conversationId: '19:recovered-chat',
      serviceUrl: connector.url,
    });
    await conversations.settle();
    expect(seen).toContain(USER(8));
    expect(await messenger.sendCard(USER(8), card('hi'))).toMatch(/^act-/);
  });
});

/** A GraphFacade that answers from a table and records the calls. */
function fakeGraph(answers: { list?: unknown[]; post?: () => unknown; chat?: unknown; installed?: unknown[] }) {
  const calls: { method: string; path: string; query?: Record<string, string>; body?: unknown }[] = [];
  const graph: GraphFacade = {
    async get<T>(path: string) {
      calls.push({ method: 'GET', path });
      return answers.chat as T;
    },
    async post<T>(path: string, body: unknown) {
      calls.push({ method: 'POST', path, body });
      return answers.post?.() as T;
    },
    async patch<T>() {
      return undefined as T;
    },
    async list<T>(path: string, opts?: { query?: Record<string, string> }) {
      calls.push({ method: 'LIST', path, query: opts?.query });
      return (path.includes('installedApps') ? (answers.installed ?? []) : (answers.list ?? [])) as T[];
    },
    async batch() {
      return [];
    },
  };
  return { graph, calls };
}

describe('proactive installation through Graph', () => {
  const teamsAppId = '66b651c5-0173-4b07-811c-3ae25b5172f7';
  const user = USER(20);

  it('finds the catalog app by externalId and installs it for the person, once per hour at most', async () => {
    const { graph, calls } = fakeGraph({ list: [{ id: 'catalog-1' }] });
    const clock = new ManualClock(new Date('2026-03-02T09:00:00Z'));
    const installer = new GraphAppInstaller({
      graph: () => graph,
      graphBaseUrl: 'https://graph.microsoft.com',
      teamsAppId,
      clock,
      log: captureLog().log,
    });
    expect(await installer.install(user)).toBe('requested');
    expect(calls).toEqual([
      { method: 'LIST', path: '/appCatalogs/teamsApps', query: { $filter: `externalId eq '${teamsAppId}'` } },
      {
        method: 'POST',
        path: `/users/${user}/teamwork/installedApps`,
        body: { 'teamsApp@odata.bind': 'https://graph.microsoft.com/v1.0/appCatalogs/teamsApps/catalog-1' },
      },
    ]);
    expect(await installer.install(user)).toBe('skipped');
    clock.advance(60 * 60 * 1000);
    expect(await installer.install(user)).toBe('requested');
  });

  it('409 means already installed; the chat id comes from the installation', async () => {
    const conflict = () => {
      throw new GraphRequestError({
        status: 409,
        code: 'Conflict',
        method: 'POST',
        path: '/users/x/teamwork/installedApps',
      });
    };
    const { graph } = fakeGraph({
      list: [{ id: 'catalog-1' }],
      post: conflict,
      installed: [{ id: 'inst-1' }],
      chat: { id: '19:chat' },
    });
    const installer = new GraphAppInstaller({
      graph: () => graph,
      graphBaseUrl: 'https://graph.microsoft.com',
      teamsAppId,
      clock: systemClock,
      log: captureLog().log,
    });
    expect(await installer.install(user)).toBe('alreadyInstalled');
    expect(await installer.chatId(user)).toBe('19:chat');
  });

  it('an app missing from the org catalog is reported once, clearly, and nothing crashes', async () => {
    const { graph } = fakeGraph({ list: [] });
    const captured = captureLog();
    const installer = new GraphAppInstaller({
      graph: () => graph,
      graphBaseUrl: 'https://graph.microsoft.com',
      teamsAppId,
      clock: systemClock,
      log: captured.log,
    });
    expect(await installer.install(user)).toBe('failed');
    expect(captured.messages().join('\n')).toMatch(/not in the org app catalog/);
  });

  it('refuses a TEAMS_APP_ID that is not a GUID (it goes into an OData filter)', () => {
    const { graph } = fakeGraph({});
    expect(
      () =>
        new GraphAppInstaller({
          graph: () => graph,
          graphBaseUrl: 'https://graph.microsoft.com',
          teamsAppId: "x' or 1 eq 1",
          clock: systemClock,
          log: captureLog().log,
        }),
    ).toThrow(/TEAMS_APP_ID/);
  });
});
