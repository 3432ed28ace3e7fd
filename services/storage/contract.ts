import type { Storage, StoreItems } from 'botbuilder';

/** botbuilder's Storage plus what the watcher, card registry and /readyz need. */
export interface BotStorage extends Storage {
  /** Keys of all stored items whose key starts with `prefix`, sorted. */
  keys(prefix: string): Promise<string[]>;
  /** Resolves when the backing store answers; rejects otherwise. */
  ping(): Promise<void>;
  close?(): Promise<void>;
}

/** The pino-compatible subset storage needs. */
export interface StorageLogger {
  warn(obj: object, msg: string): void;
}

/**
 * Thrown on a write whose eTag no longer matches. The message keeps botbuilder's wording ("eTag conflict"),
 * which TeamsSSOTokenExchangeMiddleware looks for to de-duplicate token exchanges.
 */
export class StorageConflictError extends Error {
  override readonly name = 'StorageConflictError';
  constructor(readonly key: string) {
    super(`Storage: error writing "${key}" due to eTag conflict.`);
  }
}

export function isEtagConflictMessage(error: unknown): boolean {
  return error instanceof Error && /etag conflict/i.test(error.message);
}

export function conflictKeyFromMessage(error: Error, fallbackKey: string): string {
  return /writing "(.*)" due to eTag conflict/s.exec(error.message)?.[1] ?? fallbackKey;
}

export function reportCorruptItem(log: StorageLogger | undefined, store: string, key: string, error: unknown): void {
  const reason = error instanceof Error ? error.message : String(error);
  log?.warn({ store, key, reason }, 'storage item is unreadable and is treated as missing');
}

export function assertKeys(keys: unknown, operation: 'read' | 'delete'): asserts keys is string[] {
  if (!Array.isArray(keys)) {
    throw new TypeError(`storage ${operation} needs an array of keys`);
  }
  for (const key of keys) assertKey(key);
}

export function assertKey(key: unknown): asserts key is string {
  if (typeof key !== 'string' || key.length === 0) {
    throw new TypeError(`storage keys must be non-empty strings; got ${JSON.stringify(key) ?? String(key)}`);
  }
}

export function assertChanges(changes: unknown): asserts changes is StoreItems {
  if (typeof changes !== 'object' || changes === null || Array.isArray(changes)) {
    throw new TypeError('storage write needs an object mapping keys to items');
  }
  for (const [key, item] of Object.entries(changes)) {
    assertKey(key);
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      throw new TypeError(`storage item "${key}" must be an object`);
    }
    const eTag: unknown = (item as { eTag?: unknown }).eTag;
    if (eTag !== undefined && eTag !== null && typeof eTag !== 'string') {
      throw new TypeError(`storage item "${key}" has a non-string eTag`);
    }
  }
}

/** True when the write must match the stored eTag; '*', '' and no eTag write unconditionally. */
export function isConditionalEtag(eTag: unknown): eTag is string {
  return typeof eTag === 'string' && eTag !== '' && eTag !== '*';
}

export function isPlainJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Azure's container naming rule. */
export function isValidContainerName(name: string): boolean {
  return /^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$/.test(name);
}
