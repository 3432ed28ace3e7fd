import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { decodeToken } from '../../devtenant/index.js';
import { GROUPS, PIM, startTestTenant, type TestTenant } from './client.js';
import { PEOPLE, TENANT_ID } from './tokens.js';

let t: TestTenant;
const REDIRECT = 'http://localhost:3978/auth/stepup/callback';
const CLAIMS = '{"access_token":{"acrs":{"essential":true,"value":"c1"}}}';
/** RFC 7636 appendix B: a verifier and its S256 challenge. */
const VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

beforeAll(async () => {
  t = await startTestTenant();
});
afterAll(() => t.close());
beforeEach(() => t.reset());

function authorizeParams(overrides: Record<string, string | null> = {}): URLSearchParams {
  const base: Record<string, string | null> = {
    client_id: 'access-bot',
    redirect_uri: REDIRECT,
    state: 'st-123',
    claims: CLAIMS,
    login_hint: PEOPLE.alex,
    response_type: 'code',
    scope: 'https://graph.microsoft.com/PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup offline_access',
    code_challenge: CHALLENGE,
    code_challenge_method: 'S256',
    ...overrides,
  };
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(base)) if (v !== null) p.set(k, v);
  return p;
}

const authorizeUrl = (tenant = TENANT_ID) => `${t.url}/${tenant}/oauth2/v2.0/authorize`;

async function signIn(params = authorizeParams()): Promise<string> {
  const form = new URLSearchParams(params);
  form.set('otc', '123456');
  const res = await fetch(authorizeUrl(), { method: 'POST', body: form, redirect: 'manual' });
  expect(res.status).toBe(302);
  const location = new URL(res.headers.get('location') ?? '');
  expect(`${location.origin}${location.pathname}`).toBe(REDIRECT);
  expect(location.searchParams.get('state')).toBe(params.get('state'));
  return location.searchParams.get('code') ?? '';
}

function redeem(code: string, overrides: Record<string, string> = {}) {
  const form = new URLSearchParams({
    grant_type: 'authorization_code',
    code,
    redirect_uri: REDIRECT,
    client_id: 'access-bot',
    code_verifier: VERIFIER,
    ...overrides,
  });
  for (const [k, v] of [...form.entries()]) if (v === '') form.delete(k);
  return fetch(`${t.url}/${TENANT_ID}/oauth2/v2.0/token`, { method: 'POST', body: form });
}

describe('step-up sign-in page', () => {
  it('renders the verify page for the hinted user with a pre-filled one-time code', async () => {
    const res = await fetch(`${authorizeUrl('contoso.example')}?${authorizeParams()}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    const html = await res.text();
    expect(html).toContain('Contoso sign-in: verify your identity');
    expect(html).toContain('Alex Wilber');
    expect(html).toMatch(/name="otc" value="\d{6}"/);
    expect(html).toContain('<form method="post">');
    expect(html).toContain('c1');
  });

  it('redirects with a single-use code that buys a token with mfa and the requested acrs', async () => {
    const code = await signIn();
    const res = await redeem(code);
    expect(res.status).toBe(200);
    const token = await res.json();
    expect(token).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
    const claims = decodeToken(token.access_token);
    expect(claims).toMatchObject({ oid: PEOPLE.alex, tid: TENANT_ID, amr: ['pwd', 'mfa'], acrs: ['c1'] });

    const activation = await t.post(`${PIM}/assignmentScheduleRequests`, token.access_token, {
      accessId: 'member',
      principalId: PEOPLE.alex,
      groupId: GROUPS.azureOwners,
      action: 'selfActivate',
      justification: 'Stepped up',
      scheduleInfo: { expiration: { type: 'afterDuration', duration: 'PT1H' } },
    });
    expect(activation.status).toBe(201);
    expect(activation.body.status).toBe('Provisioned');

    const reuse = await redeem(code);
    expect(reuse.status).toBe(400);
    expect((await reuse.json()).error).toBe('invalid_grant');
  });

  it('refuses expired codes and mismatched redirect or client', async () => {
    const expired = await signIn();
    await t.advance(6 * 60);
    expect((await (await redeem(expired)).json()).error).toBe('invalid_grant');
    const wrongRedirect = await redeem(await signIn(), { redirect_uri: 'http://evil.example/cb' });
    expect(wrongRedirect.status).toBe(400);
    const wrongClient = await redeem(await signIn(), { client_id: 'someone-else' });
    expect((await wrongClient.json()).error).toBe('invalid_client');
    const wrongGrant = await redeem('x', { grant_type: 'password' });
    expect((await wrongGrant.json()).error).toBe('unsupported_grant_type');
  });

  it('keeps the PKCE challenge through the verify form, and redeems a code only with its verifier (AADSTS50148 otherwise)', async () => {
    const form = await (await fetch(`${authorizeUrl()}?${authorizeParams()}`)).text();
    expect(form).toContain(`name="code_challenge" value="${CHALLENGE}"`);
    expect(form).toContain('name="code_challenge_method" value="S256"');

    const pkceRefused = {
      error: 'invalid_grant',
      error_codes: [50148],
      error_description:
        'AADSTS50148: The code_verifier does not match the code_challenge supplied in the authorization request for PKCE.',
    };
    // Whoever holds the code but not the verifier (a code read off the redirect, planted into another sign-in) gets nothing.
    const wrong = await redeem(await signIn(), { code_verifier: 'x'.repeat(43) });
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toEqual(pkceRefused);
    const missing = await redeem(await signIn(), { code_verifier: '' });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toEqual(pkceRefused);
    // The challenge itself is not the verifier (S256, not plain).
    expect(await (await redeem(await signIn(), { code_verifier: CHALLENGE })).json()).toEqual(pkceRefused);

    // A code refused for its verifier is spent, as a used one is.
    const code = await signIn();
    expect((await redeem(code, { code_verifier: 'y'.repeat(43) })).status).toBe(400);
    expect((await (await redeem(code)).json()).error).toBe('invalid_grant');
    expect((await redeem(await signIn())).status).toBe(200);
  });

  it('answers bad or missing parameters with a 400 HTML page saying what is wrong', async () => {
    const cases: Array<[Record<string, string | null>, RegExp]> = [
      [{ client_id: null }, /client_id/],
      [{ redirect_uri: 'not a url' }, /redirect_uri/],
      [{ response_type: 'token' }, /response_type=code/],
      [{ login_hint: null }, /login_hint/],
      [{ login_hint: 'nobody@contoso.example' }, /No user/],
      [{ claims: '{not json' }, /claims/],
      [{ code_challenge: null }, /code_challenge/],
      [{ code_challenge_method: null }, /code_challenge_method.*S256/],
      [{ code_challenge_method: 'plain', code_challenge: VERIFIER }, /code_challenge_method.*S256/],
      [{ code_challenge: 'short' }, /AADSTS501491: Invalid size of Code_Challenge parameter/],
    ];
    for (const [override, message] of cases) {
      const res = await fetch(`${authorizeUrl()}?${authorizeParams(override)}`);
      expect(res.status, JSON.stringify(override)).toBe(400);
      const html = await res.text();
      expect(html).toMatch(message);
      expect(html).not.toMatch(/at \w+ \(/);
    }
    const tenant = await fetch(`${authorizeUrl('fabrikam.example')}?${authorizeParams()}`);
    expect(tenant.status).toBe(400);
    const form = authorizeParams();
    form.set('otc', 'abc');
    const badCode = await fetch(authorizeUrl(), { method: 'POST', body: form, redirect: 'manual' });
    expect(badCode.status).toBe(400);
    expect(await badCode.text()).toMatch(/6-digit/);
  });

  it('escapes what it echoes', async () => {
    const res = await fetch(`${authorizeUrl()}?${authorizeParams({ state: '"><script>alert(1)</script>' })}`);
    const html = await res.text();
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('&lt;script&gt;');
  });
});
