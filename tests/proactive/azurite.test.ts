/**
 * Several bot processes on one Azure Blob container (Azurite): one watcher at a time, every card once, and an
 * unreadable blob that is logged and skipped.
 */
import { ContainerClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instanceIdentity } from '../../bot/proactive/identity.js';
import { NotificationInFlightError } from '../../bot/proactive/notifier.js';
import { AzureBlobStorage } from '../../services/storage/blobStorage.js';
import { type AzuriteHandle, startAzurite } from '../helpers/azurite.js';
import { cardText, TeamsHarness, teamsUser } from '../helpers/teamsHarness.js';
import { captureLog, card, cardTextOf, FakeMessenger, notifierRig, startBotRig } from './helpers.js';
import { bundleFixture, checkExactlyOnce, FixtureBot, killAllFixtureBots, numberedSends } from './processes.js';

const alex = teamsUser('30000000-0000-4000-8000-000000000001', 'Alex Wilber');
const megan = teamsUser('30000000-0000-4000-8000-000000000002', 'Megan Bowen');

let azurite: AzuriteHandle;
let containers = 0;
const freshContainer = () => `proactive-${process.pid}-${++containers}`;

beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => {
  await azurite?.close();
});

describe('two bot processes on one Azurite container', () => {
  let teams: TeamsHarness;
  afterAll(async () => {
    await killAllFixtureBots();
    await teams?.stop();
  });

  it('run the watcher one at a time, hand over when the holder dies, and send every card once', async () => {
    const COUNT = 15;
    const [bundle, harness] = await Promise.all([bundleFixture(), new TeamsHarness('').start()]);
    teams = harness;
    const env = {
      FIXTURE_STORAGE: `azureblob:${freshContainer()}`,
      AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString,
      FIXTURE_USERS: [alex, megan].map((u) => u.aadObjectId).join(','),
      FIXTURE_COUNT: String(COUNT),
      FIXTURE_SLEEP_MS: '30',
      FIXTURE_INTERVAL_SECONDS: '0.05',
      FIXTURE_LEASE_TTL_MS: '1500',
      FIXTURE_CLAIM_TTL_MS: '1500',
    };
    const [a, b] = await Promise.all([
      FixtureBot.start(bundle, { ...env, FIXTURE_INSTANCE: 'host-a:3978' }),
      FixtureBot.start(bundle, { ...env, FIXTURE_INSTANCE: 'host-b:3978' }),
    ]);
    // The people talk to instance A; instance B reads their references from the shared container.
    teams.botUrl = a.url;
    await teams.say(alex, 'hello');
    await teams.say(megan, 'hello');

    await teams.waitFor(() => numberedSends(teams.events).length >= 8, 60_000, 'the first cards');
    // Whichever process won the lease sends; the other must stay silent until the holder dies, then take over.
    const firstSender = numberedSends(teams.events)[0].from;
    const [holder, other] = firstSender === a.pid ? [a, b] : [b, a];
    const killedAt = await holder.kill9();
    await other.waitUntilDone(60_000);
    await other.terminate();

    const sends = numberedSends(teams.events);
    const expected = [alex, megan].flatMap((u) =>
      Array.from({ length: COUNT }, (_, i) => ({ n: i + 1, user: u.aadObjectId })),
    );
    const { duplicates, problems } = checkExactlyOnce(sends, expected, new Set([holder.pid]));
    expect(problems).toEqual([]);
    expect(duplicates.length).toBeLessThanOrEqual(1);
    const fromHolder = sends.filter((s) => s.from === holder.pid);
    const fromOther = sends.filter((s) => s.from === other.pid);
    expect(fromHolder.length).toBeGreaterThanOrEqual(8);
    expect(fromOther.length).toBeGreaterThan(0);
    // While the holder held the lease, the other sent nothing: its first card came after the holder died.
    expect(Math.min(...fromOther.map((s) => s.at))).toBeGreaterThanOrEqual(killedAt);
  }, 180_000);
});

describe('blob storage faults', () => {
  it('an unreadable blob (a reference and a registry item): logged, skipped, the rest keeps working', async () => {
    const container = freshContainer();
    const rig = await startBotRig((log) => new AzureBlobStorage(azurite.connectionString, container, { log }));
    try {
      await rig.teams.say(alex, 'hello');
      await rig.teams.say(megan, 'hello');
      const raw = new ContainerClient(azurite.connectionString, container);
      const garbage = '{"userAadObjectId": "30000000-';
      await raw.getBlockBlobClient(encodeURIComponent(`ref/${alex.aadObjectId}`)).upload(garbage, garbage.length);
      await raw.getBlockBlobClient(encodeURIComponent('cards/request:broken')).upload(garbage, garbage.length);

      const { notifier, registry } = rig.bot.app.proactive;
      expect(await notifier.notifyOnce('blob-alex', alex.aadObjectId, card('For Alex'))).toBe('unreachable');
      expect(await notifier.notifyOnce('blob-megan', megan.aadObjectId, card('For Megan'))).toBe('sent');
      expect(await registry.copies('request:broken')).toEqual([]);
      expect(rig.log.messages()).toContain('storage item is unreadable and is treated as missing');
      // Tracking a copy replaces the unreadable registry blob.
      await registry.track({
        subject: 'request:broken',
        userAadObjectId: megan.aadObjectId,
        activityId: 'x',
        conversationId: 'c',
        role: 'requester',
        version: '1',
      });
      expect(await registry.copies('request:broken')).toHaveLength(1);
      // Alex's next message replaces the unreadable reference and the queued card follows.
      await rig.teams.say(alex, 'hello again');
      await rig.teams.waitFor(() => rig.teams.cardsFor(alex).some((c) => cardText(c.card) === 'For Alex'), 10_000);
    } finally {
      await rig.stop();
      await rig.teams.stop();
    }
  }, 30_000);

  it('two notifiers on separate blob clients racing for the same keys send each card once', async () => {
    const container = freshContainer();
    const { log } = captureLog();
    const messenger = new FakeMessenger();
    const a = notifierRig(
      new AzureBlobStorage(azurite.connectionString, container, { log }),
      instanceIdentity(0, 'a'),
      { messenger },
    );
    const b = notifierRig(
      new AzureBlobStorage(azurite.connectionString, container, { log }),
      instanceIdentity(0, 'b'),
      { messenger },
    );
    const keys = Array.from({ length: 12 }, (_, i) => `blob-race-${i}`);
    const outcomes = await Promise.allSettled(
      keys.flatMap((k) => [
        a.notifier.notifyOnce(k, alex.aadObjectId, card(k)),
        b.notifier.notifyOnce(k, alex.aadObjectId, card(k)),
      ]),
    );
    for (const o of outcomes) if (o.status === 'rejected') expect(o.reason).toBeInstanceOf(NotificationInFlightError);
    expect(messenger.sent.map((s) => cardTextOf(s.card)).sort()).toEqual([...keys].sort());
  });
});
