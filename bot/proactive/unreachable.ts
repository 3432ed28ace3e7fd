import type { Clock } from '../../services/clock.js';
import type { ReadinessCheck } from '../server.js';

export type UnreachableReason =
  /** No conversation reference: the person never opened the bot (or storage lost it). */
  | 'noReference'
  /** 403 BotNotInConversationRoster: the app is not installed for them. */
  | 'notInstalled'
  /** 403 MessageWritesBlocked / BotDisabledByAdmin: they blocked the bot or an admin disabled it. */
  | 'blocked'
  /** 404: the conversation no longer exists. */
  | 'conversationNotFound'
  /** The stored serviceUrl refuses connections or does not resolve. */
  | 'serviceUrlGone';

export interface UnreachableUser {
  userAadObjectId: string;
  reason: UnreachableReason;
  since: string;
}

const MAX_REMEMBERED = 10_000;
const MAX_LISTED = 50;

/** People this instance could not reach recently (in memory, per instance), for /readyz. */
export class UnreachableUsers {
  private readonly users = new Map<string, UnreachableUser>();

  constructor(private readonly clock: Clock) {}

  mark(userAadObjectId: string, reason: UnreachableReason): void {
    const existing = this.users.get(userAadObjectId);
    if (existing?.reason === reason) return;
    this.users.set(userAadObjectId, { userAadObjectId, reason, since: this.clock.now().toISOString() });
    if (this.users.size > MAX_REMEMBERED) {
      const oldest = this.users.keys().next().value;
      if (oldest !== undefined) this.users.delete(oldest);
    }
  }

  clear(userAadObjectId: string): void {
    this.users.delete(userAadObjectId);
  }

  list(): UnreachableUser[] {
    return [...this.users.values()];
  }

  /**
   * A readiness entry that never fails (some people being unreachable does not make the bot unready). Local mode
   * lists who (object ids); entra mode, where /readyz is reachable from outside, only says how many.
   */
  readiness(listUsers: boolean): ReadinessCheck {
    return {
      name: 'proactive',
      check: async () => {},
      details: () => {
        const users = this.list();
        if (!listUsers) return { unreachableUsers: users.length };
        return { unreachableUsers: users.length, unreachable: users.slice(-MAX_LISTED) };
      },
    };
  }
}
