import type { Activity, ConversationReference, Middleware, TurnContext } from 'botbuilder';
import { z } from 'zod';
import { isTimeZone } from '../../cards/time.js';
import type { Clock } from '../../services/clock.js';
import type { Logger } from '../../services/log.js';
import type { BotStorage } from '../../services/storage/index.js';
import { readItem, UNCHANGED, updateItem } from './storeItem.js';
import type { ConversationDirectory, StoredReference } from './types.js';

export const referenceSchema = z.object({
  userAadObjectId: z.string().min(1),
  teamsUserId: z.string(),
  conversationId: z.string().min(1),
  serviceUrl: z.string().url(),
  tenantId: z.string().optional(),
  botId: z.string().min(1),
  botName: z.string().optional(),
  channelId: z.string().min(1),
  // An unknown or malformed zone is dropped, never a reason to lose the reference.
  timeZone: z
    .string()
    .refine((zone) => isTimeZone(zone))
    .optional()
    .catch(undefined),
  updatedAt: z.string(),
}) satisfies z.ZodType<StoredReference>;

export type ReferenceFields = Omit<StoredReference, 'updatedAt'>;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Where the reader's zone is kept for the rest of a turn (read by actingUser). */
export const READER_ZONE_KEY = Symbol('readerTimeZone');

/** Remembered fingerprints of written references, so an unchanged reference costs no storage call per turn. */
const MAX_CACHED_USERS = 10_000;

export function referenceKey(userAadObjectId: string): string {
  return `ref/${userAadObjectId.toLowerCase()}`;
}

/** Conversation references per user (`ref/<aadObjectId>`), refreshed by a middleware on every inbound activity. */
export class ConversationStore implements ConversationDirectory {
  private readonly written = new Map<string, string>();
  private readonly zones = new Map<string, string>();
  private readonly listeners: ((ref: StoredReference) => Promise<void>)[] = [];
  private readonly background = new Set<Promise<void>>();
  private lastSeen?: ReferenceFields;

  constructor(
    private readonly storage: BotStorage,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  /** The user's reference; undefined when there is none or it is unreadable (logged). */
  async get(userAadObjectId: string): Promise<StoredReference | undefined> {
    if (!GUID.test(userAadObjectId)) return undefined;
    const stored = await readItem(this.storage, referenceKey(userAadObjectId), referenceSchema, this.log);
    if (stored?.value.timeZone) this.zones.set(userAadObjectId.toLowerCase(), stored.value.timeZone);
    // Gone or unreadable although this process may have written it: the user's next activity must write it again.
    if (!stored) this.written.delete(userAadObjectId.toLowerCase());
    return stored?.value;
  }

  /** Stores the reference unless this process already wrote the same one. True when it was written. */
  async save(fields: ReferenceFields): Promise<boolean> {
    const user = fields.userAadObjectId.toLowerCase();
    this.lastSeen = { ...fields, timeZone: undefined };
    // Invokes (card clicks) carry no zone: the one an earlier message gave is kept.
    const timeZone = fields.timeZone ?? this.zones.get(user);
    const fingerprint = fingerprintOf({ ...fields, userAadObjectId: user, timeZone });
    if (this.written.get(user) === fingerprint) return false;
    let changed = false;
    const stored = await updateItem(this.storage, referenceKey(user), referenceSchema, this.log, (current) => {
      const zone = timeZone ?? current?.timeZone;
      if (current && fingerprintOf(current) === fingerprintOf({ ...fields, userAadObjectId: user, timeZone: zone })) {
        return UNCHANGED;
      }
      changed = true;
      return {
        ...fields,
        userAadObjectId: user,
        ...(zone ? { timeZone: zone } : {}),
        updatedAt: this.clock.now().toISOString(),
      };
    });
    this.remember(user, fingerprintOf({ ...fields, userAadObjectId: user, timeZone: stored?.timeZone ?? timeZone }));
    if (stored?.timeZone) this.zones.set(user, stored.timeZone);
    if (stored) this.announce(stored);
    return changed;
  }

  /** The person's time zone as Teams last sent it, or undefined when the bot never learnt it. */
  async timeZoneOf(userAadObjectId: string): Promise<string | undefined> {
    const user = userAadObjectId.toLowerCase();
    return this.zones.get(user) ?? (await this.get(user).catch(() => undefined))?.timeZone;
  }

  /**
   * A reference for a chat Graph told us about (proactive installation): the bot, channel and serviceUrl are taken
   * from the last activity this process saw, since Teams gives all of a tenant's chats the same ones.
   */
  async saveFromChat(userAadObjectId: string, conversationId: string): Promise<boolean> {
    if (!this.lastSeen) return false;
    await this.save({ ...this.lastSeen, userAadObjectId, teamsUserId: '', conversationId });
    return true;
  }

  /** Called (in the background) when a reference is stored or first seen by this process. */
  onReference(listener: (ref: StoredReference) => Promise<void>): void {
    this.listeners.push(listener);
  }

  /** botbuilder middleware: saves the sender's reference before the turn runs; a storage failure never fails it. */
  middleware(): Middleware {
    return {
      onTurn: async (turn: TurnContext, next: () => Promise<void>) => {
        const fields = referenceFromActivity(turn.activity);
        if (fields) {
          await this.save(fields).catch((err: unknown) =>
            this.log.warn({ err, user: fields.userAadObjectId }, 'could not save the conversation reference'),
          );
          const zone = fields.timeZone ?? this.zones.get(fields.userAadObjectId);
          if (zone) turn.turnState.set(READER_ZONE_KEY, zone);
        }
        await next();
      },
    };
  }

  /** Waits for reference listeners still running (tests, shutdown). */
  async settle(): Promise<void> {
    while (this.background.size > 0) await Promise.allSettled([...this.background]);
  }

  private announce(ref: StoredReference): void {
    for (const listener of this.listeners) {
      const run = listener(ref)
        .catch((err: unknown) => this.log.warn({ err, user: ref.userAadObjectId }, 'reference listener failed'))
        .finally(() => this.background.delete(run));
      this.background.add(run);
    }
  }

  private remember(user: string, fingerprint: string): void {
    this.written.delete(user);
    this.written.set(user, fingerprint);
    if (this.written.size > MAX_CACHED_USERS) {
      const oldest = this.written.keys().next().value;
      if (oldest !== undefined) this.written.delete(oldest);
    }
    if (this.zones.size > MAX_CACHED_USERS) {
      const oldest = this.zones.keys().next().value;
      if (oldest !== undefined) this.zones.delete(oldest);
    }
  }
}

function fingerprintOf(ref: ReferenceFields): string {
  const { userAadObjectId, teamsUserId, conversationId, serviceUrl, tenantId, botId, botName, channelId, timeZone } =
    ref;
  return JSON.stringify([
    timeZone,
    userAadObjectId,
    teamsUserId,
    conversationId,
    serviceUrl,
    tenantId,
    botId,
    botName,
    channelId,
  ]);
}

const OWN_EVENTS = new Set(['ContinueConversation', 'CreateConversation']);

/**
 * The reference worth keeping from an inbound activity: a person (Entra object id) in a personal chat with the bot.
 * Group chats and channels are skipped (cards for one person must never land there), and so are the continuation
 * events of the bot's own proactive turns.
 */
export function referenceFromActivity(activity: Partial<Activity>): ReferenceFields | undefined {
  if (activity.type === 'event' && OWN_EVENTS.has(activity.name ?? '')) return undefined;
  const aad = activity.from?.aadObjectId;
  const conversation = activity.conversation;
  if (!aad || !GUID.test(aad) || !conversation?.id || !activity.recipient?.id || !activity.channelId) return undefined;
  const personal =
    conversation.conversationType === 'personal' || (!conversation.conversationType && !conversation.isGroup);
  if (!personal || !isHttpUrl(activity.serviceUrl)) return undefined;
  const channelData = activity.channelData as { tenant?: { id?: unknown } } | undefined;
  const tenantId =
    conversation.tenantId ?? (typeof channelData?.tenant?.id === 'string' ? channelData.tenant.id : undefined);
  return {
    userAadObjectId: aad.toLowerCase(),
    teamsUserId: activity.from?.id ?? '',
    conversationId: conversation.id,
    serviceUrl: activity.serviceUrl,
    ...(tenantId ? { tenantId } : {}),
    botId: activity.recipient.id,
    ...(activity.recipient.name ? { botName: activity.recipient.name } : {}),
    channelId: activity.channelId,
    ...(timeZoneFromActivity(activity) ? { timeZone: timeZoneFromActivity(activity) } : {}),
  };
}

/**
 * The sender's IANA zone: Teams puts it on message activities as `localTimezone` and in the `clientInfo` entity's
 * `timezone`. Untrusted: only a zone this runtime knows is taken.
 */
export function timeZoneFromActivity(activity: Partial<Activity>): string | undefined {
  if (isTimeZone(activity.localTimezone)) return activity.localTimezone;
  const info = (activity.entities ?? []).find((e) => e?.type === 'clientInfo') as { timezone?: unknown } | undefined;
  return isTimeZone(info?.timezone) ? info.timezone : undefined;
}

function isHttpUrl(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

/** botbuilder's reference for continueConversationAsync. */
export function toConversationReference(ref: StoredReference): Partial<ConversationReference> {
  return {
    channelId: ref.channelId,
    serviceUrl: ref.serviceUrl,
    conversation: {
      id: ref.conversationId,
      conversationType: 'personal',
      isGroup: false,
      tenantId: ref.tenantId,
      name: '',
    },
    bot: { id: ref.botId, name: ref.botName ?? '' },
    user: { id: ref.teamsUserId, name: '', aadObjectId: ref.userAadObjectId },
  };
}
