import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EM, GROUPS, PACKAGES, PIM, POLICIES, QUESTIONS, SEEDED, startTestTenant, type TestTenant } from './client.js';
import { appToken, PEOPLE, userToken } from './tokens.js';

let t: TestTenant;
const alex = userToken(PEOPLE.alex);
const megan = userToken(PEOPLE.megan);
const lynne = userToken(PEOPLE.lynne);
const DAY = 86_400;

beforeAll(async () => {
  t = await startTestTenant();
});
afterAll(() => t.close());
beforeEach(() => t.reset());

function requestAccess(
  token: string,
  accessPackageId: string,
  extra: Record<string, unknown> = {},
  assignment: Record<string, unknown> = {},
) {
  return t.post(`${EM}/assignmentRequests`, token, {
    requestType: 'userAdd',
    assignment: { accessPackageId, ...assignment },
    ...extra,
  });
}

const myRequests = (token: string) =>
  t.get(`${EM}/assignmentRequests/filterByCurrentUser(on='target')?$expand=accessPackage`, token);
const request = async (id: string, token = alex) => (await t.get(`${EM}/assignmentRequests/${id}`, token)).body;
const approval = async (id: string, token: string) =>
  (await t.get(`${EM}/accessPackageAssignmentApprovals/${id}`, token)).body;
const decide = (id: string, stageId: string, token: string, body: Record<string, unknown>) =>
  t.patch(`${EM}/accessPackageAssignmentApprovals/${id}/stages/${stageId}`, token, body);
const myEligibilities = async (token: string) =>
  (await t.get(`${PIM}/eligibilityScheduleInstances/filterByCurrentUser(on='principal')`, token)).body.value as Array<{
    groupId: string;
    accessId: string;
    endDateTime: string | null;
  }>;

describe('request without approval', () => {
  it('answers 201 submitted/Accepted with createdDateTime null, then delivers on the next read', async () => {
    const r = await requestAccess(alex, PACKAGES.campaign, { justification: 'Writing the launch blog posts' });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      requestType: 'userAdd',
      state: 'submitted',
      status: 'Accepted',
      createdDateTime: null,
    });
    const after = await request(r.body.id);
    expect(after).toMatchObject({ state: 'delivered', status: 'Delivered' });
    expect(after.createdDateTime).toMatch(/Z$/);
    const mine = await t.get(
      `${EM}/assignments/filterByCurrentUser(on='target')?$expand=accessPackage,assignmentPolicy`,
      alex,
    );
    const delivered = mine.body.value.find(
      (a: { accessPackage: { id: string } }) => a.accessPackage.id === PACKAGES.campaign,
    );
    expect(delivered).toMatchObject({
      state: 'delivered',
      status: 'Delivered',
      assignmentPolicy: { id: POLICIES.campaign },
    });
    const members = await t.get(`/v1.0/groups/${'20000000-0000-4000-8000-000000000006'}/members`, alex);
    expect(members.body.value.map((m: { id: string }) => m.id)).toContain(PEOPLE.alex);
  });

  it('moves with the configured delays when they are not zero', async () => {
    const slow = await startTestTenant({ timing: { submittedToNextMs: 60_000, deliveringToDeliveredMs: 60_000 } });
    try {
      const r = await slow.post(`${EM}/assignmentRequests`, alex, {
        requestType: 'userAdd',
        assignment: { accessPackageId: PACKAGES.campaign },
        justification: 'campaign',
      });
      const read = async () => (await slow.get(`${EM}/assignmentRequests/${r.body.id}`, alex)).body.state;
      expect(await read()).toBe('submitted');
      await slow.advance(60);
      expect(await read()).toBe('delivering');
      await slow.advance(60);
      expect(await read()).toBe('delivered');
    } finally {
      await slow.close();
    }
  });

  it('accepts enum values in any casing and answers them in Graph casing', async () => {
    const r = await t.post(`${EM}/assignmentRequests`, alex, {
      requestType: 'UserAdd',
      assignment: { accessPackageId: PACKAGES.campaign, targetId: PEOPLE.alex },
      justification: 'x',
    });
    expect(r.status).toBe(201);
    expect(r.body.requestType).toBe('userAdd');
  });
});

describe('manager approval', () => {
  it('waits for the manager, who approves; delivery creates an Eligible Owner PIM eligibility', async () => {
    const r = await requestAccess(alex, PACKAGES.devToolsOwner, { justification: 'Own the build agent pool' });
    expect((await request(r.body.id)).state).toBe('pendingApproval');
    expect((await request(r.body.id)).status).toBe('PendingApproval');

    const forMegan = await t.get(`${EM}/accessPackageAssignmentApprovals/filterByCurrentUser(on='approver')`, megan);
    const mine = forMegan.body.value.find((a: { id: string }) => a.id === r.body.id);
    expect(mine.stages[0]).toMatchObject({ status: 'InProgress', reviewResult: 'NotReviewed', assignedToMe: true });
    const asRequests = await t.get(
      `${EM}/assignmentRequests/filterByCurrentUser(on='approver')?$expand=requestor`,
      megan,
    );
    expect(asRequests.body.value.find((x: { id: string }) => x.id === r.body.id).requestor.objectId).toBe(PEOPLE.alex);

    const stageId = mine.stages[0].id;
    const self = await decide(r.body.id, stageId, alex, { reviewResult: 'Approve', justification: 'me' });
    expect(self.status).toBe(403);
    const stranger = await decide(r.body.id, stageId, lynne, { reviewResult: 'Approve' });
    expect(stranger.status).toBe(403);
    expect((await decide(r.body.id, stageId, megan, { reviewResult: 'approve', justification: 'ok' })).status).toBe(
      204,
    );
    const again = await decide(r.body.id, stageId, megan, { reviewResult: 'Deny' });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBeTruthy();

    const done = await request(r.body.id);
    expect(done).toMatchObject({ state: 'delivered', status: 'Delivered' });
    const stage = (await approval(r.body.id, megan)).stages[0];
    expect(stage).toMatchObject({
      status: 'Completed',
      reviewResult: 'Approved',
      reviewedBy: { id: PEOPLE.megan },
      justification: 'ok',
    });

    const owner = (await myEligibilities(alex)).find((e) => e.groupId === GROUPS.devTools && e.accessId === 'owner');
    expect(owner).toBeDefined();
    const assignment = (await t.get(`${EM}/assignmentRequests/${r.body.id}?$expand=assignment`, alex)).body.assignment;
    expect(owner?.endDateTime).toBe(assignment.schedule.expiration.endDateTime);
    const days =
      (Date.parse(assignment.schedule.expiration.endDateTime) - Date.parse(assignment.schedule.startDateTime)) /
      86_400_000;
    expect(Math.round(days)).toBe(30);
  });

  it('ends with denied when the approver denies', async () => {
    const r = await requestAccess(alex, PACKAGES.devToolsOwner, { justification: 'please' });
    const [stage] = (await approval(r.body.id, megan)).stages;
    expect(
      (await decide(r.body.id, stage.id, megan, { reviewResult: 'Deny', justification: 'Not this quarter' })).status,
    ).toBe(204);
    expect(await request(r.body.id)).toMatchObject({ state: 'denied', status: 'Denied' });
    expect((await approval(r.body.id, alex)).stages[0]).toMatchObject({ reviewResult: 'Denied', status: 'Completed' });
  });

  it('escalates to the escalation approver after the escalation delay', async () => {
    const r = await requestAccess(alex, PACKAGES.devToolsOwner, { justification: 'please' });
    const patti = userToken(PEOPLE.patti);
    const pending = () => t.get(`${EM}/accessPackageAssignmentApprovals/filterByCurrentUser(on='approver')`, patti);
    expect((await pending()).body.value.map((a: { id: string }) => a.id)).not.toContain(r.body.id);
    await t.advance(2 * DAY + 60);
    expect((await pending()).body.value.map((a: { id: string }) => a.id)).toContain(r.body.id);
    expect((await request(r.body.id)).status).toBe('PendingApprovalEscalated');
  });

  it('expires when nobody decides in time; a late decision gets 409', async () => {
    const seeded = SEEDED.alexVisioRequest;
    const [stage] = (await approval(seeded, megan)).stages;
    await t.advance(14 * DAY);
    expect(await request(seeded)).toMatchObject({ state: 'denied', status: 'Expired' });
    expect((await approval(seeded, megan)).stages[0].status).toBe('Expired');
    expect((await decide(seeded, stage.id, megan, { reviewResult: 'Approve' })).status).toBe(409);
  });
});

describe('two-stage approval', () => {
  it('goes manager first, then Security, and only then delivers an Eligible Member role', async () => {
    const r = await requestAccess(alex, PACKAGES.dbaTwoStage, { justification: 'Q4 migration' });
    const first = (await approval(r.body.id, megan)).stages;
    expect(first).toHaveLength(1);
    expect((await decide(r.body.id, first[0].id, megan, { reviewResult: 'Approve' })).status).toBe(204);
    expect((await request(r.body.id)).state).toBe('pendingApproval');

    const meganList = await t.get(`${EM}/accessPackageAssignmentApprovals/filterByCurrentUser(on='approver')`, megan);
    expect(meganList.body.value.map((a: { id: string }) => a.id)).not.toContain(r.body.id);
    const both = (await approval(r.body.id, lynne)).stages;
    expect(both.map((s: { status: string }) => s.status)).toEqual(['Completed', 'InProgress']);
    expect(both[1].assignedToMe).toBe(true);

    const noReason = await decide(r.body.id, both[1].id, lynne, { reviewResult: 'Approve' });
    expect(noReason.status).toBe(400);
    expect(
      (await decide(r.body.id, both[1].id, lynne, { reviewResult: 'Approve', justification: 'Reviewed' })).status,
    ).toBe(204);
    expect((await request(r.body.id)).state).toBe('delivered');
    expect((await myEligibilities(alex)).some((e) => e.groupId === GROUPS.dba && e.accessId === 'member')).toBe(true);
    const lateFirstStage = await decide(r.body.id, first[0].id, megan, { reviewResult: 'Deny' });
    expect(lateFirstStage.status).toBe(409);
  });
});

describe('request validation', () => {
  const sandboxAnswers = (cost: string, region: string) => [
    {
      '@odata.type': '#microsoft.graph.accessPackageAnswerString',
      value: cost,
      displayValue: cost,
      answeredQuestion: { '@odata.type': '#microsoft.graph.accessPackageTextInputQuestion', id: QUESTIONS.costCentre },
    },
    {
      '@odata.type': '#microsoft.graph.accessPackageAnswerString',
      value: region,
      displayValue: region,
      answeredQuestion: { '@odata.type': '#microsoft.graph.accessPackageMultipleChoiceQuestion', id: QUESTIONS.region },
    },
  ];

  it('checks required answers, the regex and the choices', async () => {
    const none = await requestAccess(alex, PACKAGES.sandbox);
    expect(none.status).toBe(400);
    expect(none.body.error).toMatchObject({
      code: 'BadRequest',
      message: expect.stringMatching(/answer to .* is required/),
    });
    const badFormat = await requestAccess(alex, PACKAGES.sandbox, { answers: sandboxAnswers('1234', 'westeurope') });
    expect(badFormat.status).toBe(400);
    expect(badFormat.body.error.message).toMatch(/format/);
    const badChoice = await requestAccess(alex, PACKAGES.sandbox, { answers: sandboxAnswers('CC-1234', 'mars') });
    expect(badChoice.status).toBe(400);
    const good = await requestAccess(alex, PACKAGES.sandbox, { answers: sandboxAnswers('CC-1234', 'westeurope') });
    expect(good.status).toBe(201);
    expect(good.body.answers).toHaveLength(2);
    expect((await request(good.body.id)).state).toBe('delivered');
  });

  it('honours a custom schedule within the policy and starts a future one when its time comes', async () => {
    const tooLong = await requestAccess(alex, PACKAGES.sandbox, {
      answers: sandboxAnswers('CC-1234', 'eastus'),
      schedule: { startDateTime: new Date().toISOString(), expiration: { type: 'afterDuration', duration: 'P60D' } },
    });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error).toMatchObject({
      code: 'BadRequest',
      message: expect.stringMatching(/longer than the policy/),
    });
    const start = new Date(Date.now() + 3 * DAY * 1000).toISOString();
    const end = new Date(Date.now() + 10 * DAY * 1000).toISOString();
    const r = await requestAccess(alex, PACKAGES.sandbox, {
      answers: sandboxAnswers('CC-1234', 'eastus'),
      schedule: { startDateTime: start, expiration: { type: 'afterDateTime', endDateTime: end } },
    });
    expect(r.status).toBe(201);
    expect(await request(r.body.id)).toMatchObject({ state: 'scheduled', status: 'PendingNotBefore' });
    await t.advance(3 * DAY + 60);
    const delivered = (await t.get(`${EM}/assignmentRequests/${r.body.id}?$expand=assignment`, alex)).body;
    expect(delivered.state).toBe('delivered');
    expect(delivered.assignment.schedule.expiration.endDateTime).toBe(end);
  });

  it('needs a justification when the policy says so', async () => {
    const r = await requestAccess(alex, PACKAGES.devToolsOwner);
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({
      code: 'BadRequest',
      message: expect.stringMatching(/justification is required/),
    });
  });

  it('refuses callers outside the allowed requestors, other targets, wrong policies and open duplicates', async () => {
    // Only codes Microsoft documents or public reports show (devtenant/README.md cites each).
    const payroll = await requestAccess(alex, PACKAGES.payroll, { justification: 'x' });
    expect(payroll.status).toBe(403);
    expect(payroll.body.error.code).toBe('accessDenied');
    const other = await requestAccess(alex, PACKAGES.campaign, { justification: 'x' }, { targetId: PEOPLE.megan });
    expect(other.status).toBe(403);
    expect(other.body.error.code).toBe('accessDenied');
    const wrongPolicy = await requestAccess(
      alex,
      PACKAGES.campaign,
      { justification: 'x' },
      { assignmentPolicyId: POLICIES.devops },
    );
    expect(wrongPolicy.status).toBe(400);
    expect(wrongPolicy.body.error.code).toBe('BadRequest');
    const duplicate = await requestAccess(alex, PACKAGES.visio, { justification: 'again' });
    expect(duplicate.status).toBe(400);
    expect(duplicate.body.error).toMatchObject({
      code: 'BadRequest',
      message: expect.stringMatching(/already an open request/),
    });
    const missing = await requestAccess(alex, '40000000-0000-4000-8000-000000000999');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('ResourceNotFound');
  });

  it('picks the named policy when several apply', async () => {
    const r = await requestAccess(
      alex,
      PACKAGES.financeReports,
      { justification: 'FY26 budget' },
      { assignmentPolicyId: POLICIES.financeReportsExtended },
    );
    expect(r.status).toBe(201);
    const nestor = await t.get(
      `${EM}/accessPackageAssignmentApprovals/filterByCurrentUser(on='approver')`,
      userToken(PEOPLE.nestor),
    );
    expect(nestor.body.value.map((a: { id: string }) => a.id)).toContain(r.body.id);
    const meganList = await t.get(`${EM}/accessPackageAssignmentApprovals/filterByCurrentUser(on='approver')`, megan);
    expect(meganList.body.value.map((a: { id: string }) => a.id)).not.toContain(r.body.id);
  });

  it('rejects unknown body properties, bad JSON and app tokens', async () => {
    const unknown = await t.post(`${EM}/assignmentRequests`, alex, {
      requestType: 'userAdd',
      assignment: { accessPackageId: PACKAGES.campaign },
      favouriteColour: 'blue',
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toMatch(/favouriteColour/);
    const bad = await t.post(`${EM}/assignmentRequests`, alex, '{"requestType": ');
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('BadRequest');
    const app = await requestAccess(appToken(), PACKAGES.campaign);
    expect(app.status).toBe(403);
  });
});

describe('approver views', () => {
  it('shows the seeded requests waiting for Alex, by group membership and as single user', async () => {
    const r = await t.get(`${EM}/accessPackageAssignmentApprovals/filterByCurrentUser(on='approver')`, alex);
    expect(r.body.value.map((a: { id: string }) => a.id).sort()).toEqual(
      [SEEDED.isaiahSalesforceRequest, SEEDED.johannaNetworkRequest].sort(),
    );
    const grady = await t.get(
      `${EM}/accessPackageAssignmentApprovals/filterByCurrentUser(on='approver')`,
      userToken(PEOPLE.grady),
    );
    expect(grady.body.value.map((a: { id: string }) => a.id)).toEqual([SEEDED.isaiahSalesforceRequest]);
  });

  it('first decision closes the stage for every approver of the group', async () => {
    const id = SEEDED.isaiahSalesforceRequest;
    const [stage] = (await approval(id, alex)).stages;
    expect((await decide(id, stage.id, userToken(PEOPLE.grady), { reviewResult: 'Approve' })).status).toBe(204);
    expect((await decide(id, stage.id, alex, { reviewResult: 'Approve' })).status).toBe(409);
    const list = await t.get(`${EM}/accessPackageAssignmentApprovals/filterByCurrentUser(on='approver')`, alex);
    expect(list.body.value.map((a: { id: string }) => a.id)).not.toContain(id);
  });

  it('never lets the requestor approve, even when they are in the approver group', async () => {
    const r = await requestAccess(alex, PACKAGES.salesforce, { justification: 'Pipeline dashboards' });
    const list = await t.get(`${EM}/accessPackageAssignmentApprovals/filterByCurrentUser(on='approver')`, alex);
    expect(list.body.value.map((a: { id: string }) => a.id)).not.toContain(r.body.id);
    const stages = (await approval(r.body.id, megan)).stages;
    const self = await decide(r.body.id, stages[0].id, alex, { reviewResult: 'Approve' });
    expect(self.status).toBe(403);
    expect(self.body.error.message).toMatch(/own/);
  });

  it('guards approvals: 404 unknown, 403 strangers and apps, stages list and get', async () => {
    const id = SEEDED.johannaNetworkRequest;
    expect(
      (await t.get(`${EM}/accessPackageAssignmentApprovals/90000000-0000-4000-8000-000000000999`, alex)).status,
    ).toBe(404);
    expect((await t.get(`${EM}/accessPackageAssignmentApprovals/${id}`, lynne)).status).toBe(403);
    expect((await t.get(`${EM}/accessPackageAssignmentApprovals/${id}`, appToken())).status).toBe(403);
    const stages = await t.get(`${EM}/accessPackageAssignmentApprovals/${id}/stages`, alex);
    expect(stages.body.value).toHaveLength(1);
    const one = await t.get(`${EM}/accessPackageAssignmentApprovals/${id}/stages/${stages.body.value[0].id}`, alex);
    expect(one.body.assignedToMe).toBe(true);
    const missingStage = await decide(id, '00000000-0000-4000-8000-000000000000', alex, { reviewResult: 'Approve' });
    expect(missingStage.status).toBe(404);
    const badResult = await decide(id, stages.body.value[0].id, alex, { reviewResult: 'Maybe' });
    expect(badResult.status).toBe(400);
    const extra = await decide(id, stages.body.value[0].id, alex, { reviewResult: 'Approve', stars: 5 });
    expect(extra.status).toBe(400);
  });

  it('lets the app-only poller list pending requests with $filter and $expand', async () => {
    const r = await t.get(
      `${EM}/assignmentRequests?$filter=state eq 'pendingApproval'&$expand=accessPackage,requestor`,
      appToken(),
    );
    expect(r.status).toBe(200);
    expect(r.body.value.map((x: { id: string }) => x.id).sort()).toEqual(
      [SEEDED.isaiahSalesforceRequest, SEEDED.johannaNetworkRequest, SEEDED.alexVisioRequest].sort(),
    );
    expect(r.body.value[0].requestor.subjectType).toBe('user');
    const byCasing = await t.get(`${EM}/assignmentRequests?$filter=state eq 'PENDINGAPPROVAL'`, appToken());
    expect(byCasing.body.value).toHaveLength(3);
  });
});

describe('cancel, remove, update, expiry', () => {
  it('cancels a pending request once; strangers cannot', async () => {
    const id = SEEDED.alexVisioRequest;
    expect((await t.post(`${EM}/assignmentRequests/${id}/cancel`, megan)).status).toBe(403);
    expect((await t.post(`${EM}/assignmentRequests/${id}/cancel`, alex)).status).toBe(200);
    expect(await request(id)).toMatchObject({ state: 'canceled', status: 'Canceled' });
    const again = await t.post(`${EM}/assignmentRequests/${id}/cancel`, alex);
    expect(again.status).toBe(400);
    const list = await t.get(`${EM}/accessPackageAssignmentApprovals/filterByCurrentUser(on='approver')`, megan);
    expect(list.body.value.map((a: { id: string }) => a.id)).not.toContain(id);
  });

  it('userRemove ends the assignment and removes the PIM eligibility it granted', async () => {
    expect((await myEligibilities(alex)).some((e) => e.groupId === GROUPS.financeAdmins)).toBe(true);
    const r = await t.post(`${EM}/assignmentRequests`, alex, {
      requestType: 'userRemove',
      assignment: { id: SEEDED.alexFinanceAssignment },
    });
    expect(r.status).toBe(201);
    expect((await request(r.body.id)).state).toBe('delivered');
    const a = (await t.get(`${EM}/assignments/${SEEDED.alexFinanceAssignment}`, alex)).body;
    expect(a.state).toBe('expired');
    expect(a.expiredDateTime).toBeTruthy();
    expect((await myEligibilities(alex)).some((e) => e.groupId === GROUPS.financeAdmins)).toBe(false);
  });

  it('userUpdate changes the schedule when the policy allows it, and is refused otherwise', async () => {
    const add = await requestAccess(alex, PACKAGES.campaign, { justification: 'launch' });
    const { assignment } = (await t.get(`${EM}/assignmentRequests/${add.body.id}?$expand=assignment`, alex)).body;
    const end = new Date(Date.now() + 20 * DAY * 1000).toISOString();
    const upd = await t.post(`${EM}/assignmentRequests`, alex, {
      requestType: 'userUpdate',
      assignment: { id: assignment.id },
      schedule: {
        startDateTime: assignment.schedule.startDateTime,
        expiration: { type: 'afterDateTime', endDateTime: end },
      },
    });
    expect(upd.status).toBe(201);
    expect((await request(upd.body.id)).state).toBe('delivered');
    expect((await t.get(`${EM}/assignments/${assignment.id}`, alex)).body.schedule.expiration.endDateTime).toBe(end);
    const refused = await t.post(`${EM}/assignmentRequests`, alex, {
      requestType: 'userUpdate',
      assignment: { id: SEEDED.alexDevopsAssignment },
      schedule: { expiration: { type: 'afterDuration', duration: 'P10D' } },
    });
    expect(refused.status).toBe(403);
  });

  it('expires assignments on the clock and removes what they granted (eligibility ending with them)', async () => {
    const fin = (await myEligibilities(alex)).find((e) => e.groupId === GROUPS.financeAdmins);
    const assignment = (await t.get(`${EM}/assignments/${SEEDED.alexFinanceAssignment}`, alex)).body;
    expect(fin?.endDateTime).toBe(assignment.schedule.expiration.endDateTime);
    await t.advance(9 * DAY + 60);
    const after = await t.get(`${EM}/assignments/filterByCurrentUser(on='target')?$filter=state eq 'expired'`, alex);
    expect(after.body.value.map((a: { id: string }) => a.id)).toContain(SEEDED.alexFinanceAssignment);
    expect((await myEligibilities(alex)).some((e) => e.groupId === GROUPS.financeAdmins)).toBe(false);
  });

  it('renews with userAdd while delivered, extending the same assignment', async () => {
    const before = (await t.get(`${EM}/assignments/${SEEDED.alexDevopsAssignment}`, alex)).body;
    const r = await requestAccess(alex, PACKAGES.devops);
    expect(r.status).toBe(201);
    expect((await request(r.body.id)).state).toBe('delivered');
    const after = (await t.get(`${EM}/assignments/${SEEDED.alexDevopsAssignment}`, alex)).body;
    expect(Date.parse(after.schedule.expiration.endDateTime)).toBeGreaterThan(
      Date.parse(before.schedule.expiration.endDateTime),
    );
    const mine = await myRequests(alex);
    expect(
      mine.body.value.filter((x: { accessPackage: { id: string } }) => x.accessPackage.id === PACKAGES.devops),
    ).toHaveLength(2);
  });
});
