import { type BotStorage, StorageConflictError } from '../../services/storage/index.js';

/** Adds `times` to the number at `key`, re-reading and retrying whenever another writer got there first. */
export async function incrementWithRetry(storage: BotStorage, key: string, times: number): Promise<number> {
  let conflicts = 0;
  for (let done = 0; done < times; ) {
    const current = (await storage.read([key]))[key];
    if (!current) throw new Error(`${key} must exist before it is incremented`);
    const next = { count: current.count + 1, eTag: current.eTag };
    try {
      await storage.write({ [key]: next });
      done++;
    } catch (error) {
      if (!(error instanceof StorageConflictError)) throw error;
      if (++conflicts > 10_000) throw new Error('gave up: too many eTag conflicts');
    }
  }
  return conflicts;
}
