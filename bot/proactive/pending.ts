import { z } from 'zod';
import type { Clock } from '../../services/clock.js';
import type { Logger } from '../../services/log.js';
import type { BotStorage } from '../../services/storage/index.js';
import type { CardJson } from '../invokeResponse.js';
import { readItem, UNCHANGED, updateItem } from './storeItem.js';

/** What a queued card becomes once delivered: a tracked copy of `subject`. */
export interface TrackSpec {
  subject: string;
  role: string;
  version: string;
}

export interface PendingCard {
  /** The notification's de-duplication key. */
  key: string;
  card: CardJson;
  track?: TrackSpec;
  queuedAt: string;
}

const trackSchema = z.object({ subject: z.string(), role: z.string(), version: z.string() });

const pendingSchema = z.object({
  items: z.array(
    z.object({
      key: z.string(),
      card: z.record(z.string(), z.unknown()),
      track: trackSchema.optional(),
      queuedAt: z.string(),
    }),
  ),
  /** Set when the queue became empty; the key is deleted some minutes later (see deleteIfLongEmpty). */
  emptySince: z.string().optional(),
});

type PendingDoc = z.infer<typeof pendingSchema>;

/** At most this many cards wait for one person; older ones are dropped (and logged) beyond it. */
const MAX_PER_USER = 50;

export function pendingKey(userAadObjectId: string): string {
  return `pending/${userAadObjectId.toLowerCase()}`;
}

/** Cards for people the bot cannot reach yet (`pending/<aadObjectId>`), sent when their reference arrives. */
export class PendingQueue {
  constructor(
    private readonly storage: BotStorage,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  async list(userAadObjectId: string): Promise<PendingCard[]> {
    const doc = await readItem(this.storage, pendingKey(userAadObjectId), pendingSchema, this.log);
    return doc?.value.items ?? [];
  }

  /** People with queued cards (one storage listing; grows with the people waiting, not with cards sent). */
  async users(): Promise<string[]> {
    const keys = await this.storage.keys('pending/');
    return keys.map((k) => k.slice('pending/'.length));
  }

  /** Queues (or replaces, by key) a card for the person. */
  async enqueue(userAadObjectId: string, item: Omit<PendingCard, 'queuedAt'>): Promise<void> {
    const queuedAt = this.clock.now().toISOString();
    await this.change(userAadObjectId, (items) => {
      const rest = items.filter((i) => i.key !== item.key);
      const next = [...rest, { ...item, card: item.card as Record<string, unknown>, queuedAt }];
      if (next.length > MAX_PER_USER) {
        this.log.warn(
          { user: userAadObjectId, dropped: next.length - MAX_PER_USER },
          'dropping the oldest queued cards',
        );
      }
      return next.slice(-MAX_PER_USER);
    });
  }

  /** Replaces the card of a queued item (a re-render after its subject changed); false when it is not queued. */
  async replaceCard(userAadObjectId: string, key: string, card: CardJson, version: string): Promise<boolean> {
    let found = false;
    await this.change(userAadObjectId, (items) => {
      const index = items.findIndex((i) => i.key === key);
      if (index < 0) return undefined;
      found = true;
      const item = items[index];
      const track = item.track ? { ...item.track, version } : undefined;
      return items.with(index, { ...item, card: card as Record<string, unknown>, ...(track ? { track } : {}) });
    });
    return found;
  }

  async remove(userAadObjectId: string, key: string): Promise<void> {
    await this.change(userAadObjectId, (items) =>
      items.some((i) => i.key === key) ? items.filter((i) => i.key !== key) : undefined,
    );
  }

  /**
   * Deletes the queue when it has been empty for `graceMs`. Deletes are not eTag-guarded, so the grace keeps a
   * delete from racing an enqueue that was under way when the queue emptied.
   */
  async deleteIfLongEmpty(userAadObjectId: string, graceMs: number): Promise<void> {
    const key = pendingKey(userAadObjectId);
    const doc = await readItem(this.storage, key, pendingSchema, this.log);
    if (!doc) {
      // Missing, or unreadable (logged by readItem): removed so it is not read again every tick.
      await this.storage.delete([key]);
      return;
    }
    const since = doc.value.emptySince ? Date.parse(doc.value.emptySince) : Number.NaN;
    if (doc.value.items.length > 0 || !(this.clock.now().getTime() - since >= graceMs)) return;
    await this.storage.delete([key]);
  }

  /** `edit` returns the new list, or undefined to leave the queue as it is. */
  private async change(
    userAadObjectId: string,
    edit: (items: PendingDoc['items']) => PendingDoc['items'] | undefined,
  ): Promise<void> {
    await updateItem(this.storage, pendingKey(userAadObjectId), pendingSchema, this.log, (current) => {
      const next = edit(current?.items ?? []);
      if (!next) return UNCHANGED;
      return next.length > 0 ? { items: next } : { items: [], emptySince: this.clock.now().toISOString() };
    });
  }
}
