import type { StoreItems } from 'botbuilder';
import { describe, expect, it } from 'vitest';
import { PendingQueue } from '../../bot/proactive/pending.js';
import { ManualClock } from '../../services/clock.js';
import { MemoryBotStorage } from '../../services/storage/memoryStorage.js';
import { captureLog } from './helpers.js';

const USER = '30000000-0000-4000-8000-000000000001';
const bigCard = (n: number) => ({
  type: 'AdaptiveCard',
  version: '1.5',
  body: [{ type: 'TextBlock', text: `Card ${n} ${'x'.repeat(4000)}` }],
});

/** Memory storage that counts the bytes every write carries. */
class MeasuredStorage extends MemoryBotStorage {
  written = 0;
  override async write(changes: StoreItems): Promise<void> {
    this.written += JSON.stringify(changes).length;
    return super.write(changes);
  }
}

describe('the queue of cards for people the bot cannot reach yet', () => {
  it('keeps the newest 50 in order, and queueing one more costs the same however many wait', async () => {
    const storage = new MeasuredStorage();
    const { log } = captureLog();
    const queue = new PendingQueue(storage, new ManualClock(new Date('2026-03-02T09:00:00Z')), log);
    const costs: number[] = [];
    for (let n = 1; n <= 60; n++) {
      const before = storage.written;
      await queue.enqueue(USER, { key: `k${n}`, card: bigCard(n) });
      costs.push(storage.written - before);
    }
    const listed = await queue.list(USER);
    expect(listed.map((c) => c.key)).toEqual(Array.from({ length: 50 }, (_, i) => `k${i + 11}`));
    expect(JSON.stringify(listed[0].card)).toContain('Card 11');
    // The 60th card writes about one card (plus a small index), not the 50 that wait before it.
    expect(costs[59]).toBeLessThan(3 * costs[0]);
    expect(costs[59]).toBeLessThan(20_000);
    // Dropped cards are gone from storage too.
    expect((await storage.keys('pendingcard/')).length).toBe(50);
  });

  it('replaces a queued card in place and removes it when delivered', async () => {
    const { log } = captureLog();
    const queue = new PendingQueue(new MemoryBotStorage(), new ManualClock(new Date('2026-03-02T09:00:00Z')), log);
    await queue.enqueue(USER, { key: 'a', card: bigCard(1), track: { subject: 's', role: 'viewer', version: '1' } });
    expect(await queue.replaceCard(USER, 'a', bigCard(2), '2')).toBe(true);
    expect(await queue.replaceCard(USER, 'missing', bigCard(3), '3')).toBe(false);
    const [item] = await queue.list(USER);
    expect(JSON.stringify(item.card)).toContain('Card 2');
    expect(item.track?.version).toBe('2');
    await queue.remove(USER, 'a');
    expect(await queue.list(USER)).toEqual([]);
  });
});
