import { createHash } from 'node:crypto';
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

/** The queue of one person: small entries only; each card is an item of its own (`pendingcard/<user>/<id>`). */
const pendingSchema = z.object({
  items: z.array(
    z.object({
      key: z.string(),
      /** Id of the card's own storage item. */
      card: z.string(),
      track: trackSchema.optional(),
      queuedAt: z.string(),
    }),
  ),
  /** Set when the queue became empty; the key is deleted some minutes later (see deleteIfLongEmpty). */
  emptySince: z.string().optional(),
});

type PendingDoc = z.infer<typeof pendingSchema>;
type Entry = PendingDoc['items'][number];

const cardSchema = z.object({ card: z.record(z.string(), z.unknown()) });

/** At most this many cards wait for one person; older ones are dropped (and logged) beyond it. */
const MAX_PER_USER = 50;

export function pendingKey(userAadObjectId: string): string {
  return `pending/${userAadObjectId.toLowerCase()}`;
}

function cardKey(userAadObjectId: string, key: string): string {
  const id = createHash('sha256').update(key).digest('hex').slice(0, 32);
  return `pendingcard/${userAadObjectId.toLowerCase()}/${id}`;
}

/**
 * Cards for people the bot cannot reach yet, sent when their reference arrives. The queue (`pending/<aadObjectId>`)
 * holds only keys and times, so queueing a card costs two small writes however many already wait; the cards are
 * items of their own. A card is written before its entry, so an entry never points at nothing for long.
 */
export class PendingQueue {
  constructor(
    private readonly storage: BotStorage,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  async list(userAadObjectId: string): Promise<PendingCard[]> {
    const doc = await readItem(this.storage, pendingKey(userAadObjectId), pendingSchema, this.log);
    const entries = doc?.value.items ?? [];
    if (entries.length === 0) return [];
    const cards = await this.storage.read(entries.map((e) => e.card));
    const listed: PendingCard[] = [];
    for (const entry of entries) {
      const parsed = cardSchema.safeParse(cards[entry.card]);
      if (!parsed.success) {
        this.log.warn({ key: entry.card }, 'a queued card is missing or unreadable and is skipped');
        continue;
      }
      listed.push({
        key: entry.key,
        card: parsed.data.card as CardJson,
        ...(entry.track ? { track: entry.track } : {}),
        queuedAt: entry.queuedAt,
      });
    }
    return listed;
  }

  /** People with queued cards (one storage listing; grows with the people waiting, not with cards sent). */
  async users(): Promise<string[]> {
    const keys = await this.storage.keys('pending/');
    return keys.map((k) => k.slice('pending/'.length));
  }

  /** Queues (or replaces, by key) a card for the person. */
  async enqueue(userAadObjectId: string, item: Omit<PendingCard, 'queuedAt'>): Promise<void> {
    const queuedAt = this.clock.now().toISOString();
    const card = cardKey(userAadObjectId, item.key);
    await this.storage.write({ [card]: { card: item.card as Record<string, unknown>, eTag: '*' } });
    let dropped: Entry[] = [];
    await this.change(userAadObjectId, (items) => {
      const rest = items.filter((i) => i.key !== item.key);
      const next = [...rest, { key: item.key, card, ...(item.track ? { track: item.track } : {}), queuedAt }];
      dropped = next.slice(0, Math.max(0, next.length - MAX_PER_USER));
      return next.slice(-MAX_PER_USER);
    });
    if (dropped.length > 0) {
      this.log.warn({ user: userAadObjectId, dropped: dropped.length }, 'dropping the oldest queued cards');
      await this.storage.delete(dropped.map((d) => d.card));
    }
  }

  /** Replaces the card of a queued item (a re-render after its subject changed); false when it is not queued. */
  async replaceCard(userAadObjectId: string, key: string, card: CardJson, version: string): Promise<boolean> {
    let entry: Entry | undefined;
    await this.change(userAadObjectId, (items) => {
      const index = items.findIndex((i) => i.key === key);
      if (index < 0) return undefined;
      entry = items[index];
      if (!entry.track) return undefined;
      return items.with(index, { ...entry, track: { ...entry.track, version } });
    });
    const found = entry as Entry | undefined;
    if (!found) return false;
    await this.storage.write({ [found.card]: { card: card as Record<string, unknown>, eTag: '*' } });
    return true;
  }

  async remove(userAadObjectId: string, key: string): Promise<void> {
    let removed: Entry | undefined;
    await this.change(userAadObjectId, (items) => {
      removed = items.find((i) => i.key === key);
      return removed ? items.filter((i) => i.key !== key) : undefined;
    });
    const gone = removed as Entry | undefined;
    if (gone) await this.storage.delete([gone.card]);
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
  private async change(userAadObjectId: string, edit: (items: Entry[]) => Entry[] | undefined): Promise<void> {
    await updateItem(this.storage, pendingKey(userAadObjectId), pendingSchema, this.log, (current) => {
      const next = edit(current?.items ?? []);
      if (!next) return UNCHANGED;
      return next.length > 0 ? { items: next } : { items: [], emptySince: this.clock.now().toISOString() };
    });
  }
}
