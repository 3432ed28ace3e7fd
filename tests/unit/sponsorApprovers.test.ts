import { describe, expect, it } from 'vitest';
import {
  ApproverResolver,
  emStageNeeds,
  emStagePlan,
  type RequesterContext,
} from '../../services/approvals/approvers.js';
import { candidatePolicies } from '../../services/approvals/details.js';
import type { EmPolicyJson, EmRequestJson, EmStageJson } from '../../services/approvals/graphShapes.js';
import { describeApprover } from '../../services/entitlement/parse.js';
import type { BatchItemResult, BatchRequest, GraphFacade } from '../../services/graph/client.js';
import { createLogger } from '../../services/log.js';

/** internalSponsors / externalSponsors: need → one $batch → resolve (GRAPH-API.md 4.13). */

const ORG = 'e0000000-0000-4000-8000-000000000001';
const log = createLogger('silent');
const user = (id: string, displayName: string) => ({ '@odata.type': '#microsoft.graph.user', id, displayName });
const sponsorStage = (kind: string): EmStageJson => ({
  primaryApprovers: [{ '@odata.type': `#microsoft.graph.${kind}` }],
  fallbackPrimaryApprovers: [{ '@odata.type': '#microsoft.graph.singleUser', userId: 'patti', description: 'Patti' }],
});

function fakeGraph(answer: (req: BatchRequest) => { status: number; body: unknown }) {
  const batches: BatchRequest[][] = [];
  const graph = {
    async batch(requests: BatchRequest[]): Promise<BatchItemResult[]> {
      batches.push(requests);
      return requests.map((r) => ({ id: r.id, headers: {}, ...answer(r) }));
    },
  } as unknown as GraphFacade;
  return { graph, batches };
}

const sponsors = (req: BatchRequest) =>
  req.url.includes('/internalSponsors')
    ? { status: 200, body: { value: [user('isaiah', 'Isaiah Langer'), user('irvin', 'Irvin Sayers')] } }
    : {
        status: 200,
        body: {
          value: [
            user('sanjay', 'Sanjay Shah'),
            { '@odata.type': '#microsoft.graph.group', id: 'g1', displayName: 'G' },
          ],
        },
      };

async function plan(stage: EmStageJson, requesters: RequesterContext[], graph: GraphFacade) {
  const resolver = new ApproverResolver();
  for (const r of requesters) emStageNeeds(stage, r, resolver);
  await resolver.load(graph, log);
  return requesters.map((r) => emStagePlan(stage, r, resolver).approvers.map((p) => p.displayName));
}

describe('sponsor approvers', () => {
  it("asks the requester's connected organization's sponsors, in one $batch for all requests", async () => {
    const { graph, batches } = fakeGraph(sponsors);
    const guests = [
      { id: 'mona', connectedOrganizationId: ORG },
      { id: 'sanjay', connectedOrganizationId: ORG.toUpperCase() },
    ];
    const stage: EmStageJson = {
      primaryApprovers: [
        { '@odata.type': '#microsoft.graph.internalSponsors' },
        { '@odata.type': '#microsoft.graph.externalSponsors' },
      ],
    };
    expect(await plan(stage, guests, graph)).toEqual([
      ['Isaiah Langer', 'Irvin Sayers', 'Sanjay Shah'],
      ['Isaiah Langer', 'Irvin Sayers'], // never the requester; the sponsor group is not expanded
    ]);
    expect(batches).toHaveLength(1);
    expect(batches[0].map((r) => r.url)).toEqual([
      `/identityGovernance/entitlementManagement/connectedOrganizations/${ORG}/internalSponsors?$select=id,displayName`,
      `/identityGovernance/entitlementManagement/connectedOrganizations/${ORG}/externalSponsors?$select=id,displayName`,
    ]);
  });

  it('falls back when the requester has no connected organization or the sponsors cannot be read', async () => {
    const none = fakeGraph(sponsors);
    expect(await plan(sponsorStage('internalSponsors'), [{ id: 'lee' }], none.graph)).toEqual([['Patti']]);
    expect(none.batches).toHaveLength(0);
    const failing = fakeGraph(() => ({ status: 404, body: { error: { code: 'ResourceNotFound' } } }));
    const guest = { id: 'mona', connectedOrganizationId: ORG };
    expect(await plan(sponsorStage('externalSponsors'), [guest], failing.graph)).toEqual([['Patti']]);
  });

  it("reads targetUserSponsors from the requester's own sponsors (v1.0 user.sponsors), fallback when unreadable", async () => {
    const { graph, batches } = fakeGraph(sponsors);
    const guest = { id: 'mona', connectedOrganizationId: ORG };
    expect(await plan(sponsorStage('targetUserSponsors'), [guest], graph)).toEqual([['Sanjay Shah']]);
    expect(batches.map((b) => b.map((r) => r.url))).toEqual([['/users/mona/sponsors?$select=id,displayName']]);
    const failing = fakeGraph(() => ({ status: 403, body: {} }));
    expect(await plan(sponsorStage('targetUserSponsors'), [guest], failing.graph)).toEqual([['Patti']]);
  });

  it('describes sponsors to the requester in words', () => {
    expect(describeApprover({ '@odata.type': '#microsoft.graph.internalSponsors' })).toBe(
      'a sponsor of your organisation',
    );
    expect(describeApprover({ '@odata.type': '#microsoft.graph.externalSponsors' })).toBe(
      'a sponsor in your own organisation',
    );
    expect(describeApprover({ '@odata.type': '#microsoft.graph.targetUserSponsors' })).toBe('your sponsor');
  });

  it("narrows a package's policies to those a connected-organization requester can have used", () => {
    const approval = { isApprovalRequiredForAdd: true, stages: [sponsorStage('internalSponsors')] };
    const policies: EmPolicyJson[] = [
      { id: 'members', allowedTargetScope: 'allMemberUsers', requestApprovalSettings: approval },
      {
        id: 'partners',
        allowedTargetScope: 'allConfiguredConnectedOrganizationUsers',
        requestApprovalSettings: approval,
      },
    ];
    const request = (connectedOrganization: { id: string } | null): EmRequestJson => ({
      requestType: 'userAdd',
      justification: 'x',
      requestor: { objectId: 'mona', connectedOrganization },
    });
    expect(candidatePolicies(policies, request({ id: ORG })).map((p) => p.id)).toEqual(['partners']);
    expect(candidatePolicies(policies, request(null)).map((p) => p.id)).toEqual(['members', 'partners']);
  });
});
