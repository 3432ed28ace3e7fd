import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Seed } from '../../devtenant/seed.js';
import { REPORTS_READER, ROLE_PACKAGE, withRolePackage } from '../helpers/rolePackageSeed.js';
import { startTestTenant, type TestTenant } from './client.js';
import { appToken, PEOPLE, userToken } from './tokens.js';

/** PIM for Microsoft Entra roles over real HTTP: what the bot will read and send for directory roles. */

let t: TestTenant;
const alex = userToken(PEOPLE.alex);
const alexMfa = userToken(PEOPLE.alex, { mfa: true });
const megan = userToken(PEOPLE.megan);
const RM = '/v1.0/roleManagement/directory';
const BETA_RM = '/beta/roleManagement/directory';
const REQUESTS = `${RM}/roleAssignmentScheduleRequests`;

/** Built-in role template ids (demo.json) and the "Contoso Europe" administrative unit. */
const ROLES = {
  globalReader: 'f2ef992c-3afb-46b9-b7cf-a126ee74c451',
  userAdmin: 'fe930be7-5e62-47db-91af-98c3a49a38b1',
  exchangeAdmin: '29232cdf-9323-42fd-ade2-1d097af3e4de',
  helpdeskAdmin: '729827e3-9c14-49f7-bb1b-9608f156bbb8',
  securityReader: '5d6b6bb7-de71-4623-b4af-96380a352509',
};
const EUROPE = 'ad000000-0000-4000-8000-000000000001';
const GRADY_EXCHANGE_REQUEST = 'af000000-0000-4000-8000-000000000002';

beforeAll(async () => {
  t = await startTestTenant();
});
afterAll(() => t.close());
beforeEach(() => t.reset());

function activate(
  token: string,
  roleDefinitionId: string,
  extra: Record<string, unknown> = {},
  duration = 'PT1H',
  principalId: string = PEOPLE.alex,
) {
  return t.post(REQUESTS, token, {
    action: 'selfActivate',
    principalId,
    roleDefinitionId,
    directoryScopeId: '/',
    scheduleInfo: { startDateTime: new Date().toISOString(), expiration: { type: 'AfterDuration', duration } },
    ...extra,
  });
}

const deactivate = (token: string, roleDefinitionId: string, directoryScopeId = '/') =>
  t.post(REQUESTS, token, { action: 'selfDeactivate', principalId: PEOPLE.alex, roleDefinitionId, directoryScopeId });

const failedRules = (r: { body: { error: { message: string } } }) =>
  JSON.parse(r.body.error.message.replace('The following policy rules failed: ', '')) as string[];

const myActiveRoles = async (token = alex) =>
  (
    (await t.get(`${RM}/roleAssignmentScheduleInstances/filterByCurrentUser(on='principal')`, token)).body
      .value as Array<{ roleDefinitionId: string; directoryScopeId: string }>
  ).map((a) => a.roleDefinitionId);

describe('eligible and active directory roles', () => {
  it('lists my eligible roles with their names and scopes (tenant or administrative unit)', async () => {
    const r = await t.get(
      `${RM}/roleEligibilityScheduleInstances/filterByCurrentUser(on='principal')?$expand=roleDefinition($select=id,displayName),directoryScope`,
      alex,
    );
    expect(r.status).toBe(200);
    const byName = new Map(
      r.body.value.map((e: { roleDefinition: { displayName: string } }) => [e.roleDefinition.displayName, e]),
    );
    expect([...byName.keys()]).toEqual(
      expect.arrayContaining([
        'Global Reader',
        'User Administrator',
        'Exchange Administrator',
        'Helpdesk Administrator',
      ]),
    );
    expect(byName.get('Global Reader')).toMatchObject({
      principalId: PEOPLE.alex,
      directoryScopeId: '/',
      appScopeId: null,
      memberType: 'Direct',
      directoryScope: null,
    });
    expect(byName.get('Helpdesk Administrator')).toMatchObject({
      directoryScopeId: `/administrativeUnits/${EUROPE}`,
      directoryScope: { '@odata.type': '#microsoft.graph.administrativeUnit', displayName: 'Contoso Europe' },
    });
    expect(Object.keys((byName.get('Global Reader') as { roleDefinition: object }).roleDefinition)).toEqual([
      'id',
      'displayName',
    ]);
    // Someone else's eligibility (Grady, Exchange Administrator) is not mine.
    expect(r.body.value.every((e: { principalId: string }) => e.principalId === PEOPLE.alex)).toBe(true);
  });

  it('lists my active roles with the eligibility they came from, and hides them after the end time', async () => {
    const r = await t.get(
      `${RM}/roleAssignmentScheduleInstances/filterByCurrentUser(on='principal')?$expand=roleDefinition,activatedUsing`,
      alex,
    );
    expect(r.body.value).toHaveLength(1);
    expect(r.body.value[0]).toMatchObject({
      roleDefinitionId: ROLES.securityReader,
      assignmentType: 'Activated',
      memberType: 'Direct',
      roleDefinition: { displayName: 'Security Reader', templateId: ROLES.securityReader },
      activatedUsing: { roleDefinitionId: ROLES.securityReader, principalId: PEOPLE.alex },
    });
    await t.advance(4 * 3600);
    expect(await myActiveRoles()).toEqual([]);
  });

  it('lists my eligibility and assignment schedules, and a request expands its schedules', async () => {
    const eligible = await t.get(`${RM}/roleEligibilitySchedules/filterByCurrentUser(on='principal')`, alex);
    const reader = eligible.body.value.find(
      (e: { roleDefinitionId: string }) => e.roleDefinitionId === ROLES.userAdmin,
    );
    expect(reader).toMatchObject({
      memberType: 'Direct',
      status: 'Provisioned',
      createdUsing: null,
      scheduleInfo: { expiration: { type: 'afterDateTime' } },
    });
    const r = await activate(alexMfa, ROLES.userAdmin, { justification: 'Onboarding' });
    const expanded = await t.get(`${REQUESTS}/${r.body.id}?$expand=targetSchedule,activatedUsing`, alex);
    expect(expanded.body.targetSchedule).toMatchObject({
      id: r.body.targetScheduleId,
      assignmentType: 'Activated',
      createdUsing: r.body.id,
    });
    expect(expanded.body.activatedUsing).toMatchObject({ id: reader.id, roleDefinitionId: ROLES.userAdmin });
    const schedules = await t.get(`${RM}/roleAssignmentSchedules/filterByCurrentUser(on='principal')`, alex);
    expect(schedules.body.value.map((x: { roleDefinitionId: string }) => x.roleDefinitionId)).toEqual(
      expect.arrayContaining([ROLES.userAdmin, ROLES.securityReader]),
    );
  });

  it('reads role definitions and the administrative unit of a scope', async () => {
    const roles = await t.get(`${RM}/roleDefinitions?$filter=displayName eq 'Exchange Administrator'`, appToken());
    expect(roles.body.value).toEqual([
      expect.objectContaining({ id: ROLES.exchangeAdmin, templateId: ROLES.exchangeAdmin, isBuiltIn: true }),
    ]);
    expect((await t.get(`${RM}/roleDefinitions/${ROLES.userAdmin}`, alex)).body.displayName).toBe('User Administrator');
    expect((await t.get(`${RM}/roleDefinitions/00000000-0000-4000-8000-000000000000`, alex)).status).toBe(404);
    const unit = await t.get(`/v1.0/directory/administrativeUnits/${EUROPE}?$select=id,displayName`, appToken());
    expect(unit.body).toMatchObject({ id: EUROPE, displayName: 'Contoso Europe' });
  });

  it('refuses names the Graph metadata does not have, and unknown on= values', async () => {
    const bad = await t.get(
      `${RM}/roleEligibilityScheduleInstances/filterByCurrentUser(on='principal')?$select=groupId`,
      alex,
    );
    expect(bad.status).toBe(400);
    const on = await t.get(`${RM}/roleEligibilityScheduleInstances/filterByCurrentUser(on='approver')`, alex);
    expect(on.status).toBe(400);
  });
});

describe('role activation policy (roleManagementPolicyAssignments, DirectoryRole)', () => {
  const policyUrl = (roleId: string) =>
    `/v1.0/policies/roleManagementPolicyAssignments?$filter=scopeId eq '/' and scopeType eq 'DirectoryRole' and roleDefinitionId eq '${roleId}'&$expand=policy($expand=rules)`;
  const rule = (body: { value: Array<{ policy: { rules: Array<{ id: string }> } }> }, id: string) =>
    body.value[0].policy.rules.find((r) => r.id === id) as Record<string, unknown>;

  it("returns each role's 17 rules: maximum duration, MFA, ticket, approval", async () => {
    const ua = await t.get(policyUrl(ROLES.userAdmin), alex);
    expect(ua.status).toBe(200);
    expect(ua.body.value).toHaveLength(1);
    const [assignment] = ua.body.value;
    expect(assignment).toMatchObject({ scopeId: '/', scopeType: 'DirectoryRole', roleDefinitionId: ROLES.userAdmin });
    expect(assignment.policyId).toMatch(/^DirectoryRole_c0a70500-0000-4000-8000-000000000001_[0-9a-f-]{36}$/);
    expect(assignment.id).toBe(`${assignment.policyId}_${ROLES.userAdmin}`);
    expect(assignment.policy.rules).toHaveLength(17);
    expect(rule(ua.body, 'Expiration_EndUser_Assignment').maximumDuration).toBe('PT4H');
    expect(rule(ua.body, 'Enablement_EndUser_Assignment').enabledRules).toEqual([
      'MultiFactorAuthentication',
      'Justification',
    ]);
    const ex = await t.get(policyUrl(ROLES.exchangeAdmin), appToken());
    const approval = rule(ex.body, 'Approval_EndUser_Assignment') as {
      setting: { isApprovalRequired: boolean; approvalStages: Array<{ primaryApprovers: Array<{ userId: string }> }> };
    };
    expect(approval.setting.isApprovalRequired).toBe(true);
    expect(approval.setting.approvalStages[0].primaryApprovers.map((a) => a.userId)).toEqual([PEOPLE.megan]);
    expect(rule(ex.body, 'Enablement_EndUser_Assignment').enabledRules).toEqual(['Justification', 'Ticketing']);
  });

  it('lists every directory role policy at scope / and keeps group policies apart', async () => {
    const all = await t.get(
      "/v1.0/policies/roleManagementPolicyAssignments?$filter=scopeId eq '/' and scopeType eq 'DirectoryRole'",
      alex,
    );
    expect(all.body.value.map((a: { roleDefinitionId: string }) => a.roleDefinitionId).sort()).toEqual(
      Object.values(ROLES).sort(),
    );
    const directory = await t.get(
      "/v1.0/policies/roleManagementPolicyAssignments?$filter=scopeId eq '/' and scopeType eq 'Directory'",
      alex,
    );
    expect(directory.body.value[0].policyId).toMatch(/^Directory_/);
    expect((await t.get("/v1.0/policies/roleManagementPolicyAssignments?$filter=scopeId eq '/'", alex)).status).toBe(
      400,
    );
  });
});

describe('self-activation of a directory role', () => {
  it('activates within the cap: Provisioned, then listed as active until it ends', async () => {
    const r = await activate(alex, ROLES.globalReader, { justification: 'Quarterly access review' }, 'PT8H');
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      status: 'Provisioned',
      action: 'selfActivate',
      roleDefinitionId: ROLES.globalReader,
      directoryScopeId: '/',
      appScopeId: null,
      targetScheduleId: r.body.id,
      justification: 'Quarterly access review',
    });
    expect(await myActiveRoles()).toContain(ROLES.globalReader);
    const again = await activate(alex, ROLES.globalReader, { justification: 'again' });
    expect(again.body.error).toMatchObject({ code: 'RoleAssignmentExists' });
    await t.advance(8 * 3600 + 60);
    expect(await myActiveRoles()).not.toContain(ROLES.globalReader);
  });

  it('refuses over the cap, under 5 minutes, without justification or ticket, all rules at once', async () => {
    const over = await activate(alex, ROLES.globalReader, { justification: 'x' }, 'PT9H');
    expect(over.status).toBe(400);
    expect(over.body.error.code).toBe('RoleAssignmentRequestPolicyValidationFailed');
    expect(failedRules(over)).toEqual(['ExpirationRule']);
    expect(failedRules(await activate(alex, ROLES.globalReader, { justification: 'x' }, 'PT2M'))).toEqual([
      'ExpirationRule',
    ]);
    expect(failedRules(await activate(alex, ROLES.exchangeAdmin, {}, 'PT3H'))).toEqual([
      'ExpirationRule',
      'JustificationRule',
      'TicketingRule',
    ]);
  });

  it('needs MFA for User Administrator: MfaRule first, then accepted with an amr=mfa token', async () => {
    const r = await activate(alex, ROLES.userAdmin, { justification: 'Onboarding new hires' });
    expect(r.status).toBe(400);
    expect(failedRules(r)).toEqual(['MfaRule']);
    const ok = await activate(alexMfa, ROLES.userAdmin, { justification: 'Onboarding new hires' });
    expect(ok.status).toBe(201);
    expect(ok.body.status).toBe('Provisioned');
  });

  it('activates a role only at the scope of the eligibility (administrative unit)', async () => {
    const tenantWide = await activate(alex, ROLES.helpdeskAdmin, { justification: 'Password resets' });
    expect(failedRules(tenantWide)).toEqual(['EligibilityRule']);
    const scoped = await activate(alex, ROLES.helpdeskAdmin, {
      justification: 'Password resets',
      directoryScopeId: `/administrativeUnits/${EUROPE}`,
    });
    expect(scoped.status).toBe(201);
    const active = await t.get(
      `${RM}/roleAssignmentScheduleInstances/filterByCurrentUser(on='principal')?$filter=roleDefinitionId eq '${ROLES.helpdeskAdmin}'&$expand=directoryScope($select=displayName)`,
      alex,
    );
    expect(active.body.value).toEqual([
      expect.objectContaining({
        directoryScopeId: `/administrativeUnits/${EUROPE}`,
        directoryScope: { '@odata.type': '#microsoft.graph.administrativeUnit', displayName: 'Contoso Europe' },
      }),
    ]);
  });

  it('needs the authentication context when the policy asks for it (claims challenge)', async () => {
    const withAcrs = await startTestTenant({ seed: acrsSeed() });
    try {
      const body = {
        action: 'selfActivate',
        principalId: PEOPLE.alex,
        roleDefinitionId: ROLES.globalReader,
        directoryScopeId: '/',
        scheduleInfo: { expiration: { type: 'afterDuration', duration: 'PT1H' } },
      };
      const r = await withAcrs.post(REQUESTS, alexMfa, body);
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe('RoleAssignmentRequestAcrsValidationFailed');
      const claims = /claims=([^"\s]+)/.exec(r.body.error.message)?.[1];
      expect(JSON.parse(decodeURIComponent(claims ?? ''))).toEqual({
        access_token: { acrs: { essential: true, value: 'c1' } },
      });
      const stepped = userToken(PEOPLE.alex, { mfa: true, acrs: ['c1'] });
      expect((await withAcrs.post(REQUESTS, stepped, body)).status).toBe(201);
    } finally {
      await withAcrs.close();
    }
  });

  it('refuses other people, unknown roles, bad bodies, admin actions and app tokens', async () => {
    expect((await activate(alex, ROLES.globalReader, { justification: 'x' }, 'PT1H', PEOPLE.megan)).status).toBe(403);
    expect((await activate(alex, '00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await activate(alex, ROLES.globalReader, { groupId: 'x' })).status).toBe(400);
    expect((await activate(alex, ROLES.globalReader, { action: 'selfDance' })).status).toBe(400);
    expect((await activate(alex, ROLES.globalReader, { directoryScopeId: undefined })).status).toBe(400);
    expect((await activate(alex, ROLES.globalReader, { action: 'adminAssign' })).status).toBe(403);
    expect((await activate(appToken(), ROLES.globalReader, { justification: 'x' })).status).toBe(403);
    expect(await myActiveRoles()).not.toContain(ROLES.globalReader);
  });

  it('refuses selfExtend of an activation as Graph does for an assignment that does not exist', async () => {
    const r = await activate(alex, ROLES.securityReader, { action: 'selfExtend' }, 'PT2H');
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('RoleAssignmentDoesNotExist');
  });
});

describe('future starts, validation only, $batch', () => {
  it('a future start is Granted, cancellable, and never becomes active once canceled', async () => {
    const start = new Date(Date.now() + 2 * 3600_000).toISOString();
    const r = await activate(alex, ROLES.globalReader, {
      justification: 'Change window tonight',
      scheduleInfo: { startDateTime: start, expiration: { type: 'afterDuration', duration: 'PT1H' } },
    });
    expect(r.status).toBe(201);
    expect(r.body.status).toBe('Granted');
    expect(await myActiveRoles()).not.toContain(ROLES.globalReader);
    expect((await t.post(`${REQUESTS}/${r.body.id}/cancel`, alex)).status).toBe(204);
    await t.advance(2 * 3600 + 60);
    expect(await myActiveRoles()).not.toContain(ROLES.globalReader);
    expect((await t.get(`${REQUESTS}/${r.body.id}`, alex)).body.status).toBe('Canceled');
  });

  it('isValidationOnly answers the would-be status without activating; failing rules still fail', async () => {
    const ok = await activate(alex, ROLES.globalReader, { justification: 'x', isValidationOnly: true });
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ status: 'Provisioned', isValidationOnly: true });
    expect(await myActiveRoles()).not.toContain(ROLES.globalReader);
    expect(failedRules(await activate(alex, ROLES.globalReader, { isValidationOnly: true }))).toEqual([
      'JustificationRule',
    ]);
  });

  it('answers the eligible roles and their policies in one $batch', async () => {
    const r = await t.post('/v1.0/$batch', alex, {
      requests: [
        {
          id: '1',
          method: 'GET',
          url: "/roleManagement/directory/roleEligibilityScheduleInstances/filterByCurrentUser(on='principal')?$expand=roleDefinition($select=id,displayName),directoryScope",
        },
        {
          id: '2',
          method: 'GET',
          url: "/policies/roleManagementPolicyAssignments?$filter=scopeId eq '/' and scopeType eq 'DirectoryRole'&$expand=policy($expand=rules)",
        },
      ],
    });
    expect(r.status).toBe(200);
    const byId = new Map(r.body.responses.map((x: { id: string }) => [x.id, x]));
    expect(byId.get('1')).toMatchObject({ status: 200 });
    expect(byId.get('2')).toMatchObject({ status: 200 });
    const policies = (byId.get('2') as { body: { value: Array<{ policy: { rules: unknown[] } }> } }).body.value;
    expect(policies.every((p) => p.policy.rules.length === 17)).toBe(true);
  });

  it('with roleApprovalsInBeta off, beta has no role approvals either', async () => {
    const off = await startTestTenant({ quirks: { roleApprovalsInBeta: false } });
    try {
      const r = await off.get(`${BETA_RM}/roleAssignmentApprovals/${GRADY_EXCHANGE_REQUEST}`, megan);
      expect(r.status).toBe(400);
      expect(r.body.error.message).toMatch(/roleAssignmentApprovals/);
    } finally {
      await off.close();
    }
  });
});

describe('self-deactivation of a directory role', () => {
  it('refuses within 5 minutes, then revokes; nothing active → RoleAssignmentDoesNotExist', async () => {
    expect((await activate(alex, ROLES.globalReader, { justification: 'Audit' })).status).toBe(201);
    const early = await deactivate(alex, ROLES.globalReader);
    expect(early.body.error).toMatchObject({ code: 'ActiveDurationTooShort' });
    await t.advance(5 * 60);
    const off = await deactivate(alex, ROLES.globalReader);
    expect(off.status).toBe(201);
    expect(off.body).toMatchObject({ status: 'Revoked', action: 'selfDeactivate', scheduleInfo: null });
    expect(await myActiveRoles()).not.toContain(ROLES.globalReader);
    const none = await deactivate(alex, ROLES.globalReader);
    expect(none.body.error).toMatchObject({
      code: 'RoleAssignmentDoesNotExist',
      message: 'The Role assignment does not exist.',
    });
  });

  it('ends the seeded Security Reader activation', async () => {
    expect((await deactivate(alex, ROLES.securityReader)).status).toBe(201);
    expect(await myActiveRoles()).toEqual([]);
  });
});

describe('activation that needs approval (approvals are beta-only for roles)', () => {
  const exchange = () =>
    activate(
      alex,
      ROLES.exchangeAdmin,
      { justification: 'Mailbox migration', ticketInfo: { ticketNumber: 'CHG0042', ticketSystem: 'ServiceNow' } },
      'PT2H',
    );

  it('goes PendingApproval; Megan finds it (v1.0) and approves it (beta steps); the role becomes active', async () => {
    const r = await exchange();
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ status: 'PendingApproval', approvalId: r.body.id });
    expect(await myActiveRoles()).not.toContain(ROLES.exchangeAdmin);
    expect((await exchange()).body.error.code).toBe('RoleAssignmentExists');

    const mine = await t.get(
      `${REQUESTS}/filterByCurrentUser(on='principal')?$filter=status eq 'PendingApproval'`,
      alex,
    );
    expect(mine.body.value.map((x: { id: string }) => x.id)).toEqual([r.body.id]);
    const toDecide = await t.get(
      `${REQUESTS}/filterByCurrentUser(on='approver')?$expand=principal,roleDefinition($select=displayName)`,
      megan,
    );
    expect(toDecide.body.value.map((x: { id: string }) => x.id)).toEqual([GRADY_EXCHANGE_REQUEST, r.body.id]);
    expect(toDecide.body.value[1]).toMatchObject({
      principal: { id: PEOPLE.alex },
      roleDefinition: { displayName: 'Exchange Administrator' },
    });

    expect((await t.get(`${RM}/roleAssignmentApprovals/${r.body.id}`, megan)).status).toBe(400);
    const approval = await t.get(`${BETA_RM}/roleAssignmentApprovals/${r.body.id}`, megan);
    expect(approval.status).toBe(200);
    const [step] = approval.body.steps;
    expect(step).toMatchObject({ status: 'InProgress', assignedToMe: true, reviewResult: 'NotReviewed' });
    const stepUrl = `${BETA_RM}/roleAssignmentApprovals/${r.body.id}/steps/${step.id}`;
    expect((await t.patch(stepUrl, alex, { reviewResult: 'Approve', justification: 'me' })).status).toBe(403);
    expect((await t.patch(stepUrl, appToken(), { reviewResult: 'Approve' })).status).toBe(403);
    expect((await t.patch(stepUrl, megan, { reviewResult: 'Approve' })).status).toBe(400);
    expect((await t.patch(stepUrl, megan, { reviewResult: 'Approve', justification: 'Planned' })).status).toBe(204);
    expect((await t.patch(stepUrl, megan, { reviewResult: 'Deny', justification: 'late' })).status).toBe(409);

    expect((await t.get(`${REQUESTS}/${r.body.id}`, alex)).body.status).toBe('Provisioned');
    expect(await myActiveRoles()).toContain(ROLES.exchangeAdmin);
    const steps = await t.get(`${BETA_RM}/roleAssignmentApprovals/${r.body.id}/steps`, alex);
    expect(steps.body.value[0]).toMatchObject({ reviewResult: 'Approved', reviewedBy: { id: PEOPLE.megan } });
  });

  it("a deny ends Grady's seeded request", async () => {
    const approval = await t.get(`${BETA_RM}/roleAssignmentApprovals/${GRADY_EXCHANGE_REQUEST}`, megan);
    const [step] = approval.body.steps;
    const decided = await t.patch(
      `${BETA_RM}/roleAssignmentApprovals/${GRADY_EXCHANGE_REQUEST}/steps/${step.id}`,
      megan,
      {
        reviewResult: 'Deny',
        justification: 'Use the delegated mailbox role instead',
      },
    );
    expect(decided.status).toBe(204);
    const grady = userToken(PEOPLE.grady);
    expect((await t.get(`${REQUESTS}/${GRADY_EXCHANGE_REQUEST}`, grady)).body.status).toBe('Denied');
    expect(await myActiveRoles(grady)).toEqual([]);
    expect((await t.get(`${REQUESTS}/${GRADY_EXCHANGE_REQUEST}`, alex)).status).toBe(403);
  });

  it('cancels a pending request (204), not a provisioned one (400); only its principal may', async () => {
    const r = await exchange();
    expect((await t.post(`${REQUESTS}/${r.body.id}/cancel`, megan)).status).toBe(403);
    expect((await t.post(`${REQUESTS}/${r.body.id}/cancel`, alex)).status).toBe(204);
    expect((await t.get(`${REQUESTS}/${r.body.id}`, alex)).body.status).toBe('Canceled');
    const pending = await t.get(`${REQUESTS}/filterByCurrentUser(on='approver')`, megan);
    expect(pending.body.value.map((x: { id: string }) => x.id)).toEqual([GRADY_EXCHANGE_REQUEST]);
    const gr = await activate(alex, ROLES.globalReader, { justification: 'Audit' });
    const cancelled = await t.post(`${REQUESTS}/${gr.body.id}/cancel`, alex);
    expect(cancelled.status).toBe(400);
    expect(cancelled.body.error.code).toBe('InvalidRequestStatus');
  });

  it('times out after 24 hours without a decision', async () => {
    const r = await exchange();
    await t.advance(24 * 3600 + 60);
    expect((await t.get(`${REQUESTS}/${r.body.id}`, alex)).body.status).toBe('TimedOut');
    expect(await myActiveRoles()).not.toContain(ROLES.exchangeAdmin);
  });
});

describe('app-only tokens', () => {
  it('may read the lists (the docs grant Application permissions) but sees no "current user" items', async () => {
    const app = appToken();
    const all = await t.get(`${RM}/roleEligibilityScheduleInstances`, app);
    expect(all.body.value.length).toBeGreaterThanOrEqual(6);
    const mine = await t.get(`${RM}/roleEligibilityScheduleInstances/filterByCurrentUser(on='principal')`, app);
    expect(mine.status).toBe(200);
    expect(mine.body.value).toEqual([]);
    expect((await t.get(`${BETA_RM}/roleAssignmentApprovals/${GRADY_EXCHANGE_REQUEST}`, app)).status).toBe(403);
    expect((await t.get(`${REQUESTS}/filterByCurrentUser(on='createdBy')`, alex)).status).toBe(400);
  });
});

describe('eligibility delivered by an access package (resource DirectoryRole, role Eligible Member)', () => {
  const PACKAGE = ROLE_PACKAGE;
  const EM = '/v1.0/identityGovernance/entitlementManagement';
  const packageSeed = () => withRolePackage(t.state.seed);

  it('delivers an eligibility for the role, names the role in the package, and takes it away on removal', async () => {
    const em = await startTestTenant({ seed: packageSeed() });
    try {
      const scopes = await em.get(`${EM}/accessPackages/${PACKAGE}/resourceRoleScopes?$expand=role,scope`, alex);
      expect(scopes.body.value[0]).toMatchObject({
        role: { originId: 'Eligible', displayName: 'Eligible Member', originSystem: 'DirectoryRole' },
        scope: { originId: REPORTS_READER, originSystem: 'DirectoryRole', isRootScope: true },
      });
      const req = await em.post(`${EM}/assignmentRequests`, alex, {
        requestType: 'userAdd',
        assignment: { accessPackageId: PACKAGE },
      });
      expect(req.status).toBe(201);
      const eligible = async () =>
        (
          await em.get(
            `${RM}/roleEligibilityScheduleInstances/filterByCurrentUser(on='principal')?$filter=roleDefinitionId eq '${REPORTS_READER}'`,
            alex,
          )
        ).body.value as Array<{ directoryScopeId: string; endDateTime: string }>;
      const [e] = await eligible();
      expect(e.directoryScopeId).toBe('/');
      const schedule = await em.get(
        `${RM}/roleEligibilitySchedules/filterByCurrentUser(on='principal')?$filter=roleDefinitionId eq '${REPORTS_READER}'`,
        alex,
      );
      expect(schedule.body.value[0].createdUsing).toMatch(/^[0-9a-f-]{36}$/);
      // The role policy caps a package-made eligibility at 90 days although the assignment lasts a year.
      expect(Date.parse(e.endDateTime) - Date.now()).toBeLessThan(91 * 86_400_000);
      expect((await em.post(REQUESTS, alex, { ...activation(REPORTS_READER), justification: 'x' })).status).toBe(201);

      const mine = await em.get(`${EM}/assignments/filterByCurrentUser(on='target')?$expand=accessPackage`, alex);
      const assignment = mine.body.value.find((x: { accessPackage: { id: string } }) => x.accessPackage.id === PACKAGE);
      const remove = await em.post(`${EM}/assignmentRequests`, alex, {
        requestType: 'userRemove',
        assignment: { id: assignment.id },
      });
      expect(remove.status).toBe(201);
      expect(await eligible()).toEqual([]);
    } finally {
      await em.close();
    }
  });
});

const activation = (roleDefinitionId: string) => ({
  action: 'selfActivate',
  principalId: PEOPLE.alex,
  roleDefinitionId,
  directoryScopeId: '/',
  scheduleInfo: { expiration: { type: 'afterDuration', duration: 'PT1H' } },
});

function acrsSeed(): Seed {
  // The demo seed with Global Reader asking for authentication context c1 (and nothing else).
  const seed = structuredClone(t.state.seed);
  const role = seed.directoryRoles.roleDefinitions.find((r) => r.id === ROLES.globalReader);
  if (!role) throw new Error('Global Reader is missing from the demo seed');
  role.policy = { ...role.policy, enabledRules: [], authenticationContext: 'c1' };
  return seed;
}
