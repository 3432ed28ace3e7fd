import { z } from 'zod';
import type { Clock } from '../../services/clock.js';
import type { Logger } from '../../services/log.js';
import type { BotStorage } from '../../services/storage/index.js';
import type { CardJson } from '../invokeResponse.js';
import type { PendingQueue } from './pending.js';
import { readItem, UNCHANGED, updateItem } from './storeItem.js';
import type { CardRegistry, Messenger, SubjectKey, TrackedCard } from './types.js';

const trackedSchema = z.object({
  subject: z.string(),
  userAadObjectId: z.string(),
  activityId: z.string().min(1),
  conversationId: z.string(),
  role: z.string(),
  version: z.string(),
  updatedAt: z.string(),
}) satisfies z.ZodType<TrackedCard>;

/** A card of the subject that waits in a person's pending queue (they could not be reached yet). */
const queuedCopySchema = z.object({
  userAadObjectId: z.string(),
  key: z.string(),
  role: z.string(),
  version: z.string(),
});

export type QueuedCopy = z.infer<typeof queuedCopySchema>;

const subjectSchema = z.object({
  copies: z.array(trackedSchema),
  queued: z.array(queuedCopySchema).optional(),
});

type SubjectDoc = z.infer<typeof subjectSchema>;

/** How many copies are updated at the same time. */
const UPDATE_CONCURRENCY = 4;

export function subjectKey(subject: SubjectKey): string {
  if (typeof subject !== 'string' || subject.length === 0 || subject.length > 400) {
    throw new TypeError('a card subject must be a non-empty string of at most 400 characters');
  }
  return `cards/${subject}`;
}

export interface StorageCardRegistryOptions {
  storage: BotStorage;
  messenger: Messenger;
  clock: Clock;
  log: Logger;
  /** Lets refreshAll re-render cards still waiting for people the bot cannot reach yet. */
  pending?: PendingQueue;
}

/** Every copy of every card that must stay true, per subject (`cards/<subject>`), kept current by refreshAll. */
export class StorageCardRegistry implements CardRegistry {
  constructor(private readonly options: StorageCardRegistryOptions) {}

  async track(card: Omit<TrackedCard, 'updatedAt'>): Promise<void> {
    const copy: TrackedCard = { ...card, updatedAt: this.now() };
    await this.change(card.subject, (doc) => ({
      ...doc,
      copies: [...doc.copies.filter((c) => !sameCopy(c, copy)), copy],
    }));
  }

  async copies(subject: SubjectKey): Promise<TrackedCard[]> {
    return (await this.read(subject)).copies;
  }

  async refreshAll(
    subject: SubjectKey,
    version: string,
    render: (copy: TrackedCard) => CardJson | undefined,
    except?: { userAadObjectId: string; activityId: string },
  ): Promise<number> {
    const doc = await this.read(subject);
    const stale = doc.copies.filter((c) => c.version !== version && !(except && sameCopy(c, except)));
    const updated = await mapLimited(stale, UPDATE_CONCURRENCY, (copy) => this.updateCopy(copy, render));
    const done = stale.filter((_, i) => updated[i]);
    const shownByInvoke = except ? doc.copies.filter((c) => sameCopy(c, except) && c.version !== version) : [];
    const requeued = await this.rerenderQueued(doc.queued ?? [], subject, version, render);
    if (done.length + shownByInvoke.length + requeued.length > 0) {
      await this.markVersion(subject, [...done, ...shownByInvoke], requeued, version);
    }
    return done.length;
  }

  async forget(subject: SubjectKey): Promise<void> {
    await this.options.storage.delete([subjectKey(subject)]);
  }

  /** Notes that the subject has a card waiting in the person's pending queue under `key`. */
  async trackQueued(subject: SubjectKey, queued: QueuedCopy): Promise<void> {
    await this.change(subject, (doc) => ({
      ...doc,
      queued: [...(doc.queued ?? []).filter((q) => q.key !== queued.key), queued],
    }));
  }

  async untrackQueued(subject: SubjectKey, key: string): Promise<void> {
    await this.change(subject, (doc) =>
      doc.queued?.some((q) => q.key === key) ? { ...doc, queued: doc.queued.filter((q) => q.key !== key) } : undefined,
    );
  }

  private async updateCopy(copy: TrackedCard, render: (copy: TrackedCard) => CardJson | undefined): Promise<boolean> {
    const { messenger, log } = this.options;
    try {
      const card = render(copy);
      if (!card) return false;
      await messenger.updateCard(copy.userAadObjectId, copy.activityId, card);
      return true;
    } catch (err) {
      log.warn({ err, subject: copy.subject, user: copy.userAadObjectId }, 'could not update a copy of a card');
      return false;
    }
  }

  private async rerenderQueued(
    queued: QueuedCopy[],
    subject: SubjectKey,
    version: string,
    render: (copy: TrackedCard) => CardJson | undefined,
  ): Promise<string[]> {
    const { pending, log } = this.options;
    const rerendered: string[] = [];
    if (!pending) return rerendered;
    for (const q of queued.filter((item) => item.version !== version)) {
      try {
        const card = render({ subject, ...q, activityId: '', conversationId: '', updatedAt: this.now() });
        if (card && (await pending.replaceCard(q.userAadObjectId, q.key, card, version))) rerendered.push(q.key);
      } catch (err) {
        log.warn({ err, subject, user: q.userAadObjectId }, 'could not re-render a queued card');
      }
    }
    return rerendered;
  }

  private async markVersion(
    subject: SubjectKey,
    changed: TrackedCard[],
    requeued: string[],
    version: string,
  ): Promise<void> {
    const updatedAt = this.now();
    await this.change(subject, (doc) => ({
      copies: doc.copies.map((c) => (changed.some((d) => sameCopy(c, d)) ? { ...c, version, updatedAt } : c)),
      ...(doc.queued ? { queued: doc.queued.map((q) => (requeued.includes(q.key) ? { ...q, version } : q)) } : {}),
    }));
  }

  private async read(subject: SubjectKey): Promise<SubjectDoc> {
    const { storage, log } = this.options;
    return (await readItem(storage, subjectKey(subject), subjectSchema, log))?.value ?? { copies: [] };
  }

  private async change(subject: SubjectKey, edit: (doc: SubjectDoc) => SubjectDoc | undefined): Promise<void> {
    const { storage, log } = this.options;
    await updateItem(storage, subjectKey(subject), subjectSchema, log, (current) => {
      return edit(current ?? { copies: [] }) ?? UNCHANGED;
    });
  }

  private now(): string {
    return this.options.clock.now().toISOString();
  }
}

function sameCopy(
  a: { userAadObjectId: string; activityId: string },
  b: { userAadObjectId: string; activityId: string },
) {
  return a.userAadObjectId === b.userAadObjectId && a.activityId === b.activityId;
}

async function mapLimited<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
