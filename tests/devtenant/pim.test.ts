import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GROUPS, PIM, SEEDED, startTestTenant, type TestTenant } from './client.js';
import { appToken, PEOPLE, userToken } from './tokens.js';

let t: TestTenant;
const alex = userToken(PEOPLE.alex);
const alexMfa = userToken(PEOPLE.alex, { mfa: true });
const megan = userToken(PEOPLE.megan);
const REQUESTS = `${PIM}/assignmentScheduleRequests`;

beforeAll(async () => {
  t = await startTestTenant();
});
afterAll(() => t.close());
beforeEach(() => t.reset());

function activate(token: string, groupId: string, extra: Record<string, unknown> = {}, duration = 'PT1H') {
  return t.post(REQUESTS, token, {
    accessId: 'member',
    principalId: PEOPLE.alex,
    groupId,
    action: 'selfActivate',
    scheduleInfo: { startDateTime: new Date().toISOString(), expiration: { type: 'afterDuration', duration } },
    ...extra,
  });
}

const deactivate = (token: string, groupId: string, principalId = PEOPLE.alex) =>
  t.post(REQUESTS, token, {
    accessId: 'member',
    principalId,
    groupId,
    action: 'selfDeactivate',
    justification: 'done',
  });

const memberIds = async (groupId: string) =>
  ((await t.get(`/v1.0/groups/${groupId}/members?$select=id`, alex)).body.value as Array<{ id: string }>).map(
    (m) => m.id,
  );

const failedRules = (r: { body: { error: { message: string } } }) =>
  JSON.parse(r.body.error.message.replace('The following policy rules failed: ', '')) as string[];

describe('eligible and active memberships', () => {
  it('lists my eligibilities with $expand=group and PascalCase memberType', async () => {
    const r = await t.get(
      `${PIM}/eligibilityScheduleInstances/filterByCurrentUser(on='principal')?$expand=group($select=id,displayName)`,
      alex,
    );
    expect(r.status).toBe(200);
    const groups = r.body.value.map((e: { group: { displayName: string } }) => e.group.displayName);
    expect(groups).toEqual(
      expect.arrayContaining([
        'Finance Admins',
        'Production Servers Admins',
        'Security Operations',
        'Azure Subscription Owners',
        'Exchange Online Admins',
      ]),
    );
    expect(r.body.value[0]).toMatchObject({ memberType: 'Direct', accessId: 'member', principalId: PEOPLE.alex });
    expect(Object.keys(r.body.value[0].group)).toEqual(['id', 'displayName']);
    const filtered = await t.get(
      `${PIM}/eligibilityScheduleInstances/filterByCurrentUser(on='principal')?$filter=groupId eq '${GROUPS.secOps}'`,
      alex,
    );
    expect(filtered.body.value).toHaveLength(1);
  });

  it('lists my active (Activated) memberships', async () => {
    const r = await t.get(`${PIM}/assignmentScheduleInstances/filterByCurrentUser(on='principal')?$expand=group`, alex);
    expect(r.body.value).toHaveLength(1);
    expect(r.body.value[0]).toMatchObject({
      groupId: GROUPS.devTools,
      assignmentType: 'Activated',
      memberType: 'Direct',
    });
    expect(r.body.value[0].group.displayName).toBe('Developer Tools Power Users');
  });

  it('requires a groupId or principalId filter on the admin lists', async () => {
    const none = await t.get(`${PIM}/eligibilityScheduleInstances`, appToken());
    expect(none.status).toBe(400);
    const byGroup = await t.get(
      `${PIM}/eligibilityScheduleInstances?$filter=groupId eq '${GROUPS.networkAdmins}'`,
      appToken(),
    );
    expect(byGroup.body.value.map((e: { principalId: string }) => e.principalId)).toEqual([PEOPLE.lee]);
    const assigned = await t.get(
      `${PIM}/assignmentScheduleInstances?$filter=groupId eq '${GROUPS.prodServers}'`,
      appToken(),
    );
    expect(assigned.body.value).toContainEqual(
      expect.objectContaining({ principalId: PEOPLE.megan, assignmentType: 'Assigned' }),
    );
    expect((await t.get(`${REQUESTS}`, appToken())).status).toBe(400);
    const reqs = await t.get(
      `${REQUESTS}?$filter=groupId eq '${GROUPS.networkAdmins}' and status eq 'PendingApproval'`,
      appToken(),
    );
    expect(reqs.body.value.map((r: { id: string }) => r.id)).toEqual([SEEDED.leeNetworkActivation]);
  });
});

describe('self-activation rules', () => {
  it('activates with no requirements: Provisioned, member of the group until the end time', async () => {
    await deactivateSeeded();
    const r = await activate(alex, GROUPS.devTools, {}, 'PT2H');
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      status: 'Provisioned',
      action: 'selfActivate',
      accessId: 'member',
      isValidationOnly: false,
    });
    expect(r.body.targetScheduleId).toBe(`${GROUPS.devTools}_member_${r.body.id}`);
    expect(await memberIds(GROUPS.devTools)).toContain(PEOPLE.alex);
    await t.advance(2 * 3600 + 30);
    expect(await memberIds(GROUPS.devTools)).not.toContain(PEOPLE.alex);
    const active = await t.get(`${PIM}/assignmentScheduleInstances/filterByCurrentUser(on='principal')`, alex);
    expect(active.body.value).toEqual([]);
  });

  it('fails EligibilityRule without an eligibility', async () => {
    const r = await activate(alex, GROUPS.dba, { justification: 'x' });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('RoleAssignmentRequestPolicyValidationFailed');
    expect(failedRules(r)).toEqual(['EligibilityRule']);
  });

  it('fails ExpirationRule above the maximum duration or below 5 minutes', async () => {
    const long = await activate(alex, GROUPS.financeAdmins, { justification: 'close' }, 'PT2H');
    expect(failedRules(long)).toEqual(['ExpirationRule']);
    const short = await activate(alex, GROUPS.financeAdmins, { justification: 'close' }, 'PT2M');
    expect(failedRules(short)).toEqual(['ExpirationRule']);
    const ok = await activate(alex, GROUPS.financeAdmins, { justification: 'close' }, 'PT1H');
    expect(ok.body.status).toBe('Provisioned');
  });

  it('reports justification and ticket failures together', async () => {
    const r = await activate(alex, GROUPS.prodServers, {}, 'PT4H');
    expect(failedRules(r)).toEqual(['JustificationRule', 'TicketingRule']);
    const ticketOnly = await activate(alex, GROUPS.prodServers, { justification: 'Patch night' }, 'PT4H');
    expect(failedRules(ticketOnly)).toEqual(['TicketingRule']);
    const ok = await activate(
      alex,
      GROUPS.prodServers,
      { justification: 'Patch night', ticketInfo: { ticketNumber: 'CHG0031337', ticketSystem: 'ServiceNow' } },
      'PT8H',
    );
    expect(ok.status).toBe(201);
    expect(ok.body.ticketInfo).toEqual({ ticketNumber: 'CHG0031337', ticketSystem: 'ServiceNow' });
  });

  it('needs MFA in the token (amr) when the policy requires it', async () => {
    const r = await activate(alex, GROUPS.secOps, { justification: 'Incident 4711' });
    expect(failedRules(r)).toEqual(['MfaRule']);
    expect((await activate(alexMfa, GROUPS.secOps, { justification: 'Incident 4711' })).status).toBe(201);
  });

  it('needs the authentication context (acrs) and answers with the claims challenge', async () => {
    const r = await activate(alexMfa, GROUPS.azureOwners, { justification: 'Subscription policy fix' });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('RoleAssignmentRequestAcrsValidationFailed');
    const claims = /claims=([^"\s]+)/.exec(r.body.error.message)?.[1];
    expect(JSON.parse(decodeURIComponent(claims ?? ''))).toEqual({
      access_token: { acrs: { essential: true, value: 'c1' } },
    });
    const withAcrs = userToken(PEOPLE.alex, { mfa: true, acrs: ['c1'] });
    expect((await activate(withAcrs, GROUPS.azureOwners, { justification: 'Subscription policy fix' })).status).toBe(
      201,
    );
  });

  it('refuses a second activation with RoleAssignmentExists', async () => {
    const seeded = await activate(alex, GROUPS.devTools);
    expect(seeded.status).toBe(400);
    expect(seeded.body.error).toMatchObject({
      code: 'RoleAssignmentExists',
      message: 'The Role assignment already exists.',
    });
  });

  it('validates without persisting when isValidationOnly is true', async () => {
    const r = await activate(alex, GROUPS.financeAdmins, { justification: 'close', isValidationOnly: true });
    expect(r.status).toBe(201);
    expect(r.body.isValidationOnly).toBe(true);
    expect(await memberIds(GROUPS.financeAdmins)).not.toContain(PEOPLE.alex);
    const failing = await activate(alex, GROUPS.financeAdmins, { isValidationOnly: true });
    expect(failedRules(failing)).toEqual(['JustificationRule']);
    expect((await activate(alex, GROUPS.financeAdmins, { justification: 'close' })).status).toBe(201);
  });

  it('refuses to act for someone else, unknown groups, bad bodies and app tokens', async () => {
    const other = await activate(alex, GROUPS.devTools, { principalId: PEOPLE.megan });
    expect(other.status).toBe(403);
    expect((await activate(alex, '20000000-0000-4000-8000-000000000999')).status).toBe(404);
    expect((await activate(alex, GROUPS.financeAdmins, { colour: 'red' })).status).toBe(400);
    expect((await activate(alex, GROUPS.financeAdmins, { accessId: 'janitor' })).status).toBe(400);
    expect((await activate(alex, GROUPS.financeAdmins, { action: 'adminAssign' })).status).toBe(403);
    expect((await activate(appToken(), GROUPS.financeAdmins)).status).toBe(403);
  });

  it('accepts PascalCase input and answers PascalCase status', async () => {
    const r = await activate(alex, GROUPS.financeAdmins, {
      action: 'SelfActivate',
      accessId: 'Member',
      justification: 'close',
    });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ status: 'Provisioned', action: 'selfActivate', accessId: 'member' });
  });
});

async function deactivateSeeded(): Promise<void> {
  const r = await deactivate(alex, GROUPS.devTools);
  if (r.status !== 201) throw new Error(`could not end the seeded activation: ${r.text}`);
}

describe('self-deactivation', () => {
  it('refuses within 5 minutes of activation, then revokes and removes the membership', async () => {
    const on = await activate(alex, GROUPS.financeAdmins, { justification: 'close' });
    expect(on.status).toBe(201);
    const early = await deactivate(alex, GROUPS.financeAdmins);
    expect(early.status).toBe(400);
    expect(early.body.error).toMatchObject({
      code: 'ActiveDurationTooShort',
      message: 'The Active duration is too short. Miniumum Required is 5 minutes.',
    });
    await t.advance(5 * 60);
    const off = await deactivate(alex, GROUPS.financeAdmins);
    expect(off.status).toBe(201);
    expect(off.body.status).toBe('Revoked');
    expect(await memberIds(GROUPS.financeAdmins)).not.toContain(PEOPLE.alex);
  });

  it('answers RoleAssignmentDoesNotExist when nothing is active', async () => {
    const r = await deactivate(alex, GROUPS.secOps);
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({
      code: 'RoleAssignmentDoesNotExist',
      message: 'The Role assignment does not exist.',
    });
  });
});

describe('activation approval', () => {
  it('goes PendingApproval, the approver approves, the member appears', async () => {
    const r = await activate(alex, GROUPS.exchangeAdmins, { justification: 'Mailbox migration' }, 'PT2H');
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ status: 'PendingApproval', approvalId: r.body.id });
    expect(await memberIds(GROUPS.exchangeAdmins)).not.toContain(PEOPLE.alex);
    const again = await activate(alex, GROUPS.exchangeAdmins, { justification: 'again' });
    expect(again.body.error.code).toBe('RoleAssignmentExists');

    const list = await t.get(`${PIM}/assignmentApprovals/filterByCurrentUser(on='approver')`, megan);
    expect(list.body.value.map((a: { id: string }) => a.id)).toEqual([r.body.id]);
    const viaRequests = await t.get(`${REQUESTS}/filterByCurrentUser(on='approver')?$expand=principal,group`, megan);
    expect(viaRequests.body.value[0]).toMatchObject({
      id: r.body.id,
      principal: { id: PEOPLE.alex },
      group: { displayName: 'Exchange Online Admins' },
    });
    const [stage] = (await t.get(`${PIM}/assignmentApprovals/${r.body.id}`, megan)).body.stages;
    expect(stage).toMatchObject({ status: 'InProgress', assignedToMe: true });

    expect(
      (await t.patch(`${PIM}/assignmentApprovals/${r.body.id}/stages/${stage.id}`, alex, { reviewResult: 'Approve' }))
        .status,
    ).toBe(403);
    expect(
      (await t.patch(`${PIM}/assignmentApprovals/${r.body.id}/steps/${stage.id}`, megan, { reviewResult: 'Approve' }))
        .status,
    ).toBe(400);
    const ok = await t.patch(`${PIM}/assignmentApprovals/${r.body.id}/stages/${stage.id}`, megan, {
      reviewResult: 'Approve',
      justification: 'ok',
    });
    expect(ok.status).toBe(204);
    const late = await t.patch(`${PIM}/assignmentApprovals/${r.body.id}/stages/${stage.id}`, userToken(PEOPLE.patti), {
      reviewResult: 'Deny',
    });
    expect(late.status).toBe(409);

    expect((await t.get(`${REQUESTS}/${r.body.id}`, alex)).body.status).toBe('Provisioned');
    expect(await memberIds(GROUPS.exchangeAdmins)).toContain(PEOPLE.alex);
  });

  it("shows Lee's seeded request to Alex, and a deny ends it", async () => {
    const id = SEEDED.leeNetworkActivation;
    const list = await t.get(`${PIM}/assignmentApprovals/filterByCurrentUser(on='approver')`, alex);
    expect(list.body.value.map((a: { id: string }) => a.id)).toEqual([id]);
    const [stage] = list.body.value[0].stages;
    expect(
      (
        await t.patch(`${PIM}/assignmentApprovals/${id}/stages/${stage.id}`, alex, {
          reviewResult: 'Deny',
          justification: 'Not during the freeze',
        })
      ).status,
    ).toBe(204);
    const req = await t.get(`${REQUESTS}/${id}`, userToken(PEOPLE.lee));
    expect(req.body.status).toBe('Denied');
    expect(await memberIds(GROUPS.networkAdmins)).not.toContain(PEOPLE.lee);
  });

  it('refuses the requester its approval as it refuses any non-approver (403): the docs call it an approver read', async () => {
    const r = await activate(alex, GROUPS.exchangeAdmins, { justification: 'Mailbox migration' });
    const approval = `${PIM}/assignmentApprovals/${r.body.approvalId}`;
    for (const path of [approval, `${approval}/stages`, `${approval}?$expand=stages`]) {
      const asAlex = await t.get(path, alex);
      expect(asAlex.status).toBe(403);
      const { code, message } = (await t.get(path, userToken(PEOPLE.lee))).body.error;
      expect(asAlex.body.error).toMatchObject({ code, message });
    }
    expect((await t.get(approval, megan)).status).toBe(200);
  });

  it('with pimRequestorReadsApproval, the requester reads who decided and why', async () => {
    const lenient = await startTestTenant({ quirks: { pimRequestorReadsApproval: true } });
    try {
      const r = await lenient.post(REQUESTS, alex, {
        accessId: 'member',
        principalId: PEOPLE.alex,
        groupId: GROUPS.exchangeAdmins,
        action: 'selfActivate',
        justification: 'Mailbox migration',
        scheduleInfo: {
          startDateTime: new Date().toISOString(),
          expiration: { type: 'afterDuration', duration: 'PT1H' },
        },
      });
      const approval = `${PIM}/assignmentApprovals/${r.body.approvalId}`;
      const [stage] = (await lenient.get(approval, megan)).body.stages;
      await lenient.patch(`${approval}/stages/${stage.id}`, megan, { reviewResult: 'Deny', justification: 'Not now' });
      const mine = await lenient.get(approval, alex);
      expect(mine.status).toBe(200);
      expect(mine.body.stages[0]).toMatchObject({
        reviewResult: 'Denied',
        justification: 'Not now',
        reviewedBy: { id: PEOPLE.megan, displayName: 'Megan Bowen' },
      });
      expect((await lenient.get(approval, userToken(PEOPLE.lee))).status).toBe(403);
    } finally {
      await lenient.close();
    }
  });

  it('times out after 24 hours without a decision', async () => {
    const r = await activate(alex, GROUPS.exchangeAdmins, { justification: 'Mailbox migration' });
    await t.advance(24 * 3600 + 60);
    expect((await t.get(`${REQUESTS}/${r.body.id}`, alex)).body.status).toBe('TimedOut');
    const [stage] = (await t.get(`${PIM}/assignmentApprovals/${r.body.id}`, megan)).body.stages;
    expect(stage.status).toBe('Expired');
    expect(
      (await t.patch(`${PIM}/assignmentApprovals/${r.body.id}/stages/${stage.id}`, megan, { reviewResult: 'Approve' }))
        .status,
    ).toBe(409);
  });

  it('cancels a pending activation (204) but not a provisioned one (400)', async () => {
    const r = await activate(alex, GROUPS.exchangeAdmins, { justification: 'Mailbox migration' });
    expect((await t.post(`${REQUESTS}/${r.body.id}/cancel`, megan)).status).toBe(403);
    expect((await t.post(`${REQUESTS}/${r.body.id}/cancel`, alex)).status).toBe(204);
    expect((await t.get(`${REQUESTS}/${r.body.id}`, alex)).body.status).toBe('Canceled');
    const fin = await activate(alex, GROUPS.financeAdmins, { justification: 'close' });
    expect((await t.post(`${REQUESTS}/${fin.body.id}/cancel`, alex)).status).toBe(400);
    expect((await t.get(`${PIM}/assignmentApprovals/filterByCurrentUser(on='approver')`, megan)).body.value).toEqual(
      [],
    );
  });
});

describe('cancel of an activation request, as strict as Graph (GRAPH-API.md §6.5)', () => {
  const cancel = (id: string, token = alex) => t.post(`${REQUESTS}/${id}/cancel`, token);

  it('cancels a future-start (Granted) activation, which then never starts', async () => {
    const start = new Date(Date.now() + 2 * 3600_000).toISOString();
    const r = await activate(alex, GROUPS.financeAdmins, {
      justification: 'close',
      scheduleInfo: { startDateTime: start, expiration: { type: 'afterDuration', duration: 'PT1H' } },
    });
    expect(r.body.status).toBe('Granted');
    const canceled = await cancel(r.body.id);
    expect(canceled.status).toBe(204);
    expect(canceled.body).toBeFalsy();
    expect((await t.get(`${REQUESTS}/${r.body.id}`, alex)).body.status).toBe('Canceled');
    await t.advance(3 * 3600);
    expect(await memberIds(GROUPS.financeAdmins)).not.toContain(PEOPLE.alex);
  });

  it('answers 400 to a second cancel, to a deactivation and after the approver decided; 404 to an unknown id', async () => {
    const r = await activate(alex, GROUPS.exchangeAdmins, { justification: 'Mailbox migration' });
    expect((await cancel(r.body.id)).status).toBe(204);
    const again = await cancel(r.body.id);
    expect(again.status).toBe(400);
    expect(again.body.error.code).toBe('InvalidRequestStatus');
    // The approver's stage is closed with the request: a late decision is refused.
    const [stage] = (await t.get(`${PIM}/assignmentApprovals/${r.body.id}`, megan)).body.stages;
    expect(stage.status).toBe('Completed');
    expect(
      (await t.patch(`${PIM}/assignmentApprovals/${r.body.id}/stages/${stage.id}`, megan, { reviewResult: 'Approve' }))
        .status,
    ).toBe(409);

    const second = await activate(alex, GROUPS.exchangeAdmins, { justification: 'Mailbox migration' });
    const [open] = (await t.get(`${PIM}/assignmentApprovals/${second.body.id}`, megan)).body.stages;
    await t.patch(`${PIM}/assignmentApprovals/${second.body.id}/stages/${open.id}`, megan, {
      reviewResult: 'Approve',
      justification: 'ok',
    });
    expect((await cancel(second.body.id)).status).toBe(400);
    await t.advance(6 * 60);
    const ended = await deactivate(alex, GROUPS.exchangeAdmins);
    expect((await cancel(ended.body.id)).status).toBe(400);
    expect((await cancel('00000000-0000-4000-8000-00000000dead')).status).toBe(404);
  });

  it("is refused for someone else's request and for an app token", async () => {
    const r = await activate(alex, GROUPS.exchangeAdmins, { justification: 'Mailbox migration' });
    expect((await cancel(r.body.id, megan)).status).toBe(403);
    expect((await cancel(r.body.id, appToken())).status).toBe(403);
    expect((await t.get(`${REQUESTS}/${r.body.id}`, alex)).body.status).toBe('PendingApproval');
    expect((await cancel(r.body.id)).status).toBe(204);
  });
});

describe('activation policy (roleManagementPolicyAssignments)', () => {
  const policyUrl = (groupId: string) =>
    `/v1.0/policies/roleManagementPolicyAssignments?$filter=scopeId eq '${groupId}' and scopeType eq 'Group' and roleDefinitionId eq 'member'&$expand=policy($expand=rules)`;
  const rule = (body: { value: Array<{ policy: { rules: Array<{ id: string }> } }> }, id: string) =>
    body.value[0].policy.rules.find((r) => r.id === id) as Record<string, unknown>;

  it('returns the 17 rules with the end-user limits of each group', async () => {
    const r = await t.get(policyUrl(GROUPS.prodServers), alex);
    expect(r.status).toBe(200);
    expect(r.body.value).toHaveLength(1);
    const [assignment] = r.body.value;
    expect(assignment.id).toBe(`${assignment.policyId}_member`);
    expect(assignment.policyId).toMatch(new RegExp(`^Group_${GROUPS.prodServers}_[0-9a-f-]{36}$`));
    expect(assignment.policy.rules).toHaveLength(17);
    expect(rule(r.body, 'Expiration_EndUser_Assignment')).toMatchObject({
      maximumDuration: 'PT8H',
      isExpirationRequired: true,
    });
    expect(rule(r.body, 'Enablement_EndUser_Assignment').enabledRules).toEqual(['Justification', 'Ticketing']);
    expect(rule(r.body, 'Approval_EndUser_Assignment')).toMatchObject({ setting: { isApprovalRequired: false } });

    const azure = await t.get(policyUrl(GROUPS.azureOwners), alex);
    expect(rule(azure.body, 'AuthenticationContext_EndUser_Assignment')).toMatchObject({
      isEnabled: true,
      claimValue: 'c1',
    });
    const exchange = await t.get(policyUrl(GROUPS.exchangeAdmins), alex);
    const approval = rule(exchange.body, 'Approval_EndUser_Assignment') as {
      setting: { isApprovalRequired: boolean; approvalStages: Array<{ primaryApprovers: Array<{ userId: string }> }> };
    };
    expect(approval.setting.isApprovalRequired).toBe(true);
    expect(approval.setting.approvalStages[0].primaryApprovers.map((a) => a.userId)).toEqual([
      PEOPLE.megan,
      PEOPLE.patti,
    ]);
    const devOwner = await t.get(policyUrl(GROUPS.devTools).replace("'member'", "'owner'"), alex);
    expect(rule(devOwner.body, 'Expiration_EndUser_Assignment').maximumDuration).toBe('PT4H');
  });

  it('requires the scope filter', async () => {
    expect((await t.get('/v1.0/policies/roleManagementPolicyAssignments', alex)).status).toBe(400);
    expect(
      (await t.get(`/v1.0/policies/roleManagementPolicyAssignments?$filter=scopeId eq '${GROUPS.dba}'`, alex)).status,
    ).toBe(400);
  });

  it('also serves roleManagementPolicies by filter and id', async () => {
    const list = await t.get(
      `/v1.0/policies/roleManagementPolicies?$filter=scopeId eq '${GROUPS.secOps}' and scopeType eq 'Group'&$expand=rules`,
      alex,
    );
    expect(list.body.value).toHaveLength(2);
    const one = await t.get(`/beta/policies/roleManagementPolicies/${list.body.value[0].id}/rules`, alex);
    expect(one.body.value).toHaveLength(17);
  });
});

describe('eligibility from access packages and expiry', () => {
  it('removes an eligibility at its end time', async () => {
    const before = await t.get(`${PIM}/eligibilityScheduleInstances/filterByCurrentUser(on='principal')`, alex);
    const secops = before.body.value.find((e: { groupId: string }) => e.groupId === GROUPS.secOps);
    const seconds = (Date.parse(secops.endDateTime) - Date.now()) / 1000;
    await t.advance(Math.ceil(seconds) + 60);
    const after = await t.get(`${PIM}/eligibilityScheduleInstances/filterByCurrentUser(on='principal')`, alex);
    expect(after.body.value.map((e: { groupId: string }) => e.groupId)).not.toContain(GROUPS.secOps);
    const r = await activate(alexMfa, GROUPS.secOps, { justification: 'x' });
    expect(failedRules(r)).toEqual(['EligibilityRule']);
  });
});
