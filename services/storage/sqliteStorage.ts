import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { StoreItems } from 'botbuilder';
import {
  assertChanges,
  assertKeys,
  type BotStorage,
  isConditionalEtag,
  isPlainJsonObject,
  reportCorruptItem,
  StorageConflictError,
  type StorageLogger,
} from './contract.js';

export interface SqliteStorageOptions {
  log?: StorageLogger;
  /** How long a write waits for another process holding the file's write lock. */
  busyTimeoutMs?: number;
  now?: () => number;
}

interface ItemRow {
  id: string;
  etag: string;
  json: string;
}

interface PendingWrite {
  key: string;
  eTag: unknown;
  json: string;
}

const SCHEMA = `CREATE TABLE IF NOT EXISTS items (
  id TEXT PRIMARY KEY,
  etag TEXT NOT NULL,
  json TEXT NOT NULL,
  updated_at INTEGER
)`;

/** Storage in one SQLite file (WAL); several processes may share the file. */
export class SqliteStorage implements BotStorage {
  private readonly db: Database.Database;
  private readonly sql: Statements;
  private readonly log?: StorageLogger;
  private readonly now: () => number;
  private readonly applyWrites: Database.Transaction<(writes: PendingWrite[]) => void>;

  constructor(
    readonly path: string,
    options: SqliteStorageOptions = {},
  ) {
    this.log = options.log;
    this.now = options.now ?? Date.now;
    this.db = openDatabase(path, options.busyTimeoutMs ?? 5000);
    this.sql = prepareStatements(this.db);
    this.applyWrites = this.db.transaction((writes: PendingWrite[]) => {
      for (const pending of writes) this.writeRow(pending);
    });
  }

  async read(keys: string[]): Promise<StoreItems> {
    assertKeys(keys, 'read');
    if (keys.length === 0) return {};
    this.openDb();
    const rows = this.sql.selectMany.all(JSON.stringify(keys));
    const items: StoreItems = {};
    for (const row of rows) {
      const value = this.parseRow(row);
      if (value) items[row.id] = value;
    }
    return items;
  }

  async write(changes: StoreItems): Promise<void> {
    assertChanges(changes);
    const writes = Object.entries(changes).map(([key, item]) => toPendingWrite(key, item));
    if (writes.length === 0) return;
    this.openDb();
    // IMMEDIATE takes the write lock up front, so a concurrent process waits (busy_timeout) instead of failing.
    this.applyWrites.immediate(writes);
  }

  async delete(keys: string[]): Promise<void> {
    assertKeys(keys, 'delete');
    if (keys.length === 0) return;
    this.openDb();
    this.sql.deleteMany.run(JSON.stringify(keys));
  }

  async keys(prefix: string): Promise<string[]> {
    if (typeof prefix !== 'string') throw new TypeError('storage keys(prefix) needs a string prefix');
    this.openDb();
    return this.sql.selectKeys.all(prefix, prefix).map((row) => row.id);
  }

  async ping(): Promise<void> {
    this.openDb();
    this.sql.ping.all();
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  private writeRow({ key, eTag, json }: PendingWrite): void {
    const current = this.sql.selectEtag.get(key);
    if (current && isConditionalEtag(eTag) && current.etag !== eTag) {
      throw new StorageConflictError(key);
    }
    this.sql.upsert.run(key, randomUUID(), json, this.now());
  }

  private parseRow(row: ItemRow): StoreItems | undefined {
    try {
      const value: unknown = JSON.parse(row.json);
      if (!isPlainJsonObject(value)) throw new Error('stored value is not a JSON object');
      return { ...value, eTag: row.etag };
    } catch (error) {
      reportCorruptItem(this.log, 'sqlite', row.id, error);
      return undefined;
    }
  }

  private openDb(): Database.Database {
    if (!this.db.open) throw new Error(`SQLite storage ${this.path} is closed`);
    return this.db;
  }
}

type Statements = ReturnType<typeof prepareStatements>;

function prepareStatements(db: Database.Database) {
  return {
    selectMany: db.prepare<[string], ItemRow>(
      'SELECT id, etag, json FROM items WHERE id IN (SELECT value FROM json_each(?))',
    ),
    selectEtag: db.prepare<[string], { etag: string }>('SELECT etag FROM items WHERE id = ?'),
    selectKeys: db.prepare<[string, string], { id: string }>(
      'SELECT id FROM items WHERE substr(id, 1, length(?)) = ? ORDER BY id',
    ),
    upsert: db.prepare<[string, string, string, number]>(
      `INSERT INTO items (id, etag, json, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT(id) DO UPDATE SET etag = excluded.etag, json = excluded.json, updated_at = excluded.updated_at`,
    ),
    deleteMany: db.prepare<[string]>('DELETE FROM items WHERE id IN (SELECT value FROM json_each(?))'),
    ping: db.prepare('SELECT 1 FROM items LIMIT 1'),
  };
}

function toPendingWrite(key: string, item: StoreItems[string]): PendingWrite {
  const { eTag, ...value } = item;
  try {
    return { key, eTag, json: JSON.stringify(value) };
  } catch (error) {
    throw new TypeError(`storage item "${key}" cannot be serialized to JSON: ${(error as Error).message}`);
  }
}

function openDatabase(path: string, busyTimeoutMs: number): Database.Database {
  let db: Database.Database | undefined;
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    db = new Database(path);
    db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(busyTimeoutMs))}`);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec(SCHEMA);
    return db;
  } catch (error) {
    db?.close();
    throw new Error(`cannot open SQLite storage at ${path}: ${(error as Error).message}`);
  }
}
