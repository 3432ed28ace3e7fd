import { describe, expect, it } from 'vitest';
import { instanceIdentity } from '../../bot/proactive/identity.js';
import { SendFailedError } from '../../bot/proactive/messenger.js';
import { NotificationInFlightError } from '../../bot/proactive/notifier.js';
import { ManualClock } from '../../services/clock.js';
import { MemoryBotStorage } from '../../services/storage/memoryStorage.js';
import { CrashingStorage, captureLog, card, cardTextOf, FakeMessenger, notifierRig } from './helpers.js';

const ALEX = 'aaaaaaaa-0000-4000-8000-000000000001';
const MEGAN = 'bbbbbbbb-0000-4000-8000-000000000002';
const track = { subject: 'request:r1', role: 'requester', version: 'v1' };

const isRecord = (key: string, status: string) => (changes: Record<string, { status?: string }>) =>
  changes[`notified/${key}`]?.status === status;

describe('notifyOnce', () => {
  it('sends once; repeats with the same key are duplicates, also from another instance', async () => {
    const storage = new MemoryBotStorage();
    const a = notifierRig(storage, instanceIdentity(0, 'host-a:1'));
    const b = notifierRig(storage, instanceIdentity(0, 'host-b:1'), { messenger: a.messenger });
    expect(await a.notifier.notifyOnce('k1', ALEX, card('one'), track)).toBe('sent');
    expect(await a.notifier.notifyOnce('k1', ALEX, card('one'), track)).toBe('duplicate');
    expect(await b.notifier.notifyOnce('k1', ALEX, card('one'), track)).toBe('duplicate');
    expect(a.messenger.sent).toHaveLength(1);
    const [copy] = await a.registry.copies('request:r1');
    expect(copy).toMatchObject({
      userAadObjectId: ALEX,
      activityId: a.messenger.sent[0].activityId,
      role: 'requester',
    });
  });

  it('sends once when two instances race for the same keys', async () => {
    const storage = new MemoryBotStorage();
    const messenger = new FakeMessenger();
    const a = notifierRig(storage, instanceIdentity(0, 'host-a:1'), { messenger });
    const b = notifierRig(storage, instanceIdentity(0, 'host-b:1'), { messenger });
    const keys = Array.from({ length: 30 }, (_, i) => `race-${i}`);
    const outcomes = await Promise.allSettled(
      keys.flatMap((k) => [a.notifier.notifyOnce(k, ALEX, card(k)), b.notifier.notifyOnce(k, ALEX, card(k))]),
    );
    // The loser of a race either sees the record already sent or the claim still held ("try again later").
    for (const o of outcomes) {
      if (o.status === 'rejected') expect(o.reason).toBeInstanceOf(NotificationInFlightError);
    }
    expect(messenger.sent.map((s) => cardTextOf(s.card)).sort()).toEqual([...keys].sort());
  });

  it('shares one send between concurrent calls in one process', async () => {
    const rig = notifierRig(new MemoryBotStorage(), instanceIdentity(0, 'host-a:1'));
    const outcomes = await Promise.all([1, 2, 3].map(() => rig.notifier.notifyOnce('k', ALEX, card('x'))));
    expect(outcomes).toEqual(['sent', 'sent', 'sent']);
    expect(rig.messenger.sent).toHaveLength(1);
  });

  it('sends after a crash between the claim and the send (no loss, no duplicate)', async () => {
    const storage = new MemoryBotStorage();
    const dead = instanceIdentity(0, 'host-a:1');
    // What a process killed right after claiming leaves behind.
    await storage.write({
      'notified/k': { status: 'sending', user: ALEX, ...dead, claimedAt: new Date().toISOString(), attempts: 1 },
    });
    await new Promise((r) => setTimeout(r, 2)); // the restarted process starts later
    const restarted = notifierRig(storage, instanceIdentity(0, 'host-a:1'));
    expect(await restarted.notifier.notifyOnce('k', ALEX, card('x'))).toBe('sent');
    expect(await restarted.notifier.notifyOnce('k', ALEX, card('x'))).toBe('duplicate');
    expect(restarted.messenger.sent).toHaveLength(1);
  });

  it('sends again at most once after a crash between the send and its record', async () => {
    const inner = new MemoryBotStorage();
    const messenger = new FakeMessenger();
    const crashing = new CrashingStorage(inner, isRecord('k', 'sent'));
    const before = notifierRig(crashing, instanceIdentity(0, 'host-a:1'), { messenger });
    await expect(before.notifier.notifyOnce('k', ALEX, card('x'))).rejects.toThrow('process is dead');
    expect(messenger.sent).toHaveLength(1); // the card reached the chat; the record still says "sending"

    const after = notifierRig(inner, instanceIdentity(0, 'host-a:1'), { messenger });
    expect(await after.notifier.notifyOnce('k', ALEX, card('x'))).toBe('sent');
    expect(await after.notifier.notifyOnce('k', ALEX, card('x'))).toBe('duplicate');
    expect(messenger.sent).toHaveLength(2); // the one duplicate the guarantee allows
  });

  it('updates the tracked copy in place instead of sending twice when the chat already has one', async () => {
    const inner = new MemoryBotStorage();
    const messenger = new FakeMessenger();
    const first = notifierRig(inner, instanceIdentity(0, 'host-a:1'), { messenger });
    await first.notifier.notifyOnce('r1-submitted', ALEX, card('Submitted'), track);
    const crashing = new CrashingStorage(inner, isRecord('r1-approved', 'sent'));
    const dying = notifierRig(crashing, instanceIdentity(0, 'host-a:1'), { messenger });
    await expect(
      dying.notifier.notifyOnce('r1-approved', ALEX, card('Approved'), { ...track, version: 'v2' }),
    ).rejects.toThrow('process is dead');
    expect(messenger.sent).toHaveLength(2);

    const after = notifierRig(inner, instanceIdentity(0, 'host-a:1'), { messenger });
    expect(await after.notifier.notifyOnce('r1-approved', ALEX, card('Approved'), { ...track, version: 'v2' })).toBe(
      'sent',
    );
    expect(messenger.sent).toHaveLength(2); // no third message
    expect(messenger.updated).toEqual([
      { user: ALEX, activityId: messenger.sent[0].activityId, card: card('Approved') },
    ]);
  });

  it('re-tracks a copy when the process died between the record and the tracking', async () => {
    const inner = new MemoryBotStorage();
    const messenger = new FakeMessenger();
    const crashing = new CrashingStorage(inner, (changes) => Object.keys(changes).some((k) => k.startsWith('cards/')));
    const dying = notifierRig(crashing, instanceIdentity(0, 'host-a:1'), { messenger });
    await expect(dying.notifier.notifyOnce('k', ALEX, card('x'), track)).rejects.toThrow('process is dead');
    const after = notifierRig(inner, instanceIdentity(0, 'host-a:1'), { messenger });
    expect(await after.notifier.notifyOnce('k', ALEX, card('x'), track)).toBe('duplicate');
    expect(messenger.sent).toHaveLength(1);
    expect((await after.registry.copies('request:r1')).map((c) => c.activityId)).toEqual([
      messenger.sent[0].activityId,
    ]);
  });

  it("waits for another live instance's claim, and takes it over once it is stale", async () => {
    const storage = new MemoryBotStorage();
    const clock = new ManualClock(new Date('2026-03-02T09:00:00Z'));
    await storage.write({
      'notified/k': {
        status: 'sending',
        user: ALEX,
        instance: 'host-b:1',
        incarnation: 'x',
        claimedAt: clock.now().toISOString(),
        attempts: 1,
      },
    });
    const rig = notifierRig(storage, instanceIdentity(0, 'host-a:1'), { clock, claimTtlMs: 60_000 });
    await expect(rig.notifier.notifyOnce('k', ALEX, card('x'))).rejects.toBeInstanceOf(NotificationInFlightError);
    clock.advance(60_001);
    expect(await rig.notifier.notifyOnce('k', ALEX, card('x'))).toBe('sent');
  });

  it('records a failed send so a later call retries it', async () => {
    const rig = notifierRig(new MemoryBotStorage(), instanceIdentity(0, 'host-a:1'));
    rig.messenger.failNextSend = new SendFailedError(429, 'Throttled', true);
    await expect(rig.notifier.notifyOnce('k', ALEX, card('x'))).rejects.toBeInstanceOf(SendFailedError);
    expect(await rig.notifier.notifyOnce('k', ALEX, card('x'))).toBe('sent');
    expect(rig.messenger.sent).toHaveLength(1);
  });

  it('queues the card for someone unreachable and sends it, current, once they can be reached', async () => {
    const { log } = captureLog();
    const rig = notifierRig(new MemoryBotStorage(), instanceIdentity(0, 'host-a:1'), { log });
    rig.messenger.unreachable.add(MEGAN);
    const approverTrack = { subject: 'request:r1', role: 'approver', version: 'v1' };
    expect(await rig.notifier.notifyOnce('approve-r1-megan', MEGAN, card('Approve?'), approverTrack)).toBe(
      'unreachable',
    );
    expect(await rig.notifier.notifyOnce('approve-r1-megan', MEGAN, card('Approve?'), approverTrack)).toBe(
      'unreachable',
    );
    expect(await rig.pending.list(MEGAN)).toHaveLength(1);
    // The request was decided elsewhere meanwhile: the queued card is redrawn.
    await rig.registry.refreshAll('request:r1', 'v2', () => card('Approved by Adele'));

    rig.messenger.unreachable.clear();
    expect(await rig.notifier.deliverPending(MEGAN)).toBe(1);
    expect(rig.messenger.sent.map((s) => cardTextOf(s.card))).toEqual(['Approved by Adele']);
    expect(await rig.pending.list(MEGAN)).toEqual([]);
    expect(await rig.notifier.notifyOnce('approve-r1-megan', MEGAN, card('Approve?'), approverTrack)).toBe('duplicate');
    expect((await rig.registry.copies('request:r1')).map((c) => [c.userAadObjectId, c.version])).toEqual([
      [MEGAN, 'v2'],
    ]);
    expect(await rig.notifier.deliverPending(MEGAN)).toBe(0);
  });

  it('treats a corrupt dedupe record as missing (logged) and sends', async () => {
    const storage = new MemoryBotStorage();
    await storage.write({ 'notified/k': { status: 'exploded' } });
    const captured = captureLog();
    const rig = notifierRig(storage, instanceIdentity(0, 'host-a:1'), { log: captured.log });
    expect(await rig.notifier.notifyOnce('k', ALEX, card('x'))).toBe('sent');
    expect(captured.messages()).toContain('stored item has an unexpected shape and is ignored');
  });

  it('rejects an empty key', () => {
    const rig = notifierRig(new MemoryBotStorage(), instanceIdentity(0, 'host-a:1'));
    expect(() => rig.notifier.notifyOnce('', ALEX, card('x'))).toThrow(TypeError);
  });
});
