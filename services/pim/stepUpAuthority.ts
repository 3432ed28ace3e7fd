import { createHash, randomBytes, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ConfidentialClientApplication, Configuration, INetworkModule } from '@azure/msal-node';
import { type AppCredentialSettings, LazyCredential } from '../auth/credentials.js';
import { LOCAL_APP_CLIENT_ID, LOCAL_DELEGATED_SCOPES } from '../auth/localTokens.js';
import { decodeJwtClaims, GRAPH_DEFAULT_SCOPE } from '../auth/tokens.js';

/**
 * The interactive sign-in behind the step-up page: the authorization-code flow with the claims Graph asked for
 * (MFA, an authentication context), for one user. Local mode talks to the devtenant's sign-in page; entra mode to
 * login.microsoftonline.com through MSAL with client capability `cp1`.
 */
export interface StepUpAuthority {
  /** Where to send the browser: the authority's sign-in page for this user, carrying `state` and the claims. */
  authorizeUrl(request: AuthorizeRequest): Promise<string>;
  /** Swaps the code from the redirect for a Graph token. */
  redeem(request: RedeemRequest): Promise<StepUpToken>;
}

export interface AuthorizeRequest {
  state: string;
  redirectUri: string;
  /** The claims challenge JSON from Graph; undefined for plain MFA. */
  claims?: string;
  /** Entra object id of the person who must sign in. */
  userObjectId: string;
  /** UPN or email, when known (entra login hint). */
  loginHint?: string;
  /** PKCE: the S256 challenge of the verifier kept with the link's state (`pkceChallenge`). */
  codeChallenge: string;
}

export interface RedeemRequest {
  code: string;
  redirectUri: string;
  claims?: string;
  /** PKCE: the verifier whose challenge went to the authorize request; a code issued for another one is refused. */
  codeVerifier: string;
}

/** A PKCE code verifier (RFC 7636: 43 characters of base64url, 256 bits of randomness). */
export function newPkceVerifier(): string {
  return randomBytes(32).toString('base64url');
}

/** The S256 challenge of a verifier: base64url(SHA-256(verifier)), no padding. */
export function pkceChallenge(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

export interface StepUpToken {
  accessToken: string;
  expiresOn: Date;
  /** `oid` of the signed-in person, to check it is the person the link was for. */
  objectId?: string;
}

const GRAPH = 'https://graph.microsoft.com';

export class StepUpError extends Error {
  override name = 'StepUpError';
}

/** Local mode: the devtenant's `/{tenant}/oauth2/v2.0/authorize` page and `/token` endpoint (devtenant/stepup.ts). */
export class LocalStepUpAuthority implements StepUpAuthority {
  constructor(
    private readonly opts: { graphBaseUrl: string; tenantId: string; clientId?: string; fetchImpl?: typeof fetch },
  ) {}

  async authorizeUrl(request: AuthorizeRequest): Promise<string> {
    const url = new URL(`${this.base()}/authorize`);
    url.search = new URLSearchParams({
      client_id: this.clientId(),
      response_type: 'code',
      redirect_uri: request.redirectUri,
      scope: LOCAL_DELEGATED_SCOPES.map((s) => `${GRAPH}/${s}`).join(' '),
      state: request.state,
      login_hint: request.userObjectId,
      code_challenge: request.codeChallenge,
      code_challenge_method: 'S256',
      ...(request.claims ? { claims: request.claims } : {}),
    }).toString();
    return url.toString();
  }

  async redeem(request: RedeemRequest): Promise<StepUpToken> {
    const res = await (this.opts.fetchImpl ?? fetch)(`${this.base()}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: request.code,
        redirect_uri: request.redirectUri,
        client_id: this.clientId(),
        code_verifier: request.codeVerifier,
      }).toString(),
      signal: AbortSignal.timeout(10_000),
    });
    const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (!res.ok || typeof body.access_token !== 'string') {
      throw new StepUpError(
        String(body.error_description ?? body.error ?? `the token endpoint answered ${res.status}`),
      );
    }
    const seconds = typeof body.expires_in === 'number' ? body.expires_in : 3600;
    return tokenOf(body.access_token, new Date(Date.now() + seconds * 1000));
  }

  private base(): string {
    return `${this.opts.graphBaseUrl}/${encodeURIComponent(this.opts.tenantId)}/oauth2/v2.0`;
  }

  private clientId(): string {
    return this.opts.clientId ?? LOCAL_APP_CLIENT_ID;
  }
}

export interface EntraStepUpOptions {
  clientId: string;
  tenantId: string;
  settings: AppCredentialSettings;
  /** Tests inject a network module; production uses MSAL's own. */
  networkClient?: INetworkModule;
}

/** Entra mode: MSAL node's auth-code flow with `claims` and client capability `cp1`. */
export class EntraStepUpAuthority implements StepUpAuthority {
  private readonly config: Configuration;
  /** MSAL loads with the first step-up (it is a sizeable part of start-up, and most turns never need it). */
  private client?: Promise<ConfidentialClientApplication>;

  constructor(opts: EntraStepUpOptions) {
    this.config = {
      auth: {
        clientId: opts.clientId,
        authority: `https://login.microsoftonline.com/${opts.tenantId}`,
        // Without cp1 Entra keeps answering authentication-context challenges even for tokens that satisfy them.
        clientCapabilities: ['cp1'],
        ...clientCredential(opts.settings),
      },
      ...(opts.networkClient ? { system: { networkClient: opts.networkClient } } : {}),
    };
  }

  private msal(): Promise<ConfidentialClientApplication> {
    this.client ??= import('@azure/msal-node').then((m) => new m.ConfidentialClientApplication(this.config));
    return this.client;
  }

  async authorizeUrl(request: AuthorizeRequest): Promise<string> {
    return (await this.msal()).getAuthCodeUrl({
      scopes: [GRAPH_DEFAULT_SCOPE],
      redirectUri: request.redirectUri,
      state: request.state,
      codeChallenge: request.codeChallenge,
      codeChallengeMethod: 'S256',
      ...(request.loginHint ? { loginHint: request.loginHint } : {}),
      // Plain MFA (PIM's MfaRule) names no claims: ask for a fresh sign-in with multi-factor authentication.
      ...(request.claims
        ? { claims: request.claims }
        : { prompt: 'login', extraQueryParameters: { amr_values: 'mfa' } }),
    });
  }

  async redeem(request: RedeemRequest): Promise<StepUpToken> {
    const msal = await this.msal();
    const result = await msal
      .acquireTokenByCode({
        code: request.code,
        scopes: [GRAPH_DEFAULT_SCOPE],
        redirectUri: request.redirectUri,
        codeVerifier: request.codeVerifier,
        ...(request.claims ? { claims: request.claims } : {}),
      })
      .catch((err: unknown) => {
        // MSAL's errors become the one error type of this interface, naming only Entra's code (never the request).
        throw new StepUpError(`The sign-in code could not be redeemed with Microsoft Entra${entraReason(err)}.`);
      });
    if (!result?.accessToken) throw new StepUpError('Microsoft Entra returned no token.');
    const token = tokenOf(result.accessToken, result.expiresOn ?? new Date(Date.now() + 3600_000));
    return { ...token, objectId: token.objectId ?? result.account?.localAccountId };
  }
}

/** `: invalid_grant (AADSTS70008)` from an MSAL error; empty when it names neither. */
function entraReason(err: unknown): string {
  const e = err as { errorCode?: unknown; errorMessage?: unknown } | undefined;
  const code = typeof e?.errorCode === 'string' && /^[a-z_]{1,64}$/i.test(e.errorCode) ? e.errorCode : undefined;
  const aadsts = typeof e?.errorMessage === 'string' ? /AADSTS\d{4,8}/.exec(e.errorMessage)?.[0] : undefined;
  if (!code && !aadsts) return '';
  return `: ${[code, aadsts && `(${aadsts})`].filter(Boolean).join(' ')}`;
}

function tokenOf(accessToken: string, expiresOn: Date): StepUpToken {
  const oid = decodeJwtClaims(accessToken)?.oid;
  return { accessToken, expiresOn, objectId: typeof oid === 'string' ? oid : undefined };
}

function clientCredential(settings: AppCredentialSettings): Partial<Configuration['auth']> {
  if (settings.kind === 'secret') return { clientSecret: settings.clientSecret };
  if (settings.kind === 'certificate') return { clientCertificate: certificateFrom(settings.certificatePath) };
  // Managed identity: its token is the client assertion of a federated credential on the bot's app.
  const identity = new LazyCredential(
    (id) =>
      new id.ManagedIdentityCredential(
        settings.managedIdentityClientId ? { clientId: settings.managedIdentityClientId } : {},
      ),
  );
  return {
    clientAssertion: async () => {
      const token = await identity.getToken('api://AzureADTokenExchange/.default');
      if (!token) throw new StepUpError('The managed identity returned no token.');
      return token.token;
    },
  };
}

/** A PEM file holding the private key and the certificate, as APP_CERTIFICATE_PATH does for @azure/identity. */
function certificateFrom(path: string): { privateKey: string; thumbprintSha256: string } {
  const pem = readFileSync(path, 'utf8');
  const key = /-----BEGIN (?:RSA |EC )?PRIVATE KEY-----[\s\S]+?-----END (?:RSA |EC )?PRIVATE KEY-----/.exec(pem)?.[0];
  const cert = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(pem)?.[0];
  if (!key || !cert) throw new StepUpError(`${path} must hold a PEM private key and certificate.`);
  const der = new X509Certificate(cert).raw;
  return { privateKey: key, thumbprintSha256: createHash('sha256').update(der).digest('hex') };
}
