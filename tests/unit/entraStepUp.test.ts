import http from 'node:http';
import https from 'node:https';
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { encodeUnsignedJwt } from '../../services/auth/localTokens.js';
import {
  EntraStepUpAuthority,
  newPkceVerifier,
  pkceChallenge,
  StepUpError,
} from '../../services/pim/stepUpAuthority.js';

/**
 * The entra-mode step-up sign-in (MSAL node's authorization-code flow with claims and client capability cp1), driven
 * offline: MSAL's network module is a fake that answers like login.microsoftonline.com and records every request.
 * Any real network use (http, https, fetch) fails the test.
 */

const TENANT = 'c0a70500-0000-4000-8000-000000000001';
const CLIENT_ID = '7a3c1e2b-0000-4000-8000-00000000b075';
const SECRET = 'Zq8~top-secret-client-value-DO-NOT-LOG';
const ALEX = '10000000-0000-4000-8000-000000000001';
const MEGAN = '10000000-0000-4000-8000-000000000002';
const PUBLIC_URL = 'https://accessbot.contoso.example';
const REDIRECT = `${PUBLIC_URL}/auth/stepup/callback`;
const GRAPH_DEFAULT = 'https://graph.microsoft.com/.default';
/** The challenge PIM puts in RoleAssignmentRequestAcrsValidationFailed, decoded (GRAPH-API.md section 6.10). */
const ACRS_CHALLENGE = '{"access_token":{"acrs":{"essential":true,"value":"c1"}}}';
const AUTHORITY = `https://login.microsoftonline.com/${TENANT}`;
const CODE = '0.AXoAsecret-authorization-code-from-the-redirect';
/** The link's PKCE verifier (kept with the step-up state) and its S256 challenge, RFC 7636 appendix B's example. */
const VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

interface Sent {
  method: 'GET' | 'POST';
  url: string;
  body: URLSearchParams;
  headers: Record<string, string>;
}

type Answer = NetworkResponse<unknown> | Error;

/** Answers OpenID metadata and instance discovery if MSAL asks, and the token endpoint with `tokenAnswer`. */
class FakeEntra implements INetworkModule {
  readonly sent: Sent[] = [];
  tokenAnswers: Answer[] = [];

  async sendGetRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    this.record('GET', url, options);
    const u = new URL(url);
    if (u.pathname.endsWith('/.well-known/openid-configuration')) {
      const base = `https://login.microsoftonline.com/${TENANT}`;
      return this.ok<T>({
        token_endpoint: `${base}/oauth2/v2.0/token`,
        authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
        end_session_endpoint: `${base}/oauth2/v2.0/logout`,
        issuer: `${base}/v2.0`,
        jwks_uri: `${base}/discovery/v2.0/keys`,
      });
    }
    if (u.pathname.endsWith('/discovery/instance')) {
      return this.ok<T>({
        tenant_discovery_endpoint: `https://login.microsoftonline.com/${TENANT}/v2.0/.well-known/openid-configuration`,
        'api-version': '1.1',
        metadata: [
          {
            preferred_network: 'login.microsoftonline.com',
            preferred_cache: 'login.windows.net',
            aliases: ['login.microsoftonline.com', 'login.windows.net', 'sts.windows.net'],
          },
        ],
      });
    }
    return { status: 404, headers: {}, body: { error: 'not_found' } as T };
  }

  async sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    this.record('POST', url, options);
    const answer = this.tokenAnswers.shift() ?? oauthError(500, 'server_error', 'AADSTS90000: no answer scripted.');
    if (answer instanceof Error) throw answer;
    return answer as NetworkResponse<T>;
  }

  posts(): Sent[] {
    return this.sent.filter((s) => s.method === 'POST');
  }

  private record(method: Sent['method'], url: string, options?: NetworkRequestOptions): void {
    this.sent.push({ method, url, body: new URLSearchParams(options?.body ?? ''), headers: options?.headers ?? {} });
  }

  private ok<T>(body: unknown): NetworkResponse<T> {
    return { status: 200, headers: { 'content-type': 'application/json' }, body: body as T };
  }
}

function oauthError(
  status: number,
  error: string,
  description: string,
  codes: number[] = [],
): NetworkResponse<unknown> {
  return {
    status,
    headers: { 'content-type': 'application/json' },
    body: {
      error,
      error_description: `${description}\r\nTrace ID: 3f0e6a2c-0000-4000-8000-000000000001\r\nCorrelation ID: 5b1c-0000\r\nTimestamp: 2026-03-02 10:00:00Z`,
      error_codes: codes,
      timestamp: '2026-03-02 10:00:00Z',
      trace_id: '3f0e6a2c-0000-4000-8000-000000000001',
      correlation_id: '5b1c0000-0000-4000-8000-000000000001',
    },
  };
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** What Entra answers on the token endpoint for `oid` after a step-up with the authentication context c1. */
function tokenAnswer(oid: string, opts: { opaqueAccessToken?: boolean; expiresIn?: number } = {}) {
  const iat = nowSeconds();
  const expiresIn = opts.expiresIn ?? 3599;
  const accessToken = opts.opaqueAccessToken
    ? 'EwBwA8l6BAAUbDba3x2OMJElkF7gJ4z-opaque-access-token'
    : encodeUnsignedJwt({
        aud: 'https://graph.microsoft.com',
        iss: `https://sts.windows.net/${TENANT}/`,
        oid,
        tid: TENANT,
        amr: ['pwd', 'mfa'],
        acrs: ['c1'],
        xms_cc: ['cp1'],
        scp: 'User.Read PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup',
        iat,
        nbf: iat,
        exp: iat + expiresIn,
      });
  const idToken = encodeUnsignedJwt({
    aud: CLIENT_ID,
    iss: `https://login.microsoftonline.com/${TENANT}/v2.0`,
    oid,
    tid: TENANT,
    sub: `sub-${oid}`,
    name: oid === ALEX ? 'Alex Wilber' : 'Megan Bowen',
    preferred_username: oid === ALEX ? 'AlexW@contoso.example' : 'MeganB@contoso.example',
    iat,
    nbf: iat,
    exp: iat + 3600,
  });
  const clientInfo = Buffer.from(JSON.stringify({ uid: oid, utid: TENANT })).toString('base64url');
  return {
    accessToken,
    response: {
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: {
        token_type: 'Bearer',
        scope: `${GRAPH_DEFAULT.replace('/.default', '/User.Read')} openid profile`,
        expires_in: expiresIn,
        ext_expires_in: expiresIn,
        access_token: accessToken,
        id_token: idToken,
        client_info: clientInfo,
      },
    } satisfies NetworkResponse<unknown>,
  };
}

function authority(network: FakeEntra, clientSecret = SECRET): EntraStepUpAuthority {
  return new EntraStepUpAuthority({
    clientId: CLIENT_ID,
    tenantId: TENANT,
    settings: { kind: 'secret', clientSecret },
    networkClient: network,
  });
}

/** The `claims` parameter of an authorize URL or a token request, parsed. */
function claimsOf(text: string | null): Record<string, any> {
  expect(text, 'the request carries claims').toBeTruthy();
  return JSON.parse(text as string);
}

describe('EntraStepUpAuthority (MSAL auth-code flow with claims and cp1), offline', () => {
  let network: FakeEntra;
  const realNetwork = vi.fn(() => {
    throw new Error('the step-up authority tried to use the real network');
  });

  beforeEach(() => {
    network = new FakeEntra();
    realNetwork.mockClear();
    vi.spyOn(https, 'request').mockImplementation(realNetwork as never);
    vi.spyOn(https, 'get').mockImplementation(realNetwork as never);
    vi.spyOn(http, 'request').mockImplementation(realNetwork as never);
    vi.spyOn(http, 'get').mockImplementation(realNetwork as never);
    vi.spyOn(globalThis, 'fetch').mockImplementation(realNetwork as never);
  });

  afterEach(() => {
    expect(realNetwork).not.toHaveBeenCalled();
    // Everything MSAL sent went to the tenant's authority (never another host, never another tenant).
    for (const s of network.sent) expect(new URL(s.url).origin).toBe('https://login.microsoftonline.com');
    vi.restoreAllMocks();
  });

  describe('authorizeUrl', () => {
    it('sends an authentication-context challenge to the tenant authority with the claims and cp1, the callback, the scopes and the state', async () => {
      const url = new URL(
        await authority(network).authorizeUrl({
          state: 'st4te_0f-the-link_abcdefghijklmnopqrstuvwxyz012345',
          redirectUri: REDIRECT,
          claims: ACRS_CHALLENGE,
          userObjectId: ALEX,
          loginHint: 'AlexW@contoso.example',
          codeChallenge: CHALLENGE,
        }),
      );
      expect(`${url.origin}${url.pathname}`).toBe(`${AUTHORITY}/oauth2/v2.0/authorize`);
      const q = url.searchParams;
      expect(q.get('client_id')).toBe(CLIENT_ID);
      expect(q.get('response_type')).toBe('code');
      expect(q.get('redirect_uri')).toBe(REDIRECT);
      expect(q.get('state')).toBe('st4te_0f-the-link_abcdefghijklmnopqrstuvwxyz012345');
      expect(q.get('login_hint')).toBe('AlexW@contoso.example');
      // PKCE: the S256 challenge only; the verifier never leaves the bot before the code comes back.
      expect(q.get('code_challenge')).toBe(CHALLENGE);
      expect(q.get('code_challenge_method')).toBe('S256');
      expect(url.toString()).not.toContain(VERIFIER);
      const scopes = (q.get('scope') ?? '').split(' ');
      expect(scopes).toContain(GRAPH_DEFAULT);
      expect(scopes).toEqual(expect.arrayContaining(['openid', 'profile']));
      const claims = claimsOf(q.get('claims'));
      // Graph's challenge, untouched, merged with the client capability cp1 (Entra's xms_cc claim request).
      expect(claims.access_token.acrs).toEqual({ essential: true, value: 'c1' });
      expect(claims.access_token.xms_cc).toEqual({ values: ['cp1'] });
      // An authentication-context sign-in needs no forced prompt: the claims drive it.
      expect(q.get('prompt')).toBeNull();
      expect(q.get('amr_values')).toBeNull();
      // Building the link is not a secret operation: the client secret never goes into a URL.
      expect(url.toString()).not.toContain(SECRET);
      expect(network.posts()).toHaveLength(0);
    });

    it('asks for a fresh multi-factor sign-in when Graph named no claims (plain MfaRule), still declaring cp1', async () => {
      const url = new URL(
        await authority(network).authorizeUrl({
          state: 'mfa-state',
          redirectUri: REDIRECT,
          userObjectId: ALEX,
          codeChallenge: CHALLENGE,
        }),
      );
      expect(url.searchParams.get('code_challenge')).toBe(CHALLENGE);
      expect(url.searchParams.get('code_challenge_method')).toBe('S256');
      expect(`${url.origin}${url.pathname}`).toBe(`${AUTHORITY}/oauth2/v2.0/authorize`);
      expect(url.searchParams.get('prompt')).toBe('login');
      expect(url.searchParams.get('amr_values')).toBe('mfa');
      expect(url.searchParams.get('state')).toBe('mfa-state');
      expect(url.searchParams.get('redirect_uri')).toBe(REDIRECT);
      const claims = claimsOf(url.searchParams.get('claims'));
      expect(claims.access_token.xms_cc).toEqual({ values: ['cp1'] });
      expect(claims.access_token.acrs).toBeUndefined();
      // No hint given, none invented (the object id is not a login hint for Entra).
      expect(url.searchParams.get('login_hint')).toBeNull();
      expect(url.toString()).not.toContain(ALEX);
    });
  });

  describe('redeem', () => {
    it('POSTs the code, the callback, the client secret and the claims with cp1 to the token endpoint, and returns the token for that user', async () => {
      const { accessToken, response } = tokenAnswer(ALEX);
      network.tokenAnswers.push(response);
      const before = Date.now();
      const token = await authority(network).redeem({
        code: CODE,
        redirectUri: REDIRECT,
        claims: ACRS_CHALLENGE,
        codeVerifier: VERIFIER,
      });

      const [post] = network.posts();
      expect(network.posts()).toHaveLength(1);
      const endpoint = new URL(post.url);
      expect(`${endpoint.origin}${endpoint.pathname}`).toBe(`${AUTHORITY}/oauth2/v2.0/token`);
      expect(post.headers['Content-Type'] ?? post.headers['content-type']).toMatch(
        /application\/x-www-form-urlencoded/,
      );
      expect(post.body.get('grant_type')).toBe('authorization_code');
      expect(post.body.get('code')).toBe(CODE);
      expect(post.body.get('redirect_uri')).toBe(REDIRECT);
      expect(post.body.get('client_id')).toBe(CLIENT_ID);
      expect(post.body.get('client_secret')).toBe(SECRET);
      expect(post.body.get('code_verifier')).toBe(VERIFIER);
      expect((post.body.get('scope') ?? '').split(' ')).toContain(GRAPH_DEFAULT);
      const claims = claimsOf(post.body.get('claims'));
      expect(claims.access_token.acrs).toEqual({ essential: true, value: 'c1' });
      expect(claims.access_token.xms_cc).toEqual({ values: ['cp1'] });
      // The secret travels in the body only, never in the URL.
      expect(post.url).not.toContain(SECRET);

      expect(token.accessToken).toBe(accessToken);
      expect(token.objectId).toBe(ALEX);
      expect(token.expiresOn).toBeInstanceOf(Date);
      const lifetime = token.expiresOn.getTime() - before;
      expect(lifetime).toBeGreaterThan(3500_000);
      expect(lifetime).toBeLessThanOrEqual(3600_000 + 5_000);
    });

    it('redeems a plain-MFA code without claims of its own, and says who signed in so the page can refuse another account', async () => {
      network.tokenAnswers.push(tokenAnswer(MEGAN).response);
      const token = await authority(network).redeem({ code: CODE, redirectUri: REDIRECT, codeVerifier: VERIFIER });
      const [post] = network.posts();
      expect(post.body.get('code')).toBe(CODE);
      // Only the capability is asked for: no acrs challenge was given.
      const claims = post.body.get('claims');
      if (claims !== null) {
        expect(JSON.parse(claims).access_token.acrs).toBeUndefined();
        expect(JSON.parse(claims).access_token.xms_cc).toEqual({ values: ['cp1'] });
      }
      expect(token.objectId).toBe(MEGAN);
    });

    it('takes the object id from the signed-in account when the access token is not a JWT', async () => {
      const { accessToken, response } = tokenAnswer(ALEX, { opaqueAccessToken: true });
      network.tokenAnswers.push(response);
      const token = await authority(network).redeem({
        code: CODE,
        redirectUri: REDIRECT,
        claims: ACRS_CHALLENGE,
        codeVerifier: VERIFIER,
      });
      expect(token.accessToken).toBe(accessToken);
      expect(token.objectId).toBe(ALEX);
    });

    const refusals: [string, Answer, string][] = [
      [
        'an expired or already used code (invalid_grant)',
        oauthError(
          400,
          'invalid_grant',
          'AADSTS70008: The provided authorization code or refresh token has expired due to inactivity.',
          [70008],
        ),
        'invalid_grant (AADSTS70008)',
      ],
      [
        'a code issued for another PKCE challenge (invalid_grant, AADSTS50148)',
        oauthError(
          400,
          'invalid_grant',
          'AADSTS50148: The code_verifier does not match the code_challenge supplied in the authorization request for PKCE.',
          [50148],
        ),
        'invalid_grant (AADSTS50148)',
      ],
      [
        'a wrong client secret (invalid_client)',
        oauthError(
          401,
          'invalid_client',
          'AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value.',
          [7000215],
        ),
        'invalid_client (AADSTS7000215)',
      ],
      [
        'a sign-in that still does not satisfy the claims (interaction_required)',
        oauthError(
          400,
          'interaction_required',
          'AADSTS50076: Due to a configuration change made by your administrator, you must use multi-factor authentication.',
          [50076],
        ),
        'interaction_required (AADSTS50076)',
      ],
    ];

    for (const [what, answer, reason] of refusals) {
      it(`turns ${what} into a StepUpError with a clear message and no token or secret in it`, async () => {
        network.tokenAnswers.push(answer, answer);
        const error = await authority(network)
          .redeem({ code: CODE, redirectUri: REDIRECT, claims: ACRS_CHALLENGE, codeVerifier: VERIFIER })
          .then(
            () => undefined,
            (err: unknown) => err,
          );
        expect(error).toBeInstanceOf(StepUpError);
        const message = (error as Error).message;
        expect(message).toBe(`The sign-in code could not be redeemed with Microsoft Entra: ${reason}.`);
        for (const secret of [SECRET, CODE, VERIFIER, 'client_secret', 'access_token'])
          expect(message).not.toContain(secret);
        // The whole error (as a logger would serialise it) carries neither the secret nor the code.
        const serialised = JSON.stringify({ ...(error as object), message, stack: (error as Error).stack });
        expect(serialised).not.toContain(SECRET);
        expect(serialised).not.toContain(CODE);
        expect(serialised).not.toContain(VERIFIER);
        // One redemption attempt: a code works once, so retrying a refused one would only fail again.
        expect(network.posts()).toHaveLength(1);
      });
    }

    it('turns an unreachable authority into a StepUpError too', async () => {
      network.tokenAnswers.push(new Error('connect ECONNREFUSED 20.190.0.1:443'), new Error('connect ECONNREFUSED'));
      const error = await authority(network)
        .redeem({ code: CODE, redirectUri: REDIRECT, codeVerifier: VERIFIER })
        .then(
          () => undefined,
          (err: unknown) => err,
        );
      expect(error).toBeInstanceOf(StepUpError);
      expect((error as Error).message).toMatch(/^The sign-in code could not be redeemed with Microsoft Entra/);
      expect((error as Error).message).not.toContain(SECRET);
      expect((error as Error).message).not.toContain(CODE);
    });

    it('refuses an answer without an access token', async () => {
      const { response } = tokenAnswer(ALEX);
      const { access_token: _dropped, ...body } = response.body;
      network.tokenAnswers.push({ ...response, body });
      await expect(
        authority(network).redeem({ code: CODE, redirectUri: REDIRECT, codeVerifier: VERIFIER }),
      ).rejects.toBeInstanceOf(StepUpError);
    });
  });

  describe('PKCE', () => {
    it('makes a fresh 43-character verifier each time and the S256 challenge of RFC 7636', () => {
      expect(pkceChallenge(VERIFIER)).toBe(CHALLENGE);
      const verifiers = new Set(Array.from({ length: 20 }, () => newPkceVerifier()));
      expect(verifiers.size).toBe(20);
      for (const v of verifiers) {
        expect(v).toMatch(/^[A-Za-z0-9_-]{43}$/);
        expect(pkceChallenge(v)).toMatch(/^[A-Za-z0-9_-]{43}$/);
        expect(pkceChallenge(v)).not.toBe(v);
      }
    });
  });
});
