import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { mintToken } from './auth.js';
import type { User } from './model.js';
import type { TenantState } from './state.js';

/**
 * A tiny authorization-code sign-in for step-up (MFA / authentication context): `GET|POST /{tenant}/oauth2/v2.0/authorize`
 * renders "verify your identity" and redirects with a code; `POST /{tenant}/oauth2/v2.0/token` swaps the code for an
 * unsigned token carrying `amr: ["pwd","mfa"]` and the requested `acrs`.
 *
 * PKCE is required (stricter than Entra, which makes it optional for web apps, so the bot cannot drop it unnoticed):
 * the authorize request carries `code_challenge` with `code_challenge_method=S256`, and the code is only redeemed with
 * the matching `code_verifier`. A missing or wrong verifier gets Entra's answer: `invalid_grant`, AADSTS50148.
 */

export interface PageResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

interface CodeGrant {
  oid: string;
  clientId: string;
  redirectUri: string;
  acrs: string[];
  scope: string;
  codeChallenge: string;
  expiresAt: number;
}

const CODE_LIFETIME_MS = 5 * 60_000;
const TOKEN_LIFETIME_S = 3600;

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

class PageError extends Error {}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

function page(status: number, title: string, inner: string): PageResponse {
  const body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:Segoe UI,Arial,sans-serif;background:#f2f2f2;display:flex;justify-content:center;padding-top:8vh}
main{background:#fff;padding:32px 40px;width:380px;box-shadow:0 2px 6px rgba(0,0,0,.2)}h1{font-size:22px;font-weight:600}
input[type=text]{width:100%;padding:8px;font-size:16px;box-sizing:border-box}button{margin-top:16px;background:#0067b8;color:#fff;border:0;padding:8px 24px;font-size:15px}
.error{color:#a80000}.who{color:#555}</style></head><body><main>${inner}</main></body></html>`;
  return { status, headers: { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' }, body };
}

const errorPage = (message: string): PageResponse =>
  page(
    400,
    'Contoso sign-in: something is wrong',
    `<h1>Contoso sign-in</h1><p class="error">${escapeHtml(message)}</p>`,
  );

/** Values of `{"access_token":{"acrs":{"essential":true,"value":"c1"}}}` (or `values: [...]`). */
function requestedAcrs(claims: string | null): string[] {
  if (!claims) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(claims);
  } catch {
    try {
      parsed = JSON.parse(Buffer.from(claims, 'base64').toString('utf8'));
    } catch {
      throw new PageError('The claims parameter is not valid JSON.');
    }
  }
  const acrs = (parsed as { access_token?: { acrs?: { value?: unknown; values?: unknown } } })?.access_token?.acrs;
  if (!acrs) return [];
  const values = [acrs.value, ...(Array.isArray(acrs.values) ? acrs.values : [])].filter(
    (v): v is string => typeof v === 'string',
  );
  return [...new Set(values)];
}

export class StepUp {
  private codes = new Map<string, CodeGrant>();

  constructor(private readonly state: TenantState) {}

  clear(): void {
    this.codes.clear();
  }

  /** Handles `/{tenant}/oauth2/v2.0/{authorize|token}`; `params` are the query (GET) or form (POST) fields. */
  handle(
    method: string,
    tenant: string,
    endpoint: string,
    params: URLSearchParams,
    query: URLSearchParams,
  ): PageResponse {
    try {
      this.checkTenant(tenant);
      if (endpoint === 'authorize' && method === 'GET') return this.form(query, null);
      if (endpoint === 'authorize' && method === 'POST') return this.verify(params);
      if (endpoint === 'token' && method === 'POST') return this.token(params);
      return errorPage(`${method} is not supported on /oauth2/v2.0/${endpoint}.`);
    } catch (err) {
      if (err instanceof PageError)
        return endpoint === 'token' ? oauthError('invalid_request', err.message) : errorPage(err.message);
      throw err;
    }
  }

  private checkTenant(tenant: string): void {
    const t = tenant.toLowerCase();
    const ok = ['common', 'organizations', this.state.tenant.id, this.state.tenant.domain.toLowerCase()].includes(t);
    if (!ok)
      throw new PageError(
        `Unknown tenant '${tenant}'. Use ${this.state.tenant.id}, ${this.state.tenant.domain}, common or organizations.`,
      );
  }

  private authorizeParams(p: URLSearchParams) {
    const need = (name: string): string => {
      const v = p.get(name)?.trim();
      if (!v) throw new PageError(`The '${name}' parameter is missing.`);
      return v;
    };
    const clientId = need('client_id');
    const redirectUri = need('redirect_uri');
    if (!isHttpUrl(redirectUri)) throw new PageError("The 'redirect_uri' must be an absolute http(s) URL.");
    if (need('response_type') !== 'code') throw new PageError('Only response_type=code is supported.');
    const hint = need('login_hint');
    const user = this.state.user(hint);
    if (!user)
      throw new PageError(
        `No user '${hint}' in the Contoso tenant (login_hint must be an object id or user principal name).`,
      );
    const codeChallenge = need('code_challenge');
    if (p.get('code_challenge_method') !== 'S256')
      throw new PageError("The 'code_challenge_method' must be S256 (this sign-in does not accept plain PKCE).");
    // An S256 challenge is the base64url of a SHA-256 digest: 43 characters (Entra: AADSTS501491 otherwise).
    if (!/^[A-Za-z0-9_-]{43}$/.test(codeChallenge))
      throw new PageError('AADSTS501491: Invalid size of Code_Challenge parameter.');
    const claims = p.get('claims');
    return {
      codeChallenge,
      clientId,
      redirectUri,
      user,
      state: p.get('state') ?? '',
      claims,
      acrs: requestedAcrs(claims),
      scope: p.get('scope') ?? '',
    };
  }

  private form(p: URLSearchParams, problem: string | null): PageResponse {
    const a = this.authorizeParams(p);
    const hidden = [
      'client_id',
      'redirect_uri',
      'state',
      'claims',
      'login_hint',
      'response_type',
      'scope',
      'code_challenge',
      'code_challenge_method',
    ]
      .filter((n) => p.get(n) !== null)
      .map((n) => `<input type="hidden" name="${n}" value="${escapeHtml(p.get(n) as string)}">`)
      .join('');
    const context = a.acrs.length
      ? `<p>This action needs extra verification (${escapeHtml(a.acrs.join(', '))}).</p>`
      : '';
    return page(
      problem ? 400 : 200,
      'Contoso sign-in: verify your identity',
      `<h1>Contoso sign-in: verify your identity</h1><p class="who">${escapeHtml(a.user.displayName)}<br>${escapeHtml(a.user.userPrincipalName)}</p>${context}
<form method="post"><label for="otc">Enter the code from your authenticator app</label>
<input type="text" id="otc" name="otc" value="482915" inputmode="numeric" autocomplete="one-time-code">${hidden}
${problem ? `<p class="error">${escapeHtml(problem)}</p>` : ''}<button type="submit">Verify</button></form>`,
    );
  }

  private verify(p: URLSearchParams): PageResponse {
    const a = this.authorizeParams(p);
    if (!/^\d{6}$/.test(p.get('otc') ?? '')) return this.form(p, 'Enter the 6-digit code.');
    const code = randomBytes(24).toString('base64url');
    this.codes.set(code, {
      oid: a.user.id,
      clientId: a.clientId,
      redirectUri: a.redirectUri,
      acrs: a.acrs,
      scope: a.scope,
      codeChallenge: a.codeChallenge,
      expiresAt: this.state.now() + CODE_LIFETIME_MS,
    });
    const target = new URL(a.redirectUri);
    target.searchParams.set('code', code);
    if (a.state) target.searchParams.set('state', a.state);
    return { status: 302, headers: { Location: target.toString(), 'Cache-Control': 'no-store' }, body: '' };
  }

  private token(p: URLSearchParams): PageResponse {
    if (p.get('grant_type') !== 'authorization_code')
      return oauthError('unsupported_grant_type', 'Only grant_type=authorization_code is supported.');
    const code = p.get('code') ?? '';
    const grant = this.codes.get(code);
    if (!grant) return oauthError('invalid_grant', 'The authorization code is unknown or was already used.');
    this.codes.delete(code);
    if (grant.expiresAt < this.state.now()) return oauthError('invalid_grant', 'The authorization code has expired.');
    if (p.get('redirect_uri') !== grant.redirectUri)
      return oauthError('invalid_grant', 'The redirect_uri does not match the authorization request.');
    if (p.get('client_id') !== grant.clientId)
      return oauthError('invalid_client', 'The client_id does not match the authorization request.');
    if (!verifierMatches(p.get('code_verifier'), grant.codeChallenge))
      return oauthError(
        'invalid_grant',
        'AADSTS50148: The code_verifier does not match the code_challenge supplied in the authorization request for PKCE.',
        [50148],
      );
    const user = this.state.user(grant.oid) as User;
    const now = Math.floor(this.state.now() / 1000);
    const accessToken = mintToken({
      aud: 'https://graph.microsoft.com',
      iss: `https://login.microsoftonline.com/${this.state.tenant.id}/v2.0`,
      oid: user.id,
      tid: this.state.tenant.id,
      name: user.displayName,
      upn: user.userPrincipalName,
      preferred_username: user.userPrincipalName,
      scp:
        grant.scope
          .replace(/https:\/\/graph\.microsoft\.com\//g, '')
          .replace(/\b(openid|profile|offline_access)\b/g, '')
          .trim() || 'User.Read',
      amr: ['pwd', 'mfa'],
      acrs: grant.acrs,
      xms_cc: ['cp1'],
      iat: now,
      exp: now + TOKEN_LIFETIME_S,
    });
    const body = JSON.stringify({
      token_type: 'Bearer',
      scope: grant.scope,
      expires_in: TOKEN_LIFETIME_S,
      ext_expires_in: TOKEN_LIFETIME_S,
      access_token: accessToken,
    });
    return {
      status: 200,
      headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' },
      body,
    };
  }
}

/** RFC 7636 S256: base64url(SHA-256(verifier)) equals the challenge; no verifier never matches. */
function verifierMatches(verifier: string | null, challenge: string): boolean {
  if (!verifier) return false;
  const computed = Buffer.from(createHash('sha256').update(verifier, 'ascii').digest('base64url'));
  const expected = Buffer.from(challenge);
  return computed.length === expected.length && timingSafeEqual(computed, expected);
}

function oauthError(error: string, description: string, errorCodes?: number[]): PageResponse {
  return {
    status: 400,
    headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' },
    body: JSON.stringify({ error, error_description: description, ...(errorCodes ? { error_codes: errorCodes } : {}) }),
  };
}
