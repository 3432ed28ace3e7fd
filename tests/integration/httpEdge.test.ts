import { request } from 'node:http';
import { gzipSync } from 'node:zlib';
import { CallerIdConstants } from 'botbuilder';
import { AuthenticationConstants } from 'botframework-connector';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startBot } from '../../bot/app.js';
import { referenceKey } from '../../bot/proactive/conversations.js';
import { loadConfig } from '../../services/config.js';
import { createLogger } from '../../services/log.js';
import { createStorage } from '../../services/storage/index.js';
import { type Stack, startStack } from '../helpers/stack.js';
import { cardsIn, teamsUser } from '../helpers/teamsHarness.js';

const alex = teamsUser('10000000-0000-4000-8000-000000000001', 'Alex Wilber');

/** A raw POST: any headers and bytes, as curl or a hostile page would send them. */
function rawPost(
  url: string,
  body: Buffer | string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/api/messages`, { method: 'POST', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('the HTTP edge refuses what Teams never sends, and keeps serving', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ devtenant: false });
  });
  afterAll(async () => stack?.stop());

  async function stillServes() {
    const after = await stack.teams.say(alex, 'help');
    expect(cardsIn(after[0].activity)).toHaveLength(1);
  }

  it('answers a gzip body that is not gzip with 415 instead of dying (restify #1975)', async () => {
    const res = await rawPost(stack.bot.url, '{}', {
      'content-type': 'application/json',
      'content-encoding': 'gzip',
    });
    expect(res.status).toBe(415);
    expect(JSON.parse(res.text).error.message).toMatch(/Content-Encoding "gzip" is not accepted.*plain JSON/);
    await stillServes();
  });

  it('refuses a gzip bomb without inflating it', async () => {
    const bomb = gzipSync(Buffer.from(JSON.stringify({ type: 'message', text: 'a'.repeat(40_000_000) })));
    expect(bomb.length).toBeLessThan(100_000);
    const before = process.memoryUsage().rss;
    for (const encoding of ['gzip', 'deflate', 'br', 'GZIP, identity']) {
      const res = await rawPost(stack.bot.url, bomb, {
        'content-type': 'application/json',
        'content-encoding': encoding,
      });
      expect(res.status, encoding).toBe(415);
    }
    expect(process.memoryUsage().rss - before).toBeLessThan(80 * 1024 * 1024);
    await stillServes();
  });

  it('accepts an explicit identity encoding', async () => {
    const activity = stack.teams.baseActivity(alex, { type: 'message', text: 'help' });
    const res = await stack.teams.post(activity, { 'content-encoding': 'identity' });
    expect(res.status).toBe(200);
  });

  it('refuses a form-encoded activity (cross-site forgery) and keeps the stored conversation as it was', async () => {
    await stack.teams.say(alex, 'help');
    const key = referenceKey(alex.aadObjectId);
    const before = (await stack.bot.app.storage.read([key]))[key];
    expect(before?.serviceUrl).toBe(stack.teams.serviceUrl);

    const form = new URLSearchParams({
      type: 'message',
      text: 'help',
      channelId: 'msteams',
      serviceUrl: 'http://attacker.example/',
      'conversation[id]': 'a:evil',
      'from[id]': '29:evil',
      'from[aadObjectId]': alex.aadObjectId,
      'recipient[id]': '28:bot',
    }).toString();
    const sent = stack.teams.events.length;
    for (const type of ['application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data; boundary=x', '']) {
      const res = await rawPost(stack.bot.url, form, type ? { 'content-type': type } : {});
      expect(res.status, type).toBe(415);
      expect(res.text).toMatch(/application\/json/);
    }
    expect(stack.teams.events.length).toBe(sent);
    const after = (await stack.bot.app.storage.read([key]))[key];
    expect(after?.serviceUrl).toBe(stack.teams.serviceUrl);
    expect(after?.conversationId ?? after?.conversation?.id).toBe(before?.conversationId ?? before?.conversation?.id);
  });

  it('refuses JSON posted from a web page in local mode (Origin or Sec-Fetch-Site)', async () => {
    const evil = stack.teams.baseActivity(alex, {
      type: 'message',
      text: 'help',
      serviceUrl: 'http://127.0.0.1:9/evil/',
      conversation: { id: 'a:evil' },
    });
    const key = referenceKey(alex.aadObjectId);
    const sent = stack.teams.events.length;
    const pages: Record<string, string>[] = [
      { origin: 'https://attacker.example' },
      { origin: 'null' },
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' },
    ];
    for (const headers of pages) {
      const res = await stack.teams.post(evil, headers);
      expect(res.status, JSON.stringify(headers)).toBe(403);
      expect(res.body.error.message).toMatch(/web pages are refused in local mode/);
    }
    expect(stack.teams.events.length).toBe(sent);
    const stored = (await stack.bot.app.storage.read([key]))[key];
    expect(JSON.stringify(stored)).not.toContain('evil');
  });

  it('bounds the body on the wire: a declared or a chunked body over 256 kB is 413', async () => {
    const big = JSON.stringify(stack.teams.baseActivity(alex, { type: 'message', text: 'z'.repeat(300_000) }));
    const declared = await rawPost(stack.bot.url, big, { 'content-type': 'application/json' });
    expect(declared.status).toBe(413);
    expect(JSON.parse(declared.text).error.message).toBe('The request body is larger than 256 kB.');
    const chunked = await rawPost(stack.bot.url, big, {
      'content-type': 'application/json',
      'transfer-encoding': 'chunked',
    });
    expect(chunked.status).toBe(413);
    await stillServes();
  });

  it('refuses JSON nested deeper than 64 levels with 400 and a reason', async () => {
    const deep = `{"type":"message","value":${'['.repeat(5000)}${']'.repeat(5000)}}`;
    const res = await stack.teams.post(deep);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/nests deeper than 64 levels/);
    await stillServes();
  });

  it('answers an envelope botbuilder would trip over with 400 (membersAdded not an array)', async () => {
    for (const extra of [
      { type: 'conversationUpdate', membersAdded: 'everyone' },
      { type: 'conversationUpdate', membersAdded: [null] },
      { type: 'conversationUpdate', membersRemoved: { id: 'x' } },
      { type: 'message', text: 'help', channelData: null },
      { type: 'message', text: 'help', attachments: 'card' },
    ]) {
      const res = await stack.teams.post(stack.teams.baseActivity(alex, extra));
      expect(res.status, JSON.stringify(extra)).toBe(400);
      expect(res.body.error.message).toMatch(/^Invalid activity: /);
    }
    await stillServes();
  });

  it('sends nosniff and no Server banner on every answer', async () => {
    const answers = [
      await fetch(`${stack.bot.url}/healthz`),
      await fetch(`${stack.bot.url}/readyz`),
      await fetch(`${stack.bot.url}/nothing-here`),
      await fetch(`${stack.bot.url}/api/messages`, { method: 'POST', body: 'x' }),
      await fetch(`${stack.bot.url}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(stack.teams.baseActivity(alex, { type: 'message', text: 'help' })),
      }),
    ];
    for (const res of answers) {
      await res.body?.cancel();
      expect(res.headers.get('x-content-type-options'), res.url).toBe('nosniff');
      expect(res.headers.get('server'), res.url).toBeNull();
    }
  });
});

describe('readiness checks that storage can be written', () => {
  it('is not ready when every storage write fails (a read-only file), and says so briefly', async () => {
    const log = createLogger('silent');
    const storage = await createStorage('memory', {}, log);
    let writes = 0;
    const readOnly = Object.assign(Object.create(Object.getPrototypeOf(storage)), storage, {
      write: async () => {
        writes++;
        throw new Error('attempt to write a readonly database\n    at Database.exec (/srv/app/node_modules/x.js:1:1)');
      },
    });
    const config = loadConfig({ PORT: '0', STORAGE: 'memory', LOG_LEVEL: 'silent', WATCH_INTERVAL_SECONDS: '3600' });
    const bot = await startBot(config, { log, storage: readOnly });
    try {
      writes = 0;
      const res = await fetch(`${bot.url}/readyz`);
      const body = await res.json();
      expect(res.status).toBe(503);
      const check = body.checks.find((c: { name: string }) => c.name === 'storage');
      expect(check.ok).toBe(false);
      expect(check.error).toBe('attempt to write a readonly database');
      // /readyz is public in entra mode: a burst of probes costs one heartbeat write, not one each.
      const burst = await Promise.all([1, 2, 3, 4, 5].map(() => fetch(`${bot.url}/readyz`)));
      expect(burst.map((r) => r.status)).toEqual([503, 503, 503, 503, 503]);
      expect(writes).toBe(1);
    } finally {
      await bot.close();
    }
  });
});

describe('entra mode at the edge', () => {
  const entraEnv = {
    PORT: '0',
    HOST: '127.0.0.1',
    STORAGE: 'memory',
    AUTH_MODE: 'entra',
    PUBLIC_URL: 'https://bot.example.com',
    MicrosoftAppId: '9a8b7c6d-0000-4000-8000-000000000001',
    MicrosoftAppType: 'SingleTenant',
    MicrosoftAppTenantId: 'c0a70500-0000-4000-8000-000000000001',
    MicrosoftAppPassword: 'not-a-real-secret',
    OAUTH_CONNECTION_NAME: 'graph-sso',
    LOG_LEVEL: 'debug',
    WATCH_INTERVAL_SECONDS: '3600',
  };
  let bot: Awaited<ReturnType<typeof startBot>>;
  const lines: string[] = [];
  beforeAll(async () => {
    const log = createLogger('debug', { write: (line: string) => lines.push(line) });
    bot = await startBot(loadConfig(entraEnv), {
      log,
      storage: await createStorage('memory', {}, log),
      // Bot Framework's signing keys live at a closed port: the download fails as it does in a DNS or network outage.
      // (Setting one of these makes botbuilder take all of them as given, so the public cloud's others come along.)
      botFrameworkAuth: {
        ToChannelFromBotLoginUrl: AuthenticationConstants.ToChannelFromBotLoginUrl,
        ToChannelFromBotOAuthScope: AuthenticationConstants.ToChannelFromBotOAuthScope,
        ToBotFromChannelTokenIssuer: AuthenticationConstants.ToBotFromChannelTokenIssuer,
        OAuthUrl: AuthenticationConstants.OAuthUrl,
        ToBotFromEmulatorOpenIdMetadataUrl: AuthenticationConstants.ToBotFromEmulatorOpenIdMetadataUrl,
        CallerId: CallerIdConstants.PublicAzureChannel,
        ToBotFromChannelOpenIdMetadataUrl: 'http://127.0.0.1:9/openidconfiguration',
      },
    });
  });
  afterAll(async () => bot?.close());
  afterEach(() => vi.restoreAllMocks());

  const activity = {
    type: 'message',
    text: 'help',
    serviceUrl: 'http://127.0.0.1:9/',
    conversation: { id: 'a:1' },
    from: { id: '29:x', aadObjectId: alex.aadObjectId },
    recipient: { id: '28:bot' },
    channelId: 'msteams',
  };
  const forgedJwt = [
    Buffer.from(JSON.stringify({ alg: 'RS256', kid: 'made-up', typ: 'JWT' })).toString('base64url'),
    Buffer.from(JSON.stringify({ iss: 'https://api.botframework.com', aud: entraEnv.MicrosoftAppId })).toString(
      'base64url',
    ),
    'c2ln',
  ].join('.');

  it('answers 503 with a short reason when the signing keys cannot be fetched, and logs the detail', async () => {
    const stderr = vi.spyOn(console, 'error');
    const res = await fetch(`${bot.url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${forgedJwt}` },
      body: JSON.stringify(activity),
    });
    const text = await res.text();
    expect(res.status, lines.join('\n')).toBe(503);
    expect(JSON.parse(text).error.message).toBe('The sender could not be verified right now; try again later.');
    expect(text).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|openid|fetch/i);
    expect(stderr).not.toHaveBeenCalled();
    expect(lines.some((l) => /could not authenticate an activity/.test(l) && /"level":"warn"/.test(l))).toBe(true);
  });

  it('answers 401 to an activity without a token, with no stack trace on stderr or in the log', async () => {
    const stderr = vi.spyOn(console, 'error');
    const warn = vi.spyOn(console, 'warn');
    lines.length = 0;
    const res = await fetch(`${bot.url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(activity),
    });
    expect(res.status).toBe(401);
    expect((await res.json()).error.message).toBe('The request does not carry a valid Bot Framework token.');
    expect(stderr).not.toHaveBeenCalled();
    expect(warn).not.toHaveBeenCalled();
    const logged = lines.find((l) => /not authenticated/.test(l));
    expect(logged).toMatch(/"level":"warn"/);
    expect(lines.join('\n')).not.toMatch(/\n\s+at /);
    expect(lines.join('\n')).not.toMatch(/"stack"/);
  });
});
