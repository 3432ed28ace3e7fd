import type { Clock } from '../clock.js';
import { decodeJwtClaims, type UserRef } from './tokens.js';

/** A token about to expire would fail mid-request, so stop using it a little early. */
const EXPIRY_MARGIN_MS = 60_000;

interface StoredToken {
  token: string;
  expiresOn: Date;
}

/** Step-up tokens (from the /auth/stepup page), one per user, keyed by aadObjectId and never handed to anyone else. */
export class StepUpTokenStore {
  private readonly byUser = new Map<string, StoredToken>();

  constructor(private readonly clock: Clock) {}

  store(user: UserRef, token: string, expiresOn: Date): void {
    if (!user.aadObjectId) throw new Error('A step-up token needs the user it belongs to (aadObjectId).');
    if (!token) throw new Error('The step-up token is empty.');
    if (Number.isNaN(expiresOn.getTime())) throw new Error('The step-up token needs a valid expiry time.');
    const oid = decodeJwtClaims(token)?.oid;
    if (typeof oid === 'string' && oid.toLowerCase() !== user.aadObjectId.toLowerCase()) {
      throw new Error('The step-up token was issued for a different user; it was not stored.');
    }
    this.byUser.set(user.aadObjectId.toLowerCase(), { token, expiresOn: new Date(expiresOn.getTime()) });
  }

  /** The user's step-up token while it is still valid; expired ones are forgotten. */
  get(user: UserRef): string | undefined {
    const key = user.aadObjectId.toLowerCase();
    const stored = this.byUser.get(key);
    if (!stored) return undefined;
    if (stored.expiresOn.getTime() - EXPIRY_MARGIN_MS <= this.clock.now().getTime()) {
      this.byUser.delete(key);
      return undefined;
    }
    return stored.token;
  }
}
