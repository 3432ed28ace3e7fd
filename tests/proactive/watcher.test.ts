import { describe, expect, it } from 'vitest';
import { instanceIdentity } from '../../bot/proactive/identity.js';
import { StorageLease } from '../../bot/proactive/lease.js';
import type { WatchSource } from '../../bot/proactive/types.js';
import { eachIsolated, Watcher } from '../../bot/proactive/watcher.js';
import { systemClock } from '../../services/clock.js';
import { MemoryBotStorage } from '../../services/storage/memoryStorage.js';
import { captureLog } from './helpers.js';

function watcherOn(storage: MemoryBotStorage, instance: string, sources: WatchSource[], intervalSeconds = 3600) {
  const captured = captureLog();
  const lease = new StorageLease({
    storage,
    identity: instanceIdentity(0, instance),
    clock: systemClock,
    log: captured.log,
    ttlMs: 60_000,
  });
  return {
    watcher: new Watcher({ sources, intervalSeconds, lease, clock: systemClock, log: captured.log }),
    ...captured,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the watcher', () => {
  it('runs every source; a failing one is logged and the others still run', async () => {
    const ran: string[] = [];
    const sources: WatchSource[] = [
      { name: 'first', tick: async () => void ran.push('first') },
      {
        name: 'broken',
        tick: async () => {
          throw new Error('Graph said 500');
        },
      },
      { name: 'last', tick: async () => void ran.push('last') },
    ];
    const { watcher, lines } = watcherOn(new MemoryBotStorage(), 'a', sources);
    const report = await watcher.tickNow();
    expect(ran).toEqual(['first', 'last']);
    expect(report.sources.map((s) => [s.name, s.ok])).toEqual([
      ['first', true],
      ['broken', false],
      ['last', true],
    ]);
    const logged = lines.map((l) => JSON.parse(l));
    expect(logged.find((l) => l.msg === 'watch source failed')).toMatchObject({ source: 'broken' });
    expect(logged.find((l) => l.msg === 'watch tick')?.ms).toBeTypeOf('number');
  });

  it('never runs two ticks at once', async () => {
    let running = 0;
    let maxRunning = 0;
    const slow: WatchSource = {
      name: 'slow',
      tick: async () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await sleep(50);
        running--;
      },
    };
    const { watcher } = watcherOn(new MemoryBotStorage(), 'a', [slow]);
    await Promise.all([watcher.tickNow(), watcher.tickNow(), watcher.tickNow()]);
    expect(maxRunning).toBe(1);
  });

  it('skips the tick while another instance holds the lease, and takes over when it stops', async () => {
    const storage = new MemoryBotStorage();
    const ranOn: string[] = [];
    const a = watcherOn(storage, 'a', [{ name: 's', tick: async () => void ranOn.push('a') }]);
    const b = watcherOn(storage, 'b', [{ name: 's', tick: async () => void ranOn.push('b') }]);
    expect((await a.watcher.tickNow()).ran).toBe(true);
    expect((await b.watcher.tickNow()).ran).toBe(false);
    await a.watcher.stop();
    expect((await b.watcher.tickNow()).ran).toBe(true);
    expect(ranOn).toEqual(['a', 'b']);
  });

  it('ticks on its interval once started and stops cleanly', async () => {
    let ticks = 0;
    const { watcher } = watcherOn(new MemoryBotStorage(), 'a', [{ name: 's', tick: async () => void ticks++ }], 0.02);
    watcher.start();
    await sleep(200);
    await watcher.stop();
    const after = ticks;
    expect(after).toBeGreaterThanOrEqual(3);
    await sleep(60);
    expect(ticks).toBe(after);
  });

  it('eachIsolated goes on after a failing item and counts the failures', async () => {
    const { log } = captureLog();
    const done: number[] = [];
    const failed = await eachIsolated(
      [1, 2, 3, 4],
      async (n) => {
        if (n % 2 === 0) throw new Error(`item ${n}`);
        done.push(n);
      },
      log,
      'numbers',
    );
    expect(failed).toBe(2);
    expect(done).toEqual([1, 3]);
  });
});
