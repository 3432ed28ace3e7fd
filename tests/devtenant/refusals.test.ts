import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTenantState, startDevtenant } from '../../devtenant/index.js';
import { EM, GROUPS, PACKAGES, PIM, startTestTenant, type TestTenant } from './client.js';
import { PEOPLE, userToken } from './tokens.js';

/** Issue 18 item 2: every request Graph would refuse as malformed is recorded, checked against the v1.0 metadata. */

let t: TestTenant;
const alex = userToken(PEOPLE.alex);

beforeAll(async () => {
  t = await startTestTenant();
});
afterAll(() => t.close());
beforeEach(async () => {
  await t.reset();
  // Drops the contract tests' blanket expectation: here every refusal must show up as unexpected.
  t.refusals.clear();
});

const refusals = async () => (await t.get('/_devtenant/refusals')).body;

/** Reads the control plane's list, then clears it so the shared guard does not fail this test for what it provoked. */
async function takeRefusals(): Promise<{ kind: string; path: string; expected: boolean; batchItem?: boolean }[]> {
  const body = await refusals();
  t.refusals.clear();
  return body.refusals;
}

describe('malformed requests are refused and recorded', () => {
  it('records unknown $select, $expand, $filter and $orderby names, in a $batch too', async () => {
    expect((await t.get('/v1.0/me?$select=displayName,favouriteColour', alex)).status).toBe(400);
    expect((await t.get(`${EM}/accessPackages?$expand=sponsors`, alex)).status).toBe(400);
    expect((await t.get("/v1.0/users?$filter=shoeSize eq '9'", alex)).status).toBe(400);
    expect((await t.get('/v1.0/users?$orderby=shoeSize', alex)).status).toBe(400);
    const batch = await t.post('/v1.0/$batch', alex, {
      requests: [
        {
          id: '1',
          method: 'GET',
          url: "/identityGovernance/privilegedAccess/group/assignmentScheduleRequests/filterByCurrentUser(on='principal')?$select=id,state",
        },
        { id: '2', method: 'GET', url: '/me?$select=displayName' },
      ],
    });
    expect(batch.body.responses.map((r: { status: number }) => r.status).sort()).toEqual([200, 400]);
    const list = await takeRefusals();
    expect(list.map((r) => r.kind)).toEqual(['select', 'expand', 'filter', 'orderby', 'select']);
    expect(list.every((r) => !r.expected)).toBe(true);
    expect(list[4]).toMatchObject({ batchItem: true, path: expect.stringContaining('$select=id,state') });
  });

  it('checks body names (nested too) and enum values against the metadata, and a missing required filter', async () => {
    const request = (body: unknown) => t.post(`${EM}/assignmentRequests`, alex, body);
    const assignment = { accessPackageId: PACKAGES.campaign };
    expect((await request({ requestType: 'userAdd', assignment, colour: 'red' })).status).toBe(400);
    expect((await request({ requestType: 'userAdd', assignment: { ...assignment, colour: 'red' } })).status).toBe(400);
    const badEnum = await request({ requestType: 'userAdd', assignment, schedule: { expiration: { type: 'soon' } } });
    expect(badEnum.status).toBe(400);
    expect(badEnum.body.error.message).toMatch(/expirationPatternType/);
    expect((await t.get(`${PIM}/eligibilitySchedules`, alex)).status).toBe(400);
    expect((await takeRefusals()).map((r) => r.kind)).toEqual(['body', 'body', 'enum', 'requiredFilter']);
  });

  it('does not count refusals of well-formed requests (policy rules, permissions)', async () => {
    const noJustification = await t.post(`${PIM}/assignmentScheduleRequests`, alex, {
      accessId: 'member',
      principalId: PEOPLE.alex,
      groupId: GROUPS.prodServers,
      action: 'selfActivate',
      scheduleInfo: {
        startDateTime: new Date().toISOString(),
        expiration: { type: 'afterDuration', duration: 'PT1H' },
      },
    });
    expect(noJustification.status).toBe(400);
    expect((await t.get(`/v1.0/groups/${GROUPS.devTools}/members?$select=id`, null)).status).toBe(401);
    expect(await takeRefusals()).toEqual([]);
  });

  it('refuses a name the metadata lacks even where the devtenant could answer it, and says when it only lacks a model', async () => {
    const state = await t.get(
      `${PIM}/assignmentScheduleRequests?$filter=principalId eq '${PEOPLE.alex}'&$select=state`,
      alex,
    );
    expect(state.body.error.message).toMatch(/Could not find a property named 'state'/);
    const unmodelled = await t.get('/v1.0/me?$select=displayName,faxNumber', alex);
    expect(unmodelled.status).toBe(400);
    expect(unmodelled.body.error.message).toMatch(/devtenant does not serve 'faxNumber'/);
    expect((await takeRefusals()).map((r) => r.kind)).toEqual(['select', 'unmodelled']);
  });

  it('marks refusals matching a declared expectation as expected, over the control plane too', async () => {
    expect((await t.post('/_devtenant/refusals/expected', null, { pathPattern: 'favouriteColour' })).status).toBe(204);
    await t.get('/v1.0/me?$select=favouriteColour', alex);
    await t.get('/v1.0/me?$select=shoeSize', alex);
    const body = await refusals();
    expect(body.refusals.map((r: { expected: boolean }) => r.expected)).toEqual([true, false]);
    expect(body.unexpected).toBe(1);
    expect((await t.post('/_devtenant/refusals/expected', null, { pathPattern: '(' })).status).toBe(400);
    expect((await t.call('DELETE', '/_devtenant/refusals')).status).toBe(204);
    expect((await refusals()).refusals).toEqual([]);
  });

  it('keeps refusals across a reset, so a test cannot hide one', async () => {
    await t.get('/v1.0/me?$select=shoeSize', alex);
    await t.reset();
    expect((await takeRefusals()).length).toBe(1);
  });
});

describe('the metadata extract', () => {
  const extract = JSON.parse(readFileSync(new URL('../../devtenant/metadata/v1.0.json', import.meta.url), 'utf8'));

  it('names the msgraph-metadata commit and CSDL it came from', () => {
    expect(extract.source).toMatchObject({
      repository: 'microsoftgraph/msgraph-metadata',
      path: 'schemas/v1.0-Prod.csdl',
      commit: expect.stringMatching(/^[0-9a-f]{40}$/),
    });
  });

  it('holds every property the devtenant serves by default (no invented field reaches the bot)', async () => {
    const reads: [string, string][] = [
      ['user', '/v1.0/me'],
      ['group', `/v1.0/groups/${GROUPS.devTools}`],
      ['accessPackage', `${EM}/accessPackages/${PACKAGES.devops}`],
      ['accessPackageAssignmentRequest', `${EM}/assignmentRequests/filterByCurrentUser(on='target')`],
      ['privilegedAccessGroupEligibilitySchedule', `${PIM}/eligibilitySchedules/filterByCurrentUser(on='principal')`],
    ];
    for (const [type, path] of reads) {
      const r = await t.get(path, alex);
      expect(r.status, path).toBe(200);
      const objects = Array.isArray(r.body.value) ? r.body.value : [r.body];
      const known = new Set<string>();
      for (let at = extract.types[type]; at; at = extract.types[at.base]) {
        for (const n of [...Object.keys(at.properties), ...Object.keys(at.navigations ?? {})]) known.add(n);
      }
      for (const o of objects) {
        const unknown = Object.keys(o).filter((k) => !k.startsWith('@') && !known.has(k));
        expect(unknown, `${type} from ${path}`).toEqual([]);
      }
    }
  });
});

describe('DEVTENANT_PAGE_SIZE', () => {
  it('caps every collection page, $top included, and the pages add up to the whole collection', async () => {
    const small = await startDevtenant({ port: 0, maxPageSize: 2 });
    try {
      const ids: string[] = [];
      let url: string | undefined = `${small.url}/v1.0/users?$top=50&$select=id`;
      let pages = 0;
      while (url) {
        const body = (await (await fetch(url, { headers: { authorization: `Bearer ${alex}` } })).json()) as {
          value: { id: string }[];
          '@odata.nextLink'?: string;
        };
        expect(body.value.length).toBeLessThanOrEqual(2);
        ids.push(...body.value.map((u) => u.id));
        url = body['@odata.nextLink'];
        pages++;
      }
      expect(pages).toBeGreaterThan(5);
      expect(new Set(ids).size).toBe(small.state.users.size);
    } finally {
      await small.close();
    }
  });

  it('is read from the environment and refused with a clear message when it is not a page size', () => {
    const before = process.env.DEVTENANT_PAGE_SIZE;
    try {
      process.env.DEVTENANT_PAGE_SIZE = '3';
      expect(createTenantState().maxPageSize).toBe(3);
      process.env.DEVTENANT_PAGE_SIZE = 'tiny';
      expect(() => createTenantState()).toThrow(/DEVTENANT_PAGE_SIZE must be a whole number/);
    } finally {
      if (before === undefined) delete process.env.DEVTENANT_PAGE_SIZE;
      else process.env.DEVTENANT_PAGE_SIZE = before;
    }
  });
});
