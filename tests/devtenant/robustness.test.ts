import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRouter } from '../../devtenant/server.js';
import { GROUPS, PACKAGES, SEEDED, startTestTenant, type TestTenant } from './client.js';
import { appToken, PEOPLE, userToken } from './tokens.js';

/** Garbage at every route: the devtenant answers with Graph's error envelope and never a 5xx. */

let t: TestTenant;
const alex = userToken(PEOPLE.alex);
const templates = buildRouter().templates;

beforeAll(async () => {
  t = await startTestTenant();
});
afterAll(() => t.close());

const IDS = [
  PEOPLE.alex,
  GROUPS.devTools,
  PACKAGES.sandbox,
  SEEDED.johannaNetworkRequest,
  'x',
  "it's",
  '%00',
  'a'.repeat(300),
];
const ONS = ["'target'", 'approver', "'principal'", "''", "'%27)(", 'allowedRequestor'];

function concrete(template: string, pick: number): string {
  let i = pick;
  return template
    .replace(/\{on\}/g, () => ONS[i++ % ONS.length])
    .replace(/\{id\}/g, () => encodeURIComponent(IDS[i++ % IDS.length]));
}

const BODIES: Array<string | undefined> = [
  undefined,
  '',
  '{',
  '{"a":',
  'null',
  '[]',
  '42',
  '"text"',
  '{"unknownProperty": true}',
  '{"requestType": 5, "assignment": "x", "action": [], "reviewResult": {}}',
  JSON.stringify({ requestType: 'userAdd', assignment: { accessPackageId: { nested: true } }, answers: 'none' }),
  JSON.stringify({
    action: 'selfActivate',
    accessId: 'member',
    principalId: PEOPLE.alex,
    groupId: GROUPS.devTools,
    scheduleInfo: 'soon',
  }),
  JSON.stringify({ reviewResult: 'Approve', justification: 12 }),
  JSON.stringify({ requests: [{ id: 1, method: 'GET', url: 7 }] }),
  '\u0000\u0001\u0002',
];

function expectGraphError(status: number, body: string, context: string): void {
  expect(status, context).toBeLessThan(500);
  if (status >= 400) {
    const parsed = JSON.parse(body);
    expect(typeof parsed.error?.code, context).toBe('string');
    expect(typeof parsed.error?.message, context).toBe('string');
    expect(parsed.error.innerError, context).toBeDefined();
  }
}

async function send(
  method: string,
  path: string,
  token: string | null,
  body?: string,
): Promise<{ status: number; text: string }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(t.url + path, {
    method,
    headers,
    body: method === 'GET' || method === 'HEAD' ? undefined : body,
  });
  return { status: res.status, text: await res.text() };
}

describe('garbage at every route', () => {
  it(`survives bad bodies, methods and ids on all ${templates.length} routes`, async () => {
    let calls = 0;
    for (const [n, route] of templates.entries()) {
      for (const variant of [0, 1]) {
        const path = `/v1.0${concrete(route.template, n + variant)}`;
        // Every method with the signed-in user; the route's own method again with other kinds of tokens.
        for (const method of variant === 0 ? ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'] : [route.method]) {
          const body = BODIES[(n * 7 + variant * 3 + method.length) % BODIES.length];
          const token = variant === 0 ? alex : [appToken(), null, 'garbage'][n % 3];
          const r = await send(method, path, token, body);
          expectGraphError(r.status, r.text, `${method} ${path} body=${body}`);
          calls++;
        }
      }
      if (route.method === 'GET') continue;
      // Every bad body against the route's own method, with a valid caller so the handler itself runs.
      for (const body of BODIES) {
        const path = `/v1.0${concrete(route.template, 0)}`;
        const r = await send(route.method, path, alex, body);
        expectGraphError(r.status, r.text, `${route.method} ${path} body=${body}`);
        calls++;
      }
    }
    expect(calls).toBeGreaterThan(450);
  });

  it('survives random OData query options on collection routes', async () => {
    const collections = templates
      .filter((r) => r.method === 'GET' && !r.template.endsWith('{id}'))
      .map((r) => `/v1.0${concrete(r.template, 0)}`);
    const option = fc.constantFrom(
      '$filter',
      '$select',
      '$expand',
      '$top',
      '$orderby',
      '$search',
      '$skiptoken',
      '$count',
      '$skip',
      '$apply',
    );
    const value = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.constantFrom(
        "displayName eq 'x' and",
        'contains(displayName',
        "(((state eq 'x'",
        'group($expand=members($expand=owners))',
        'policy($expand=rules($filter=id eq 1))',
        "startswith(id,'1') or not true",
        'x/any(c:c eq 1)',
        '1000',
        '-1',
        '"a" OR',
      ),
    );
    await fc.assert(
      fc.asyncProperty(fc.nat(collections.length - 1), option, value, async (i, name, v) => {
        const path = `${collections[i]}${collections[i].includes('?') ? '&' : '?'}${name}=${encodeURIComponent(v)}`;
        const r = await send('GET', path, alex);
        expectGraphError(r.status, r.text, path);
      }),
      { numRuns: 150, seed: 4242 },
    );
  });

  it('survives random paths, broken percent-encoding and odd versions', async () => {
    for (const path of [
      '/v1.0/%E0%A4%A',
      '/v1.0//users//',
      '/beta/me/../../etc/passwd',
      '/v1.0/users/%ZZ',
      '/v1.0',
      '/beta/',
      '/V1.0/ME',
    ]) {
      const r = await send('GET', path, alex);
      expectGraphError(r.status, r.text, path);
    }
    await fc.assert(
      fc.asyncProperty(fc.array(fc.string({ minLength: 1, maxLength: 12 }), { maxLength: 6 }), async (segments) => {
        const path = `/v1.0/${segments.map((s) => encodeURIComponent(s)).join('/')}`;
        const r = await send('GET', path, alex);
        expectGraphError(r.status, r.text, path);
      }),
      { numRuns: 80, seed: 7 },
    );
  });

  it('survives garbage on the sign-in endpoints and the control plane', async () => {
    const tenant = 'c0a70500-0000-4000-8000-000000000001';
    const paths = [
      `/${tenant}/oauth2/v2.0/authorize?redirect_uri=http://[&client_id=x&response_type=code&login_hint=${PEOPLE.alex}`,
      '/%E0%A4/oauth2/v2.0/authorize',
      `/${tenant}/oauth2/v2.0/token`,
      `/${tenant}/oauth2/v2.0/authorize?claims=%7B&login_hint=x`,
      '/_devtenant/clock',
      '/_devtenant/faults',
      '/_devtenant/requests',
      '/_devtenant/reset/now',
    ];
    for (const path of paths) {
      for (const method of ['GET', 'POST', 'PATCH', 'DELETE']) {
        for (const body of [
          '',
          '{',
          'a=b&code=%ZZ',
          '{"rules":[{"pathPattern":"(","status":429}]}',
          '{"advanceSeconds":1e400}',
        ]) {
          const r = await send(method, path, null, body);
          expect(r.status, `${method} ${path} ${body}`).toBeLessThan(500);
        }
      }
    }
    await t.call('DELETE', '/_devtenant/faults');
  });

  it('refuses a body over 4 MB with 413 and keeps serving', async () => {
    const r = await send('POST', '/v1.0/$batch', alex, `{"requests":"${'x'.repeat(4 * 1024 * 1024 + 10)}"}`);
    expect(r.status).toBe(413);
    expect((await send('GET', '/v1.0/me', alex)).status).toBe(200);
  });

  it('recorded no internal error in the request log', async () => {
    const log = await t.log();
    expect(log.filter((e) => e.status >= 500)).toEqual([]);
  });
});
