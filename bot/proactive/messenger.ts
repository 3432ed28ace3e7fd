import type { CloudAdapter, TurnContext } from 'botbuilder';
import type { Logger } from '../../services/log.js';
import { sendCard, updateCard } from '../cardSender.js';
import type { CardJson } from '../invokeResponse.js';
import { type ConversationStore, toConversationReference } from './conversations.js';
import type { AppInstaller } from './installer.js';
import type { Messenger, StoredReference } from './types.js';
import type { UnreachableReason, UnreachableUsers } from './unreachable.js';

/** The card could not be delivered to this person at all (not installed, blocked, serviceUrl gone, …). */
export class UnreachableError extends Error {
  override readonly name = 'UnreachableError';
  constructor(
    readonly userAadObjectId: string,
    readonly reason: UnreachableReason,
  ) {
    super(`cannot reach ${userAadObjectId} (${reason})`);
  }
}

/**
 * The connector refused or failed the call after botframework-connector's own retries (it retries 429 after
 * Retry-After and 5xx with exponential backoff, 3 times). `transient` failures are worth another try later.
 */
export class SendFailedError extends Error {
  override readonly name = 'SendFailedError';
  constructor(
    readonly status: number | undefined,
    readonly code: string | undefined,
    readonly transient: boolean,
  ) {
    super(`the Bot Connector call failed${status ? ` with ${status}` : ''}${code ? ` ${code}` : ''}`);
  }
}

export interface BotMessengerOptions {
  adapter: Pick<CloudAdapter, 'continueConversationAsync'>;
  /** The bot's app id; '' in local mode (no Bot Framework authentication). */
  appId: string;
  conversations: ConversationStore;
  unreachable: UnreachableUsers;
  /** Entra mode only: installs the app for people who never opened it. */
  installer?: AppInstaller;
  log: Logger;
}

/** Sends and updates cards in 1:1 chats through `continueConversationAsync` with the stored references. */
export class BotMessenger implements Messenger {
  constructor(private readonly options: BotMessengerOptions) {}

  async sendCard(userAadObjectId: string, card: CardJson): Promise<string | undefined> {
    const user = userAadObjectId.toLowerCase();
    try {
      const id = await this.inChat(user, (turn) => sendCard(turn, card));
      if (!id) throw new SendFailedError(undefined, 'NoActivityId', false);
      return id;
    } catch (err) {
      if (err instanceof UnreachableError) return undefined;
      throw err;
    }
  }

  /** Throws UnreachableError or SendFailedError when the copy cannot be updated. */
  async updateCard(userAadObjectId: string, activityId: string, card: CardJson): Promise<void> {
    await this.inChat(userAadObjectId.toLowerCase(), (turn) => updateCard(turn, activityId, card));
  }

  private async inChat<T>(user: string, logic: (turn: TurnContext) => Promise<T>): Promise<T> {
    const ref = await this.options.conversations.get(user);
    if (!ref) {
      await this.cannotReach(user, 'noReference');
      throw new UnreachableError(user, 'noReference');
    }
    try {
      const result = await this.continueWith(ref, logic);
      this.options.unreachable.clear(user);
      return result;
    } catch (err) {
      const verdict = classify(err);
      if (verdict.reason) {
        await this.cannotReach(user, verdict.reason);
        throw new UnreachableError(user, verdict.reason);
      }
      this.options.log.warn({ err, user, status: verdict.status, code: verdict.code }, 'Bot Connector call failed');
      throw new SendFailedError(verdict.status, verdict.code, verdict.transient);
    }
  }

  /**
   * botbuilder hands errors thrown inside a proactive turn to adapter.onTurnError (which would swallow them), so the
   * logic's outcome is carried out of the turn by hand.
   */
  private async continueWith<T>(ref: StoredReference, logic: (turn: TurnContext) => Promise<T>): Promise<T> {
    let outcome: { ok: true; value: T } | { ok: false; error: unknown } | undefined;
    await this.options.adapter.continueConversationAsync(
      this.options.appId,
      toConversationReference(ref),
      async (turn) => {
        try {
          outcome = { ok: true, value: await logic(turn) };
        } catch (error) {
          outcome = { ok: false, error };
        }
      },
    );
    if (!outcome) throw new Error('the proactive turn did not run');
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  }

  private async cannotReach(user: string, reason: UnreachableReason): Promise<void> {
    const { log, installer, unreachable, conversations } = this.options;
    unreachable.mark(user, reason);
    log.warn({ user, reason }, `cannot reach ${user}`);
    if (!installer || (reason !== 'noReference' && reason !== 'notInstalled')) return;
    const outcome = await installer.install(user);
    if (outcome !== 'alreadyInstalled') return;
    // Installed earlier, so no conversationUpdate will come: ask Graph for the chat and keep a reference to it.
    const chatId = await installer.chatId(user);
    if (chatId && (await conversations.saveFromChat(user, chatId))) {
      log.info({ user }, 'recovered the chat of a person the bot was already installed for');
    }
  }
}

interface Verdict {
  reason?: UnreachableReason;
  status?: number;
  code?: string;
  transient: boolean;
}

/** Connection failures that mean nothing reached the connector, so the message was certainly not delivered. */
const SERVICE_GONE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

export function classify(err: unknown): Verdict {
  const e = (err ?? {}) as { statusCode?: unknown; code?: unknown; details?: { error?: { code?: unknown } } };
  const status = typeof e.statusCode === 'number' ? e.statusCode : undefined;
  const bodyCode = typeof e.details?.error?.code === 'string' ? e.details.error.code : undefined;
  const code = bodyCode ?? (typeof e.code === 'string' ? e.code : undefined);
  if (status === 403) {
    if (code === 'BotNotInConversationRoster') return { reason: 'notInstalled', status, code, transient: false };
    if (code === 'MessageWritesBlocked' || code === 'BotDisabledByAdmin') {
      return { reason: 'blocked', status, code, transient: false };
    }
  }
  if (status === 404) return { reason: 'conversationNotFound', status, code, transient: false };
  if (status === undefined && code && SERVICE_GONE_CODES.has(code)) {
    return { reason: 'serviceUrlGone', code, transient: false };
  }
  const transient = status === undefined || status === 429 || status === 412 || status >= 500;
  return { status, code, transient };
}
