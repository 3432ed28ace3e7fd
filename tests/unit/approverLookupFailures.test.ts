import { describe, expect, it } from 'vitest';
import {
  ApproverResolver,
  emStageNeeds,
  emStagePlan,
  pimStageNeeds,
  pimStagePlan,
  type RequesterContext,
} from '../../services/approvals/approvers.js';
import type { EmStageJson, PimStageJson } from '../../services/approvals/graphShapes.js';
import type { BatchItemResult, BatchRequest, GraphFacade } from '../../services/graph/client.js';
import { createLogger } from '../../services/log.js';

/** A lookup Graph could not answer for now (429, 503) is not "nobody": no fallback, and the plan is not final. */

const log = createLogger('silent');
const fallback = [{ '@odata.type': '#microsoft.graph.singleUser', userId: 'patti', description: 'Patti Fernandez' }];
const secondLevelManager: EmStageJson = {
  primaryApprovers: [{ '@odata.type': '#microsoft.graph.requestorManager', managerLevel: 2 }],
  fallbackPrimaryApprovers: fallback,
};
const alex: RequesterContext = { id: 'alex', manager: { id: 'megan', displayName: 'Megan Bowen' } };

function graphAnswering(answer: (req: BatchRequest) => { status: number; body: unknown }) {
  const urls: string[] = [];
  const graph = {
    async batch(requests: BatchRequest[]): Promise<BatchItemResult[]> {
      urls.push(...requests.map((r) => r.url));
      return requests.map((r) => ({ id: r.id, headers: {}, ...answer(r) }));
    },
  } as unknown as GraphFacade;
  return { graph, urls };
}

async function emPlan(stage: EmStageJson, requester: RequesterContext, graph: GraphFacade) {
  const resolver = new ApproverResolver();
  emStageNeeds(stage, requester, resolver);
  await resolver.load(graph, log);
  return emStagePlan(stage, requester, resolver);
}

const unavailable = { status: 503, body: { error: { code: 'serviceNotAvailable' } } };

describe('approver lookups that fail', () => {
  it('a 503 manager read is not "no manager": no fallback approvers, and the plan is marked incomplete', async () => {
    const { graph, urls } = graphAnswering(() => unavailable);
    const plan = await emPlan(secondLevelManager, alex, graph);
    expect(plan.approvers).toEqual([]);
    expect(plan.usesFallback).toBeUndefined();
    expect(plan.incomplete).toBe(true);
    expect(urls.filter((u) => u.startsWith('/users/megan/manager'))).not.toHaveLength(0);
  });

  it('a 404 manager read ends the chain: the fallback approvers apply and the plan is final', async () => {
    const { graph } = graphAnswering(() => ({ status: 404, body: { error: { code: 'Request_ResourceNotFound' } } }));
    const plan = await emPlan(secondLevelManager, alex, graph);
    expect(plan.approvers.map((p) => p.displayName)).toEqual(['Patti Fernandez']);
    expect(plan.usesFallback).toBe(true);
    expect(plan.incomplete).toBeUndefined();
  });

  it('a manager read that succeeds resolves the manager', async () => {
    const { graph } = graphAnswering(() => ({ status: 200, body: { id: 'lynne', displayName: 'Lynne Robbins' } }));
    const plan = await emPlan(secondLevelManager, alex, graph);
    expect(plan.approvers.map((p) => p.displayName)).toEqual(['Lynne Robbins']);
    expect(plan.incomplete).toBeUndefined();
  });

  it('a requester whose profile could not be read has an unknown manager, not none: no fallback', async () => {
    const { graph } = graphAnswering(() => unavailable);
    const stage: EmStageJson = {
      primaryApprovers: [{ '@odata.type': '#microsoft.graph.requestorManager', managerLevel: 1 }],
      fallbackPrimaryApprovers: fallback,
    };
    const unread = await emPlan(stage, { id: 'alex', managerUnread: true }, graph);
    expect(unread).toMatchObject({ approvers: [], incomplete: true });
    expect(unread.usesFallback).toBeUndefined();
    const none = await emPlan(stage, { id: 'alex' }, graph);
    expect(none.approvers.map((p) => p.displayName)).toEqual(['Patti Fernandez']);
  });

  it('throttled group members resolve to an incomplete plan, a 403 to the fallback approvers', async () => {
    const stage: EmStageJson = {
      primaryApprovers: [{ '@odata.type': '#microsoft.graph.groupMembers', groupId: 'reviewers' }],
      fallbackPrimaryApprovers: fallback,
    };
    const throttled = await emPlan(stage, alex, graphAnswering(() => ({ status: 429, body: {} })).graph);
    expect(throttled).toMatchObject({ approvers: [], incomplete: true });
    const forbidden = await emPlan(stage, alex, graphAnswering(() => ({ status: 403, body: {} })).graph);
    expect(forbidden.approvers.map((p) => p.displayName)).toEqual(['Patti Fernandez']);
    expect(forbidden.incomplete).toBeUndefined();
  });

  it('a PIM stage whose group members could not be read is incomplete', async () => {
    const stage: PimStageJson = {
      primaryApprovers: [{ '@odata.type': '#microsoft.graph.groupMembers', groupId: 'owners' }],
    };
    const resolver = new ApproverResolver();
    pimStageNeeds(stage, alex, resolver);
    await resolver.load(graphAnswering(() => unavailable).graph, log);
    expect(pimStagePlan(stage, alex, resolver).incomplete).toBe(true);
  });
});
