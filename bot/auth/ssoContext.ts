import { AsyncLocalStorage } from 'node:async_hooks';
import { decodeJwtClaims, type UserRef } from '../../services/auth/tokens.js';
import { type Logger, scrub } from '../../services/log.js';
import type { UserTokenPort } from './userTokens.js';

/** What one turn knows about its sender's sign-in (entra mode only; there is no SSO turn in local mode). */
export interface SsoTurn {
  /** The sender's Entra object id, lowercase; undefined when the activity carries none. */
  readonly userId?: string;
  /** The token service for this turn; undefined when no OAuth connection is configured. */
  readonly tokens?: UserTokenPort;
  readonly log: Logger;
  /** A token this turn brought with it (card `authentication`, magic code); used instead of the cached one. */
  pinned?: string;
  /** The token service lookup, made at most once per turn and only when a delegated call needs it. */
  lookup?: Promise<string | undefined>;
  /** Set when a delegated call found no sign-in for the sender during this turn. */
  signInNeeded: boolean;
}

const turns = new AsyncLocalStorage<SsoTurn>();

export function newSsoTurn(init: { userId?: string; tokens?: UserTokenPort; log: Logger }): SsoTurn {
  return { userId: init.userId?.toLowerCase(), tokens: init.tokens, log: init.log, signInNeeded: false };
}

/** Runs the rest of the turn (and everything it awaits) with this SSO state. */
export function runWithSsoTurn<T>(turn: SsoTurn, work: () => Promise<T>): Promise<T> {
  return turns.run(turn, work);
}

export function currentSsoTurn(): SsoTurn | undefined {
  return turns.getStore();
}

/**
 * The `ssoTokenSource` for EntraTokenProvider: the current turn's SSO token for the bot's API, and only when `user`
 * is the turn's sender. Any other user, or no turn at all (watcher, local mode), gets undefined: a token is never
 * handed to someone it was not issued for.
 */
export async function ssoTokenSource(user: UserRef): Promise<string | undefined> {
  const turn = turns.getStore();
  if (!turn?.userId || !user?.aadObjectId || turn.userId !== user.aadObjectId.toLowerCase()) return undefined;
  if (!turn.pinned && !turn.lookup) turn.lookup = cachedToken(turn);
  const token = turn.pinned ?? (await turn.lookup);
  if (!token) {
    turn.signInNeeded = true;
    return undefined;
  }
  assertIssuedTo(token, turn);
  return token;
}

/** Keeps a token the turn brought (after checking whom it was issued to) for the delegated calls of this turn. */
export function pinToken(turn: SsoTurn, token: string): void {
  assertIssuedTo(token, turn);
  turn.pinned = token;
}

async function cachedToken(turn: SsoTurn): Promise<string | undefined> {
  if (!turn.tokens) return undefined;
  try {
    return await turn.tokens.getToken();
  } catch (err) {
    turn.log.warn({ reason: reasonOf(err) }, 'the Bot Framework token service did not answer');
    throw new Error('Could not reach the Bot Framework token service to read the sign-in.');
  }
}

/** Token service tokens carry the user's `oid`; a different one means a mix-up, and such a token is never used. */
function assertIssuedTo(token: string, turn: SsoTurn): void {
  const oid = decodeJwtClaims(token)?.oid;
  if (typeof oid === 'string' && oid.toLowerCase() !== turn.userId) {
    turn.log.warn('an SSO token issued to another user was refused');
    throw new Error('The sign-in token was issued to another user; it was not used.');
  }
}

export function reasonOf(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return scrub(message.split('\n')[0] ?? '').slice(0, 200);
}
