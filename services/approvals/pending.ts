import type { UserRef } from '../auth/tokens.js';
import type { BatchRequest, Graph } from '../graph/client.js';
import { GraphRequestError } from '../graph/errors.js';
import type { Logger } from '../log.js';
import type { ApprovalKind, ApprovalState, PendingApprovalItem } from '../model/approvals.js';
import { EM_REQUEST_EXPAND, loadDetails, PIM_REQUEST_EXPAND, type PimPolicyCache } from './details.js';
import { type ApprovalJson, EM_ROOT, type EmRequestJson, PIM_ROOT, type PimRequestJson } from './graphShapes.js';
import { applyStages, stagesOf } from './stages.js';
import type { ApprovalRecord, ApprovalStore } from './store.js';
import { rememberPimGroup } from './watch.js';

/**
 * "approvals": everything waiting for the signed-in approver right now, both kinds, oldest first, read with their own
 * token (GRAPH-API.md 4.10 b and 6.6) in one `$batch`; works without the watcher.
 */

export interface PendingContext {
  graph: Graph;
  user: UserRef;
  store: ApprovalStore;
  log: Logger;
  pimPolicies: PimPolicyCache;
  now: Date;
}

export interface MyPending {
  items: PendingApprovalItem[];
  records: ApprovalRecord[];
}

const MINE = "filterByCurrentUser(on='approver')";

export async function listMyPending(ctx: PendingContext): Promise<MyPending> {
  const reads: BatchRequest[] = [
    { id: 'emRequests', method: 'GET', url: `${EM_ROOT}/assignmentRequests/${MINE}?$expand=${EM_REQUEST_EXPAND}` },
    { id: 'emApprovals', method: 'GET', url: `${EM_ROOT}/accessPackageAssignmentApprovals/${MINE}?$expand=stages` },
    {
      id: 'pimRequests',
      method: 'GET',
      url: `${PIM_ROOT}/assignmentScheduleRequests/${MINE}?$expand=${PIM_REQUEST_EXPAND}`,
    },
    { id: 'pimApprovals', method: 'GET', url: `${PIM_ROOT}/assignmentApprovals/${MINE}?$expand=stages` },
  ];
  const results = await ctx.graph.forUser(ctx.user).batch(reads);
  const body = (id: string) => {
    const r = results.find((x) => x.id === id);
    if (r && r.status !== 200) ctx.log.warn({ list: id, status: r.status }, 'could not list pending approvals');
    return r?.status === 200 ? ((r.body as { value?: unknown[] })?.value ?? []) : [];
  };
  const requestsFailed = results.filter((r) => r.id.endsWith('Requests') && r.status !== 200);
  if (requestsFailed.length === 2) throw statusError(requestsFailed[0].status);
  const em = (body('emRequests') as EmRequestJson[]).filter((r) => r.id);
  const pim = (body('pimRequests') as PimRequestJson[]).filter((r) => r.id);
  const stages = new Map<string, ApprovalJson>();
  for (const a of body('emApprovals') as ApprovalJson[]) if (a.id) stages.set(`em:${a.id.toLowerCase()}`, a);
  for (const a of body('pimApprovals') as ApprovalJson[]) if (a.id) stages.set(`pim:${a.id.toLowerCase()}`, a);
  const records = await recordsFor(ctx, em, pim, stages);
  for (const groupId of new Set(pim.map((r) => (r.groupId ?? '').toLowerCase()).filter(Boolean))) {
    await rememberPimGroup(ctx.store, groupId);
  }
  const ordered = records
    .filter((r) => !r.state.outcome && r.state.details.requester.id !== ctx.user.aadObjectId)
    .sort((a, b) => (a.state.details.requestedAt ?? '').localeCompare(b.state.details.requestedAt ?? ''));
  return {
    records: ordered,
    items: ordered.map((r) => ({ state: r.state, needsReason: needsReason(r.state) })),
  };
}

export function needsReason(state: ApprovalState): boolean {
  return !!state.details.stages[state.currentStage - 1]?.justificationRequired;
}

async function recordsFor(
  ctx: PendingContext,
  em: EmRequestJson[],
  pim: PimRequestJson[],
  stages: Map<string, ApprovalJson>,
): Promise<ApprovalRecord[]> {
  const refs: { kind: ApprovalKind; id: string }[] = [
    ...em.map((r) => ({ kind: 'em' as const, id: (r.id as string).toLowerCase() })),
    ...pim.map((r) => ({ kind: 'pim' as const, id: (r.id as string).toLowerCase() })),
  ];
  const stored = await ctx.store.records(refs);
  const missing = new Set(refs.filter((r) => !stored.has(`${r.kind}:${r.id}`)).map((r) => `${r.kind}:${r.id}`));
  const details = await loadDetails(
    { app: ctx.graph.forApp(), log: ctx.log, pimPolicies: ctx.pimPolicies, now: ctx.now },
    em.filter((r) => missing.has(`em:${(r.id as string).toLowerCase()}`)),
    pim.filter((r) => missing.has(`pim:${(r.id as string).toLowerCase()}`)),
  );
  const now = ctx.now.toISOString();
  const out: ApprovalRecord[] = [];
  for (const ref of refs) {
    const key = `${ref.kind}:${ref.id}`;
    const base = stored.get(key) ?? freshRecord(details.get(key), now);
    if (!base) continue;
    const synced = applyStages(base.state, stagesOf(stages.get(key)), now);
    const saved = await ctx.store.updateRecord(ref.kind, ref.id, (current) => {
      const record = current ?? base;
      const state = applyStages(record.state, stagesOf(stages.get(key)), now);
      if (current && JSON.stringify(state) === JSON.stringify(current.state)) return undefined;
      return { ...record, state, updatedAt: now };
    });
    out.push(saved ?? { ...base, state: synced });
  }
  return out;
}

function freshRecord(details: ApprovalState['details'] | undefined, now: string): ApprovalRecord | undefined {
  if (!details) return undefined;
  return {
    state: { details, currentStage: 1, stageStartedAt: details.requestedAt ?? now, escalated: false, decisions: [] },
    shownTo: [],
    updatedAt: now,
  };
}

function statusError(status: number): GraphRequestError {
  return new GraphRequestError({ status, method: 'GET', path: '$batch item (pending approvals)' });
}
