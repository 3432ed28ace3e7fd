import type { UserRef } from '../auth/tokens.js';
import type { BatchRequest, Graph } from '../graph/client.js';
import { GraphRequestError } from '../graph/errors.js';
import type { Logger } from '../log.js';
import type { ApprovalKind, ApprovalState, PendingApprovalItem } from '../model/approvals.js';
import {
  EM_REQUEST_EXPAND,
  loadDetails,
  loadDetailsById,
  PIM_REQUEST_EXPAND,
  type PimPolicyCache,
  ROLE_REQUEST_EXPAND,
} from './details.js';
import {
  type ApprovalJson,
  approvalPath,
  EM_ROOT,
  type EmRequestJson,
  PIM_ROOT,
  type PimRequestJson,
  ROLE_ROOT,
  type RoleRequestJson,
  type StageJson,
  sameEnum,
} from './graphShapes.js';
import { hasIncompletePlan, replanned } from './replan.js';
import { StageSegments } from './segment.js';
import { applyStages, stagesOf } from './stages.js';
import type { ApprovalRecord, ApprovalStore } from './store.js';
import { followRoleRequests, planApprovers, rememberPimGroup, rememberRoleApprovers } from './watch.js';

/**
 * "approvals": everything waiting for the signed-in approver right now, every kind, oldest first, read with their own
 * token (GRAPH-API.md 4.10 b and 6.6) in one `$batch`; works without the watcher.
 */

export interface PendingContext {
  graph: Graph;
  user: UserRef;
  store: ApprovalStore;
  log: Logger;
  pimPolicies: PimPolicyCache;
  now: Date;
  /** Which segment PIM approval stages live under on this tenant (remembered across calls). */
  segments?: StageSegments;
  /** ROLE_APPROVALS_BETA: Entra role activations waiting for this approver are listed too (one more list, same batch). */
  roleApprovals?: boolean;
}

/** Lists Graph did not give even without `$expand`: the approvals card names them (never a list that looks complete). */
export type PendingPart = 'emRequests' | 'emApprovals' | 'pimRequests' | 'pimApprovals' | 'roleRequests';

export interface MyPending {
  items: PendingApprovalItem[];
  records: ApprovalRecord[];
  unavailable: PendingPart[];
}

const MINE = "filterByCurrentUser(on='approver')";

/**
 * Entra role activations waiting for the approver, as the PIM docs find them (v1.0, "Approve or deny requests for
 * Microsoft Entra roles"): the requests with `status eq 'PendingApproval'`. Graph documents no approver list of role
 * approvals (`approval: filterByCurrentUser` covers access packages and groups only), and role approvals have one
 * step: a listed request waits at its first step, whose id the decision reads from beta when someone clicks.
 */
const ROLE_PENDING = `$filter=${encodeURIComponent("status eq 'PendingApproval'")}`;

const LISTS: Record<PendingPart, { path: string; expand: string; query?: string }> = {
  emRequests: { path: `${EM_ROOT}/assignmentRequests/${MINE}`, expand: EM_REQUEST_EXPAND },
  emApprovals: { path: `${EM_ROOT}/accessPackageAssignmentApprovals/${MINE}`, expand: 'stages' },
  pimRequests: { path: `${PIM_ROOT}/assignmentScheduleRequests/${MINE}`, expand: PIM_REQUEST_EXPAND },
  pimApprovals: { path: `${PIM_ROOT}/assignmentApprovals/${MINE}`, expand: 'stages' },
  roleRequests: {
    path: `${ROLE_ROOT}/roleAssignmentScheduleRequests/${MINE}`,
    expand: ROLE_REQUEST_EXPAND,
    query: ROLE_PENDING,
  },
};

function expandOf(ctx: PendingContext, part: PendingPart): string {
  return part === 'pimApprovals' && ctx.segments ? ctx.segments.of('pim') : LISTS[part].expand;
}
const BASE_PARTS: PendingPart[] = ['emRequests', 'emApprovals', 'pimRequests', 'pimApprovals'];
/** The lists read for this context: the role list only when ROLE_APPROVALS_BETA is on. */
const partsOf = (ctx: PendingContext): PendingPart[] =>
  ctx.roleApprovals ? [...BASE_PARTS, 'roleRequests'] : BASE_PARTS;

function urlOf(ctx: PendingContext, part: PendingPart, expand: boolean): string {
  const { path, query } = LISTS[part];
  const options = [...(expand ? [`$expand=${expandOf(ctx, part)}`] : []), ...(query ? [query] : [])];
  return options.length ? `${path}?${options.join('&')}` : path;
}

interface ListRead {
  value: unknown[];
  /** Read without `$expand` (Graph refused it): details and stages are read per request. */
  plain: boolean;
}

export async function listMyPending(ctx: PendingContext): Promise<MyPending> {
  const failures = new Map<PendingPart, number>();
  const lists = await readLists(ctx, failures);
  const parts = partsOf(ctx);
  const unavailable = parts.filter((part) => !lists.has(part));
  const requestsFailed = unavailable.filter((part) => part.endsWith('Requests'));
  if (requestsFailed.length === parts.filter((part) => part.endsWith('Requests')).length)
    throw statusError(failures.get(requestsFailed[0]) ?? 400);
  const em = (lists.get('emRequests')?.value ?? []).filter((r): r is EmRequestJson => !!(r as EmRequestJson)?.id);
  const pim = (lists.get('pimRequests')?.value ?? []).filter((r): r is PimRequestJson => !!(r as PimRequestJson)?.id);
  // Graph may list requests this person approves that no longer wait; only waiting ones are listed.
  const role = (lists.get('roleRequests')?.value ?? []).filter(
    (r): r is RoleRequestJson =>
      !!(r as RoleRequestJson)?.id && sameEnum((r as RoleRequestJson).status, 'PendingApproval'),
  );
  const stages = new Map<string, ApprovalJson>();
  for (const kind of ['em', 'pim'] as const) {
    const read = lists.get(kind === 'em' ? 'emApprovals' : 'pimApprovals');
    const approvals = (read?.value ?? []) as ApprovalJson[];
    const withStages = read?.plain ? await stagesOfEach(ctx, kind, approvals) : approvals;
    for (const a of withStages) if (a.id) stages.set(`${kind}:${a.id.toLowerCase()}`, a);
  }
  const plain = {
    em: !!lists.get('emRequests')?.plain,
    pim: !!lists.get('pimRequests')?.plain,
    role: !!lists.get('roleRequests')?.plain,
  };
  const records = await recordsFor(ctx, { em, pim, role }, stages, plain);
  for (const groupId of new Set(pim.map((r) => (r.groupId ?? '').toLowerCase()).filter(Boolean))) {
    await rememberPimGroup(ctx.store, groupId);
  }
  // The watcher cannot list Entra role requests app-only: it follows the ones it was told about, and reads the lists
  // of the people it knows approve role activations.
  const roleRecords = records.filter((r) => r.state.details.kind === 'role' && !r.state.outcome);
  await followRoleRequests(
    ctx.store,
    roleRecords.map((r) => r.state.details.id),
  );
  if (roleRecords.length > 0) {
    await rememberRoleApprovers(ctx.store, [ctx.user.aadObjectId, ...roleRecords.flatMap(planApprovers)]);
  }
  const ordered = records
    .filter((r) => !r.state.outcome && r.state.details.requester.id !== ctx.user.aadObjectId)
    .sort((a, b) => (a.state.details.requestedAt ?? '').localeCompare(b.state.details.requestedAt ?? ''));
  return {
    records: ordered,
    items: ordered.map((r) => ({ state: r.state, needsReason: needsReason(r.state) })),
    unavailable,
  };
}

/**
 * The four lists (five with ROLE_APPROVALS_BETA) in one `$batch`. The metadata and docs do not promise `$expand` on these functions: a list Graph
 * refuses with it (400) is read again without it, in a second `$batch`.
 */
async function readLists(ctx: PendingContext, failures: Map<PendingPart, number>): Promise<Map<PendingPart, ListRead>> {
  const user = ctx.graph.forUser(ctx.user);
  const read = (parts: PendingPart[], expand: boolean): BatchRequest[] =>
    parts.map((id) => ({ id, method: 'GET', url: urlOf(ctx, id, expand) }));
  const lists = new Map<PendingPart, ListRead>();
  const refused: PendingPart[] = [];
  for (const r of await user.batch(read(partsOf(ctx), true))) {
    const part = r.id as PendingPart;
    if (r.status === 200) lists.set(part, { value: collectionOf(r.body), plain: false });
    else if (r.status === 400) refused.push(part);
    else {
      failures.set(part, r.status);
      ctx.log.warn({ list: part, status: r.status }, 'could not list pending approvals');
    }
  }
  if (refused.length === 0) return lists;
  for (const r of await user.batch(read(refused, false))) {
    const part = r.id as PendingPart;
    if (r.status === 200) lists.set(part, { value: collectionOf(r.body), plain: true });
    else {
      failures.set(part, r.status);
      ctx.log.warn({ list: part, status: r.status }, 'could not list pending approvals, even without $expand');
    }
  }
  return lists;
}

/** Approvals listed without their stages: each one's stages, in one `$batch`; one that fails keeps no stages. */
async function stagesOfEach(
  ctx: PendingContext,
  kind: ApprovalKind,
  approvals: ApprovalJson[],
): Promise<ApprovalJson[]> {
  const ids = approvals.map((a) => a.id).filter((id): id is string => !!id);
  if (ids.length === 0) return [];
  const user = ctx.graph.forUser(ctx.user);
  const segments = ctx.segments ?? new StageSegments();
  const out: ApprovalJson[] = [];
  let rest = ids;
  if (kind === 'pim' && !segments.known) {
    // One single read finds out where this tenant keeps PIM stages before the batch relies on it.
    const [first] = ids;
    rest = ids.slice(1);
    const stages = await segments
      .use('pim', (segment) => user.list<StageJson>(`${approvalPath(kind, first)}/${segment}`))
      .catch(() => []);
    out.push({ id: first, stages });
  }
  const results = rest.length
    ? await user.batch(
        rest.map((id) => ({ id, method: 'GET' as const, url: `${approvalPath(kind, id)}/${segments.of(kind)}` })),
      )
    : [];
  for (const r of results)
    out.push({ id: r.id, stages: r.status === 200 ? (collectionOf(r.body) as StageJson[]) : [] });
  return out;
}

function collectionOf(body: unknown): unknown[] {
  const value = (body as { value?: unknown } | null)?.value;
  return Array.isArray(value) ? value : [];
}

export function needsReason(state: ApprovalState): boolean {
  return !!state.details.stages[state.currentStage - 1]?.justificationRequired;
}

async function recordsFor(
  ctx: PendingContext,
  requests: { em: EmRequestJson[]; pim: PimRequestJson[]; role: RoleRequestJson[] },
  stages: Map<string, ApprovalJson>,
  plain: Record<ApprovalKind, boolean>,
): Promise<ApprovalRecord[]> {
  const { em, pim, role } = requests;
  const refs: { kind: ApprovalKind; id: string }[] = [
    ...em.map((r) => ({ kind: 'em' as const, id: (r.id as string).toLowerCase() })),
    ...pim.map((r) => ({ kind: 'pim' as const, id: (r.id as string).toLowerCase() })),
    ...role.map((r) => ({ kind: 'role' as const, id: (r.id as string).toLowerCase() })),
  ];
  const stored = await ctx.store.records(refs);
  // Records whose approvers could not all be resolved (a failed lookup) are read again, as if they were new.
  const missing = new Set(
    refs
      .map((r) => `${r.kind}:${r.id}`)
      .filter((key) => {
        const record = stored.get(key);
        return !record || hasIncompletePlan(record.state.details);
      }),
  );
  const detailsCtx = {
    app: ctx.graph.forApp(),
    log: ctx.log,
    pimPolicies: ctx.pimPolicies,
    now: ctx.now,
    // Role requests and role policies are read with the approver's own token (the app may not).
    ...(role.length > 0 ? { user: ctx.graph.forUser(ctx.user) } : {}),
  };
  // A list read without `$expand` lacks the package, requester and group: those requests are read by id.
  const byId = refs.filter((r) => plain[r.kind] && missing.has(`${r.kind}:${r.id}`));
  const details = await loadDetails(
    detailsCtx,
    plain.em ? [] : em.filter((r) => missing.has(`em:${(r.id as string).toLowerCase()}`)),
    plain.pim ? [] : pim.filter((r) => missing.has(`pim:${(r.id as string).toLowerCase()}`)),
    plain.role ? [] : role.filter((r) => missing.has(`role:${(r.id as string).toLowerCase()}`)),
  );
  if (byId.length > 0) for (const [key, d] of await loadDetailsById(detailsCtx, byId)) details.set(key, d);
  const now = ctx.now.toISOString();
  const out: ApprovalRecord[] = [];
  for (const ref of refs) {
    const key = `${ref.kind}:${ref.id}`;
    const known = stored.get(key);
    const base = known ? replanned(known, details.get(key)) : freshRecord(details.get(key), now);
    if (!base) continue;
    const synced = applyStages(base.state, stagesOf(stages.get(key)), now);
    const saved = await ctx.store.updateRecord(ref.kind, ref.id, (current) => {
      const record = current ? replanned(current, details.get(key)) : base;
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
