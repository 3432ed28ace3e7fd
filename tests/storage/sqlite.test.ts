import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { StorageConflictError } from '../../services/storage/index.js';
import { SqliteStorage } from '../../services/storage/sqliteStorage.js';
import { incrementWithRetry } from './counter.js';
import { describeStorageContract } from './storageContract.js';

const root = mkdtempSync(join(tmpdir(), 'sqlite-storage-'));
let fileCounter = 0;
const freshPath = () => join(root, `db-${++fileCounter}`, 'bot.db');

afterAll(() => rmSync(root, { recursive: true, force: true }));

describeStorageContract('sqlite', async () => new SqliteStorage(freshPath()), { atomicBatchWrites: true });

describe('SqliteStorage', () => {
  const opened: SqliteStorage[] = [];
  const open = (path: string, options?: ConstructorParameters<typeof SqliteStorage>[1]) => {
    const storage = new SqliteStorage(path, options);
    opened.push(storage);
    return storage;
  };
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
  });

  it('creates the parent folder and a WAL-mode file with the items table', async () => {
    const path = join(root, 'nested', 'deeper', 'bot.db');
    await open(path).write({ k: { v: 1 } });
    const raw = new Database(path, { readonly: true });
    try {
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
      const row = raw.prepare('SELECT id, etag, json, updated_at FROM items').get() as Record<string, unknown>;
      expect(row).toMatchObject({ id: 'k', json: '{"v":1}' });
      expect(typeof row.etag).toBe('string');
    } finally {
      raw.close();
    }
  });

  it('stamps updated_at from the injected clock', async () => {
    const path = freshPath();
    await open(path, { now: () => 1_700_000_000_000 }).write({ k: { v: 1 } });
    const raw = new Database(path, { readonly: true });
    expect(raw.prepare('SELECT updated_at FROM items').pluck().get()).toBe(1_700_000_000_000);
    raw.close();
  });

  it('keeps data across close and reopen', async () => {
    const path = freshPath();
    const first = open(path);
    await first.write({ 'user:1': { name: 'Megan' } });
    const { eTag } = (await first.read(['user:1']))['user:1'];
    await first.close();
    const reopened = open(path);
    expect((await reopened.read(['user:1']))['user:1']).toEqual({ name: 'Megan', eTag });
    expect(await reopened.keys('user:')).toEqual(['user:1']);
  });

  it('honours eTags between two instances on the same file', async () => {
    const path = freshPath();
    const a = open(path);
    const b = open(path);
    await a.write({ k: { v: 0 } });
    const seenByA = (await a.read(['k'])).k;
    const seenByB = (await b.read(['k'])).k;
    await b.write({ k: { v: 'from b', eTag: seenByB.eTag } });
    await expect(a.write({ k: { v: 'from a', eTag: seenByA.eTag } })).rejects.toBeInstanceOf(StorageConflictError);
    expect((await a.read(['k'])).k.v).toBe('from b');
  });

  it('skips and reports corrupt rows without failing the read of other keys', async () => {
    const path = freshPath();
    const warn = vi.fn();
    const storage = open(path, { log: { warn } });
    await storage.write({ good: { v: 1 } });
    const raw = new Database(path);
    raw.prepare("INSERT INTO items (id, etag, json) VALUES ('broken', 'e1', '{\"secret\": tru')").run();
    raw.prepare("INSERT INTO items (id, etag, json) VALUES ('array', 'e2', '[1,2]')").run();
    raw.close();

    const read = await storage.read(['broken', 'good', 'array']);
    expect(Object.keys(read)).toEqual(['good']);
    const reported = warn.mock.calls.map(([fields]) => fields.key).sort();
    expect(reported).toEqual(['array', 'broken']);
    expect(JSON.stringify(warn.mock.calls)).not.toContain('secret');
    await storage.write({ broken: { v: 'repaired' } });
    expect((await storage.read(['broken'])).broken.v).toBe('repaired');
  });

  it('rejects an item that cannot be serialized, writing nothing from its batch', async () => {
    const storage = open(freshPath());
    await expect(storage.write({ ok: { v: 1 }, bad: { n: 10n } })).rejects.toThrow(/"bad" cannot be serialized/);
    expect(await storage.keys('')).toEqual([]);
  });

  it('fails clearly after close and when the path cannot be opened', async () => {
    const storage = open(freshPath());
    await storage.close();
    await expect(storage.read(['k'])).rejects.toThrow(/is closed/);
    await expect(storage.ping()).rejects.toThrow(/is closed/);
    const folder = join(root, 'a-folder');
    mkdirSync(folder, { recursive: true });
    expect(() => new SqliteStorage(folder)).toThrow(/cannot open SQLite storage at .*a-folder/);
  });

  it('stays consistent while another process writes the same file', async () => {
    const path = freshPath();
    const storage = open(path);
    await storage.write({ counter: { count: 0 } });
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', resolve(import.meta.dirname, 'fixtures/sqliteCounterWriter.ts'), path, 'counter', '150'],
      { cwd: resolve(import.meta.dirname, '../..'), stdio: ['pipe', 'pipe', 'inherit'] },
    );
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    expect((await lines.next()).value).toBe('ready');
    child.stdin.write('go\n');
    await incrementWithRetry(storage, 'counter', 150);
    const childResult = (await lines.next()).value;
    expect(childResult).toMatch(/^done \d+$/);
    expect((await storage.read(['counter'])).counter.count).toBe(300);
  }, 15_000);
});
