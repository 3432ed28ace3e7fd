import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningDevtenant, startDevtenant } from '../../devtenant/index.js';
import { ApproverResolver } from '../../services/approvals/approvers.js';
import { LocalTokenProvider } from '../../services/auth/localTokens.js';
import { ManualClock } from '../../services/clock.js';
import { createGraph, type GraphFacade } from '../../services/graph/client.js';
import { createLogger } from '../../services/log.js';

/** Issue 18 item 3: approvers past the first page of a group or of the sponsors still get the card. */

const TENANT = 'c0a70500-0000-4000-8000-000000000001';
const IT_OPS_APPROVERS = '20000000-0000-4000-8000-000000000001';
const FABRIKAM = 'e0000000-0000-4000-8000-000000000001';

let devtenant: RunningDevtenant;
let app: GraphFacade;

beforeAll(async () => {
  // One item per page: every collection read needs its nextLinks, also inside the resolver's $batch.
  devtenant = await startDevtenant({ port: 0, maxPageSize: 1 });
  const tokens = new LocalTokenProvider({ tenantId: TENANT, clock: new ManualClock(new Date()) });
  app = createGraph({ baseUrl: devtenant.url, tokens, timeoutMs: 5000, log: createLogger('silent') }).forApp();
});
afterAll(() => devtenant.close());

describe('approver subjects across pages', () => {
  it('resolves every member of an approver group and every sponsor, not just the first page', async () => {
    const resolver = new ApproverResolver();
    const sets = [
      { '@odata.type': '#microsoft.graph.groupMembers', groupId: IT_OPS_APPROVERS },
      { '@odata.type': '#microsoft.graph.internalSponsors' },
    ];
    const requester = { id: 'someone-else', connectedOrganizationId: FABRIKAM };
    resolver.need(sets, requester);
    await resolver.load(app, createLogger('silent'));
    const members = [...(devtenant.state.groups.get(IT_OPS_APPROVERS)?.members ?? [])];
    const sponsors = devtenant.state.connectedOrganizations.get(FABRIKAM)?.internalSponsors ?? [];
    expect(members.length).toBeGreaterThan(1);
    expect(sponsors.length).toBeGreaterThan(1);
    const resolved = resolver.resolve(sets, requester).map((p) => p.id);
    expect(resolved.sort()).toEqual([...new Set([...members, ...sponsors])].sort());
  });
});
