import { hostname } from 'node:os';
import type { Clock } from '../clock.js';
import type { BotStorage } from './contract.js';

/**
 * Storage is ready when it can be written as well as read: a read-only file or container answers reads and fails every
 * write (the watcher then never takes its lease). Writes one tiny heartbeat item per host, then reads it back.
 */
export function storageReadiness(storage: BotStorage, clock: Clock): () => Promise<void> {
  const key = `readiness/${
    hostname()
      .replace(/[^A-Za-z0-9.-]/g, '_')
      .slice(0, 100) || 'host'
  }`;
  return async () => {
    await storage.ping();
    const at = clock.now().toISOString();
    await storage.write({ [key]: { at } });
    const read = await storage.read([key]);
    if (!read[key]) throw new Error('a heartbeat item written to storage could not be read back');
  };
}
