import { describe, expect, it } from 'vitest';
import { instanceIdentity } from '../../bot/proactive/identity.js';
import { StorageLease } from '../../bot/proactive/lease.js';
import { ManualClock } from '../../services/clock.js';
import { MemoryBotStorage } from '../../services/storage/memoryStorage.js';
import { captureLog } from './helpers.js';

const TTL = 60_000;

function lease(storage: MemoryBotStorage, clock: ManualClock, instance: string) {
  const { log } = captureLog();
  return new StorageLease({ storage, identity: instanceIdentity(0, instance), clock, log, ttlMs: TTL });
}

describe('the watcher lease', () => {
  it('lets one instance hold it and renew it while others are refused', async () => {
    const storage = new MemoryBotStorage();
    const clock = new ManualClock(new Date('2026-03-02T09:00:00Z'));
    const a = lease(storage, clock, 'host-a:3978');
    const b = lease(storage, clock, 'host-b:3978');
    expect(await a.acquire()).toBe(true);
    expect(await b.acquire()).toBe(false);
    clock.advance(TTL - 1000);
    expect(await a.acquire()).toBe(true); // renewed: expires a full TTL from now
    clock.advance(TTL - 1000);
    expect(await b.acquire()).toBe(false);
  });

  it('is taken over when the holder stopped renewing and it expired by the clock', async () => {
    const storage = new MemoryBotStorage();
    const clock = new ManualClock(new Date('2026-03-02T09:00:00Z'));
    const a = lease(storage, clock, 'host-a:3978');
    const b = lease(storage, clock, 'host-b:3978');
    expect(await a.acquire()).toBe(true);
    clock.advance(TTL + 1);
    expect(await b.acquire()).toBe(true);
    expect(await a.acquire()).toBe(false); // the old holder learns it lost the lease
  });

  it('is taken over at once by a restarted process of the same instance (the old one is dead)', async () => {
    const storage = new MemoryBotStorage();
    const clock = new ManualClock(new Date('2026-03-02T09:00:00Z'));
    const before = lease(storage, clock, 'host-a:3978');
    expect(await before.acquire()).toBe(true);
    const restarted = lease(storage, clock, 'host-a:3978');
    expect(await restarted.acquire()).toBe(true);
    expect(await before.acquire()).toBe(false);
  });

  it('is released on shutdown so another instance need not wait for it to expire', async () => {
    const storage = new MemoryBotStorage();
    const clock = new ManualClock(new Date('2026-03-02T09:00:00Z'));
    const a = lease(storage, clock, 'host-a:3978');
    const b = lease(storage, clock, 'host-b:3978');
    expect(await a.acquire()).toBe(true);
    await a.release();
    expect(await b.acquire()).toBe(true);
  });

  it('gives a stale lease to exactly one of many instances racing for it', async () => {
    for (let round = 0; round < 20; round++) {
      const storage = new MemoryBotStorage();
      const clock = new ManualClock(new Date('2026-03-02T09:00:00Z'));
      const contenders = Array.from({ length: 6 }, (_, i) => lease(storage, clock, `host-${i}:3978`));
      // First use (nobody created the record yet) and a stale takeover are both races.
      expect((await Promise.all(contenders.map((c) => c.acquire()))).filter(Boolean)).toHaveLength(1);
      clock.advance(TTL + 1);
      expect((await Promise.all(contenders.map((c) => c.acquire()))).filter(Boolean)).toHaveLength(1);
    }
  });

  it('survives a corrupt lease record: it is logged and replaced', async () => {
    const storage = new MemoryBotStorage();
    await storage.write({ 'lease/watcher': { holder: 42 } });
    const clock = new ManualClock(new Date('2026-03-02T09:00:00Z'));
    const { log, messages } = captureLog();
    const a = new StorageLease({ storage, identity: instanceIdentity(0, 'a'), clock, log, ttlMs: TTL });
    expect(await a.acquire()).toBe(true);
    expect(messages()).toContain('stored item has an unexpected shape and is ignored');
    expect(await lease(storage, clock, 'b').acquire()).toBe(false);
  });
});
