import type { CardJson } from '../invokeResponse.js';

/**
 * The proactive machinery's contract (issue #6). Journeys use these; bot/proactive/* implements them over
 * botbuilder (continueConversationAsync + updateActivity) and the shared BotStorage.
 */

/** A conversation reference kept as our own DTO (not botbuilder's type), per user, refreshed on every activity. */
export interface StoredReference {
  userAadObjectId: string;
  teamsUserId: string;
  conversationId: string;
  serviceUrl: string;
  tenantId?: string;
  botId: string;
  botName?: string;
  channelId: string;
  /** The person's IANA time zone as their Teams client last sent it (`activity.localTimezone`); for card times. */
  timeZone?: string;
  updatedAt: string;
}

/**
 * What a tracked card shows: e.g. `request:<id>`, `approval:<id>`, `activation:<requestId>`. Every copy of the same
 * subject (the requester's status card, each approver's card) is updated together.
 */
export type SubjectKey = string;

export interface TrackedCard {
  subject: SubjectKey;
  /** Whose chat the card is in. */
  userAadObjectId: string;
  activityId: string;
  conversationId: string;
  /** Which role this copy plays, so the re-render can differ per viewer (requester vs approver). */
  role: string;
  /** A version/fingerprint of the state the card last showed; updates with the same version are skipped. */
  version: string;
  updatedAt: string;
}

/** Sends and updates cards in people's 1:1 chats with the bot, outside any turn. */
export interface Messenger {
  /** Sends a card to the user's personal chat; undefined when the bot cannot reach them (never opened the bot). */
  sendCard(userAadObjectId: string, card: CardJson): Promise<string | undefined>;
  updateCard(userAadObjectId: string, activityId: string, card: CardJson): Promise<void>;
}

export interface CardRegistry {
  /** Records (or replaces) the copy of `subject` that lives in `userAadObjectId`'s chat as `activityId`. */
  track(card: Omit<TrackedCard, 'updatedAt'>): Promise<void>;
  copies(subject: SubjectKey): Promise<TrackedCard[]>;
  /**
   * Re-renders every copy of `subject` for its viewer and role and updates it in place when `version` differs from
   * what the copy shows. Returns how many copies changed. A copy that cannot be updated is logged and skipped.
   */
  refreshAll(
    subject: SubjectKey,
    version: string,
    render: (copy: TrackedCard) => CardJson | undefined,
    except?: { userAadObjectId: string; activityId: string },
  ): Promise<number>;
  forget(subject: SubjectKey): Promise<void>;
}

/** Exactly-once notifications: `key` is written before the send counts as done; a repeat with the same key is a no-op. */
export interface Notifier {
  notifyOnce(
    key: string,
    userAadObjectId: string,
    card: CardJson,
    track?: { subject: SubjectKey; role: string; version: string },
  ): Promise<'sent' | 'duplicate' | 'unreachable'>;
}

/** One kind of thing the watcher looks after each tick (new approvals, tracked requests, expiring activations, …). */
export interface WatchSource {
  name: string;
  /**
   * Lower runs earlier in a tick (default 0). A source that lists what waits in the tenant and keeps an index of it
   * runs first, so the others can read that index instead of asking Graph again about each item.
   */
  order?: number;
  tick(now: Date): Promise<void>;
}

/** Where the proactive parts find a user's conversation reference (saved on every inbound activity). */
export interface ConversationDirectory {
  get(userAadObjectId: string): Promise<StoredReference | undefined>;
}
