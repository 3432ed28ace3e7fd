import { describe, expect, it } from 'vitest';
import { approvalCard } from '../../cards/approver/approvalCard.js';
import { approvalText } from '../../cards/requester/details.js';
import {
  ApproverResolver,
  emStageNeeds,
  emStagePlan,
  pimStageNeeds,
  pimStagePlan,
  type RequesterContext,
} from '../../services/approvals/approvers.js';
import type { EmStageJson, PimStageJson, SubjectSetJson } from '../../services/approvals/graphShapes.js';
import { toPolicySummary } from '../../services/entitlement/parse.js';
import { describeSubjectSet } from '../../services/entitlement/subjectSets.js';
import type { BatchItemResult, BatchRequest, GraphFacade } from '../../services/graph/client.js';
import { createLogger } from '../../services/log.js';
import type { ApprovalState, StagePlan } from '../../services/model/approvals.js';
import { checkCard } from '../helpers/cardCheck.js';
import { cardText } from '../helpers/teamsHarness.js';

/**
 * Every kind of approver (issue 18 item 7): each v1.0 subtype of `subjectSet` is named in words; the ones that are
 * people become approvers (managers at the policy's `managerLevel`, the requester's own sponsors); for the rest the
 * policy's fallback approvers are asked, and the approval card says so.
 */

const log = createLogger('silent');
const set = (kind: string, extra: Record<string, unknown> = {}): SubjectSetJson =>
  ({ '@odata.type': `#microsoft.graph.${kind}`, ...extra }) as SubjectSetJson;
const user = (id: string, displayName: string) => ({ '@odata.type': '#microsoft.graph.user', id, displayName });
const megan = { id: 'megan', displayName: 'Megan Bowen' };
const alex: RequesterContext = { id: 'alex', manager: megan };
const patti = set('singleUser', { userId: 'patti', description: 'Patti Fernandez' });

/** Alex → Megan → Patti → Debra → (nobody): Graph answers 404 for a user with no manager. */
const CHAIN: Record<string, ReturnType<typeof user>> = {
  megan: user('patti', 'Patti Fernandez'),
  patti: user('debra', 'Debra Berger'),
};

function fakeGraph() {
  const batches: BatchRequest[][] = [];
  const graph = {
    async batch(requests: BatchRequest[]): Promise<BatchItemResult[]> {
      batches.push(requests);
      return requests.map((r) => {
        const manager = /^\/users\/(\w+)\/manager/.exec(r.url)?.[1];
        if (manager) {
          const found = CHAIN[manager];
          return { id: r.id, headers: {}, status: found ? 200 : 404, body: found ?? { error: { code: 'x' } } };
        }
        if (r.url.startsWith('/users/alex/sponsors')) {
          const value = [user('lee', 'Lee Gu'), { '@odata.type': '#microsoft.graph.group', id: 'g', displayName: 'G' }];
          return { id: r.id, headers: {}, status: 200, body: { value } };
        }
        if (r.url.startsWith('/users/nestor?'))
          return { id: r.id, headers: {}, status: 200, body: user('nestor', 'Nestor Wilke') };
        return { id: r.id, headers: {}, status: 404, body: {} };
      });
    },
  } as unknown as GraphFacade;
  return { graph, batches };
}

async function planOf(stage: EmStageJson, requester: RequesterContext = alex) {
  const { graph, batches } = fakeGraph();
  const resolver = new ApproverResolver();
  emStageNeeds(stage, requester, resolver);
  await resolver.load(graph, log);
  return { plan: emStagePlan(stage, requester, resolver), batches };
}

/** Every type deriving from microsoft.graph.subjectSet in v1.0-Prod.csdl (msgraph-metadata f54f11b). */
const V1_KINDS = [
  set('singleUser', { userId: 'u', description: 'Nestor Wilke' }),
  set('groupMembers', { groupId: 'g', description: 'Finance Approvers' }),
  set('requestorManager', { managerLevel: 2 }),
  set('targetManager', { managerLevel: 3 }),
  set('internalSponsors'),
  set('externalSponsors'),
  set('targetUserSponsors'),
  set('connectedOrganizationMembers', { connectedOrganizationId: 'o', description: 'Fabrikam' }),
  set('attributeRuleMembers', { description: 'Finance department', membershipRule: 'x' }),
  set('singleServicePrincipal', { servicePrincipalId: 's', description: 'Payroll Sync' }),
  set('targetApplicationOwners'),
  set('targetAgentIdentitySponsorsOrOwners'),
  { '@odata.type': '#microsoft.graph.identityGovernance.groupBasedSubjectSet' },
  { '@odata.type': '#microsoft.graph.identityGovernance.ruleBasedSubjectSet', rule: 'x' },
];

describe('every kind of approver, in words', () => {
  it('names each v1.0 subjectSet kind differently, for the requester and for an approver', () => {
    for (const audience of ['requester', 'approver'] as const) {
      const words = V1_KINDS.map((s) => describeSubjectSet(s, audience));
      expect(words).not.toContain('an approver');
      expect(new Set(words).size).toBe(V1_KINDS.length);
    }
    expect(V1_KINDS.map((s) => describeSubjectSet(s, 'approver')).slice(2, 4)).toEqual([
      "the requester's second-level manager",
      "the requester's third-level manager",
    ]);
  });

  it("shows the requester who approves on the request's cards", () => {
    const policy = toPolicySummary({
      id: 'p',
      requestApprovalSettings: {
        isApprovalRequiredForAdd: true,
        stages: [{ primaryApprovers: [set('targetManager', { managerLevel: 3 }), V1_KINDS[7]] }],
      },
    });
    expect(approvalText(policy.stages)).toBe(
      'your third-level manager or a member of Fabrikam (connected organization)',
    );
  });
});

describe('approvers who are people', () => {
  it("finds the target's manager at the policy's managerLevel by walking /users/{id}/manager", async () => {
    const { plan, batches } = await planOf({ primaryApprovers: [set('targetManager', { managerLevel: 3 })] });
    expect(plan.approvers).toEqual([{ id: 'debra', displayName: 'Debra Berger' }]);
    expect(batches.map((b) => b.map((r) => r.url))).toEqual([
      ['/users/megan/manager?$select=id,displayName'],
      ['/users/patti/manager?$select=id,displayName'],
    ]);
    expect(plan.usesFallback).toBeUndefined();
    expect(plan.unresolvedKinds).toBeUndefined();
  });

  it('reads the direct manager from the requester and the second level in one $batch', async () => {
    const direct = await planOf({ primaryApprovers: [set('targetManager')] });
    expect(direct.plan.approvers).toEqual([megan]);
    expect(direct.batches).toEqual([]);
    const second = await planOf({ primaryApprovers: [set('requestorManager', { managerLevel: 2 })] });
    expect(second.plan.approvers.map((p) => p.displayName)).toEqual(['Patti Fernandez']);
    expect(second.batches).toHaveLength(1);
  });

  it("asks the requester's own sponsors (users only) for targetUserSponsors", async () => {
    const { plan, batches } = await planOf({
      primaryApprovers: [set('targetUserSponsors')],
      fallbackPrimaryApprovers: [patti],
    });
    expect(plan.approvers).toEqual([{ id: 'lee', displayName: 'Lee Gu' }]);
    expect(batches[0].map((r) => r.url)).toEqual(['/users/alex/sponsors?$select=id,displayName']);
  });

  it('falls back when the chain ends before the level (no manager is a 404)', async () => {
    const { plan } = await planOf({
      primaryApprovers: [set('targetManager', { managerLevel: 4 })],
      fallbackPrimaryApprovers: [patti],
    });
    expect(plan.approvers.map((p) => p.displayName)).toEqual(['Patti Fernandez']);
    expect(plan).toMatchObject({ usesFallback: true, unresolvedKinds: ["the requester's fourth-level manager"] });
  });
});

describe('who approves, as the approval card says it', () => {
  it('names a PIM approver given by id only by the name read for them', async () => {
    const stage: PimStageJson = {
      primaryApprovers: [set('singleUser', { userId: 'nestor' }), set('singleUser', { userId: 'gone' })],
    };
    const resolver = new ApproverResolver();
    pimStageNeeds(stage, alex, resolver);
    await resolver.load(fakeGraph().graph, log);
    expect(pimStagePlan(stage, alex, resolver).approverKinds).toEqual(['Nestor Wilke', 'a named approver']);
  });
});

describe('approvers the bot cannot turn into people', () => {
  it('asks the fallback approvers and the approval card says why', async () => {
    const { plan } = await planOf({
      primaryApprovers: [V1_KINDS[8], V1_KINDS[9]],
      fallbackPrimaryApprovers: [patti],
    });
    expect(plan.approvers.map((p) => p.displayName)).toEqual(['Patti Fernandez']);
    const text = cardText(approvalCard(cardView(plan, 'patti')));
    expect(text).toMatch(/Who approves someone matching the rule "Finance department" or the app Payroll Sync/);
    expect(text).toMatch(
      /could not find who is someone matching the rule "Finance department" or the app Payroll Sync, so the policy's fallback approvers were asked/,
    );
  });

  it('names the ones who decide in My Access when other approvers got the card', async () => {
    const { plan } = await planOf({
      primaryApprovers: [set('singleUser', { userId: 'nestor', description: 'Nestor Wilke' }), V1_KINDS[7]],
      fallbackPrimaryApprovers: [patti],
    });
    expect(plan.approvers.map((p) => p.displayName)).toEqual(['Nestor Wilke']);
    const card = approvalCard(cardView(plan, 'nestor'));
    expect(cardText(card)).toMatch(/Who approves Nestor Wilke or a member of Fabrikam \(connected organization\)/);
    expect(cardText(card)).toMatch(
      /cannot tell who is a member of Fabrikam \(connected organization\): they decide in My Access/,
    );
    expect(checkCard(card)).toEqual([]);
  });
});

function cardView(plan: StagePlan, viewerId: string) {
  const state: ApprovalState = {
    details: {
      kind: 'em',
      id: 'r1',
      requester: { id: 'alex', displayName: 'Alex Wilber' },
      target: { kind: 'em', packageId: 'p', packageName: 'Finance Reports – Read', grants: [] },
      answers: [],
      stages: [plan],
    },
    currentStage: 1,
    escalated: false,
    decisions: [],
  };
  return {
    state,
    viewerId,
    viewer: { canDecide: true, isRequester: false, others: [] },
    now: '2026-03-02T10:00:00Z',
    binding: { op: 'op', sig: 'sig' },
  };
}
