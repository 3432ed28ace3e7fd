import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwtClaims, LocalTokenProvider } from '../../services/auth/localTokens.js';
import { SignInRequiredError, type TokenProvider, type UserRef } from '../../services/auth/tokens.js';
import { ManualClock } from '../../services/clock.js';
import { chunkBatchRequests } from '../../services/graph/batch.js';
import { createGraph, type GraphRequestInfo } from '../../services/graph/client.js';
import { GraphRequestError, GraphTransportError, toDomainError } from '../../services/graph/errors.js';
import { createLogger } from '../../services/log.js';

interface Recorded {
  method: string;
  url: string;
  authorization?: string;
  body: string;
}

type Handler = (req: Recorded, res: ServerResponse, raw: IncomingMessage) => void | Promise<void>;

/** A tiny Graph stand-in on 127.0.0.1:0 that records every request; each test installs its own handler. */
class FakeGraph {
  requests: Recorded[] = [];
  handler: Handler = (_req, res) => json(res, 200, {});
  private readonly server = createServer((req, res) => this.handle(req, res));

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const recorded = {
      method: req.method ?? '',
      url: req.url ?? '',
      authorization: req.headers.authorization,
      body: Buffer.concat(chunks).toString('utf8'),
    };
    this.requests.push(recorded);
    await this.handler(recorded, res, req);
  }
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

function graphError(res: ServerResponse, status: number, code: string, message: string, headers = {}): void {
  json(
    res,
    status,
    { error: { code, message, innerError: { 'request-id': 'req-123', date: '2025-07-01T08:00:00' } } },
    headers,
  );
}

const alex: UserRef = {
  aadObjectId: '10000000-0000-4000-8000-000000000001',
  name: 'Alex Wilber',
  upn: 'alexw@contoso.com',
};
const megan: UserRef = {
  aadObjectId: '10000000-0000-4000-8000-000000000002',
  name: 'Megan Bowen',
  upn: 'meganb@contoso.com',
};

const fake = new FakeGraph();
const logLines: string[] = [];
const log = createLogger('debug', { write: (line: string) => logLines.push(line) });
const clock = new ManualClock(new Date('2025-07-01T08:00:00Z'));
const tokens = new LocalTokenProvider({ tenantId: 'c0a70500-0000-4000-8000-000000000001', clock });
const tokensSeen = new Set<string>();
const seen: GraphRequestInfo[] = [];
let baseUrl = '';

function graph(overrides: { timeoutMs?: number; tokens?: TokenProvider } = {}) {
  return createGraph({
    baseUrl,
    tokens: overrides.tokens ?? tokens,
    timeoutMs: overrides.timeoutMs ?? 2000,
    log,
    retry: { baseDelayMs: 20 },
    onRequest: (info) => seen.push(info),
  });
}

function bearer(req: Recorded): string {
  const token = req.authorization?.replace(/^Bearer /, '') ?? '';
  if (token) tokensSeen.add(token);
  return token;
}

beforeAll(async () => {
  baseUrl = await fake.start();
});

afterEach(() => {
  for (const r of fake.requests) bearer(r);
  fake.requests = [];
  seen.length = 0;
});

afterAll(async () => {
  await fake.close();
});

describe('tokens on the wire', () => {
  it('sends the user bearer token over plain http', async () => {
    fake.handler = (_req, res) => json(res, 200, { id: alex.aadObjectId });
    const me = await graph().forUser(alex).get<{ id: string }>('/me');
    expect(me.id).toBe(alex.aadObjectId);
    const [req] = fake.requests;
    expect(req?.method).toBe('GET');
    expect(req?.url).toBe('/v1.0/me');
    expect(req?.authorization).toMatch(/^Bearer eyJ/);
    expect(decodeJwtClaims(bearer(req!))).toMatchObject({ oid: alex.aadObjectId, upn: 'alexw@contoso.com' });
  });

  it('uses an app token for forApp and a user token for forUser', async () => {
    fake.handler = (_req, res) => json(res, 200, { value: [] });
    const g = graph();
    await g.forApp().get('/groups', { version: 'beta' });
    await g.forUser(megan).get('/me');
    const [app, user] = fake.requests.map((r) => decodeJwtClaims(bearer(r)));
    expect(fake.requests[0]?.url).toBe('/beta/groups');
    expect(app).toMatchObject({ idtyp: 'app' });
    expect(app?.scp).toBeUndefined();
    expect(user).toMatchObject({ oid: megan.aadObjectId });
    expect(user?.idtyp).toBeUndefined();
  });

  it('never mixes up the tokens of two users whose calls interleave', async () => {
    const stepUp = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(
      JSON.stringify({ oid: alex.aadObjectId, amr: ['pwd', 'mfa'], acrs: ['c1'] }),
    ).toString('base64url')}.`;
    tokens.storeStepUpToken(alex, stepUp, new Date(clock.now().getTime() + 3_600_000));
    fake.handler = async (_req, res) => {
      await new Promise((r) => setTimeout(r, Math.random() * 15));
      json(res, 200, {});
    };
    const g = graph();
    const calls = Array.from({ length: 30 }, (_, i) => {
      const user = i % 2 === 0 ? alex : megan;
      return g.forUser(user).get(`/users/${user.aadObjectId}/memberOf`);
    });
    await Promise.all(calls);
    expect(fake.requests).toHaveLength(30);
    for (const req of fake.requests) {
      const claims = decodeJwtClaims(bearer(req));
      const expectedOid = req.url.split('/')[3];
      expect(claims?.oid).toBe(expectedOid);
      if (expectedOid === megan.aadObjectId) expect(claims?.amr).toBeUndefined();
      else expect(bearer(req)).toBe(stepUp);
    }
  });

  it('lets a sign-in failure of the token provider reach the caller unchanged', async () => {
    const noSso: TokenProvider = {
      userToken: async (user) => {
        throw new SignInRequiredError(user);
      },
      appToken: async () => 'unused',
    };
    const error = await graph({ tokens: noSso })
      .forUser(alex)
      .get('/me')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SignInRequiredError);
    expect(fake.requests).toHaveLength(0);
    expect(toDomainError(error, { action: 'list your requests' }).kind).toBe('signInRequired');
  });
});

describe('retries and timeouts', () => {
  it('waits for Retry-After on 429 and then succeeds', async () => {
    let calls = 0;
    fake.handler = (_req, res) => {
      calls += 1;
      if (calls === 1) graphError(res, 429, 'TooManyRequests', 'Too many requests', { 'Retry-After': '1' });
      else json(res, 200, { value: [{ id: 'a' }] });
    };
    const started = Date.now();
    const page = await graph().forUser(alex).get<{ value: unknown[] }>('/me/memberOf');
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(page.value).toHaveLength(1);
    expect(fake.requests).toHaveLength(2);
    expect(seen.map((s) => s.status)).toEqual([429, 200]);
  });

  it('fails at once as throttled when Retry-After is longer than it is willing to wait', async () => {
    fake.handler = (_req, res) =>
      graphError(res, 429, 'TooManyRequests', 'Too many requests', { 'Retry-After': '120' });
    const started = Date.now();
    const error = await graph()
      .forUser(alex)
      .get('/me')
      .catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(900);
    expect(fake.requests).toHaveLength(1);
    expect(error).toBeInstanceOf(GraphRequestError);
    const domain = toDomainError(error, { action: 'list your roles' });
    expect(domain).toMatchObject({ kind: 'throttled', retryAfterSeconds: 120 });
    expect(domain.userMessage).toMatch(/busy/);
    expect(domain.nextStep).toMatch(/2 minutes/);
  });

  it('retries a GET answered 503 with backoff', async () => {
    let calls = 0;
    fake.handler = (_req, res) => {
      calls += 1;
      if (calls < 3) graphError(res, 503, 'ServiceUnavailable', 'Try later');
      else json(res, 200, { ok: true });
    };
    await expect(graph().forUser(alex).get('/me')).resolves.toEqual({ ok: true });
    expect(fake.requests).toHaveLength(3);
  });

  it('gives up after three retries and reports Graph as unavailable', async () => {
    fake.handler = (_req, res) => graphError(res, 504, 'GatewayTimeout', 'Gateway timeout');
    const error = await graph()
      .forUser(alex)
      .get('/me')
      .catch((e: unknown) => e);
    expect(fake.requests).toHaveLength(4);
    expect(toDomainError(error, { action: 'show your roles' }).kind).toBe('unavailable');
  });

  it('does not retry a POST answered 500 or 504, but does retry it on 503', async () => {
    fake.handler = (_req, res) => graphError(res, 500, 'InternalServerError', 'Boom');
    const g = graph().forUser(alex);
    const error = await g.post('/identityGovernance/x', { a: 1 }).catch((e: unknown) => e);
    expect(fake.requests).toHaveLength(1);
    expect(error).toMatchObject({ status: 500, code: 'InternalServerError' });
    expect(toDomainError(error, { action: 'activate Finance Admins' }).kind).toBe('unavailable');

    fake.requests = [];
    fake.handler = (_req, res) => graphError(res, 504, 'GatewayTimeout', 'Gateway timeout');
    await expect(g.post('/identityGovernance/x', { a: 1 })).rejects.toMatchObject({ status: 504 });
    expect(fake.requests).toHaveLength(1);

    fake.requests = [];
    let calls = 0;
    fake.handler = (_req, res) => {
      calls += 1;
      if (calls === 1) graphError(res, 503, 'ServiceUnavailable', 'Try later');
      else json(res, 201, { id: 'rq1', status: 'Provisioned' });
    };
    await expect(g.post('/identityGovernance/x', { a: 1 })).resolves.toEqual({ id: 'rq1', status: 'Provisioned' });
    expect(fake.requests.map((r) => JSON.parse(r.body))).toEqual([{ a: 1 }, { a: 1 }]);
  });

  it('turns a slow answer into a timeout that maps to unavailable', async () => {
    fake.handler = async (_req, res) => {
      await new Promise((r) => setTimeout(r, 600));
      json(res, 200, {});
    };
    const started = Date.now();
    const error = await graph({ timeoutMs: 150 })
      .forUser(alex)
      .post('/identityGovernance/x', {})
      .catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(550);
    expect(error).toBeInstanceOf(GraphTransportError);
    expect(error).toMatchObject({ kind: 'timeout' });
    const domain = toDomainError(error, { action: 'activate Finance Admins' });
    expect(domain.kind).toBe('unavailable');
    expect(domain.userMessage).toBe('Microsoft Graph is busy, try again in a minute.');
  });

  it('retries a GET whose connection was reset, and maps a reset POST to unavailable', async () => {
    let calls = 0;
    fake.handler = (_req, res, raw) => {
      calls += 1;
      if (calls === 1) raw.socket.destroy();
      else json(res, 200, { ok: true });
    };
    await expect(graph().forUser(alex).get('/me')).resolves.toEqual({ ok: true });
    expect(fake.requests).toHaveLength(2);

    fake.requests = [];
    fake.handler = (_req, _res, raw) => {
      raw.socket.destroy();
    };
    const error = await graph()
      .forUser(alex)
      .post('/x', {})
      .catch((e: unknown) => e);
    expect(fake.requests).toHaveLength(1);
    expect(error).toMatchObject({ kind: 'network' });
    expect(toDomainError(error, { action: 'approve this request' }).kind).toBe('unavailable');
  });
});

describe('responses and errors', () => {
  it('returns undefined for 204 and sends JSON bodies with PATCH', async () => {
    fake.handler = (_req, res) => {
      res.writeHead(204);
      res.end();
    };
    const result = await graph()
      .forUser(alex)
      .patch('/identityGovernance/entitlementManagement/accessPackageAssignmentApprovals/a1/stages/s1', {
        reviewResult: 'Approve',
        justification: 'ok',
      });
    expect(result).toBeUndefined();
    expect(fake.requests[0]?.method).toBe('PATCH');
    expect(JSON.parse(fake.requests[0]?.body ?? '')).toEqual({ reviewResult: 'Approve', justification: 'ok' });
  });

  it('throws GraphRequestError with code and request id, keeping the Graph message out of the error text', async () => {
    fake.handler = (_req, res) =>
      graphError(res, 403, 'Authorization_RequestDenied', 'Alex Wilber (alexw@contoso.com) is not allowed');
    const error = (await graph()
      .forUser(alex)
      .get('/identityGovernance/x')
      .catch((e: unknown) => e)) as GraphRequestError;
    expect(error).toBeInstanceOf(GraphRequestError);
    expect(error).toMatchObject({ status: 403, code: 'Authorization_RequestDenied', requestId: 'req-123' });
    expect(error.graphMessage).toContain('not allowed');
    expect(error.message).not.toContain('alexw@contoso.com');
    const domain = toDomainError(error, { action: 'approve this request', who: 'Megan Bowen' });
    expect(domain.userMessage).toBe('You are not allowed to approve this request.');
    expect(domain.nextStep).toContain('Megan Bowen');
  });

  it('maps a 401 claims challenge in WWW-Authenticate to a step-up', async () => {
    const claims = '{"access_token":{"nbf":{"essential":true,"value":"1700000000"}}}';
    fake.handler = (_req, res) =>
      graphError(res, 401, 'InvalidAuthenticationToken', 'Continuous access evaluation resulted in challenge', {
        'WWW-Authenticate': `Bearer realm="", error="insufficient_claims", claims="${Buffer.from(claims).toString('base64')}"`,
      });
    const error = await graph()
      .forUser(alex)
      .get('/me')
      .catch((e: unknown) => e);
    expect(toDomainError(error, { action: 'activate Finance Admins' })).toMatchObject({ kind: 'stepUp', claims });
  });

  it('rejects paths that are not version-relative', async () => {
    const g = graph().forUser(alex);
    await expect(g.get('https://evil.example/v1.0/me')).rejects.toThrow(/relative/);
    await expect(g.get('/users/../me')).rejects.toThrow(/\.\./);
    expect(fake.requests).toHaveLength(0);
  });
});

describe('paging', () => {
  it('follows @odata.nextLink with the query encoded and stops at maxPages', async () => {
    fake.handler = (req, res) => {
      const url = new URL(req.url, baseUrl);
      const page = Number(url.searchParams.get('$skiptoken') ?? '0');
      const next = page < 3 ? `${baseUrl}/v1.0/groups?$skiptoken=${page + 1}` : undefined;
      json(res, 200, { value: [{ id: `g${page}` }], ...(next ? { '@odata.nextLink': next } : {}) });
    };
    const g = graph().forApp();
    const all = await g.list<{ id: string }>('/groups', { query: { $filter: "displayName eq 'Finance & Ops'" } });
    expect(all.map((x) => x.id)).toEqual(['g0', 'g1', 'g2', 'g3']);
    const first = new URL(fake.requests[0]?.url ?? '', baseUrl);
    expect(first.searchParams.get('$filter')).toBe("displayName eq 'Finance & Ops'");
    expect(fake.requests[1]?.url).toBe('/v1.0/groups?$skiptoken=1');

    fake.requests = [];
    const two = await g.list<{ id: string }>('/groups', { maxPages: 2 });
    expect(two.map((x) => x.id)).toEqual(['g0', 'g1']);
    expect(fake.requests).toHaveLength(2);
  });

  it('does not follow a nextLink to another host', async () => {
    fake.handler = (_req, res) =>
      json(res, 200, { value: [{ id: 'a' }], '@odata.nextLink': 'https://elsewhere.example/v1.0/groups?$skiptoken=1' });
    await expect(graph().forApp().list('/groups')).rejects.toThrow(/another host/);
    expect(fake.requests).toHaveLength(1);
  });
});

describe('paging inside $batch', () => {
  /** `members` answers two items and a nextLink in the batch; its later pages are plain GETs. */
  function pagedBatch(secondPage: (res: ServerResponse) => void) {
    return (req: Recorded, res: ServerResponse) => {
      if (req.method === 'GET' && req.url.startsWith('/v1.0/groups/g1/members?$skiptoken=2')) return secondPage(res);
      if (req.method === 'GET' && req.url.startsWith('/v1.0/groups/g1/members?$skiptoken=3'))
        return json(res, 200, { value: [{ id: 'u5' }] });
      const { requests } = JSON.parse(req.body) as { requests: { id: string; url: string }[] };
      json(res, 200, {
        responses: requests.map((r) =>
          r.id === 'members'
            ? {
                id: r.id,
                status: 200,
                headers: { 'Content-Type': 'application/json' },
                body: {
                  value: [{ id: 'u1' }, { id: 'u2' }],
                  '@odata.nextLink': `${baseUrl}/v1.0/groups/g1/members?$skiptoken=2`,
                },
              }
            : { id: r.id, status: 200, headers: {}, body: { value: [{ id: 'x' }] } },
        ),
      });
    };
  }
  const reads = [
    { id: 'members', method: 'GET' as const, url: '/groups/g1/members?$select=id' },
    { id: 'single', method: 'GET' as const, url: '/groups?$select=id' },
  ];

  it('follows every @odata.nextLink of a collection answered in a $batch', async () => {
    fake.handler = pagedBatch((res) =>
      json(res, 200, {
        value: [{ id: 'u3' }, { id: 'u4' }],
        '@odata.nextLink': `${baseUrl}/v1.0/groups/g1/members?$skiptoken=3`,
      }),
    );
    const [members, single] = await graph().forApp().batch(reads);
    expect(members.status).toBe(200);
    expect((members.body as { value: { id: string }[] }).value.map((u) => u.id)).toEqual([
      'u1',
      'u2',
      'u3',
      'u4',
      'u5',
    ]);
    expect(members.body).not.toHaveProperty('@odata.nextLink');
    expect((single.body as { value: unknown[] }).value).toHaveLength(1);
    expect(fake.requests.map((r) => r.method)).toEqual(['POST', 'GET', 'GET']);
  });

  it('fails the item, never half a list, when a later page fails', async () => {
    fake.handler = pagedBatch((res) => graphError(res, 403, 'Authorization_RequestDenied', 'No.'));
    const [members, single] = await graph().forApp().batch(reads);
    expect(members).toMatchObject({ status: 403, body: { error: { code: 'Authorization_RequestDenied' } } });
    expect(single.status).toBe(200);
  });
});

describe('$batch', () => {
  function batchHandler(itemStatus: (id: string, attempt: number) => number) {
    const attempts = new Map<string, number>();
    return (req: Recorded, res: ServerResponse) => {
      const { requests } = JSON.parse(req.body) as { requests: { id: string; url: string }[] };
      const responses = requests.map((r) => {
        const attempt = (attempts.get(r.id) ?? 0) + 1;
        attempts.set(r.id, attempt);
        const status = itemStatus(r.id, attempt);
        return status === 429
          ? { id: r.id, status, headers: { 'Retry-After': '1' }, body: { error: { code: 'TooManyRequests' } } }
          : { id: r.id, status, headers: { 'Content-Type': 'application/json' }, body: { url: r.url } };
      });
      json(res, 200, { responses: responses.reverse() });
    };
  }

  it('splits 45 requests into 3 calls and returns the results in request order', async () => {
    fake.handler = batchHandler(() => 200);
    const requests = Array.from({ length: 45 }, (_, i) => ({
      id: `r${i}`,
      method: 'GET' as const,
      url: `/groups/g${i}`,
    }));
    const results = await graph().forApp().batch(requests);
    expect(fake.requests.map((r) => JSON.parse(r.body).requests.length)).toEqual([20, 20, 5]);
    expect(fake.requests.every((r) => r.method === 'POST' && r.url === '/v1.0/$batch')).toBe(true);
    expect(results.map((r) => r.id)).toEqual(requests.map((r) => r.id));
    expect(results[44]).toMatchObject({ id: 'r44', status: 200, body: { url: '/groups/g44' } });
  });

  it('retries items that came back 429 once, after their Retry-After', async () => {
    fake.handler = batchHandler((id, attempt) => (id === 'b' && attempt === 1 ? 429 : 200));
    const started = Date.now();
    const results = await graph()
      .forUser(alex)
      .batch([
        { id: 'a', method: 'GET', url: '/groups/1' },
        { id: 'b', method: 'GET', url: '/groups/2' },
        { id: 'c', method: 'POST', url: '/groups/3/x', body: { y: 1 } },
      ]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(results.map((r) => [r.id, r.status])).toEqual([
      ['a', 200],
      ['b', 200],
      ['c', 200],
    ]);
    expect(fake.requests).toHaveLength(2);
    const second = JSON.parse(fake.requests[1]?.body ?? '{}');
    expect(second.requests.map((r: { id: string }) => r.id)).toEqual(['b']);
    const first = JSON.parse(fake.requests[0]?.body ?? '{}');
    expect(first.requests[2]).toMatchObject({ body: { y: 1 }, headers: { 'Content-Type': 'application/json' } });
  });

  it('keeps a dependsOn chain in one chunk and refuses bad batches', async () => {
    const requests = Array.from({ length: 25 }, (_, i) => ({
      id: `r${i}`,
      method: 'GET' as const,
      url: `/x/${i}`,
      ...(i === 24 ? { dependsOn: ['r0'] } : {}),
    }));
    const chunks = chunkBatchRequests(requests);
    expect(chunks.every((c) => c.length <= 20)).toBe(true);
    const withR0 = chunks.find((c) => c.some((r) => r.id === 'r0'));
    expect(withR0?.some((r) => r.id === 'r24')).toBe(true);
    const g = graph().forApp();
    await expect(g.batch([{ id: 'a', method: 'GET', url: '/x', dependsOn: ['zzz'] }])).rejects.toThrow(/zzz/);
    await expect(
      g.batch([
        { id: 'a', method: 'GET', url: '/x' },
        { id: 'a', method: 'GET', url: '/y' },
      ]),
    ).rejects.toThrow(/twice/);
    await expect(g.batch([{ id: 'a', method: 'GET', url: 'https://graph.microsoft.com/v1.0/me' }])).rejects.toThrow(
      /relative/,
    );
    expect(fake.requests).toHaveLength(0);
  });
});

describe('logging', () => {
  it('logs each exchange with method, path without query values, status and ms, and never a token', async () => {
    fake.handler = (_req, res) => json(res, 200, { value: [] });
    await graph()
      .forUser(alex)
      .get('/users/alexw@contoso.com/memberOf', { query: { $filter: "displayName eq 'Secret Project'" } });
    const entries = logLines.map((l) => JSON.parse(l) as { msg: string; graph?: Record<string, unknown> });
    const last = entries.filter((e) => e.msg === 'graph request').at(-1);
    expect(last?.graph).toMatchObject({ method: 'GET', path: '/v1.0/users/[upn]/memberOf?$filter', status: 200 });
    expect(typeof last?.graph?.ms).toBe('number');
    expect(seen.at(-1)).toMatchObject({ method: 'GET', path: '/v1.0/users/[upn]/memberOf?$filter', status: 200 });
    const all = logLines.join('\n');
    expect(all).not.toContain('Secret Project');
    expect(all).not.toContain('alexw@contoso.com');
  });

  it('never wrote a token to the log across all the calls above', () => {
    for (const r of fake.requests) bearer(r);
    expect(tokensSeen.size).toBeGreaterThan(3);
    const all = logLines.join('\n');
    expect(logLines.length).toBeGreaterThan(20);
    expect(all).not.toContain('eyJ');
    for (const token of tokensSeen) expect(all).not.toContain(token);
  });
});
