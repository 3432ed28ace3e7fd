import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EM, GROUPS, PACKAGES, POLICIES, QUESTIONS, startTestTenant, type TestTenant } from './client.js';
import { appToken, PEOPLE, userToken } from './tokens.js';

let t: TestTenant;
const alex = userToken(PEOPLE.alex);
const names = (r: { body: { value: Array<{ displayName: string }> } }) => r.body.value.map((p) => p.displayName);

beforeAll(async () => {
  t = await startTestTenant({ pageSize: 5 });
});
afterAll(() => t.close());

describe('access packages the caller may request', () => {
  const mine = `${EM}/accessPackages/filterByCurrentUser(on='allowedRequestor')`;

  it('lists every package with a policy that allows the caller, across catalogs', async () => {
    const r = await t.get(`${mine}?$top=50`, alex);
    expect(r.status).toBe(200);
    expect(names(r)).toEqual(
      expect.arrayContaining([
        'Azure DevOps – Platform Contributors',
        'Cloud Sandbox Subscription',
        'Salesforce – Sales Cloud User',
      ]),
    );
    expect(names(r)).not.toContain('Payroll Administration');
    expect(r.body.value.find((p: { isHidden: boolean }) => p.isHidden)?.displayName).toBe(
      'Partner Portal – Contributor',
    );
    const diego = await t.get(`${mine}?$top=50`, userToken(PEOPLE.diego));
    expect(names(diego)).toContain('Payroll Administration');
    expect(names(diego)).not.toContain('Network Operations – Eligible Admin');
  });

  it('accepts the function argument with or without quotes and rejects other values', async () => {
    expect((await t.get(`${EM}/accessPackages/filterByCurrentUser(on=allowedRequestor)`, alex)).status).toBe(200);
    expect((await t.get(`${EM}/accessPackages/filterByCurrentUser(on=%27allowedRequestor%27)`, alex)).status).toBe(200);
    const bad = await t.get(`${EM}/accessPackages/filterByCurrentUser(on='everyone')`, alex);
    expect(bad.status).toBe(400);
  });

  it('is delegated only: an app token gets 403', async () => {
    const r = await t.get(mine, appToken());
    expect(r.status).toBe(403);
    expect(r.body.error.message).toMatch(/Application: Not supported/);
  });

  it('supports $filter contains, $search, $select and paging', async () => {
    const contains = await t.get(`${mine}?$filter=contains(tolower(displayName),'finance')`, alex);
    expect(names(contains).sort()).toEqual(['Finance Month-end Close (JIT)', 'Finance Reports – Read']);
    const search = await t.get(`${mine}?$search="sandbox"`, alex);
    expect(names(search)).toEqual(['Cloud Sandbox Subscription']);
    const first = await t.get(`${mine}?$select=id`, alex);
    expect(first.body.value).toHaveLength(5);
    expect(Object.keys(first.body.value[0])).toEqual(['id']);
    const second = await t.get(first.body['@odata.nextLink'].replace(t.url, ''), alex);
    expect(second.status).toBe(200);
    expect(second.body.value[0].id).not.toBe(first.body.value[0].id);
  });
});

describe('admin list and get', () => {
  it('filters with eq and contains, expands catalog and policies', async () => {
    const r = await t.get(
      `${EM}/accessPackages?$filter=displayName eq 'Finance Reports – Read'&$expand=catalog,assignmentPolicies`,
      appToken(),
    );
    expect(r.status).toBe(200);
    const [pkg] = r.body.value;
    expect(pkg.catalog.displayName).toBe('Finance');
    expect(pkg.assignmentPolicies.map((p: { id: string }) => p.id)).toEqual([
      POLICIES.financeReportsStandard,
      POLICIES.financeReportsExtended,
    ]);
    expect(pkg.assignmentPolicies[1].requestApprovalSettings.stages[0].primaryApprovers[0]).toMatchObject({
      '@odata.type': '#microsoft.graph.singleUser',
      userId: PEOPLE.nestor,
    });
  });

  it('shows eligible PIM roles through resourceRoleScopes($expand=role,scope)', async () => {
    const r = await t.get(
      `${EM}/accessPackages/${PACKAGES.devToolsOwner}?$expand=resourceRoleScopes($expand=role,scope)`,
      alex,
    );
    expect(r.status).toBe(200);
    const [rs] = r.body.resourceRoleScopes;
    expect(rs.role).toMatchObject({ displayName: 'Eligible Owner', originSystem: 'AadGroup' });
    expect(rs.role.originId).toMatch(/^EligibleOwner_[0-9a-f-]{36}$/);
    expect(rs.scope).toMatchObject({ originId: GROUPS.devTools, isRootScope: true, displayName: 'Root' });
    expect(rs.id).toBe(`${rs.role.id}_${rs.scope.id}`);
    const member = await t.get(
      `${EM}/accessPackages/${PACKAGES.devops}/resourceRoleScopes?$expand=role($expand=resource),scope`,
      alex,
    );
    const roles = member.body.value.map((x: { role: { displayName: string; originId: string } }) => x.role);
    expect(roles).toContainEqual(
      expect.objectContaining({ displayName: 'Member', originId: `Member_${GROUPS.platform}` }),
    );
    expect(member.body.value[0].role.resource.displayName).toBeTruthy();
  });

  it('returns 404 for an unknown package and 400 for an unknown expand', async () => {
    expect((await t.get(`${EM}/accessPackages/40000000-0000-4000-8000-000000000999`, alex)).status).toBe(404);
    const bad = await t.get(`${EM}/accessPackages/${PACKAGES.devops}?$expand=owners`, alex);
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/Could not find a property named 'owners'/);
  });

  it('lists catalogs and their packages, and policies with questions', async () => {
    const catalogs = await t.get(`${EM}/catalogs`, appToken());
    expect(names(catalogs).sort()).toEqual(['Finance', 'IT & Cloud Operations', 'Sales & Marketing']);
    const policy = await t.get(
      `${EM}/assignmentPolicies/${POLICIES.sandbox}?$expand=questions,accessPackage`,
      appToken(),
    );
    expect(policy.body.accessPackage.id).toBe(PACKAGES.sandbox);
    expect(policy.body.questions.map((q: { id: string }) => q.id)).toEqual([
      QUESTIONS.costCentre,
      QUESTIONS.region,
      QUESTIONS.purpose,
    ]);
  });
});

describe('getApplicablePolicyRequirements', () => {
  const requirements = (pkg: string, token = alex) =>
    t.post(`${EM}/accessPackages/${pkg}/getApplicablePolicyRequirements`, token);

  it('returns one element per policy the caller may use', async () => {
    const r = await requirements(PACKAGES.financeReports);
    expect(r.status).toBe(200);
    expect(r.body.value.map((x: { policyId: string }) => x.policyId)).toEqual([
      POLICIES.financeReportsStandard,
      POLICIES.financeReportsExtended,
    ]);
    expect(r.body.value[1]).toMatchObject({
      policyDisplayName: 'Extended access for planning (180 days)',
      isApprovalRequiredForAdd: true,
      isRequestorJustificationRequired: true,
      allowCustomAssignmentSchedule: false,
      schedule: { expiration: { type: 'afterDuration', duration: 'P180D' } },
    });
  });

  it('describes questions (text with regex, multiple choice) and custom schedules', async () => {
    const [req] = (await requirements(PACKAGES.sandbox)).body.value;
    expect(req.isApprovalRequiredForAdd).toBe(false);
    expect(req.allowCustomAssignmentSchedule).toBe(true);
    expect(req.questions[0]).toMatchObject({
      '@odata.type': '#microsoft.graph.accessPackageTextInputQuestion',
      id: QUESTIONS.costCentre,
      regexPattern: '^CC-[0-9]{4}$',
      isRequired: true,
    });
    expect(req.questions[1]['@odata.type']).toBe('#microsoft.graph.accessPackageMultipleChoiceQuestion');
    expect(req.questions[1].choices.map((c: { actualValue: string }) => c.actualValue)).toEqual([
      'westeurope',
      'northeurope',
      'eastus',
    ]);
  });

  it('is empty for a package the caller may not request, 404 for an unknown one, 403 for apps', async () => {
    expect((await requirements(PACKAGES.payroll)).body.value).toEqual([]);
    expect((await requirements('40000000-0000-4000-8000-000000000999')).status).toBe(404);
    expect((await requirements(PACKAGES.payroll, appToken())).status).toBe(403);
  });
});
