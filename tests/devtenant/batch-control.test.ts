import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EM, GROUPS, PACKAGES, PIM, startTestTenant, type TestTenant } from './client.js';
import { appToken, PEOPLE, userToken } from './tokens.js';

let t: TestTenant;
const alex = userToken(PEOPLE.alex);

beforeAll(async () => {
  t = await startTestTenant();
});
afterAll(() => t.close());
beforeEach(async () => {
  await t.reset();
});

const batch = (requests: unknown[], token: string | null = alex) => t.post('/v1.0/$batch', token, { requests });

describe('$batch', () => {
  it("runs each request with the caller's token and returns one status per item", async () => {
    const r = await batch([
      { id: '1', method: 'GET', url: '/me?$select=displayName' },
      { id: '2', method: 'GET', url: `groups/${GROUPS.devTools}?$select=displayName` },
      { id: '3', method: 'GET', url: '/users/00000000-0000-4000-8000-000000000999' },
      {
        id: '4',
        method: 'POST',
        url: '/identityGovernance/entitlementManagement/assignmentRequests',
        headers: { 'Content-Type': 'application/json' },
        body: { requestType: 'userAdd', assignment: { accessPackageId: PACKAGES.campaign }, justification: 'batch' },
      },
    ]);
    expect(r.status).toBe(200);
    const byId = Object.fromEntries(r.body.responses.map((x: { id: string }) => [x.id, x]));
    expect(byId['1']).toMatchObject({ status: 200, body: { displayName: 'Alex Wilber' } });
    expect(byId['2'].body.displayName).toBe('Developer Tools Power Users');
    expect(byId['3'].status).toBe(404);
    expect(byId['3'].body.error.code).toBe('Request_ResourceNotFound');
    expect(byId['4']).toMatchObject({ status: 201, body: { state: 'submitted' } });
  });

  it('honours dependsOn and fails dependants of a failed request with 424', async () => {
    const r = await batch([
      { id: 'a', method: 'GET', url: '/users/nobody@contoso.example' },
      { id: 'b', method: 'GET', url: '/me', dependsOn: ['a'] },
      { id: 'c', method: 'GET', url: '/me/manager' },
      { id: 'd', method: 'GET', url: '/me', dependsOn: ['c'] },
    ]);
    const status = Object.fromEntries(r.body.responses.map((x: { id: string; status: number }) => [x.id, x.status]));
    expect(status).toEqual({ a: 404, b: 424, c: 200, d: 200 });
  });

  it('limits a batch to 20 requests and validates its shape', async () => {
    const twenty = Array.from({ length: 20 }, (_, i) => ({ id: String(i), method: 'GET', url: '/me' }));
    expect((await batch(twenty)).status).toBe(200);
    const tooMany = await batch([...twenty, { id: '20', method: 'GET', url: '/me' }]);
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.message).toMatch(/20/);
    expect((await batch([])).status).toBe(400);
    expect(
      (
        await batch([
          { id: '1', method: 'GET', url: '/me' },
          { id: '1', method: 'GET', url: '/me' },
        ])
      ).status,
    ).toBe(400);
    expect((await batch([{ id: '1', method: 'GET', url: '/me', dependsOn: ['9'] }])).status).toBe(400);
    expect((await batch([{ id: '1', method: 'BREW', url: '/me' }])).status).toBe(400);
    expect((await t.post('/v1.0/$batch', alex, '{"requests": [')).status).toBe(400);
    expect((await batch([{ id: '1', method: 'GET', url: '/me' }], null)).status).toBe(401);
  });

  it('answers per item for absolute URLs, missing Content-Type and nested batches', async () => {
    const r = await batch([
      { id: '1', method: 'GET', url: 'https://graph.microsoft.com/v1.0/me' },
      {
        id: '2',
        method: 'POST',
        url: '/identityGovernance/entitlementManagement/assignmentRequests',
        body: { requestType: 'userAdd' },
      },
      {
        id: '3',
        method: 'POST',
        url: '/$batch',
        headers: { 'content-type': 'application/json' },
        body: { requests: [] },
      },
    ]);
    expect(r.body.responses.map((x: { status: number }) => x.status)).toEqual([400, 400, 400]);
  });

  it('counts as one round trip and logs its items as batchItem', async () => {
    await t.call('DELETE', '/_devtenant/requests');
    await batch([
      { id: '1', method: 'GET', url: '/me' },
      { id: '2', method: 'GET', url: '/me/manager' },
    ]);
    const log = await t.log();
    expect(log.filter((e) => !e.batchItem)).toEqual([
      expect.objectContaining({ method: 'POST', path: '/v1.0/$batch', status: 200, caller: PEOPLE.alex }),
    ]);
    expect(log.filter((e) => e.batchItem).map((e) => e.path)).toEqual(['/v1.0/me', '/v1.0/me/manager']);
  });

  it('can throttle a single item with 429 inside the batch', async () => {
    await t.post('/_devtenant/faults', null, {
      rules: [{ pathPattern: '/manager', status: 429, retryAfterSeconds: 7 }],
    });
    const r = await batch([
      { id: '1', method: 'GET', url: '/me' },
      { id: '2', method: 'GET', url: '/me/manager' },
    ]);
    expect(r.status).toBe(200);
    expect(r.body.responses[0].status).toBe(200);
    expect(r.body.responses[1]).toMatchObject({ status: 429, headers: { 'Retry-After': '7' } });
    await t.call('DELETE', '/_devtenant/faults');
  });
});

describe('request log', () => {
  it('records method, path with query, caller, status and devtenant time; clears on DELETE', async () => {
    await t.call('DELETE', '/_devtenant/requests');
    await t.get('/v1.0/me?$select=id', alex);
    await t.get(`${EM}/accessPackages?$top=1`, appToken('f0000000-0000-4000-8000-00000000000a'));
    await t.get('/v1.0/me', null);
    await t.get('/_devtenant/clock');
    const log = await t.log();
    expect(log).toHaveLength(3);
    expect(log[0]).toMatchObject({ method: 'GET', path: '/v1.0/me?$select=id', caller: PEOPLE.alex, status: 200 });
    expect(log[1]).toMatchObject({ caller: 'app:f0000000-0000-4000-8000-00000000000a', status: 200 });
    expect(log[2]).toMatchObject({ caller: null, status: 401 });
    expect(Date.parse(log[0].time)).not.toBeNaN();
    expect((await t.call('DELETE', '/_devtenant/requests')).status).toBe(204);
    expect(await t.log()).toEqual([]);
  });
});

describe('clock', () => {
  it('advances, sets and freezes', async () => {
    const before = (await t.get('/_devtenant/clock')).body;
    const r = await t.post('/_devtenant/clock', null, { advanceSeconds: 3600 });
    expect(Date.parse(r.body.now) - Date.parse(before.now)).toBeGreaterThanOrEqual(3600_000);
    const set = await t.post('/_devtenant/clock', null, { set: '2030-01-01T00:00:00Z', freeze: true });
    expect(set.body).toMatchObject({ now: '2030-01-01T00:00:00.000Z', frozen: true });
    await new Promise((res) => setTimeout(res, 20));
    expect((await t.get('/_devtenant/clock')).body.now).toBe('2030-01-01T00:00:00.000Z');
    expect((await t.post('/_devtenant/clock', null, { advanceSeconds: 'soon' })).status).toBe(400);
    expect((await t.post('/_devtenant/clock', null, {})).status).toBe(400);
    expect((await t.post('/_devtenant/clock', null, { set: 'yesterday' })).status).toBe(400);
  });

  it('goes back to the configured start on reset, with the seed', async () => {
    const fixed = await startTestTenant({ now: new Date('2031-05-01T12:00:00Z'), freezeClock: true });
    try {
      await fixed.advance(86_400);
      expect((await fixed.get('/_devtenant/clock')).body.now).toBe('2031-05-02T12:00:00.000Z');
      await fixed.reset();
      expect((await fixed.get('/_devtenant/clock')).body.now).toBe('2031-05-01T12:00:00.000Z');
      const a = await fixed.get(`${EM}/assignments/filterByCurrentUser(on='target')`, alex);
      expect(a.body.value.length).toBe(2);
    } finally {
      await fixed.close();
    }
  });
});

describe('faults', () => {
  it('injects 429 with Retry-After for a path pattern, a given number of times', async () => {
    const set = await t.post('/_devtenant/faults', null, {
      rules: [{ pathPattern: '^/me$', method: 'GET', status: 429, retryAfterSeconds: 3, count: 2 }],
    });
    expect(set.status).toBe(200);
    const first = await t.get('/v1.0/me', alex);
    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after')).toBe('3');
    expect(first.body.error.code).toBe('TooManyRequests');
    expect((await t.get('/v1.0/me', alex)).status).toBe(429);
    expect((await t.get('/v1.0/me', alex)).status).toBe(200);
    expect((await t.get('/v1.0/me/manager', alex)).status).toBe(200);
    await t.post('/_devtenant/faults', null, { rules: [{ pathPattern: '^/beta/me', status: 503, count: 1 }] });
    expect((await t.get('/v1.0/me', alex)).status).toBe(200);
    expect((await t.get('/beta/me', alex)).status).toBe(503);
  });

  it('injects 503 and latency, and clears on DELETE', async () => {
    await t.post('/_devtenant/faults', null, {
      rules: [
        { pathPattern: 'assignmentScheduleRequests', status: 503 },
        { pathPattern: '/users/', latencyMs: 150 },
      ],
    });
    const r = await t.get(`${PIM}/assignmentScheduleRequests/filterByCurrentUser(on='principal')`, alex);
    expect(r.status).toBe(503);
    expect(r.body.error.code).toBe('ServiceUnavailable');
    const started = Date.now();
    expect((await t.get(`/v1.0/users/${PEOPLE.megan}`, alex)).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect((await t.call('DELETE', '/_devtenant/faults')).status).toBe(204);
    expect((await t.get(`${PIM}/assignmentScheduleRequests/filterByCurrentUser(on='principal')`, alex)).status).toBe(
      200,
    );
  });

  it('applies probability rules deterministically (seeded)', async () => {
    const run = async () => {
      await t.call('DELETE', '/_devtenant/faults');
      await t.post('/_devtenant/faults', null, {
        seed: 42,
        rules: [{ pathPattern: '^/me$', status: 503, probability: 0.5 }],
      });
      const statuses: number[] = [];
      for (let i = 0; i < 20; i++) statuses.push((await t.get('/v1.0/me', alex)).status);
      return statuses;
    };
    const a = await run();
    const b = await run();
    expect(a).toEqual(b);
    expect(a).toContain(503);
    expect(a).toContain(200);
  });

  it('can reset the connection', async () => {
    await t.post('/_devtenant/faults', null, { rules: [{ pathPattern: '^/me$', reset: true, count: 1 }] });
    const outcome = await new Promise<string>((resolve) => {
      const req = httpRequest(`${t.url}/v1.0/me`, { headers: { authorization: `Bearer ${alex}` } }, (res) =>
        resolve(`status ${res.statusCode}`),
      );
      req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
      req.end();
    });
    expect(outcome).toBe('ECONNRESET');
    expect((await t.get('/v1.0/me', alex)).status).toBe(200);
  });

  it('rejects invalid rules with a clear 400', async () => {
    const bad = await t.post('/_devtenant/faults', null, { rules: [{ pathPattern: '(', status: 429 }] });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/pathPattern/);
    expect((await t.post('/_devtenant/faults', null, { rules: [{ pathPattern: 'x', status: 418 }] })).status).toBe(400);
    expect((await t.post('/_devtenant/faults', null, { rules: [{ pathPattern: 'x' }] })).status).toBe(400);
    expect(
      (await t.post('/_devtenant/faults', null, { rules: [{ pathPattern: 'x', status: 429, colour: 1 }] })).status,
    ).toBe(400);
  });
});

describe('reset', () => {
  it('puts the tenant back to the seed', async () => {
    const r = await t.post(`${EM}/assignmentRequests/90000000-0000-4000-8000-000000000003/cancel`, alex);
    expect(r.status).toBe(200);
    await t.reset();
    const again = await t.get(`${EM}/assignmentRequests/90000000-0000-4000-8000-000000000003`, alex);
    expect(again.body.state).toBe('pendingApproval');
    expect((await t.get('/_devtenant/nothing')).status).toBe(404);
  });
});
