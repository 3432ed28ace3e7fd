/** The person a delegated token is for, as Teams identifies them (aadObjectId is the Entra object id, `oid`). */
export interface UserRef {
  aadObjectId: string;
  tenantId?: string;
  name?: string;
  upn?: string;
}

/** Where Graph tokens come from: unsigned local JWTs (AUTH_MODE=local) or Entra ID (AUTH_MODE=entra). */
export interface TokenProvider {
  /** A delegated Graph token for this user (on-behalf-of in entra mode); `claims` is a claims challenge to satisfy. */
  userToken(user: UserRef, scopes: string[], claims?: string): Promise<string>;
  /** An app-only Graph token, for background reads. */
  appToken(scopes: string[]): Promise<string>;
  /** Keeps the token the step-up page obtained for this user; used instead of OBO until it expires. */
  storeStepUpToken?(user: UserRef, token: string, expiresOn: Date): void;
  /**
   * A delegated token for this person outside any turn of theirs (the watcher reading approval stages as an approver),
   * only where production has one: entra mode takes their sign-in from the Bot Service token store, local mode issues
   * one only to people who have talked to the bot. Undefined when there is none; the caller must do without.
   */
  backgroundUserToken?(user: UserRef, scopes: string[]): Promise<string | undefined>;
}

/** The scope the Graph client asks for: every delegated permission the bot's app registration was granted. */
export const GRAPH_DEFAULT_SCOPE = 'https://graph.microsoft.com/.default';

export type SignInReason = 'noSsoToken' | 'expired' | 'consentRequired' | 'noBackgroundToken';

/** There is no usable sign-in for this user yet: the bot edge must run SSO / the OAuth prompt first. */
export class SignInRequiredError extends Error {
  override name = 'SignInRequiredError';
  constructor(
    readonly user: UserRef,
    readonly reason: SignInReason = 'noSsoToken',
  ) {
    super(signInMessage(reason));
  }
}

function signInMessage(reason: SignInReason): string {
  if (reason === 'expired') return 'The sign-in for this user has expired; a new sign-in is needed.';
  if (reason === 'consentRequired') return 'The user has not consented to the permissions the bot needs.';
  if (reason === 'noBackgroundToken') return 'There is no sign-in of this user the bot can use outside their turns.';
  return 'No sign-in token for this user yet.';
}

/**
 * Entra wants more than the current sign-in (MFA or an authentication context). `claims` is the decoded claims
 * challenge JSON (e.g. `{"access_token":{"acrs":{"essential":true,"value":"c1"}}}`), or '' when Entra did not name
 * one (plain MFA): the step-up page then signs the user in again with MFA.
 */
export class StepUpRequiredError extends Error {
  override name = 'StepUpRequiredError';
  constructor(
    readonly claims: string,
    readonly user?: UserRef,
  ) {
    super('A stronger sign-in (MFA or an authentication context) is required.');
  }
}

/** Reads a JWT's payload without verifying anything; null when it is not a JWT. For tests and sanity checks only. */
export function decodeJwtClaims(token: string): Record<string, unknown> | null {
  const parts = token.split('.');
  if (parts.length < 2 || !parts[1]) return null;
  try {
    const payload: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    return payload !== null && typeof payload === 'object' && !Array.isArray(payload)
      ? (payload as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}
