import { z } from 'zod';
import type { Clock } from '../../services/clock.js';
import type { Logger } from '../../services/log.js';
import { type BotStorage, StorageConflictError } from '../../services/storage/index.js';
import type { CardJson } from '../invokeResponse.js';
import type { StorageCardRegistry } from './cardRegistry.js';
import { type InstanceIdentity, isEarlierIncarnation, isMe } from './identity.js';
import { SendFailedError, UnreachableError } from './messenger.js';
import type { PendingQueue, TrackSpec } from './pending.js';
import { createIfAbsent, readItem, type Stored } from './storeItem.js';
import type { ConversationDirectory, Messenger, Notifier } from './types.js';

/*
 * Exactly-once from the person's view, and what is actually guaranteed.
 *
 * Each notification has a record `notified/<key>`. Before the send, the sender claims it: it creates the record with
 * status `sending` (create-if-absent, so of two racing instances exactly one wins) or takes over a record that may be
 * retried (`failed`, `pending`, or a `sending` claim whose process is dead: an earlier incarnation of our own instance,
 * or a claim older than claimTtlMs), guarded by the record's eTag. Right after the Bot Connector returns the activity
 * id, the record becomes `sent` with that id (one write), and only then is the copy tracked in the card registry.
 *
 * - A record that says `sent` is never sent again: a repeat notifyOnce answers 'duplicate' (and re-tracks the copy if
 *   the process died between the record and the tracking).
 * - A process that dies after claiming but before the connector accepted the message leaves `sending`; the next claim
 *   sends it: no loss, no duplicate.
 * - A process that dies after the connector accepted the message but before the `sent` record was written (the only
 *   window: one HTTP response plus one storage write) leaves `sending` too. The recovery cannot know the message
 *   arrived. If the person's chat already has a tracked copy of the same subject, the recovery updates that copy in
 *   place (no new message); otherwise it sends again: at most one duplicate per crash in that window. The same holds
 *   for a send that failed ambiguously (5xx, connection reset: the connector may have delivered it).
 * - A person the bot cannot reach gets the card queued (`pending/<user>`, record `pending`); it is sent through the
 *   same claim when their reference arrives, and re-rendered meanwhile when its subject changes.
 * - Two calls with the same key in one process share one send.
 */

const recordSchema = z.object({
  status: z.enum(['sending', 'sent', 'pending', 'failed']),
  user: z.string(),
  instance: z.string().optional(),
  incarnation: z.string().optional(),
  claimedAt: z.string().optional(),
  activityId: z.string().optional(),
  sentAt: z.string().optional(),
  /** A failure after which the message may still have arrived (5xx, connection reset, unknown). */
  ambiguous: z.boolean().optional(),
  error: z.string().optional(),
  attempts: z.number().int().nonnegative(),
});

type NotificationRecord = z.infer<typeof recordSchema>;

export type NotifyOutcome = 'sent' | 'duplicate' | 'unreachable';

/** Another process is sending this notification right now; try again later (the next tick). */
export class NotificationInFlightError extends Error {
  override readonly name = 'NotificationInFlightError';
  constructor(readonly key: string) {
    super(`notification ${key} is being sent by another instance`);
  }
}

export function notifiedKey(key: string): string {
  if (typeof key !== 'string' || key.length === 0 || key.length > 400) {
    throw new TypeError('a notification key must be a non-empty string of at most 400 characters');
  }
  return `notified/${key}`;
}

export interface StorageNotifierOptions {
  storage: BotStorage;
  messenger: Messenger;
  registry: StorageCardRegistry;
  pending: PendingQueue;
  conversations: ConversationDirectory;
  identity: InstanceIdentity;
  clock: Clock;
  log: Logger;
  /** A `sending` claim older than this is presumed abandoned (its process died). Default 2 minutes. */
  claimTtlMs?: number;
}

type Claim =
  | { kind: 'claimed'; attempts: number; previous?: NotificationRecord }
  | { kind: 'done'; record: NotificationRecord }
  | { kind: 'queued' }
  | { kind: 'busy' }
  | { kind: 'lost' };

interface Delivery {
  key: string;
  user: string;
  card: CardJson;
  track?: TrackSpec;
  /** How many times this notification has been claimed, this attempt included. */
  attempts?: number;
}

export class StorageNotifier implements Notifier {
  private readonly inFlight = new Map<string, Promise<NotifyOutcome>>();
  private readonly claimTtlMs: number;

  constructor(private readonly options: StorageNotifierOptions) {
    this.claimTtlMs = options.claimTtlMs ?? 120_000;
  }

  notifyOnce(key: string, userAadObjectId: string, card: CardJson, track?: TrackSpec): Promise<NotifyOutcome> {
    const delivery = { key, user: userAadObjectId.toLowerCase(), card, track };
    notifiedKey(key);
    return this.once(key, () => this.notify(delivery, false));
  }

  /**
   * Sends the cards queued for a person (after their reference arrived). Returns how many were sent; cards that still
   * cannot be delivered stay queued.
   */
  async deliverPending(userAadObjectId: string): Promise<number> {
    const user = userAadObjectId.toLowerCase();
    const { pending, registry, log } = this.options;
    let sent = 0;
    for (const item of await pending.list(user)) {
      try {
        const outcome = await this.once(item.key, () => this.notify({ ...item, user }, true));
        if (outcome === 'unreachable') break; // the rest would fail the same way
        await pending.remove(user, item.key);
        if (item.track) await registry.untrackQueued(item.track.subject, item.key);
        if (outcome === 'sent') sent++;
      } catch (err) {
        log.warn({ err, user, key: item.key }, 'a queued card could not be sent');
      }
    }
    return sent;
  }

  private once(key: string, run: () => Promise<NotifyOutcome>): Promise<NotifyOutcome> {
    const running = this.inFlight.get(key);
    if (running) return running;
    const promise = run().finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, promise);
    return promise;
  }

  private async notify(delivery: Delivery, fromQueue: boolean): Promise<NotifyOutcome> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const claim = await this.claim(delivery, fromQueue);
      if (claim.kind === 'claimed') return this.deliver({ ...delivery, attempts: claim.attempts }, claim.previous);
      if (claim.kind === 'done') {
        await this.repairTracking(delivery, claim.record);
        return 'duplicate';
      }
      if (claim.kind === 'queued') return 'unreachable';
      if (claim.kind === 'busy') throw new NotificationInFlightError(delivery.key);
    }
    throw new NotificationInFlightError(delivery.key);
  }

  private async claim({ key, user }: Delivery, fromQueue: boolean): Promise<Claim> {
    const { storage, log } = this.options;
    const recordKey = notifiedKey(key);
    const current = await readItem(storage, recordKey, recordSchema, log);
    const claim = (attempts: number): NotificationRecord => ({
      status: 'sending',
      user,
      instance: this.options.identity.instance,
      incarnation: this.options.identity.incarnation,
      claimedAt: this.now(),
      attempts,
    });
    if (!current) {
      return (await createIfAbsent(storage, recordKey, claim(1), recordSchema, log))
        ? { kind: 'claimed', attempts: 1 }
        : { kind: 'lost' };
    }
    const verdict = this.judge(current.value, fromQueue);
    if (verdict) return verdict;
    const attempts = current.value.attempts + 1;
    return (await this.takeOver(recordKey, current, claim(attempts)))
      ? { kind: 'claimed', attempts, previous: current.value }
      : { kind: 'lost' };
  }

  /** Why an existing record may not be claimed now, or undefined when it may. */
  private judge(record: NotificationRecord, fromQueue: boolean): Claim | undefined {
    if (record.status === 'sent') return { kind: 'done', record };
    if (record.status === 'pending') return fromQueue ? undefined : { kind: 'queued' };
    if (record.status === 'failed') return undefined;
    const holder = { instance: record.instance ?? '', incarnation: record.incarnation ?? '' };
    if (isMe(this.options.identity, holder)) return { kind: 'busy' };
    if (isEarlierIncarnation(this.options.identity, holder)) return undefined;
    const claimedAt = record.claimedAt ? Date.parse(record.claimedAt) : 0;
    return this.options.clock.now().getTime() - claimedAt > this.claimTtlMs ? undefined : { kind: 'busy' };
  }

  private async takeOver(recordKey: string, current: Stored<NotificationRecord>, next: NotificationRecord) {
    try {
      await this.options.storage.write({ [recordKey]: { ...next, eTag: current.eTag } });
      return true;
    } catch (err) {
      if (err instanceof StorageConflictError) return false;
      throw err;
    }
  }

  private async deliver(delivery: Delivery, previous?: NotificationRecord): Promise<NotifyOutcome> {
    const mightHaveArrived = previous?.status === 'sending' || previous?.ambiguous === true;
    if (mightHaveArrived && delivery.track && (await this.updateInPlace(delivery))) return 'sent';
    let activityId: string | undefined;
    try {
      activityId = await this.options.messenger.sendCard(delivery.user, delivery.card);
    } catch (err) {
      await this.recordFailure(delivery, err);
      throw err;
    }
    if (!activityId) return this.queue(delivery);
    await this.recordSent(delivery, activityId);
    await this.trackCopy(delivery, activityId);
    this.options.log.info({ key: delivery.key, user: delivery.user }, 'card sent');
    return 'sent';
  }

  /** Crash recovery: the card may already be in the chat, so the tracked copy of the subject is updated instead. */
  private async updateInPlace(delivery: Delivery): Promise<boolean> {
    const { registry, messenger, log } = this.options;
    const track = delivery.track as TrackSpec;
    // Only a copy in the same role is this card (a summary listing the subject is another card in the same chat).
    const copy = (await registry.copies(track.subject))
      .filter((c) => c.userAadObjectId === delivery.user && c.role === track.role)
      .at(-1);
    if (!copy) return false;
    try {
      await messenger.updateCard(delivery.user, copy.activityId, delivery.card);
    } catch (err) {
      log.warn({ err, key: delivery.key }, 'could not update the tracked copy in place; sending instead');
      return false;
    }
    await this.recordSent(delivery, copy.activityId);
    await registry.track({ ...copy, role: track.role, version: track.version });
    log.info({ key: delivery.key }, 'recovered an interrupted notification by updating its card in place');
    return true;
  }

  private async queue(delivery: Delivery): Promise<NotifyOutcome> {
    const { pending, registry } = this.options;
    const { key, user, card, track, attempts = 1 } = delivery;
    await pending.enqueue(user, { key, card, ...(track ? { track } : {}) });
    if (track) {
      await registry.trackQueued(track.subject, {
        userAadObjectId: user,
        key,
        role: track.role,
        version: track.version,
      });
    }
    await this.write(key, { status: 'pending', user, attempts });
    return 'unreachable';
  }

  private async recordSent({ key, user, attempts = 1 }: Delivery, activityId: string): Promise<void> {
    // Unconditional: this process holds the claim; a concurrent takeover (stale claim) can only add a duplicate.
    await this.write(key, { status: 'sent', user, activityId, sentAt: this.now(), attempts });
  }

  private async recordFailure({ key, user, attempts = 1 }: Delivery, err: unknown): Promise<void> {
    const ambiguous =
      err instanceof SendFailedError
        ? err.status === undefined || err.status >= 500
        : !(err instanceof UnreachableError);
    const error = err instanceof SendFailedError ? (err.code ?? String(err.status ?? 'failed')) : 'failed';
    await this.write(key, { status: 'failed', user, ambiguous, error, attempts }).catch((writeErr: unknown) =>
      this.options.log.warn({ err: writeErr, key }, 'could not record a failed notification'),
    );
  }

  private async trackCopy({ user, track }: Delivery, activityId: string): Promise<void> {
    if (!track) return;
    const ref = await this.options.conversations.get(user);
    await this.options.registry.track({
      subject: track.subject,
      userAadObjectId: user,
      activityId,
      conversationId: ref?.conversationId ?? '',
      role: track.role,
      version: track.version,
    });
  }

  private async repairTracking(delivery: Delivery, record: NotificationRecord): Promise<void> {
    if (!delivery.track || !record.activityId) return;
    const copies = await this.options.registry.copies(delivery.track.subject);
    if (!copies.some((c) => c.activityId === record.activityId && c.userAadObjectId === delivery.user)) {
      await this.trackCopy(delivery, record.activityId);
    }
  }

  private async write(key: string, record: NotificationRecord): Promise<void> {
    await this.options.storage.write({ [notifiedKey(key)]: record });
  }

  private now(): string {
    return this.options.clock.now().toISOString();
  }
}
