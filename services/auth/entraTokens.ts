import type { AccessToken, TokenCredential } from '@azure/identity';
import { type Clock, systemClock } from '../clock.js';
import { type Logger, scrub } from '../log.js';
import { type AppCredentialSettings, type CredentialFactory, createAzureCredentialFactory } from './credentials.js';
import { StepUpTokenStore } from './stepUpStore.js';
import {
  decodeJwtClaims,
  SignInRequiredError,
  StepUpRequiredError,
  type TokenProvider,
  type UserRef,
} from './tokens.js';

/** Tokens are renewed this long before they expire, so a request never starts with a token about to die. */
const REFRESH_BEFORE_EXPIRY_MS = 5 * 60_000;

export interface EntraTokenOptions {
  /** The bot's app (client) id, MicrosoftAppId. */
  clientId: string;
  /** The bot's tenant; OBO uses the user's own tenant when the activity names it. Required for app tokens. */
  tenantId?: string;
  settings: AppCredentialSettings;
  /** The user's SSO token for the bot's own API (from the Bot Framework token service), or undefined if none yet. */
  ssoTokenSource: (user: UserRef) => Promise<string | undefined>;
  /**
   * Outside the person's turns (the watcher): their token for the bot's API from the Bot Service token store, when
   * they signed in before (bot/auth/backgroundTokens.ts); undefined when there is none. Absent: no background tokens.
   */
  backgroundTokenSource?: (user: UserRef) => Promise<string | undefined>;
  clock?: Clock;
  credentialFactory?: CredentialFactory;
  log?: Logger;
}

interface CachedToken {
  token: string;
  expiresOnTimestamp: number;
}

/** Delegated tokens by on-behalf-of, app tokens by the bot's credential; both cached until shortly before expiry. */
export class EntraTokenProvider implements TokenProvider {
  private readonly cache = new Map<string, CachedToken>();
  private readonly inFlight = new Map<string, Promise<string>>();
  private readonly stepUp: StepUpTokenStore;
  private readonly clock: Clock;
  private readonly factory: CredentialFactory;
  private appCredential?: TokenCredential;

  constructor(private readonly opts: EntraTokenOptions) {
    if (!opts.clientId) throw new Error('EntraTokenProvider needs the bot app id (MicrosoftAppId).');
    this.clock = opts.clock ?? systemClock;
    this.factory = opts.credentialFactory ?? createAzureCredentialFactory();
    this.stepUp = new StepUpTokenStore(this.clock);
  }

  async userToken(user: UserRef, scopes: string[], claims?: string): Promise<string> {
    if (!user?.aadObjectId) throw new Error('A user token needs the user (aadObjectId).');
    const stepUpToken = this.stepUp.get(user);
    if (stepUpToken) return stepUpToken;
    const key = `user|${user.aadObjectId.toLowerCase()}|${scopeKey(scopes)}|${claims ?? ''}`;
    return this.cached(key, () => this.onBehalfOf(user, scopes, claims));
  }

  async appToken(scopes: string[]): Promise<string> {
    return this.cached(`app|${scopeKey(scopes)}`, () => this.appOnly(scopes));
  }

  storeStepUpToken(user: UserRef, token: string, expiresOn: Date): void {
    this.stepUp.store(user, token, expiresOn);
  }

  async backgroundUserToken(user: UserRef, scopes: string[]): Promise<string | undefined> {
    if (!user?.aadObjectId || !this.opts.backgroundTokenSource) return undefined;
    const key = `background|${user.aadObjectId.toLowerCase()}|${scopeKey(scopes)}`;
    const hit = this.fresh(key);
    if (hit) return hit;
    const assertion = await this.storedSignIn(user);
    if (!assertion) return undefined;
    return this.cached(key, () => this.exchange(user, scopes, assertion));
  }

  /** The person's token-store sign-in, only if it was issued to them; a store that does not answer means none. */
  private async storedSignIn(user: UserRef): Promise<string | undefined> {
    let token: string | undefined;
    try {
      token = await this.opts.backgroundTokenSource?.(user);
    } catch (err) {
      this.opts.log?.warn({ reason: firstLine(err) }, 'the Bot Framework token store did not answer');
      return undefined;
    }
    if (!token) return undefined;
    const oid = decodeJwtClaims(token)?.oid;
    if (typeof oid !== 'string' || oid.toLowerCase() !== user.aadObjectId.toLowerCase()) {
      this.opts.log?.warn('a stored sign-in issued to another user was refused');
      return undefined;
    }
    return token;
  }

  private fresh(key: string): string | undefined {
    const hit = this.cache.get(key);
    return hit && hit.expiresOnTimestamp - REFRESH_BEFORE_EXPIRY_MS > this.clock.now().getTime()
      ? hit.token
      : undefined;
  }

  private async cached(key: string, acquire: () => Promise<AccessToken>): Promise<string> {
    const hit = this.fresh(key);
    if (hit) return hit;
    // One exchange per key at a time: two OBO calls with the same assertion at once are known to fail.
    const pending = this.inFlight.get(key);
    if (pending) return pending;
    const fetching = acquire()
      .then((t) => {
        this.cache.set(key, { token: t.token, expiresOnTimestamp: t.expiresOnTimestamp });
        return t.token;
      })
      .finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, fetching);
    return fetching;
  }

  private async onBehalfOf(user: UserRef, scopes: string[], claims?: string): Promise<AccessToken> {
    const ssoToken = await this.opts.ssoTokenSource(user);
    if (!ssoToken) throw new SignInRequiredError(user, 'noSsoToken');
    return this.exchange(user, scopes, ssoToken, claims);
  }

  private async exchange(user: UserRef, scopes: string[], userAssertionToken: string, claims?: string) {
    const tenantId = user.tenantId ?? this.opts.tenantId;
    if (!tenantId) throw new Error('The user has no tenant id and MicrosoftAppTenantId is not set.');
    const credential = this.factory.onBehalfOf({
      tenantId,
      clientId: this.opts.clientId,
      userAssertionToken,
      settings: this.opts.settings,
    });
    try {
      // enableCae makes @azure/identity declare client capability cp1, without which Entra sends no claims challenges.
      const token = await credential.getToken(scopes, { claims: claims || undefined, enableCae: true });
      if (!token) throw new Error('Entra returned no token.');
      return token;
    } catch (err) {
      throw this.oboFailure(err, user, claims);
    }
  }

  private async appOnly(scopes: string[]): Promise<AccessToken> {
    if (!this.opts.tenantId) throw new Error('App-only tokens need MicrosoftAppTenantId.');
    this.appCredential ??= this.factory.app({
      tenantId: this.opts.tenantId,
      clientId: this.opts.clientId,
      settings: this.opts.settings,
    });
    try {
      const token = await this.appCredential.getToken(scopes);
      if (!token) throw new Error('Entra returned no token.');
      return token;
    } catch (err) {
      this.opts.log?.warn({ err }, 'app-only token request failed');
      throw new Error(`Could not get an app-only Microsoft Graph token: ${firstLine(err)}`);
    }
  }

  private oboFailure(err: unknown, user: UserRef, requestedClaims?: string): Error {
    if (err instanceof SignInRequiredError || err instanceof StepUpRequiredError) return err;
    const text = errorText(err);
    if (/AADSTS65001|consent_required/i.test(text)) return new SignInRequiredError(user, 'consentRequired');
    if (/AADSTS500133|AADSTS50013|AADSTS700024/i.test(text)) return new SignInRequiredError(user, 'expired');
    if (isClaimsChallenge(err, text)) {
      return new StepUpRequiredError(claimsFromError(err, text) ?? requestedClaims ?? '', user);
    }
    this.opts.log?.warn({ err }, 'on-behalf-of token request failed');
    return new Error(`Could not get a Microsoft Graph token on behalf of the user: ${firstLine(err)}`);
  }
}

function scopeKey(scopes: string[]): string {
  return [...scopes].sort().join(' ');
}

function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const extra = err as Error & { errorCode?: unknown; claims?: unknown };
  return `${err.name} ${String(extra.errorCode ?? '')} ${err.message}`;
}

function firstLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return scrub(message.split('\n')[0] ?? '').slice(0, 300);
}

/** MFA / CA step-up: interaction_required, AADSTS50076 (MFA), 50079 (MFA registration), 50158 (external challenge). */
function isClaimsChallenge(err: unknown, text: string): boolean {
  if (err instanceof Error && /InteractionRequired/i.test(err.name)) return true;
  return /interaction_required|AADSTS50076|AADSTS50079|AADSTS50158|insufficient_claims|"claims"|claims=/i.test(text);
}

/** The challenge from msal's error object, or from the raw token-endpoint JSON quoted in the message. */
function claimsFromError(err: unknown, text: string): string | undefined {
  const direct = (err as { claims?: unknown } | null)?.claims;
  if (typeof direct === 'string' && direct) return direct;
  const quoted = /"claims"\s*:\s*"((?:[^"\\]|\\.)*)"/.exec(text);
  if (!quoted?.[1]) return undefined;
  try {
    return JSON.parse(`"${quoted[1]}"`) as string;
  } catch {
    return undefined;
  }
}
