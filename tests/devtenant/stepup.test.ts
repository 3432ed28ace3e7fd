import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { decodeToken } from '../../devtenant/index.js';
import { GROUPS, PIM, startTestTenant, type TestTenant } from './client.js';
import { PEOPLE, TENANT_ID } from './tokens.js';

let t: TestTenant;
const REDIRECT = 'http://localhost:3978/auth/stepup/callback';
const CLAIMS = '{"access_token":{"acrs":{"essential":true,"value":"c1"}}}';

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
    ...overrides,
  });
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

  it('answers bad or missing parameters with a 400 HTML page saying what is wrong', async () => {
    const cases: Array<[Record<string, string | null>, RegExp]> = [
      [{ client_id: null }, /client_id/],
      [{ redirect_uri: 'not a url' }, /redirect_uri/],
      [{ response_type: 'token' }, /response_type=code/],
      [{ login_hint: null }, /login_hint/],
      [{ login_hint: 'nobody@contoso.example' }, /No user/],
      [{ claims: '{not json' }, /claims/],
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
