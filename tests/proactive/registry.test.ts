import { describe, expect, it } from 'vitest';
import { StorageCardRegistry } from '../../bot/proactive/cardRegistry.js';
import { PendingQueue } from '../../bot/proactive/pending.js';
import { ManualClock } from '../../services/clock.js';
import { MemoryBotStorage } from '../../services/storage/memoryStorage.js';
import { captureLog, card, cardTextOf, FakeMessenger } from './helpers.js';

const REQUESTER = 'aaaaaaaa-0000-4000-8000-000000000001';
const APPROVER_1 = 'bbbbbbbb-0000-4000-8000-000000000001';
const APPROVER_2 = 'bbbbbbbb-0000-4000-8000-000000000002';

function rig() {
  const storage = new MemoryBotStorage();
  const clock = new ManualClock(new Date('2026-03-02T09:00:00Z'));
  const captured = captureLog();
  const messenger = new FakeMessenger();
  const pending = new PendingQueue(storage, clock, captured.log);
  const registry = new StorageCardRegistry({ storage, messenger, clock, log: captured.log, pending });
  return { storage, messenger, registry, pending, ...captured };
}

async function trackRequestCopies(registry: StorageCardRegistry) {
  const base = { subject: 'request:r1', conversationId: 'c', version: 'pending' };
  await registry.track({ ...base, userAadObjectId: REQUESTER, activityId: 'act-r', role: 'requester' });
  await registry.track({ ...base, userAadObjectId: APPROVER_1, activityId: 'act-a1', role: 'approver' });
  await registry.track({ ...base, userAadObjectId: APPROVER_2, activityId: 'act-a2', role: 'approver' });
}

describe('the card registry', () => {
  it('updates every copy of a subject, each drawn for its role, and skips copies already current', async () => {
    const { registry, messenger } = rig();
    await trackRequestCopies(registry);
    const render = (copy: { role: string }) =>
      card(copy.role === 'requester' ? 'Your access was approved' : 'Approved by Megan');
    expect(await registry.refreshAll('request:r1', 'approved', render)).toBe(3);
    expect(messenger.updated.map((u) => [u.user, u.activityId, cardTextOf(u.card)])).toEqual([
      [REQUESTER, 'act-r', 'Your access was approved'],
      [APPROVER_1, 'act-a1', 'Approved by Megan'],
      [APPROVER_2, 'act-a2', 'Approved by Megan'],
    ]);
    expect(await registry.refreshAll('request:r1', 'approved', render)).toBe(0);
    expect(messenger.updated).toHaveLength(3);
    expect((await registry.copies('request:r1')).every((c) => c.version === 'approved')).toBe(true);
  });

  it('leaves the clicked copy to the invoke reply but records that it shows the new state', async () => {
    const { registry, messenger } = rig();
    await trackRequestCopies(registry);
    const changed = await registry.refreshAll('request:r1', 'approved', () => card('Approved'), {
      userAadObjectId: APPROVER_1,
      activityId: 'act-a1',
    });
    expect(changed).toBe(2);
    expect(messenger.updated.map((u) => u.activityId)).toEqual(['act-r', 'act-a2']);
    expect((await registry.copies('request:r1')).find((c) => c.activityId === 'act-a1')?.version).toBe('approved');
  });

  it('logs and skips a copy that cannot be updated; the others still change and it is retried next time', async () => {
    const { registry, messenger, messages } = rig();
    await trackRequestCopies(registry);
    messenger.unreachable.add(APPROVER_1);
    expect(await registry.refreshAll('request:r1', 'approved', () => card('Approved'))).toBe(2);
    expect(messages()).toContain('could not update a copy of a card');
    messenger.unreachable.clear();
    expect(await registry.refreshAll('request:r1', 'approved', () => card('Approved'))).toBe(1);
    expect(messenger.updated.at(-1)?.activityId).toBe('act-a1');
  });

  it('keeps every copy when many are tracked at the same time (eTag retries)', async () => {
    const { registry } = rig();
    await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        registry.track({
          subject: 'approval:x',
          userAadObjectId: `cccccccc-0000-4000-8000-0000000000${String(i).padStart(2, '0')}`,
          activityId: `act-${i}`,
          conversationId: 'c',
          role: 'approver',
          version: 'v1',
        }),
      ),
    );
    expect(await registry.copies('approval:x')).toHaveLength(25);
  });

  it('re-renders a card still queued for someone the bot cannot reach yet', async () => {
    const { registry, pending } = rig();
    await pending.enqueue(APPROVER_2, {
      key: 'approval-r1-b2',
      card: card('Approve?'),
      track: { subject: 'request:r1', role: 'approver', version: 'pending' },
    });
    await registry.trackQueued('request:r1', {
      userAadObjectId: APPROVER_2,
      key: 'approval-r1-b2',
      role: 'approver',
      version: 'pending',
    });
    await registry.refreshAll('request:r1', 'approved', () => card('Approved by Megan'));
    const [queued] = await pending.list(APPROVER_2);
    expect(cardTextOf(queued.card)).toBe('Approved by Megan');
    expect(queued.track?.version).toBe('approved');
  });

  it('treats a corrupt registry item as empty (logged) and replaces it on the next track', async () => {
    const { registry, storage, messages } = rig();
    await storage.write({ 'cards/request:bad': { copies: 'not a list' } });
    expect(await registry.copies('request:bad')).toEqual([]);
    expect(await registry.refreshAll('request:bad', 'v2', () => card('x'))).toBe(0);
    expect(messages()).toContain('stored item has an unexpected shape and is ignored');
    await registry.track({
      subject: 'request:bad',
      userAadObjectId: REQUESTER,
      activityId: 'a',
      conversationId: 'c',
      role: 'requester',
      version: 'v1',
    });
    expect(await registry.copies('request:bad')).toHaveLength(1);
  });

  it('forgets a subject', async () => {
    const { registry } = rig();
    await trackRequestCopies(registry);
    await registry.forget('request:r1');
    expect(await registry.copies('request:r1')).toEqual([]);
  });
});
