import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { resolveSubjects, stageApprovers } from '../../devtenant/approvals.js';
import { createTenantState, type SeedData } from '../../devtenant/index.js';
import type { Approval, StageSpec } from '../../devtenant/model.js';
import { DEFAULT_SEED_PATH } from '../../devtenant/seed.js';
import { EM, GROUPS, PIM, startTestTenant } from './client.js';
import { PEOPLE, userToken } from './tokens.js';

const manager = (level: number) => ({ '@odata.type': '#microsoft.graph.requestorManager', managerLevel: level });
const single = (userId: string) => ({ '@odata.type': '#microsoft.graph.singleUser', userId });

function stage(spec: Partial<StageSpec>) {
  const full: StageSpec = {
    primaryApprovers: [],
    fallbackPrimaryApprovers: [],
    escalationApprovers: [],
    fallbackEscalationApprovers: [],
    isEscalationEnabled: false,
    escalateAfterMs: 0,
    timeoutMs: 86_400_000,
    isApproverJustificationRequired: false,
    ...spec,
  };
  return {
    id: 's',
    index: 0,
    status: 'InProgress' as const,
    reviewResult: 'NotReviewed' as const,
    reviewedBy: null,
    reviewedDateTime: null,
    justification: null,
    startedAt: 0,
    escalated: false,
    spec: full,
  };
}

const approvalFor = (requestorId: string): Approval => ({ id: 'a', kind: 'em', requestorId, specs: [], stages: [] });

describe('approver resolution', () => {
  const state = createTenantState();

  it("resolves the requestor's manager at level 1 and 2", () => {
    expect([...resolveSubjects(state, [manager(1)], PEOPLE.alex)]).toEqual([PEOPLE.megan]);
    expect([...resolveSubjects(state, [manager(2)], PEOPLE.alex)]).toEqual([PEOPLE.patti]);
  });

  it('falls back when the primary approvers resolve to nobody', () => {
    const s = stage({ primaryApprovers: [manager(1)], fallbackPrimaryApprovers: [single(PEOPLE.patti)] });
    expect([...stageApprovers(state, approvalFor(PEOPLE.debra), s)]).toEqual([PEOPLE.patti]);
    expect([...stageApprovers(state, approvalFor(PEOPLE.alex), s)]).toEqual([PEOPLE.megan]);
  });

  it('falls back when the only primary approver is the requestor, and adds escalation approvers once escalated', () => {
    const s = stage({
      primaryApprovers: [single(PEOPLE.alex)],
      fallbackPrimaryApprovers: [single(PEOPLE.patti)],
      escalationApprovers: [single(PEOPLE.miriam)],
    });
    expect([...stageApprovers(state, approvalFor(PEOPLE.alex), s)]).toEqual([PEOPLE.patti]);
    s.escalated = true;
    expect([...stageApprovers(state, approvalFor(PEOPLE.alex), s)].sort()).toEqual(
      [PEOPLE.patti, PEOPLE.miriam].sort(),
    );
  });

  it('expands group members and never includes the requestor', () => {
    const s = stage({
      primaryApprovers: [{ '@odata.type': '#microsoft.graph.groupMembers', groupId: GROUPS.itOpsApprovers }],
    });
    expect([...stageApprovers(state, approvalFor(PEOPLE.alex), s)].sort()).toEqual([PEOPLE.megan, PEOPLE.grady].sort());
  });
});

describe('PIM eligible maximum shorter than the access package assignment', () => {
  it('removes the eligibility at the PIM limit while the assignment stays delivered', async () => {
    const seed = JSON.parse(readFileSync(DEFAULT_SEED_PATH, 'utf8')) as SeedData & {
      groups: Array<{ id: string; pim?: { member?: { eligibleMaximumDuration?: string } } }>;
    };
    const dba = seed.groups.find((g) => g.id === GROUPS.dba);
    if (!dba?.pim?.member) throw new Error('demo seed changed: no DBA PIM group');
    dba.pim.member.eligibleMaximumDuration = 'P40D';
    const t = await startTestTenant({ seed });
    try {
      const lee = userToken(PEOPLE.lee);
      const eligible = async () =>
        (await t.get(`${PIM}/eligibilityScheduleInstances/filterByCurrentUser(on='principal')`, lee)).body.value.map(
          (e: { groupId: string }) => e.groupId,
        );
      expect(await eligible()).toContain(GROUPS.dba);
      await t.advance(31 * 86_400);
      expect(await eligible()).not.toContain(GROUPS.dba);
      const assignments = await t.get(`${EM}/assignments/filterByCurrentUser(on='target')`, lee);
      expect(assignments.body.value[0].state).toBe('delivered');
    } finally {
      await t.close();
    }
  });
});
