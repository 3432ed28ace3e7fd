import type { z } from 'zod';
import type { Logger } from '../../services/log.js';
import { type BotStorage, StorageConflictError } from '../../services/storage/index.js';

/**
 * Typed, eTag-guarded access to one storage item. A stored value that does not match its schema is logged and
 * treated as missing, so one bad row never stops the machinery.
 */

/** An eTag no backend ever issues: a write carrying it creates a missing key and conflicts with an existing one. */
export const CREATE_ONLY_ETAG = 'create-only';

export interface Stored<T> {
  value: T;
  eTag: string;
}

export async function readItem<T>(
  storage: BotStorage,
  key: string,
  schema: z.ZodType<T>,
  log: Logger,
): Promise<Stored<T> | undefined> {
  const items = await storage.read([key]);
  const raw = items[key] as Record<string, unknown> | undefined;
  if (!raw) return undefined;
  const { eTag, ...rest } = raw;
  const parsed = schema.safeParse(rest);
  if (!parsed.success) {
    log.warn({ key, issue: parsed.error.issues[0]?.message }, 'stored item has an unexpected shape and is ignored');
    return undefined;
  }
  return { value: parsed.data, eTag: typeof eTag === 'string' ? eTag : '' };
}

/**
 * Writes `value` only if `key` does not exist yet (or exists but is unreadable). Returns false when another writer
 * created it first.
 */
export async function createIfAbsent<T extends object>(
  storage: BotStorage,
  key: string,
  value: T,
  schema: z.ZodType<T>,
  log: Logger,
): Promise<boolean> {
  try {
    await storage.write({ [key]: { ...value, eTag: CREATE_ONLY_ETAG } });
    return true;
  } catch (err) {
    if (!(err instanceof StorageConflictError)) throw err;
  }
  // The key exists. If it is unreadable (corrupt row or blob) or has a foreign shape, it counts as absent.
  const raw = (await storage.read([key]))[key] as Record<string, unknown> | undefined;
  if (raw && schema.safeParse(withoutEtag(raw)).success) return false;
  log.warn({ key }, 'replacing an unreadable storage item');
  try {
    // Unparseable items read as missing, so there is no eTag to guard the overwrite with.
    await storage.write({ [key]: { ...value, ...(raw ? { eTag: String(raw.eTag ?? '') } : {}) } });
    return true;
  } catch (err) {
    if (err instanceof StorageConflictError) return false;
    throw err;
  }
}

function withoutEtag(raw: Record<string, unknown>): Record<string, unknown> {
  const { eTag: _eTag, ...rest } = raw;
  return rest;
}

export const UNCHANGED = Symbol('unchanged');

export interface UpdateOptions {
  attempts?: number;
}

/**
 * Read-modify-write under the item's eTag, retried on conflict. `change` gets the current value (undefined when
 * missing or unreadable) and returns the new value, or UNCHANGED to write nothing. Returns what is stored afterwards.
 */
export async function updateItem<T extends object>(
  storage: BotStorage,
  key: string,
  schema: z.ZodType<T>,
  log: Logger,
  change: (current: T | undefined) => T | typeof UNCHANGED,
  options: UpdateOptions = {},
): Promise<T | undefined> {
  const attempts = options.attempts ?? 10;
  for (let attempt = 1; ; attempt++) {
    const current = await readItem(storage, key, schema, log);
    const next = change(current?.value);
    if (next === UNCHANGED) return current?.value;
    try {
      if (current) await storage.write({ [key]: { ...next, eTag: current.eTag } });
      else if (!(await createIfAbsent(storage, key, next, schema, log))) throw new StorageConflictError(key);
      return next;
    } catch (err) {
      if (!(err instanceof StorageConflictError) || attempt >= attempts) throw err;
      await sleep(Math.random() * 10 * attempt);
    }
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
