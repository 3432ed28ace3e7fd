import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SeedData } from '../../devtenant/index.js';
import { DEFAULT_SEED_PATH, loadSeed } from '../../devtenant/seed.js';
import { EM, startTestTenant, type TestTenant } from './client.js';
import { appToken, PEOPLE, userToken } from './tokens.js';

/**
 * Connected organizations and sponsor approvers (GRAPH-API.md 3.3, 3.6, 4.13): Fabrikam is a connected organization;
 * Sanjay Shah and Mona Kane are its guests; Isaiah Langer and Irvin Sayers (Contoso) are its internal sponsors and
 * Sanjay its external sponsor. "Partner Portal – Reseller Access" lets connected-organization users ask, and its
 * internal sponsors approve (Patti Fernandez is the fallback approver).
 */

const id = (prefix: string, n: number) => `${prefix}-0000-4000-8000-${String(n).padStart(12, '0')}`;
const FABRIKAM = id('e0000000', 1);
const RESELLER_PACKAGE = id('40000000', 13);
const RESELLER_POLICY = id('50000000', 13);
const VISIO_PACKAGE = id('40000000', 12);
const SANJAY = id('10000000', 17);
const MONA = id('10000000', 18);
const IRVIN = id('10000000', 10);
const ORGS = `${EM}/connectedOrganizations`;

const mona = userToken(MONA);
const names = (r: { body: { value: Array<{ displayName: string }> } }) => r.body.value.map((x) => x.displayName);

async function monaRequests(t: TestTenant): Promise<string> {
  const r = await t.post(`${EM}/assignmentRequests`, mona, {
    requestType: 'userAdd',
    justification: 'Deal registration for a Munich customer',
    assignment: { accessPackageId: RESELLER_PACKAGE, assignmentPolicyId: RESELLER_POLICY },
  });
  expect(r.status).toBe(201);
  return r.body.id;
}

async function stageOf(t: TestTenant, requestId: string, token: string) {
  const r = await t.get(`${EM}/accessPackageAssignmentApprovals/${requestId}`, token);
  expect(r.status).toBe(200);
  return r.body.stages[0] as { id: string; assignedToMe: boolean; status: string };
}

describe('connected organizations and their sponsors', () => {
  let t: TestTenant;
  beforeAll(async () => {
    t = await startTestTenant();
  });
  afterAll(() => t.close());

  it('lists and gets connected organizations (app and user tokens), 404 for an unknown one', async () => {
    const list = await t.get(ORGS, appToken());
    expect(list.status).toBe(200);
    expect(names(list)).toEqual(['Fabrikam']);
    const org = await t.get(`${ORGS}/${FABRIKAM}`, userToken(PEOPLE.alex));
    expect(org.status).toBe(200);
    expect(org.body).toMatchObject({
      id: FABRIKAM,
      displayName: 'Fabrikam',
      state: 'configured',
      identitySources: [{ '@odata.type': '#microsoft.graph.domainIdentitySource', domainName: 'fabrikam.example' }],
    });
    expect(org.body['@odata.context']).toMatch(/connectedOrganizations\/\$entity$/);
    const missing = await t.get(`${ORGS}/${id('e0000000', 99)}`, appToken());
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBeTruthy();
  });

  it('returns internal and external sponsors as directoryObject collections of users, with $select', async () => {
    const internal = await t.get(`${ORGS}/${FABRIKAM}/internalSponsors?$select=id,displayName`, appToken());
    expect(internal.status).toBe(200);
    expect(internal.body['@odata.context']).toMatch(/#directoryObjects$/);
    expect(internal.body.value).toEqual([
      { '@odata.type': '#microsoft.graph.user', id: PEOPLE.isaiah, displayName: 'Isaiah Langer' },
      { '@odata.type': '#microsoft.graph.user', id: IRVIN, displayName: 'Irvin Sayers' },
    ]);
    const external = await t.get(`${ORGS}/${FABRIKAM}/externalSponsors?$select=id,userType`, appToken());
    expect(external.body.value.map((u: { id: string; userType: string }) => [u.id, u.userType])).toEqual([
      [SANJAY, 'Guest'],
    ]);
    expect((await t.get(`${ORGS}/${id('e0000000', 99)}/internalSponsors`, appToken())).status).toBe(404);
  });

  it("shows guests as Graph does: userType Guest and the partner's company name", async () => {
    const r = await t.get(`/v1.0/users/${MONA}?$select=id,userType,companyName,mail`, appToken());
    expect(r.body).toMatchObject({ userType: 'Guest', companyName: 'Fabrikam', mail: 'mona.kane@fabrikam.example' });
    const alex = await t.get(`/v1.0/users/${PEOPLE.alex}?$select=userType,companyName`, appToken());
    expect(alex.body).toMatchObject({ userType: 'Member', companyName: 'Contoso' });
  });

  it('lets connected-organization users request the partner package and keeps member-only packages from guests', async () => {
    const mine = `${EM}/accessPackages/filterByCurrentUser(on='allowedRequestor')?$top=50`;
    expect(names(await t.get(mine, mona))).toEqual(['Partner Portal – Reseller Access']);
    expect(names(await t.get(mine, userToken(PEOPLE.alex)))).not.toContain('Partner Portal – Reseller Access');
    const visio = await t.post(`${EM}/assignmentRequests`, mona, {
      requestType: 'userAdd',
      assignment: { accessPackageId: VISIO_PACKAGE },
    });
    expect(visio.status).toBe(403);
    const alexAsks = await t.post(`${EM}/assignmentRequests`, userToken(PEOPLE.alex), {
      requestType: 'userAdd',
      justification: 'x',
      assignment: { accessPackageId: RESELLER_PACKAGE },
    });
    expect(alexAsks.status).toBe(403);
    const req = await t.post(`${EM}/accessPackages/${RESELLER_PACKAGE}/getApplicablePolicyRequirements`, mona);
    expect(req.body.value.map((p: { policyId: string }) => p.policyId)).toEqual([RESELLER_POLICY]);
  });
});

describe('sponsor approval', () => {
  let t: TestTenant;
  beforeAll(async () => {
    t = await startTestTenant();
  });
  afterAll(() => t.close());
  beforeEach(() => t.reset());

  it("expands the requestor's connected organization on requests (app-only poller), null for members", async () => {
    const requestId = await monaRequests(t);
    const pending = await t.get(
      `${EM}/assignmentRequests?$filter=${encodeURIComponent("state eq 'pendingApproval'")}` +
        '&$expand=accessPackage,requestor($expand=connectedOrganization)',
      appToken(),
    );
    expect(pending.status).toBe(200);
    const mine = pending.body.value.find((r: { id: string }) => r.id === requestId);
    expect(mine.requestor).toMatchObject({ objectId: MONA, displayName: 'Mona Kane' });
    expect(mine.requestor.connectedOrganization).toMatchObject({ id: FABRIKAM, displayName: 'Fabrikam' });
    const member = pending.body.value.find((r: { id: string }) => r.id === id('90000000', 1));
    expect(member.requestor.connectedOrganization).toBeNull();
    const one = await t.get(
      `${EM}/assignmentRequests/${requestId}?$expand=requestor($expand=connectedOrganization($select=id))`,
      appToken(),
    );
    expect(one.body.requestor.connectedOrganization).toEqual({ id: FABRIKAM });
  });

  it("lists the request for the requestor's internal sponsors only, with assignedToMe", async () => {
    const requestId = await monaRequests(t);
    for (const [who, expected] of [
      [PEOPLE.isaiah, true],
      [IRVIN, true],
      [PEOPLE.patti, false], // fallback approver: the primary (sponsors) resolve
      [SANJAY, false], // external sponsor: the stage asks internal sponsors
      [PEOPLE.alex, false],
    ] as const) {
      const token = userToken(who);
      const requests = await t.get(`${EM}/assignmentRequests/filterByCurrentUser(on='approver')`, token);
      const approvals = await t.get(`${EM}/accessPackageAssignmentApprovals/filterByCurrentUser(on='approver')`, token);
      const ids = (r: typeof requests) => r.body.value.map((x: { id: string }) => x.id);
      expect(ids(requests).includes(requestId), who).toBe(expected);
      expect(ids(approvals).includes(requestId), who).toBe(expected);
    }
    expect((await stageOf(t, requestId, userToken(IRVIN))).assignedToMe).toBe(true);
    expect((await t.get(`${EM}/assignmentRequests/${requestId}`, userToken(PEOPLE.isaiah))).status).toBe(200);
    expect((await t.get(`${EM}/assignmentRequests/${requestId}`, userToken(PEOPLE.alex))).status).toBe(403);
  });

  it('lets a sponsor decide (204, delivered); a non-sponsor gets 403; the second sponsor 409', async () => {
    const requestId = await monaRequests(t);
    const stage = await stageOf(t, requestId, userToken(PEOPLE.isaiah));
    const path = `${EM}/accessPackageAssignmentApprovals/${requestId}/stages/${stage.id}`;
    for (const who of [PEOPLE.patti, SANJAY, PEOPLE.alex]) {
      const denied = await t.patch(path, userToken(who), { reviewResult: 'Approve', justification: 'ok' });
      expect(denied.status, who).toBe(403);
    }
    const self = await t.patch(path, mona, { reviewResult: 'Approve' });
    expect(self.status).toBe(403);
    expect(self.body.error).toMatchObject({ code: 'accessDenied', message: expect.stringMatching(/own requests/) });
    const ok = await t.patch(path, userToken(PEOPLE.isaiah), { reviewResult: 'Approve', justification: 'Known rep' });
    expect(ok.status).toBe(204);
    const request = await t.get(`${EM}/assignmentRequests/${requestId}?$expand=assignment`, appToken());
    expect(request.body.state).toBe('delivered');
    expect(request.body.assignment.state).toBe('delivered');
    const late = await t.patch(path, userToken(IRVIN), { reviewResult: 'Deny', justification: 'no' });
    expect(late.status).toBe(409);
    const mine = await t.get(`${EM}/assignments/filterByCurrentUser(on='target')?$expand=accessPackage`, mona);
    expect(mine.body.value.map((a: { accessPackage: { id: string } }) => a.accessPackage.id)).toContain(
      RESELLER_PACKAGE,
    );
  });
});

/** The demo seed with the reseller policy's primary approvers replaced. */
function seedWithApprovers(primaryApprovers: Array<Record<string, unknown>>): SeedData {
  const seed = structuredClone(loadSeed(DEFAULT_SEED_PATH)) as SeedData;
  const pkg = seed.accessPackages?.find((p) => p.id === RESELLER_PACKAGE);
  const stage = pkg?.policies[0].requestApprovalSettings?.stages?.[0];
  if (!stage) throw new Error('reseller policy not found in the demo seed');
  stage.primaryApprovers = primaryApprovers as typeof stage.primaryApprovers;
  return seed;
}

describe('other sponsor kinds and switches', () => {
  it('externalSponsors: the partner-side sponsor decides', async () => {
    const t = await startTestTenant({
      seed: seedWithApprovers([{ '@odata.type': '#microsoft.graph.externalSponsors' }]),
    });
    try {
      const requestId = await monaRequests(t);
      expect((await stageOf(t, requestId, userToken(SANJAY))).assignedToMe).toBe(true);
      expect((await stageOf(t, requestId, mona)).assignedToMe).toBe(false);
      const stage = await stageOf(t, requestId, userToken(SANJAY));
      const path = `${EM}/accessPackageAssignmentApprovals/${requestId}/stages/${stage.id}`;
      expect((await t.patch(path, userToken(PEOPLE.isaiah), { reviewResult: 'Approve' })).status).toBe(403);
      expect(
        (await t.patch(path, userToken(SANJAY), { reviewResult: 'Deny', justification: 'Not our deal' })).status,
      ).toBe(204);
      expect((await t.get(`${EM}/assignmentRequests/${requestId}`, appToken())).body.state).toBe('denied');
    } finally {
      await t.close();
    }
  });

  it("targetUserSponsors resolves to nobody (users' sponsors are not modelled): the fallback approver decides", async () => {
    const t = await startTestTenant({
      seed: seedWithApprovers([{ '@odata.type': '#microsoft.graph.targetUserSponsors' }]),
    });
    try {
      const requestId = await monaRequests(t);
      expect((await stageOf(t, requestId, userToken(PEOPLE.patti))).assignedToMe).toBe(true);
      const forbidden = await t.get(`${EM}/accessPackageAssignmentApprovals/${requestId}`, userToken(PEOPLE.isaiah));
      expect(forbidden.status).toBe(403);
    } finally {
      await t.close();
    }
  });

  it('quirk subjectConnectedOrganization: false hides the organization on the subject; sponsors still decide', async () => {
    const t = await startTestTenant({ quirks: { subjectConnectedOrganization: false } });
    try {
      const requestId = await monaRequests(t);
      const r = await t.get(
        `${EM}/assignmentRequests/${requestId}?$expand=requestor($expand=connectedOrganization)`,
        appToken(),
      );
      expect(r.body.requestor.connectedOrganization).toBeNull();
      expect((await stageOf(t, requestId, userToken(PEOPLE.isaiah))).assignedToMe).toBe(true);
    } finally {
      await t.close();
    }
  });

  it('validates connected organizations in a seed', () => {
    const base = loadSeed(DEFAULT_SEED_PATH) as SeedData;
    const users = base.users.map((u) => (u.id === PEOPLE.alex ? { ...u, connectedOrganizationId: FABRIKAM } : u));
    expect(() => loadSeed({ ...base, users })).toThrow(/only a Guest can belong to a connected organization/);
    const orgs = (base.connectedOrganizations ?? []).map((o) => ({ ...o, internalSponsors: [id('10000000', 99)] }));
    expect(() => loadSeed({ ...base, connectedOrganizations: orgs })).toThrow(/unknown sponsor/);
    const guestSponsor = (base.connectedOrganizations ?? []).map((o) => ({ ...o, internalSponsors: [SANJAY] }));
    expect(() => loadSeed({ ...base, connectedOrganizations: guestSponsor })).toThrow(/must be a Member/);
    const lost = base.users.map((u) => (u.id === MONA ? { ...u, connectedOrganizationId: id('e0000000', 99) } : u));
    expect(() => loadSeed({ ...base, users: lost })).toThrow(/unknown connectedOrganizationId/);
  });
});

describe("users' own sponsors and managers above the direct one", () => {
  const VISIO_POLICY = id('50000000', 12);
  function seedWith(approvers: object[]): SeedData {
    const base = JSON.parse(readFileSync(DEFAULT_SEED_PATH, 'utf8')) as any;
    for (const u of base.users) if (u.id === PEOPLE.lee) u.sponsorIds = [PEOPLE.isaiah];
    for (const pkg of base.accessPackages)
      for (const policy of pkg.policies)
        if (policy.id === VISIO_POLICY) policy.requestApprovalSettings.stages[0].primaryApprovers = approvers;
    return base as SeedData;
  }
  async function leeAsksForVisio(t: TestTenant): Promise<string> {
    const r = await t.post(`${EM}/assignmentRequests`, userToken(PEOPLE.lee), {
      requestType: 'userAdd',
      justification: 'Diagrams',
      assignment: { accessPackageId: VISIO_PACKAGE, assignmentPolicyId: VISIO_POLICY },
    });
    expect(r.status).toBe(201);
    return r.body.id;
  }

  it('serves /users/{id}/sponsors and asks them for targetUserSponsors', async () => {
    const t = await startTestTenant({ seed: seedWith([{ '@odata.type': '#microsoft.graph.targetUserSponsors' }]) });
    try {
      const sponsors = await t.get(`/v1.0/users/${PEOPLE.lee}/sponsors?$select=id,displayName`, appToken());
      expect(sponsors.status).toBe(200);
      expect(names(sponsors)).toEqual(['Isaiah Langer']);
      expect(names(await t.get(`/v1.0/users/${PEOPLE.alex}/sponsors`, appToken()))).toEqual([]);
      const requestId = await leeAsksForVisio(t);
      expect((await stageOf(t, requestId, userToken(PEOPLE.isaiah))).assignedToMe).toBe(true);
      const notApprover = await t.get(`${EM}/accessPackageAssignmentApprovals/${requestId}`, userToken(PEOPLE.megan));
      expect(notApprover.status).toBe(403);
    } finally {
      await t.close();
    }
  });

  it("asks the target's manager at managerLevel for targetManager (Lee → Megan → Patti → Debra)", async () => {
    const t = await startTestTenant({
      seed: seedWith([{ '@odata.type': '#microsoft.graph.targetManager', managerLevel: 3 }]),
    });
    try {
      const requestId = await leeAsksForVisio(t);
      expect((await stageOf(t, requestId, userToken(PEOPLE.debra))).assignedToMe).toBe(true);
      const notApprover = await t.get(`${EM}/accessPackageAssignmentApprovals/${requestId}`, userToken(PEOPLE.megan));
      expect(notApprover.status).toBe(403);
    } finally {
      await t.close();
    }
  });
});
