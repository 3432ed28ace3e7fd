import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestTenant, type TestTenant } from './client.js';
import { jwt, PEOPLE, TENANT_ID } from './tokens.js';

/**
 * Conditional Access authentication contexts (v1.0 authenticationContextClassReference): the demo tenant names `c1`,
 * the context Azure Subscription Owners' activation policy asks for, "Privileged access". Reading them needs
 * AuthenticationContext.Read.All (or a higher Conditional Access permission) in the token.
 */

const CONTEXTS = '/v1.0/identity/conditionalAccess/authenticationContextClassReferences';
const app = (roles: string[]) =>
  jwt({ oid: 'f0000000-0000-4000-8000-000000000001', tid: TENANT_ID, roles, idtyp: 'app' });
const user = (scp: string) => jwt({ oid: PEOPLE.alex, tid: TENANT_ID, scp, amr: ['pwd'] });

describe('authentication contexts', () => {
  let t: TestTenant;
  beforeAll(async () => {
    t = await startTestTenant();
  });
  afterAll(() => t.close());

  it('lists the tenant contexts with the properties of the v1.0 resource', async () => {
    const r = await t.get(CONTEXTS, app(['AuthenticationContext.Read.All']));
    expect(r.status).toBe(200);
    expect(r.body['@odata.context']).toMatch(
      /\$metadata#identity\/conditionalAccess\/authenticationContextClassReferences$/,
    );
    expect(r.body.value).toEqual([
      {
        id: 'c1',
        displayName: 'Privileged access',
        description: expect.any(String),
        isAvailable: true,
      },
    ]);
  });

  it('reads one context by id, and answers 404 for an id the tenant does not have', async () => {
    const token = app(['Policy.Read.ConditionalAccess']);
    const r = await t.get(`${CONTEXTS}/c1`, token);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ id: 'c1', displayName: 'Privileged access', isAvailable: true });
    expect(r.body['@odata.context']).toMatch(/authenticationContextClassReferences\/\$entity$/);
    const missing = await t.get(`${CONTEXTS}/c9`, token);
    expect(missing.status).toBe(404);
  });

  it('honours $filter and $select on the list', async () => {
    const token = app(['AuthenticationContext.Read.All']);
    const r = await t.get(`${CONTEXTS}?$filter=${encodeURIComponent("id eq 'c1'")}&$select=id,displayName`, token);
    expect(r.status).toBe(200);
    expect(r.body.value).toEqual([{ id: 'c1', displayName: 'Privileged access' }]);
    const none = await t.get(`${CONTEXTS}?$filter=${encodeURIComponent('isAvailable eq false')}`, token);
    expect(none.body.value).toEqual([]);
    const unknown = await t.get(`${CONTEXTS}?$select=claimValue`, token);
    expect(unknown.status).toBe(400);
  });

  it('refuses a token without the permission with 403, for the app and for a user', async () => {
    const refusals = [
      await t.get(CONTEXTS, app(['EntitlementManagement.Read.All', 'User.Read.All'])),
      await t.get(`${CONTEXTS}/c1`, app([])),
      await t.get(CONTEXTS, user('User.Read PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup')),
    ];
    for (const r of refusals) {
      expect(r.status).toBe(403);
      expect(r.body.error.code).toBe('AccessDenied');
      expect(JSON.stringify(r.body)).not.toContain('Privileged access');
    }
    expect((await t.get(CONTEXTS, user('User.Read AuthenticationContext.Read.All'))).status).toBe(200);
  });

  it('needs a token at all', async () => {
    expect((await t.get(CONTEXTS, null)).status).toBe(401);
  });
});
