import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBot } from '../../bot/app.js';
import { loadConfig } from '../../services/config.js';
import { createLogger } from '../../services/log.js';
import { createStorage } from '../../services/storage/index.js';
import { type Stack, startStack } from '../helpers/stack.js';
import { buttonTitles, cardsIn, cardText, teamsUser } from '../helpers/teamsHarness.js';

const alex = teamsUser('10000000-0000-4000-8000-000000000001', 'Alex Wilber');

describe('the bot over HTTP, driven like Teams', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ devtenant: false });
  });
  afterAll(async () => stack?.stop());

  it('answers help with a card listing what it can do, with buttons', async () => {
    const sent = await stack.teams.say(alex, 'help');
    expect(sent).toHaveLength(1);
    const [card] = cardsIn(sent[0].activity);
    expect(card.version).toBe('1.5');
    expect(cardText(card)).toMatch(/request/i);
    expect(cardText(card)).toMatch(/approve/i);
    expect(cardText(card)).toMatch(/activate/i);
    expect(buttonTitles(card).length).toBeGreaterThanOrEqual(4);
  });

  it('answers text it does not understand with the help card and says so', async () => {
    const sent = await stack.teams.say(alex, 'what is the weather');
    const [card] = cardsIn(sent[0].activity);
    expect(cardText(card)).toContain('what is the weather');
    expect(buttonTitles(card).length).toBeGreaterThanOrEqual(4);
  });

  it('welcomes a person once when the app is installed', async () => {
    const megan = teamsUser('10000000-0000-4000-8000-000000000002', 'Megan Bowen');
    const first = await stack.teams.install(megan);
    const welcomes = first.flatMap((e) => cardsIn(e.activity)).filter((c) => /Megan/.test(cardText(c)));
    expect(welcomes).toHaveLength(1);
    const again = await stack.teams.install(megan);
    expect(again.flatMap((e) => cardsIn(e.activity))).toHaveLength(0);
  });

  it('answers the Help button with HTTP 200 and posts the help card below the clicked one', async () => {
    const sent = await stack.teams.say(alex, 'help');
    const [card] = cardsIn(sent[0].activity);
    const before = stack.teams.events.length;
    const reply = await stack.teams.invoke(alex, 'help', {}, sent[0].activityId);
    expect(reply.httpStatus).toBe(200);
    expect(reply.body?.statusCode).toBe(200);
    expect(reply.body?.type).toBe('application/vnd.microsoft.activity.message');
    const posted = stack.teams.events.slice(before).flatMap((e) => cardsIn(e.activity));
    expect(posted).toHaveLength(1);
    expect(buttonTitles(posted[0])).toEqual(buttonTitles(card));
  });

  it('answers an unknown verb with an error card, not an HTTP error', async () => {
    const reply = await stack.teams.invoke(alex, 'launchRockets', { id: 'x' });
    expect(reply.httpStatus).toBe(200);
    expect(reply.body?.type).toBe('application/vnd.microsoft.card.adaptive');
    expect(cardText(reply.body!.value)).toMatch(/do not know this button/i);
  });

  it('answers an invoke that is not Action.Execute with an error card', async () => {
    const res = await stack.teams.post(
      stack.teams.baseActivity(alex, { type: 'invoke', name: 'adaptiveCard/action', value: { action: 42 } }),
    );
    expect(res.status).toBe(200);
    expect(cardText(res.body.value)).toMatch(/did not send what I expected/i);
  });

  it('refuses a 100 kB message politely and keeps serving', async () => {
    const sent = await stack.teams.say(alex, 'x'.repeat(100_000));
    const [card] = cardsIn(sent[0].activity);
    expect(cardText(card)).toMatch(/too long/i);
    expect(cardText(card)).toContain('100,000');
    const after = await stack.teams.say(alex, 'help');
    expect(after).toHaveLength(1);
  });

  it('answers malformed JSON with 400 and a reason', async () => {
    const res = await stack.teams.post('{"type": "message", ');
    expect(res.status).toBe(400);
    expect(res.text).toMatch(/not valid JSON/);
    expect(res.text).not.toMatch(/at .*\.js:\d+/);
  });

  it('answers a body that is not an activity with 400 and a reason', async () => {
    for (const body of ['[1,2]', '"hello"', '{}', '{"type": 5}', '{"type":"message"}']) {
      const res = await stack.teams.post(body);
      expect(res.status, body).toBe(400);
      expect(res.body?.error?.message, body).toMatch(/activity|JSON/i);
    }
    const after = await stack.teams.say(alex, 'help');
    expect(after).toHaveLength(1);
  });

  it('answers a body over the size limit with 413', async () => {
    const res = await stack.teams.post({ type: 'message', text: 'y'.repeat(400_000) });
    expect(res.status).toBe(413);
    expect(res.text).not.toMatch(/Error: /);
  });

  it('reports health and readiness', async () => {
    const health = await fetch(`${stack.bot.url}/healthz`);
    expect(health.status).toBe(200);
    const ready = await fetch(`${stack.bot.url}/readyz`);
    const body = await ready.json();
    // Graph points at a closed port here, so the bot is up but not ready, and says which part is missing.
    expect(ready.status).toBe(503);
    expect(body.checks.find((c: any) => c.name === 'storage').ok).toBe(true);
    expect(body.checks.find((c: any) => c.name === 'graph').ok).toBe(false);
  });
});

describe('identity at the edge', () => {
  it('rejects an activity without a Bot Framework token in entra mode (401)', async () => {
    const config = loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      STORAGE: 'memory',
      AUTH_MODE: 'entra',
      MicrosoftAppId: '9a8b7c6d-0000-4000-8000-000000000001',
      MicrosoftAppType: 'SingleTenant',
      MicrosoftAppTenantId: 'c0a70500-0000-4000-8000-000000000001',
      MicrosoftAppPassword: 'not-a-real-secret',
      OAUTH_CONNECTION_NAME: 'graph-sso',
      PUBLIC_URL: 'https://accessbot.contoso.example',
      LOG_LEVEL: 'silent',
    });
    const log = createLogger('silent');
    const bot = await startBot(config, { log, storage: await createStorage('memory', {}, log) });
    try {
      const res = await fetch(`${bot.url}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          type: 'message',
          text: 'help',
          serviceUrl: 'http://127.0.0.1:9/',
          conversation: { id: 'a:1' },
          from: { id: '29:x', aadObjectId: alex.aadObjectId },
          recipient: { id: '28:bot' },
          channelId: 'msteams',
        }),
      });
      expect(res.status).toBe(401);
    } finally {
      await bot.close();
    }
  });

  it('refuses to listen on a non-loopback address in local mode', async () => {
    expect(() => loadConfig({ HOST: '0.0.0.0', STORAGE: 'memory' })).toThrow(/HOST must be a loopback address/);
    const config = { ...loadConfig({ STORAGE: 'memory', PORT: '0' }), host: '0.0.0.0' };
    const log = createLogger('silent');
    await expect(startBot(config, { log, storage: await createStorage('memory', {}, log) })).rejects.toThrow(
      /Refusing to listen on 0.0.0.0 in local mode/,
    );
  });
});
