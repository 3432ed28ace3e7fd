import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GROUPS, startTestTenant, type TestTenant } from './client.js';
import { appToken, jwt, PEOPLE, userToken } from './tokens.js';

let t: TestTenant;
const alex = userToken(PEOPLE.alex);

beforeAll(async () => {
  t = await startTestTenant({ pageSize: 5 });
});
afterAll(() => t.close());
beforeEach(() => t.reset());

describe('identity from the bearer token', () => {
  it('refuses a missing token with 401 and a Graph error envelope', async () => {
    const r = await t.get('/v1.0/me', null);
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe('InvalidAuthenticationToken');
    expect(r.body.error.message).toBe('Access token is empty.');
    expect(r.body.error.innerError['request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses an unreadable token with 401', async () => {
    for (const bad of ['not-a-jwt', 'a.b.c', `${Buffer.from('{}').toString('base64url')}.@@@.`]) {
      const r = await t.get('/v1.0/me', bad);
      expect(r.status, bad).toBe(401);
      expect(r.body.error.code).toBe('InvalidAuthenticationToken');
    }
  });

  it('refuses an expired token, a foreign tenant and an unknown user', async () => {
    const expired = await t.get('/v1.0/me', userToken(PEOPLE.alex, { exp: Math.floor(Date.now() / 1000) - 60 }));
    expect(expired.status).toBe(401);
    expect(expired.body.error.message).toMatch(/expired/);
    const foreign = await t.get('/v1.0/me', userToken(PEOPLE.alex, { tid: '11111111-0000-4000-8000-000000000000' }));
    expect(foreign.status).toBe(401);
    const stranger = await t.get('/v1.0/me', jwt({ oid: '99999999-0000-4000-8000-000000000000' }));
    expect(stranger.status).toBe(401);
  });

  it('accepts any signature (the devtenant trusts unsigned tokens)', async () => {
    const r = await t.get('/v1.0/me', `${alex}c2lnbmF0dXJl`);
    expect(r.status).toBe(200);
  });

  it("answers /me for an app token with Graph's 400", async () => {
    const r = await t.get('/v1.0/me', appToken());
    expect(r.status).toBe(400);
    expect(r.body.error.message).toBe('/me request is only valid with delegated authentication flow.');
  });

  it('rejects an expired token once the devtenant clock passes its exp', async () => {
    const soon = userToken(PEOPLE.alex, { exp: Math.floor(Date.now() / 1000) + 3600 });
    expect((await t.get('/v1.0/me', soon)).status).toBe(200);
    await t.advance(7200);
    expect((await t.get('/v1.0/me', soon)).status).toBe(401);
  });

  it('can judge token expiry on real time instead (tokenExpiryClock quirk)', async () => {
    const real = await startTestTenant({ quirks: { tokenExpiryClock: 'real' } });
    try {
      const soon = userToken(PEOPLE.alex, { exp: Math.floor(Date.now() / 1000) + 3600 });
      await real.advance(7200);
      expect((await real.get('/v1.0/me', soon)).status).toBe(200);
    } finally {
      await real.close();
    }
  });
});

describe('users', () => {
  it("returns the caller with Graph's default property set (department only on $select)", async () => {
    const r = await t.get('/v1.0/me', alex);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      id: PEOPLE.alex,
      displayName: 'Alex Wilber',
      userPrincipalName: 'alexw@contoso.example',
    });
    expect(r.body.department).toBeUndefined();
    const sel = await t.get('/v1.0/me?$select=displayName,department', alex);
    expect(sel.body).toEqual(expect.objectContaining({ displayName: 'Alex Wilber', department: 'IT' }));
    expect(Object.keys(sel.body).sort()).toEqual(['@odata.context', 'department', 'displayName']);
  });

  it('follows the manager chain Alex → Megan → Patti, and 404s at the top', async () => {
    const m1 = await t.get('/v1.0/me/manager', alex);
    expect(m1.body).toMatchObject({
      '@odata.type': '#microsoft.graph.user',
      id: PEOPLE.megan,
      displayName: 'Megan Bowen',
    });
    const m2 = await t.get(`/v1.0/users/${PEOPLE.megan}/manager`, alex);
    expect(m2.body.displayName).toBe('Patti Fernandez');
    const top = await t.get(`/v1.0/users/${PEOPLE.debra}/manager`, alex);
    expect(top.status).toBe(404);
    expect(top.body.error.code).toBe('Request_ResourceNotFound');
    const reports = await t.get('/v1.0/me/directReports', userToken(PEOPLE.megan));
    expect(reports.body.value.map((u: { displayName: string }) => u.displayName)).toEqual(
      expect.arrayContaining(['Alex Wilber', 'Lee Gu', 'Grady Archie']),
    );
  });

  it('finds users by id or UPN and 404s unknown ones', async () => {
    expect((await t.get('/v1.0/users/alexw@contoso.example', alex)).body.id).toBe(PEOPLE.alex);
    const missing = await t.get('/v1.0/users/00000000-0000-4000-8000-000000000999', alex);
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toMatch(/does not exist/);
  });

  it('filters, selects and pages with @odata.nextLink', async () => {
    const it1 = await t.get("/v1.0/users?$filter=startswith(displayName,'a')&$select=displayName", alex);
    expect(it1.body.value.map((u: { displayName: string }) => u.displayName).sort()).toEqual([
      'Adele Vance',
      'Alex Wilber',
    ]);
    const dept = await t.get(
      "/v1.0/users?$filter=department eq 'finance' and jobTitle ne 'Accountant'&$select=id",
      appToken(),
    );
    expect(dept.body.value).toHaveLength(2);
    const ids = await t.get(`/v1.0/users?$filter=id in ('${PEOPLE.alex}','${PEOPLE.lee}')`, alex);
    expect(ids.body.value).toHaveLength(2);

    const seen: string[] = [];
    let next: string | undefined = '/v1.0/users?$select=id';
    let pages = 0;
    while (next) {
      const page = await t.get(next.replace(t.url, ''), alex);
      expect(page.status).toBe(200);
      expect(page.body.value.length).toBeLessThanOrEqual(5);
      seen.push(...page.body.value.map((u: { id: string }) => u.id));
      next = page.body['@odata.nextLink'];
      if (next) expect(next.startsWith(`${t.url}/v1.0/users?`)).toBe(true);
      pages++;
    }
    expect(pages).toBe(4);
    // 16 Contoso people and 2 guests from Fabrikam (a connected organization).
    expect(new Set(seen).size).toBe(18);
    const top = await t.get('/v1.0/users?$top=2&$count=true', alex);
    expect(top.body.value).toHaveLength(2);
    expect(top.body['@odata.count']).toBe(18);
  });

  it('needs ConsistencyLevel: eventual for $search, like Graph', async () => {
    const without = await t.get('/v1.0/users?$search="displayName:megan"', alex);
    expect(without.status).toBe(400);
    const withHeader = await t.call('GET', '/v1.0/users?$search="displayName:megan"', alex, undefined, {
      ConsistencyLevel: 'eventual',
    });
    expect(withHeader.body.value.map((u: { id: string }) => u.id)).toEqual([PEOPLE.megan]);
  });

  it('rejects unknown properties and bad filters with 400', async () => {
    expect((await t.get('/v1.0/users?$select=shoeSize', alex)).status).toBe(400);
    expect((await t.get("/v1.0/users?$filter=shoeSize eq 'x'", alex)).status).toBe(400);
    expect((await t.get('/v1.0/users?$filter=displayName eq', alex)).status).toBe(400);
    expect((await t.get('/v1.0/users?$top=0', alex)).status).toBe(400);
    expect((await t.get('/v1.0/users?$skiptoken=garbage!', alex)).status).toBe(400);
    const unsupported = await t.get('/v1.0/users?$foo=1', alex);
    expect(unsupported.status).toBe(400);
    expect(unsupported.body.error.message).toBe("Query option '$foo' is not supported.");
  });
});

describe('groups', () => {
  it('returns a group, its members and owners as directory objects', async () => {
    const g = await t.get(`/v1.0/groups/${GROUPS.itOpsApprovers}`, appToken());
    expect(g.body).toMatchObject({
      id: GROUPS.itOpsApprovers,
      displayName: 'IT Operations Approvers',
      securityEnabled: true,
    });
    const members = await t.get(`/v1.0/groups/${GROUPS.itOpsApprovers}/members?$select=id,displayName`, alex);
    expect(members.body.value.map((m: { id: string }) => m.id).sort()).toEqual(
      [PEOPLE.alex, PEOPLE.megan, PEOPLE.grady].sort(),
    );
    expect(members.body.value[0]['@odata.type']).toBe('#microsoft.graph.user');
    const owners = await t.get(`/v1.0/groups/${GROUPS.itOpsApprovers}/owners`, alex);
    expect(owners.body.value.map((m: { id: string }) => m.id)).toEqual([PEOPLE.megan]);
  });

  it('lists groups with $filter id in (...) and 404s unknown ones', async () => {
    const r = await t.get(
      `/v1.0/groups?$filter=id in ('${GROUPS.devTools}','${GROUPS.dba}')&$select=id,displayName`,
      alex,
    );
    expect(r.body.value.map((g: { displayName: string }) => g.displayName).sort()).toEqual([
      'Database Administrators',
      'Developer Tools Power Users',
    ]);
    expect((await t.get('/v1.0/groups/20000000-0000-4000-8000-000000000999', alex)).status).toBe(404);
  });
});

describe('unknown paths', () => {
  it('answers unknown segments, versions and methods with Graph errors', async () => {
    const seg = await t.get('/v1.0/userz', alex);
    expect(seg.status).toBe(400);
    expect(seg.body.error.message).toBe("Resource not found for the segment 'userz'.");
    const version = await t.get('/v2.0/users', alex);
    expect(version.status).toBe(404);
    expect(version.body.error.code).toBe('ResourceNotFound');
    const method = await t.call('DELETE', '/v1.0/me', alex);
    expect(method.status).toBe(405);
    expect(method.body.error).toBeDefined();
  });
});
