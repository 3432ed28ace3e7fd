import { afterEach, describe, expect, it } from 'vitest';
import { type BotStorage, StorageConflictError } from '../../services/storage/index.js';
import { incrementWithRetry } from './counter.js';

export interface ContractOptions {
  /** A batch with one conflicting item writes nothing (true for sqlite and memory; blob writes per key). */
  atomicBatchWrites: boolean;
}

function withoutEtag(item: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!item) return item;
  const { eTag: _eTag, ...rest } = item;
  return rest;
}

export function describeStorageContract(
  name: string,
  create: () => Promise<BotStorage>,
  options: ContractOptions,
): void {
  describe(`${name} storage contract`, () => {
    const opened: BotStorage[] = [];
    const open = async () => {
      const storage = await create();
      opened.push(storage);
      return storage;
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((s) => s.close?.()));
    });

    it('reads back what was written, with an eTag, and omits missing keys', async () => {
      const storage = await open();
      const item = { name: 'Finance', nested: { ids: [1, 2, 3], ok: true, none: null } };
      await storage.write({ pkg: item });
      const read = await storage.read(['pkg', 'missing']);
      expect(Object.keys(read)).toEqual(['pkg']);
      expect(withoutEtag(read.pkg)).toEqual(item);
      expect(typeof read.pkg.eTag).toBe('string');
      expect(read.pkg.eTag.length).toBeGreaterThan(0);
      expect(await storage.read([])).toEqual({});
    });

    it('gives a new eTag on every write and never stores the eTag it was given', async () => {
      const storage = await open();
      await storage.write({ k: { v: 1, eTag: '*' } });
      const first = (await storage.read(['k'])).k;
      expect(first.eTag).not.toBe('*');
      await storage.write({ k: { v: 2, eTag: first.eTag } });
      const second = (await storage.read(['k'])).k;
      expect(second.v).toBe(2);
      expect(second.eTag).not.toBe(first.eTag);
    });

    it('rejects a write with a stale eTag with StorageConflictError and keeps the newer value', async () => {
      const storage = await open();
      await storage.write({ k: { v: 1 } });
      const stale = (await storage.read(['k'])).k;
      await storage.write({ k: { v: 2, eTag: stale.eTag } });
      const attempt = storage.write({ k: { v: 3, eTag: stale.eTag } });
      await expect(attempt).rejects.toBeInstanceOf(StorageConflictError);
      await expect(attempt).rejects.toMatchObject({ key: 'k', message: expect.stringMatching(/eTag conflict/) });
      expect((await storage.read(['k'])).k.v).toBe(2);
    });

    it("writes unconditionally with eTag '*' or with no eTag", async () => {
      const storage = await open();
      await storage.write({ k: { v: 1 } });
      await storage.write({ k: { v: 2, eTag: '*' } });
      expect((await storage.read(['k'])).k.v).toBe(2);
      await storage.write({ k: { v: 3 } });
      expect((await storage.read(['k'])).k.v).toBe(3);
    });

    it('creates a missing key written with an eTag once, then conflicts (Teams SSO de-duplication)', async () => {
      const storage = await open();
      const exchange = { 'sso/exchange-1': { eTag: 'exchange-id-1' } };
      await storage.write(exchange);
      expect(Object.keys(await storage.read(['sso/exchange-1']))).toEqual(['sso/exchange-1']);
      await expect(storage.write({ 'sso/exchange-1': { eTag: 'exchange-id-1' } })).rejects.toBeInstanceOf(
        StorageConflictError,
      );
    });

    it('reports a conflict in a batch write', async () => {
      const storage = await open();
      await storage.write({ a: { v: 1 }, b: { v: 1 } });
      const { a, b } = await storage.read(['a', 'b']);
      await storage.write({ b: { v: 2, eTag: b.eTag } });
      await expect(storage.write({ a: { v: 9, eTag: a.eTag }, b: { v: 9, eTag: b.eTag } })).rejects.toBeInstanceOf(
        StorageConflictError,
      );
      const after = await storage.read(['a', 'b']);
      expect(after.b.v).toBe(2);
      if (options.atomicBatchWrites) expect(after.a.v).toBe(1);
    });

    it('deletes items, and deleting a missing key is fine', async () => {
      const storage = await open();
      await storage.write({ a: { v: 1 }, b: { v: 2 } });
      await storage.delete(['a', 'never-written']);
      expect(Object.keys(await storage.read(['a', 'b']))).toEqual(['b']);
      expect(await storage.keys('')).toEqual(['b']);
      await storage.delete([]);
    });

    it('ends with the exact sum after parallel read-modify-write loops that retry on conflict', async () => {
      const storage = await open();
      const writers = 6;
      const perWriter = 5;
      // Storage has no create-only write, so racing creations of a missing key are last-writer-wins: seed it first.
      await storage.write({ counter: { count: 0 } });
      const conflicts = await Promise.all(
        Array.from({ length: writers }, () => incrementWithRetry(storage, 'counter', perWriter)),
      );
      expect((await storage.read(['counter'])).counter.count).toBe(writers * perWriter);
      expect(conflicts.reduce((sum, n) => sum + n, 0)).toBeGreaterThan(0);
    });

    it('stores a ~200 kB item with non-ASCII text intact', async () => {
      const storage = await open();
      const text = 'Zugriff ✓ 😀 '.repeat(16_000);
      await storage.write({ big: { text, list: Array.from({ length: 500 }, (_, i) => `item-${i}`) } });
      const read = (await storage.read(['big'])).big;
      expect(read.text).toBe(text);
      expect(read.list).toHaveLength(500);
      expect(Buffer.byteLength(JSON.stringify(read))).toBeGreaterThan(200_000);
    });

    it('lists keys by prefix, sorted, without other prefixes or deleted keys', async () => {
      const storage = await open();
      expect(await storage.keys('user:')).toEqual([]);
      await storage.write({
        'user:2': { v: 1 },
        'user:10': { v: 1 },
        'user:1': { v: 1 },
        'userx:1': { v: 1 },
        'card:1': { v: 1 },
      });
      expect(await storage.keys('user:')).toEqual(['user:1', 'user:10', 'user:2']);
      expect(await storage.keys('card:')).toEqual(['card:1']);
      expect(await storage.keys('nothing')).toEqual([]);
      await storage.delete(['user:10']);
      expect(await storage.keys('user:1')).toEqual(['user:1']);
      expect(await storage.keys('')).toHaveLength(4);
    });

    it('keeps keys with / : | % ? # spaces and unicode distinct and listable', async () => {
      const storage = await open();
      const keys = [
        'conversation/19:abc@thread.v2|msteams',
        'conversation/a/b',
        'conversation/a%2Fb',
        'conversation/ü ñ 😀 #?&=',
        'conversation/x:y',
      ];
      await storage.write(Object.fromEntries(keys.map((key, i) => [key, { index: i }])));
      const read = await storage.read(keys);
      expect(keys.map((key) => read[key]?.index)).toEqual([0, 1, 2, 3, 4]);
      expect(await storage.keys('conversation/')).toEqual([...keys].sort());
      expect(await storage.keys('conversation/a')).toEqual(['conversation/a%2Fb', 'conversation/a/b'].sort());
    });

    it('rejects bad input with a TypeError instead of crashing', async () => {
      const storage = await open();
      await expect(storage.read('k' as any)).rejects.toBeInstanceOf(TypeError);
      await expect(storage.read([''])).rejects.toThrow(/non-empty/);
      await expect(storage.write({ k: null })).rejects.toThrow(/must be an object/);
      await expect(storage.write({ k: { eTag: 42 } })).rejects.toThrow(/eTag/);
      await expect(storage.write(null as any)).rejects.toBeInstanceOf(TypeError);
      await expect(storage.delete(undefined as any)).rejects.toBeInstanceOf(TypeError);
      await expect(storage.keys(undefined as any)).rejects.toBeInstanceOf(TypeError);
    });

    it('answers ping', async () => {
      const storage = await open();
      await expect(storage.ping()).resolves.toBeUndefined();
    });
  });
}
