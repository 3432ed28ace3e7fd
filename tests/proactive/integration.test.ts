/**
 * The proactive machinery inside the real bot, over HTTP: references saved from activities the Teams harness posts,
 * cards sent and updated through the harness connector (the stored serviceUrl points at it).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryBotStorage } from '../../services/storage/memoryStorage.js';
import { SqliteStorage } from '../../services/storage/sqliteStorage.js';
import { cardsIn, cardText, TeamsHarness, teamsUser } from '../helpers/teamsHarness.js';
import { type BotRig, card, startBotRig } from './helpers.js';

const alex = teamsUser('10000000-0000-4000-8000-00000000000a', 'Alex Wilber');
const megan = teamsUser('10000000-0000-4000-8000-00000000000b', 'Megan Bowen');
const adele = teamsUser('10000000-0000-4000-8000-00000000000c', 'Adele Vance');

const root = mkdtempSync(join(tmpdir(), 'proactive-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function sendsTo(teams: TeamsHarness, user: { aadObjectId: string }) {
  return teams.events.filter((e) => e.kind === 'send' && e.conversationId === `a:personal-${user.aadObjectId}`);
}

/** Graph stand-in for /readyz: any HTTP answer means reachable. */
async function graphStub(): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((_req, res) => {
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

describe('proactive cards through the bot', () => {
  let rig: BotRig;
  let graph: Awaited<ReturnType<typeof graphStub>>;
  beforeAll(async () => {
    graph = await graphStub();
    rig = await startBotRig(new MemoryBotStorage(), {}, undefined, { GRAPH_BASE_URL: graph.url });
  });
  afterAll(async () => {
    await rig?.stop();
    await rig?.teams.stop();
    await graph?.close();
  });

  it('saves the reference on a message and uses it for a proactive card that arrives in the chat', async () => {
    await rig.teams.say(alex, 'help');
    const ref = await rig.bot.app.proactive.conversations.get(alex.aadObjectId);
    expect(ref).toMatchObject({ conversationId: `a:personal-${alex.aadObjectId}`, serviceUrl: rig.teams.serviceUrl });

    const before = sendsTo(rig.teams, alex).length;
    const outcome = await rig.bot.app.proactive.notifier.notifyOnce(
      'hello-alex',
      alex.aadObjectId,
      card('Your request was submitted'),
    );
    expect(outcome).toBe('sent');
    const sent = sendsTo(rig.teams, alex).slice(before);
    expect(sent).toHaveLength(1);
    expect(cardText(cardsIn(sent[0].activity)[0])).toBe('Your request was submitted');
    expect(await rig.bot.app.proactive.notifier.notifyOnce('hello-alex', alex.aadObjectId, card('again'))).toBe(
      'duplicate',
    );
    expect(sendsTo(rig.teams, alex).slice(before)).toHaveLength(1);
  });

  it('refreshAll updates every copy in place (PUT), each for its viewer', async () => {
    await rig.teams.say(megan, 'help');
    const { notifier, registry } = rig.bot.app.proactive;
    const subject = 'request:r-refresh';
    await notifier.notifyOnce('r-refresh-status', alex.aadObjectId, card('Waiting for approval'), {
      subject,
      role: 'requester',
      version: 'v1',
    });
    await notifier.notifyOnce('r-refresh-approve', megan.aadObjectId, card('Approve?'), {
      subject,
      role: 'approver',
      version: 'v1',
    });
    const copies = await registry.copies(subject);
    expect(copies).toHaveLength(2);

    const changed = await registry.refreshAll(subject, 'v2', (copy) =>
      card(copy.role === 'requester' ? 'Approved: you have access' : 'Approved by you'),
    );
    expect(changed).toBe(2);
    const updates = rig.teams.events.filter((e) => e.kind === 'update');
    for (const copy of copies) {
      expect(updates.some((u) => u.activityId === copy.activityId)).toBe(true);
    }
    const alexCopy = copies.find((c) => c.role === 'requester');
    const meganCopy = copies.find((c) => c.role === 'approver');
    expect(cardText(rig.teams.currentCard(alex, alexCopy?.activityId ?? '') ?? {})).toBe('Approved: you have access');
    expect(cardText(rig.teams.currentCard(megan, meganCopy?.activityId ?? '') ?? {})).toBe('Approved by you');
  });

  it('logs a person it cannot reach, lists them in /readyz (still ready), and sends the card once they open the bot', async () => {
    const { notifier } = rig.bot.app.proactive;
    const outcome = await notifier.notifyOnce('approve-adele', adele.aadObjectId, card('Please approve'));
    expect(outcome).toBe('unreachable');
    expect(rig.log.messages()).toContain(`cannot reach ${adele.aadObjectId}`);

    const ready = await fetch(`${rig.bot.url}/readyz`);
    const body = await ready.json();
    expect(ready.status).toBe(200);
    const proactive = body.checks.find((c: { name: string }) => c.name === 'proactive');
    expect(proactive.ok).toBe(true);
    expect(proactive.details.unreachable.map((u: { userAadObjectId: string }) => u.userAadObjectId)).toContain(
      adele.aadObjectId,
    );

    await rig.teams.install(adele);
    const arrived = await rig.teams.waitFor(
      () => rig.teams.cardsFor(adele).find((c) => cardText(c.card) === 'Please approve'),
      5000,
      "Adele's queued card",
    );
    expect(arrived).toBeTruthy();
    const afterInstall = await (await fetch(`${rig.bot.url}/readyz`)).json();
    const still = afterInstall.checks.find((c: { name: string }) => c.name === 'proactive').details.unreachable;
    expect(still.map((u: { userAadObjectId: string }) => u.userAadObjectId)).not.toContain(adele.aadObjectId);
    expect(await notifier.notifyOnce('approve-adele', adele.aadObjectId, card('Please approve'))).toBe('duplicate');
  });

  it('does not save references from group chats or from activities without an Entra user', async () => {
    const stranger = teamsUser('10000000-0000-4000-8000-0000000000ff', 'Stranger');
    const group = rig.teams.baseActivity(stranger, { type: 'message', text: 'help' });
    group.conversation = { id: 'a:group', conversationType: 'groupChat', isGroup: true };
    await rig.teams.post(group);
    expect(await rig.bot.app.proactive.conversations.get(stranger.aadObjectId)).toBeUndefined();
  });
});

describe('bad input the machinery must survive', () => {
  it('a reference whose serviceUrl is gone: logged, skipped, the others still get their cards', async () => {
    const rig = await startBotRig(new MemoryBotStorage());
    try {
      await rig.teams.say(megan, 'help');
      // Alex's chat lives behind a connector that then goes away: the stored serviceUrl refuses connections.
      const elsewhere = await new TeamsHarness(rig.bot.url).start();
      await elsewhere.say(alex, 'help');
      await elsewhere.stop();
      const { notifier } = rig.bot.app.proactive;
      const [toAlex, toMegan] = await Promise.all([
        notifier.notifyOnce('gone-alex', alex.aadObjectId, card('For Alex')),
        notifier.notifyOnce('gone-megan', megan.aadObjectId, card('For Megan')),
      ]);
      expect(toAlex).toBe('unreachable');
      expect(toMegan).toBe('sent');
      const logged = rig.log.lines.map((l) => JSON.parse(l));
      expect(logged.find((l) => l.msg === `cannot reach ${alex.aadObjectId}`)?.reason).toBe('serviceUrlGone');
      // Alex writes again from a working chat: the queued card follows.
      await rig.teams.say(alex, 'help');
      await rig.teams.waitFor(() => rig.teams.cardsFor(alex).some((c) => cardText(c.card) === 'For Alex'), 5000);
    } finally {
      await rig.stop();
      await rig.teams.stop();
    }
  }, 20_000);

  it('a corrupt sqlite row for a reference: logged, skipped, the rest keeps working', async () => {
    const path = join(root, 'corrupt', 'bot.db');
    const rig = await startBotRig((log) => new SqliteStorage(path, { log }));
    try {
      await rig.teams.say(alex, 'help');
      await rig.teams.say(megan, 'help');
      const raw = new Database(path);
      raw
        .prepare('UPDATE items SET json = ? WHERE id = ?')
        .run('{"userAadObjectId": "trunc', `ref/${alex.aadObjectId}`);
      raw.close();
      const { notifier } = rig.bot.app.proactive;
      expect(await notifier.notifyOnce('corrupt-alex', alex.aadObjectId, card('For Alex'))).toBe('unreachable');
      expect(await notifier.notifyOnce('corrupt-megan', megan.aadObjectId, card('For Megan'))).toBe('sent');
      expect(rig.log.messages()).toContain('storage item is unreadable and is treated as missing');
    } finally {
      await rig.stop();
      await rig.teams.stop();
    }
    // A restarted bot (it no longer remembers Alex's reference) replaces the bad row when Alex writes again.
    const again = await startBotRig(new SqliteStorage(path));
    try {
      await again.teams.say(alex, 'help');
      expect(await again.bot.app.proactive.conversations.get(alex.aadObjectId)).toBeDefined();
      await again.teams.waitFor(() => again.teams.cardsFor(alex).some((c) => cardText(c.card) === 'For Alex'), 5000);
    } finally {
      await again.stop();
      await again.teams.stop();
    }
  });

  it('restarting the bot on the same sqlite file between a request and its approval: card updated, no duplicate', async () => {
    const path = join(root, 'restart', 'bot.db');
    const teams = await new TeamsHarness('').start();
    const subject = 'request:r-restart';
    const first = await startBotRig(new SqliteStorage(path), {}, teams);
    await teams.say(alex, 'help');
    await teams.say(megan, 'help');
    const { notifier } = first.bot.app.proactive;
    await notifier.notifyOnce('r-restart-status', alex.aadObjectId, card('Waiting for approval'), {
      subject,
      role: 'requester',
      version: 'pending',
    });
    await notifier.notifyOnce('r-restart-approve', megan.aadObjectId, card('Approve?'), {
      subject,
      role: 'approver',
      version: 'pending',
    });
    await first.stop();

    const second = await startBotRig(new SqliteStorage(path), {}, teams);
    try {
      const p = second.bot.app.proactive;
      // The watcher of the new process sees the same request again: nothing is sent twice.
      expect(
        await p.notifier.notifyOnce('r-restart-status', alex.aadObjectId, card('Waiting for approval'), {
          subject,
          role: 'requester',
          version: 'pending',
        }),
      ).toBe('duplicate');
      expect(
        await p.notifier.notifyOnce('r-restart-approve', megan.aadObjectId, card('Approve?'), {
          subject,
          role: 'approver',
          version: 'pending',
        }),
      ).toBe('duplicate');
      // Approved: both cards change in place.
      expect(
        await p.registry.refreshAll(subject, 'approved', (c) =>
          card(c.role === 'requester' ? 'Approved' : 'You approved'),
        ),
      ).toBe(2);
      const proactiveTexts = ['Waiting for approval', 'Approve?'];
      const proactiveSends = teams.events.filter(
        (e) => e.kind === 'send' && cardsIn(e.activity).some((c) => proactiveTexts.includes(cardText(c))),
      );
      expect(proactiveSends).toHaveLength(2);
      for (const sent of proactiveSends) {
        const updates = teams.events.filter((e) => e.kind === 'update' && e.activityId === sent.activityId);
        expect(updates).toHaveLength(1);
      }
    } finally {
      await second.stop();
      await teams.stop();
    }
  });
});
