import { z } from 'zod';
import type { Clock } from '../../services/clock.js';
import type { Logger } from '../../services/log.js';
import { type BotStorage, StorageConflictError } from '../../services/storage/index.js';
import { type InstanceIdentity, isEarlierIncarnation, isMe } from './identity.js';
import { createIfAbsent, readItem } from './storeItem.js';

const leaseSchema = z.object({
  instance: z.string(),
  incarnation: z.string(),
  expiresAt: z.string(),
  acquiredAt: z.string(),
});

type LeaseRecord = z.infer<typeof leaseSchema>;

/** Whatever lets one instance at a time run the watcher's tick. */
export interface Lease {
  /** Takes the lease or renews it; false when another live instance holds it. */
  acquire(): Promise<boolean>;
  /** Gives the lease up (on shutdown) so another instance can take over without waiting for it to expire. */
  release(): Promise<void>;
}

export interface StorageLeaseOptions {
  storage: BotStorage;
  identity: InstanceIdentity;
  clock: Clock;
  log: Logger;
  ttlMs: number;
  key?: string;
}

/**
 * A lease in storage (`lease/watcher`: holder and expiry), taken and renewed under its eTag, so of several instances
 * exactly one wins. It is taken over when it expired by the clock, or at once when an earlier process of our own
 * instance held it (that process is dead: see identity.ts).
 */
export class StorageLease implements Lease {
  private readonly key: string;

  constructor(private readonly options: StorageLeaseOptions) {
    if (!(options.ttlMs > 0)) throw new Error('the lease needs a positive ttlMs');
    this.key = options.key ?? 'lease/watcher';
  }

  async acquire(): Promise<boolean> {
    const { storage, identity, log } = this.options;
    const current = await readItem(storage, this.key, leaseSchema, log);
    if (!current) {
      // First use of this storage (or an unreadable record): create it, holding it ourselves.
      return createIfAbsent(storage, this.key, this.record(undefined), leaseSchema, log);
    }
    const mine = isMe(identity, current.value);
    if (!mine && !this.takeable(current.value)) return false;
    try {
      await storage.write({ [this.key]: { ...this.record(mine ? current.value : undefined), eTag: current.eTag } });
    } catch (err) {
      if (!(err instanceof StorageConflictError)) throw err;
      // Someone wrote it first: another instance taking over, or our own concurrent renewal.
      const now = await readItem(storage, this.key, leaseSchema, log);
      return now !== undefined && isMe(identity, now.value);
    }
    if (!mine) log.info({ lease: this.key, from: current.value.instance }, 'took over the watcher lease');
    return true;
  }

  async release(): Promise<void> {
    const { storage, identity, log } = this.options;
    const current = await readItem(storage, this.key, leaseSchema, log);
    if (!current || !isMe(identity, current.value)) return;
    const expired = { ...current.value, expiresAt: new Date(0).toISOString() };
    await storage.write({ [this.key]: { ...expired, eTag: current.eTag } }).catch((err: unknown) => {
      if (!(err instanceof StorageConflictError)) throw err;
    });
  }

  private takeable(lease: LeaseRecord): boolean {
    if (isEarlierIncarnation(this.options.identity, lease)) return true;
    return (
      Date.parse(lease.expiresAt) <= this.options.clock.now().getTime() || Number.isNaN(Date.parse(lease.expiresAt))
    );
  }

  private record(renewing: LeaseRecord | undefined): LeaseRecord {
    const now = this.options.clock.now();
    return {
      instance: this.options.identity.instance,
      incarnation: this.options.identity.incarnation,
      expiresAt: new Date(now.getTime() + this.options.ttlMs).toISOString(),
      acquiredAt: renewing?.acquiredAt ?? now.toISOString(),
    };
  }
}
