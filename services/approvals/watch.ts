import { SignInRequiredError } from '../auth/tokens.js';
import type { BatchItemResult, BatchRequest, Graph, GraphFacade } from '../graph/client.js';
import type { Logger } from '../log.js';
import {
  type ApprovalKind,
  type ApprovalOutcome,
  type ApprovalState,
  approvalKindOf,
  type PersonRef,
} from '../model/approvals.js';
import { readApproval } from './decide.js';
import {
  type DetailsContext,
  EM_REQUEST_EXPAND,
  loadDetails,
  PIM_REQUEST_EXPAND,
  type PimPolicyCache,
  ROLE_REQUEST_EXPAND,
} from './details.js';
import {
  EM_ROOT,
  type EmRequestJson,
  PIM_ROOT,
  type PimRequestJson,
  ROLE_ROOT,
  type RoleRequestJson,
  sameEnum,
} from './graphShapes.js';
import { finalReadUrl, outcomeFromRequest } from './outcome.js';
import { hasIncompletePlan, replanned } from './replan.js';
import { StageSegments } from './segment.js';
import type { ApproverSettings } from './settings.js';
import { applyStages, stagesOf } from './stages.js';
import type { ApprovalRecord, ApprovalStore, PendingEntry, PendingIndex } from './store.js';
import { addDuration } from './time.js';

/**
 * The watcher's approval source (app-only reads): finds requests newly waiting for approval, asks the bot to send each
 * approver of the open stage a card, and notices when a request leaves pendingApproval or its stage moves on, however
 * it was decided (My Access, another approver, expiry). A quiet tick costs one `$batch`.
 */

export interface WatchHooks {
  /** Sends the approval card to these people; returns the ids that now have it (sent before or now). */
  notify(record: ApprovalRecord, people: PersonRef[]): Promise<string[]>;
  /** The state changed: redraw every copy of the approval and the requester's card. */
  changed(record: ApprovalRecord): Promise<void>;
}

export interface WatchDeps {
  graph: Graph;
  store: ApprovalStore;
  log: Logger;
  pimPolicies: PimPolicyCache;
  settings: ApproverSettings;
  /** Which segment PIM approval stages live under on this tenant (remembered across ticks). */
  segments?: StageSegments;
}

export interface TickSummary {
  pending: number;
  added: number;
  closed: number;
  moved: number;
  notified: number;
}

const GROUP_REFRESH_MS = 6 * 3600_000;
/** Pages of pending requests read per tick (100 a page): the tenant limit of 200,000 requests, with room to spare. */
const PENDING_MAX_PAGES = 3000;

export async function watchApprovals(deps: WatchDeps, hooks: WatchHooks, now: Date): Promise<TickSummary> {
  const app = deps.graph.forApp();
  const groups = await knownPimGroups(deps, app, now);
  const seen = await readPending(deps, app, groups);
  const previous = await deps.store.pending();
  const summary: TickSummary = { pending: seen.entries.size, added: 0, closed: 0, moved: 0, notified: 0 };
  const fresh = [...seen.entries.keys()].filter((key) => !previous.requests[key]);
  const gone = Object.entries(previous.requests)
    .filter(([key, entry]) => !seen.entries.has(key) && wasRead(seen, key, entry))
    .map(([key]) => key);
  summary.added = fresh.length;
  const checks = new Map<string, string>();
  await addNew(deps, hooks, now, seen, fresh, summary, checks);
  await followPending(deps, hooks, now, seen, previous, summary, checks);
  const ended = await closeGone(deps, hooks, now, gone);
  summary.closed = ended.closed;
  const roles = await followRoles(deps, hooks, now, previous, summary);
  await discoverRoles(deps, hooks, now, previous, summary);
  const dropped = [...gone.filter((key) => !ended.keep.has(key)), ...roles.dropped];
  await deps.store.updatePending((current) => {
    const next = nextIndex(seen, previous, dropped, checks);
    // Role requests added during this tick (a submit, an approver's list) are kept: no app list brings them back.
    const gone = new Set(dropped);
    for (const [key, entry] of Object.entries(current.requests))
      if (key.startsWith('role:') && !gone.has(key) && !next[key]) next[key] = entry;
    return { requests: next };
  });
  return summary;
}

interface SeenPending {
  entries: Map<string, PendingEntry>;
  em: Map<string, EmRequestJson>;
  pim: Map<string, PimRequestJson>;
  emRead: boolean;
  groupsRead: Set<string>;
}

/** Entra role requests are never in the app's lists: followRoles() looks after them. */
function wasRead(seen: SeenPending, key: string, entry: PendingEntry): boolean {
  if (key.startsWith('role:')) return false;
  return key.startsWith('em:') ? seen.emRead : !!entry.groupId && seen.groupsRead.has(entry.groupId);
}

function nextIndex(
  seen: SeenPending,
  previous: PendingIndex,
  gone: string[],
  checks: Map<string, string>,
): Record<string, PendingEntry> {
  const next: Record<string, PendingEntry> = {};
  const goneKeys = new Set(gone);
  for (const [key, entry] of Object.entries(previous.requests)) if (!goneKeys.has(key)) next[key] = entry;
  for (const [key, entry] of seen.entries) {
    const checkAt = checks.get(key) ?? previous.requests[key]?.checkAt;
    next[key] = checkAt ? { ...entry, checkAt } : entry;
  }
  return next;
}

/** A record needs a look when its status moved, its check time came, or it has none yet. */
function needsLook(key: string, seen: SeenPending, previous: PendingIndex, now: Date): boolean {
  const before = previous.requests[key];
  if (!before?.checkAt) return true;
  if ((seen.entries.get(key)?.status ?? '') !== before.status) return true;
  if (before.checkAt === NEVER) return false;
  return !(Date.parse(before.checkAt) > now.getTime());
}

const NEVER = 'never';
/** A check time always in the past: the next tick looks at the record. */
const RETRY_NOW = new Date(0).toISOString();

/** The next time a pending record needs the watcher: escalation due, or the next stage probe; else never. */
function nextCheck(deps: WatchDeps, record: ApprovalRecord): string {
  const { state } = record;
  const times: number[] = [];
  // A plan built while a lookup failed is resolved again on the next tick.
  if (hasIncompletePlan(state.details)) return RETRY_NOW;
  const plan = state.details.stages[state.currentStage - 1];
  if (!state.escalated && plan && plan.escalationApprovers.length > 0) {
    const due = addDuration(state.stageStartedAt, plan.escalateAfter);
    if (due) times.push(Date.parse(due));
  }
  if (state.details.stages.length > state.currentStage) {
    const last = record.probedAt ? Date.parse(record.probedAt) : 0;
    times.push(last + deps.settings.stageProbeMinutes * 60_000);
  }
  const valid = times.filter((t) => Number.isFinite(t));
  return valid.length ? new Date(Math.min(...valid)).toISOString() : NEVER;
}

/** EM's first page and every known PIM group's pending activations, in one `$batch`. */
async function readPending(deps: WatchDeps, app: GraphFacade, groups: string[]): Promise<SeenPending> {
  const emUrl = `${EM_ROOT}/assignmentRequests?$filter=${encodeURIComponent("state eq 'pendingApproval'")}&$expand=${EM_REQUEST_EXPAND}`;
  const requests: BatchRequest[] = [
    { id: 'em', method: 'GET', url: emUrl },
    ...groups.map((g) => ({ id: `pim:${g}`, method: 'GET' as const, url: pimPendingUrl(g) })),
  ];
  const seen: SeenPending = {
    entries: new Map(),
    em: new Map(),
    pim: new Map(),
    emRead: false,
    groupsRead: new Set(),
  };
  for (const result of await app.batch(requests)) {
    if (result.status !== 200) {
      deps.log.warn({ source: result.id.slice(0, 4), status: result.status }, 'could not list pending approvals');
      continue;
    }
    const items = await allItems(app, result, result.id === 'em' ? emUrl : pimPendingUrl(result.id.slice(4)));
    if (result.id === 'em') {
      seen.emRead = true;
      for (const r of items as EmRequestJson[]) {
        if (!r.id) continue;
        seen.em.set(r.id.toLowerCase(), r);
        seen.entries.set(`em:${r.id.toLowerCase()}`, { status: r.status ?? 'PendingApproval' });
      }
    } else {
      const groupId = result.id.slice(4);
      seen.groupsRead.add(groupId);
      for (const r of items as PimRequestJson[]) {
        if (!r.id || !sameEnum(r.status, 'PendingApproval')) continue;
        seen.pim.set(r.id.toLowerCase(), r);
        seen.entries.set(`pim:${r.id.toLowerCase()}`, { status: r.status ?? 'PendingApproval', groupId });
      }
    }
  }
  return seen;
}

function pimPendingUrl(groupId: string): string {
  const filter = `groupId eq '${groupId}' and status eq 'PendingApproval'`;
  return `${PIM_ROOT}/assignmentScheduleRequests?$filter=${encodeURIComponent(filter)}&$expand=${PIM_REQUEST_EXPAND}`;
}

/** A batch item's collection, re-read with paging when Graph split it into pages (rare: over a page of pending). */
async function allItems(app: GraphFacade, result: BatchItemResult, url: string): Promise<unknown[]> {
  const body = result.body as { value?: unknown[]; '@odata.nextLink'?: string };
  if (!body['@odata.nextLink']) return body.value ?? [];
  // Everything pending must be seen: a request missing from the list counts as decided (and is read again).
  return app.list(url, { maxPages: PENDING_MAX_PAGES });
}

/**
 * PIM groups to watch: those access packages make people eligible for (re-read every few hours), the configured
 * ones, and those the bot met through activations or an approver's list.
 */
async function knownPimGroups(deps: WatchDeps, app: GraphFacade, now: Date): Promise<string[]> {
  const stored = await deps.store.pimGroups();
  const refreshedAt = stored.refreshedAt ? Date.parse(stored.refreshedAt) : 0;
  let groups = stored.groupIds;
  if (!(now.getTime() - refreshedAt < GROUP_REFRESH_MS)) {
    try {
      const fromPackages = await eligibleGroupsOfPackages(app);
      groups = [...new Set([...stored.groupIds, ...fromPackages])];
      await deps.store.updatePimGroups((current) => ({
        groupIds: [...new Set([...current.groupIds, ...fromPackages])],
        refreshedAt: now.toISOString(),
      }));
    } catch (err) {
      deps.log.warn({ err }, 'could not read which PIM groups access packages grant');
    }
  }
  return [...new Set([...groups, ...deps.settings.pimGroupIds])].sort();
}

interface PackageScopes {
  resourceRoleScopes?: Array<{
    role?: { displayName?: string | null; originId?: string | null } | null;
    scope?: { originId?: string | null; originSystem?: string | null } | null;
  }>;
}

async function eligibleGroupsOfPackages(app: GraphFacade): Promise<string[]> {
  const packages = await app.list<PackageScopes>(`${EM_ROOT}/accessPackages`, {
    query: {
      $select: 'id',
      $expand: 'resourceRoleScopes($expand=role($select=displayName,originId),scope($select=originId,originSystem))',
    },
  });
  const groups = packages.flatMap((p) =>
    (p.resourceRoleScopes ?? [])
      .filter((rs) => sameEnum(rs.scope?.originSystem, 'AadGroup'))
      .filter((rs) => /^eligible/i.test(rs.role?.displayName ?? '') || /^eligible/i.test(rs.role?.originId ?? ''))
      .map((rs) => (rs.scope?.originId ?? '').toLowerCase()),
  );
  return [...new Set(groups.filter(Boolean))];
}

/** Adds a PIM group the bot met (an activation, an approver's list) to those the watcher looks at. */
export async function rememberPimGroup(store: ApprovalStore, groupId: string): Promise<void> {
  const id = groupId.toLowerCase();
  await store.updatePimGroups((current) =>
    current.groupIds.includes(id) ? undefined : { ...current, groupIds: [...current.groupIds, id] },
  );
}

async function addNew(
  deps: WatchDeps,
  hooks: WatchHooks,
  now: Date,
  seen: SeenPending,
  fresh: string[],
  summary: TickSummary,
  checks: Map<string, string>,
): Promise<void> {
  if (fresh.length === 0) return;
  const refs = fresh.map(refOf);
  const records = await deps.store.records(refs);
  // A record an `approvals` read stored while a lookup failed is resolved again here, as a new one would be.
  const missing = refs.filter((r) => {
    const record = records.get(`${r.kind}:${r.id}`);
    return !record || hasIncompletePlan(record.state.details);
  });
  const ctx: DetailsContext = { app: deps.graph.forApp(), log: deps.log, pimPolicies: deps.pimPolicies, now };
  const details = await loadDetails(
    ctx,
    missing.filter((r) => r.kind === 'em').map((r) => seen.em.get(r.id) as EmRequestJson),
    missing.filter((r) => r.kind === 'pim').map((r) => seen.pim.get(r.id) as PimRequestJson),
  );
  for (const ref of refs) {
    const key = `${ref.kind}:${ref.id}`;
    let record = records.get(key);
    const reread = details.get(key);
    if (record && reread && hasIncompletePlan(record.state.details)) {
      record = (await saveReplanned(deps, record, reread, now)) ?? record;
    }
    if (!record) {
      const d = details.get(key);
      if (!d) continue;
      const status = seen.entries.get(key)?.status;
      record = await saveNew(deps, newRecord(d, status, now));
      if (d.stages.length > 1) record = (await probeStages(deps, record, now)) ?? record;
    }
    summary.notified += await notifyOpenStage(deps, hooks, record, now);
    checks.set(key, nextCheck(deps, record));
  }
}

function newRecord(details: ApprovalRecord['state']['details'], status: string | undefined, now: Date): ApprovalRecord {
  const state: ApprovalState = {
    details,
    currentStage: 1,
    stageStartedAt: details.requestedAt ?? now.toISOString(),
    escalated: /escalated/i.test(status ?? ''),
    decisions: [],
  };
  return { state, seenStatus: status, shownTo: [], updatedAt: now.toISOString() };
}

async function saveNew(deps: WatchDeps, record: ApprovalRecord): Promise<ApprovalRecord> {
  const { kind, id } = record.state.details;
  return (await deps.store.updateRecord(kind, id, (current) => current ?? record)) ?? record;
}

/** Escalation (status or elapsed time) and, for multi-stage requests, a periodic look at the stages. */
async function followPending(
  deps: WatchDeps,
  hooks: WatchHooks,
  now: Date,
  seen: SeenPending,
  previous: PendingIndex,
  summary: TickSummary,
  checks: Map<string, string>,
): Promise<void> {
  // Only the records whose status moved or whose check time came: a quiet tick reads none of them.
  const known = [...seen.entries.keys()].filter((key) => previous.requests[key] && needsLook(key, seen, previous, now));
  if (known.length === 0) return;
  const records = await deps.store.records(known.map(refOf));
  const replans = await readReplans(deps, seen, records, now);
  for (const [key, record] of records) {
    if (record.state.outcome) continue;
    let current = record;
    const status = seen.entries.get(key)?.status;
    const fresh = replans.get(key);
    if (fresh) {
      current = (await saveReplanned(deps, current, fresh, now)) ?? current;
      summary.notified += await notifyOpenStage(deps, hooks, current, now);
    }
    if (shouldEscalate(current, status, now)) {
      current = (await setRecord(deps, current, { escalated: true }, now, status)) ?? current;
      summary.notified += await notifyOpenStage(deps, hooks, current, now);
    }
    if (probeDue(deps, current, now)) {
      const probed = await probeStages(deps, current, now);
      if (probed && probed.state.currentStage !== current.state.currentStage) {
        summary.moved += 1;
        await hooks.changed(probed);
        summary.notified += await notifyOpenStage(deps, hooks, probed, now);
      }
      current = probed ?? current;
    }
    checks.set(key, nextCheck(deps, current));
  }
}

/** Details read again for the records whose approvers could not all be resolved last time (one round for all). */
async function readReplans(
  deps: WatchDeps,
  seen: SeenPending,
  records: Map<string, ApprovalRecord>,
  now: Date,
): Promise<Map<string, ApprovalRecord['state']['details']>> {
  const keys = [...records].filter(([, r]) => !r.state.outcome && hasIncompletePlan(r.state.details)).map(([k]) => k);
  if (keys.length === 0) return new Map();
  const ctx: DetailsContext = { app: deps.graph.forApp(), log: deps.log, pimPolicies: deps.pimPolicies, now };
  const em = keys.map((k) => seen.em.get(refOf(k).id)).filter((r): r is EmRequestJson => !!r);
  const pim = keys.map((k) => seen.pim.get(refOf(k).id)).filter((r): r is PimRequestJson => !!r);
  return loadDetails(ctx, em, pim);
}

async function saveReplanned(
  deps: WatchDeps,
  record: ApprovalRecord,
  fresh: ApprovalRecord['state']['details'],
  now: Date,
): Promise<ApprovalRecord | undefined> {
  const { kind, id } = record.state.details;
  return deps.store.updateRecord(kind, id, (current) => {
    const next = replanned(current ?? record, fresh);
    return next === current ? undefined : { ...next, updatedAt: now.toISOString() };
  });
}

function shouldEscalate(record: ApprovalRecord, status: string | undefined, now: Date): boolean {
  const { state } = record;
  const plan = state.details.stages[state.currentStage - 1];
  if (state.escalated || !plan || plan.escalationApprovers.length === 0) return false;
  if (/escalated/i.test(status ?? '')) return true;
  const due = addDuration(state.stageStartedAt, plan.escalateAfter);
  return !!due && Date.parse(due) <= now.getTime();
}

function probeDue(deps: WatchDeps, record: ApprovalRecord, now: Date): boolean {
  const { state } = record;
  if (state.details.stages.length <= state.currentStage) return false;
  const last = record.probedAt ? Date.parse(record.probedAt) : 0;
  return now.getTime() - last >= deps.settings.stageProbeMinutes * 60_000;
}

/**
 * Stages are readable only with an approver's delegated token (GRAPH-API.md 4.13): the watcher reads them as the
 * first of the approvers it asked who has a background token (signed in before / talked to the bot). With none, or
 * when the read fails, this quietly does nothing: outcomes come from the app-readable request (closeGone).
 */
async function probeStages(deps: WatchDeps, record: ApprovalRecord, now: Date): Promise<ApprovalRecord | undefined> {
  const readers = approversOf(record);
  const { kind, id } = record.state.details;
  if (readers.length === 0) return undefined;
  for (const reader of readers) {
    try {
      const approval = await readApproval(
        deps.segments ?? new StageSegments(),
        deps.graph.forBackgroundUser({ aadObjectId: reader.id }),
        kind,
        id,
      );
      const stages = stagesOf(approval);
      return await deps.store.updateRecord(kind, id, (current) => {
        const base = current ?? record;
        return { ...base, state: applyStages(base.state, stages, now.toISOString()), probedAt: now.toISOString() };
      });
    } catch (err) {
      if (err instanceof SignInRequiredError) continue;
      deps.log.debug({ err, kind, request: id }, 'could not read approval stages as an approver');
      break;
    }
  }
  return deps.store.updateRecord(kind, id, (current) => ({ ...(current ?? record), probedAt: now.toISOString() }));
}

/** Everyone who can decide the open stage now: its approvers, plus the escalation approvers once escalated. */
export function approversOf(record: ApprovalRecord | { state: ApprovalState }): PersonRef[] {
  const { state } = record;
  const plan = state.details.stages[state.currentStage - 1];
  if (!plan || state.outcome) return [];
  const people = new Map(plan.approvers.map((p) => [p.id, p]));
  if (state.escalated) for (const p of plan.escalationApprovers) people.set(p.id, p);
  people.delete(state.details.requester.id);
  return [...people.values()];
}

/** Sends the card to approvers of the open stage who have not had one for this stage yet. */
export async function notifyOpenStage(
  deps: Pick<WatchDeps, 'store'>,
  hooks: Pick<WatchHooks, 'notify'>,
  record: ApprovalRecord,
  now: Date,
): Promise<number> {
  const stage = record.state.currentStage;
  const todo = approversOf(record).filter((p) => !record.shownTo.includes(`${stage}:${p.id}`));
  if (todo.length === 0) return 0;
  const reached = await hooks.notify(record, todo);
  if (reached.length > 0) await markShown(deps.store, record, stage, reached, now);
  return reached.length;
}

export async function markShown(
  store: ApprovalStore,
  record: ApprovalRecord,
  stage: number,
  userIds: string[],
  now: Date,
): Promise<void> {
  const { kind, id } = record.state.details;
  await store.updateRecord(kind, id, (current) => {
    const base = current ?? record;
    const marks = userIds.map((u) => `${stage}:${u}`).filter((m) => !base.shownTo.includes(m));
    if (marks.length === 0 && current) return undefined;
    return { ...base, shownTo: [...base.shownTo, ...marks], updatedAt: now.toISOString() };
  });
}

async function setRecord(
  deps: WatchDeps,
  record: ApprovalRecord,
  change: Partial<ApprovalState>,
  now: Date,
  status?: string,
): Promise<ApprovalRecord | undefined> {
  const { kind, id } = record.state.details;
  return deps.store.updateRecord(kind, id, (current) => {
    const base = current ?? record;
    return {
      ...base,
      state: { ...base.state, ...change },
      seenStatus: status ?? base.seenStatus,
      updatedAt: now.toISOString(),
    };
  });
}

/**
 * Requests that left pendingApproval: read how they ended and redraw their cards. Returns the keys to keep in the
 * index: a read that failed (or a status that still waits) is no outcome, so those are read again on the next tick.
 */
async function closeGone(
  deps: WatchDeps,
  hooks: WatchHooks,
  now: Date,
  gone: string[],
): Promise<{ closed: number; keep: Set<string> }> {
  const keep = new Set<string>();
  if (gone.length === 0) return { closed: 0, keep };
  const records = await deps.store.records(gone.map(refOf));
  const open = [...records.values()].filter((r) => !r.state.outcome);
  if (open.length === 0) return { closed: 0, keep };
  const app = deps.graph.forApp();
  const finals = await app.batch(
    open.map((r) => ({
      id: `${r.state.details.kind}:${r.state.details.id}`,
      method: 'GET' as const,
      url: finalReadUrl(r.state.details.kind, r.state.details.id),
    })),
  );
  let closed = 0;
  for (const [i, record] of open.entries()) {
    const { kind, id } = record.state.details;
    const final = finals[i];
    let outcome: ApprovalOutcome | 'pending' | undefined;
    if (final.status === 404) outcome = { kind: 'closed' };
    else if (final.status === 200) outcome = outcomeFromRequest(kind, final.body);
    if (outcome === 'pending') {
      keep.add(`${kind}:${id}`);
      continue;
    }
    const probed = await probeStages(deps, record, now);
    if (!outcome && !probed?.state.outcome) {
      deps.log.warn({ kind, request: id, status: final.status }, 'could not read how a request ended');
      if (!(await unconfirmedFor(deps, record, now))) {
        keep.add(`${kind}:${id}`);
        continue;
      }
      outcome = { kind: 'unconfirmed' };
    }
    const base = probed ?? record;
    // Stages that only say "closed" (a canceled request's stage: Completed, NotReviewed) yield to the request's status.
    const told = base.state.outcome && !(base.state.outcome.kind === 'closed' && outcome);
    const state = told ? base.state : { ...base.state, outcome: outcome as ApprovalOutcome };
    const updated = await setRecord(deps, record, state, now);
    closed += 1;
    await hooks.changed(updated ?? { ...record, state });
  }
  return { closed, keep };
}

/** True once the final status has been unreadable for the configured hours; notes when that started. */
async function unconfirmedFor(deps: WatchDeps, record: ApprovalRecord, now: Date): Promise<boolean> {
  const { kind, id } = record.state.details;
  const current = await deps.store.record(kind, id);
  const since = current?.unreadSince ?? record.unreadSince;
  if (since) return now.getTime() - Date.parse(since) >= deps.settings.unconfirmedAfterHours * 3600_000;
  await deps.store.updateRecord(kind, id, (c) => ({ ...(c ?? record), unreadSince: now.toISOString() }));
  return false;
}

/** At most this many known role approvers' lists are read per look (the longest-known first). */
const ROLE_APPROVERS_READ = 20;
const ROLE_APPROVERS_KEPT = 200;

/** Everyone a record's plan names as an approver, at any stage (escalation too). */
export function planApprovers(record: ApprovalRecord): string[] {
  return record.state.details.stages.flatMap((s) => [...s.approvers, ...s.escalationApprovers].map((p) => p.id));
}

/** People who approve Entra role activations (from plans and their own lists), whose lists the watcher reads. */
export async function rememberRoleApprovers(store: ApprovalStore, userIds: string[]): Promise<void> {
  const ids = [...new Set(userIds.map((id) => id.toLowerCase()).filter(Boolean))];
  if (ids.length === 0) return;
  await store.updateRoleApprovers((current) => {
    const fresh = ids.filter((id) => !current.userIds.includes(id));
    if (fresh.length === 0) return undefined;
    return { ...current, userIds: [...current.userIds, ...fresh].slice(-ROLE_APPROVERS_KEPT) };
  });
}

const ROLE_APPROVER_LIST =
  `${ROLE_ROOT}/roleAssignmentScheduleRequests/filterByCurrentUser(on='approver')` +
  `?$filter=${encodeURIComponent("status eq 'PendingApproval'")}&$expand=${ROLE_REQUEST_EXPAND}`;

/**
 * Entra role activations asked for outside Teams (ROLE_APPROVALS_BETA): every few minutes (APPROVAL_STAGE_PROBE_MINUTES)
 * the watcher reads the approver list of each person known to approve role activations, with their background token
 * (the app may not list role requests; README), and sends the card for each request it did not know yet.
 */
async function discoverRoles(
  deps: WatchDeps,
  hooks: WatchHooks,
  now: Date,
  previous: PendingIndex,
  summary: TickSummary,
): Promise<void> {
  if (!deps.settings.roleApprovals) return;
  const known = await deps.store.roleApprovers();
  const last = known.readAt ? Date.parse(known.readAt) : 0;
  if (known.userIds.length === 0 || now.getTime() - last < deps.settings.stageProbeMinutes * 60_000) return;
  await deps.store.updateRoleApprovers((current) => ({ ...current, readAt: now.toISOString() }));
  const seen = new Set<string>();
  for (const approverId of known.userIds.slice(0, ROLE_APPROVERS_READ)) {
    const approver = deps.graph.forBackgroundUser({ aadObjectId: approverId });
    let listed: RoleRequestJson[];
    try {
      listed = await approver.list<RoleRequestJson>(ROLE_APPROVER_LIST);
    } catch (err) {
      if (!(err instanceof SignInRequiredError))
        deps.log.debug({ err, kind: 'role' }, "could not read a role approver's list");
      continue;
    }
    const fresh = listed.filter((r) => {
      const id = (r.id ?? '').toLowerCase();
      if (!id || seen.has(id) || previous.requests[`role:${id}`] || !sameEnum(r.status, 'PendingApproval'))
        return false;
      seen.add(id);
      return true;
    });
    if (fresh.length === 0) continue;
    const stored = await deps.store.records(
      fresh.map((r) => ({ kind: 'role' as const, id: (r.id as string).toLowerCase() })),
    );
    const unknown = fresh.filter((r) => !stored.has(`role:${(r.id as string).toLowerCase()}`));
    const ctx: DetailsContext = {
      app: deps.graph.forApp(),
      user: approver,
      log: deps.log,
      pimPolicies: deps.pimPolicies,
      now,
    };
    const details = await loadDetails(ctx, [], [], unknown);
    const records: ApprovalRecord[] = [...stored.values()].filter((r) => !r.state.outcome);
    for (const d of details.values()) records.push(await saveNew(deps, newRecord(d, 'PendingApproval', now)));
    await followRoleRequests(
      deps.store,
      records.map((r) => r.state.details.id),
    );
    summary.added += unknown.length;
    for (const record of records) summary.notified += await notifyOpenStage(deps, hooks, record, now);
  }
}

/**
 * Entra role activations the bot was told wait for approval (submitted through the bot, or listed by an approver's
 * `approvals`), followed by the watcher from now on. Only with ROLE_APPROVALS_BETA.
 */
export async function followRoleRequests(store: ApprovalStore, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await store.updatePending((current) => {
    const fresh = ids.map((id) => `role:${id.toLowerCase()}`).filter((key) => !current.requests[key]);
    if (fresh.length === 0) return undefined;
    const requests = { ...current.requests };
    for (const key of fresh) requests[key] = { status: 'PendingApproval' };
    return { requests };
  });
}

/**
 * The followed Entra role activations (ROLE_APPROVALS_BETA): their approvers get the card, and each is read once a
 * tick with a person's token, never the app's (README: the app does not hold the role-request permission): the
 * approval's steps (beta) as one of its approvers, or else the request's status as its requester. A decided,
 * expired or canceled one redraws its cards and leaves the index; one that cannot be read now is read next tick.
 */
async function followRoles(
  deps: WatchDeps,
  hooks: WatchHooks,
  now: Date,
  previous: PendingIndex,
  summary: TickSummary,
): Promise<{ dropped: string[] }> {
  const keys = Object.keys(previous.requests).filter((key) => key.startsWith('role:'));
  if (keys.length === 0 || !deps.settings.roleApprovals) return { dropped: [] };
  const records = await deps.store.records(keys.map(refOf));
  const dropped = keys.filter((key) => !records.get(key) || records.get(key)?.state.outcome);
  for (const [key, record] of records) {
    if (record.state.outcome) continue;
    const read = await readRoleState(deps, record, now);
    const current = read ?? record;
    if (!current.state.outcome) {
      summary.pending += 1;
      summary.notified += await notifyOpenStage(deps, hooks, current, now);
      continue;
    }
    dropped.push(key);
    summary.closed += 1;
    await hooks.changed(current);
  }
  return { dropped };
}

/** The role request's state now, read as an approver (steps) or the requester (status); undefined if unread. */
async function readRoleState(deps: WatchDeps, record: ApprovalRecord, now: Date): Promise<ApprovalRecord | undefined> {
  const { id } = record.state.details;
  const at = now.toISOString();
  let closed = false;
  for (const reader of approversOf(record)) {
    try {
      const approval = await readApproval(
        deps.segments ?? new StageSegments(),
        deps.graph.forBackgroundUser({ aadObjectId: reader.id }),
        'role',
        id,
      );
      const stages = stagesOf(approval);
      // Steps that only say "closed" (a canceled request's step: Completed, NotReviewed): the request's status says how.
      closed = applyStages(record.state, stages, at).outcome?.kind === 'closed';
      if (closed) break;
      const updated = await deps.store.updateRecord('role', id, (current) => {
        const base = current ?? record;
        const state = applyStages(base.state, stages, at);
        if (JSON.stringify(state) === JSON.stringify(base.state)) return undefined;
        return { ...base, state, probedAt: at, updatedAt: at };
      });
      return updated ?? record;
    } catch (err) {
      if (err instanceof SignInRequiredError) continue;
      deps.log.debug({ err, kind: 'role', request: id }, 'could not read a role approval as an approver');
      break;
    }
  }
  try {
    const requester = deps.graph.forBackgroundUser({ aadObjectId: record.state.details.requester.id });
    const outcome = outcomeFromRequest('role', await requester.get(finalReadUrl('role', id)));
    if (outcome && outcome !== 'pending') return await setRecord(deps, record, { outcome }, now);
  } catch (err) {
    if (!(err instanceof SignInRequiredError))
      deps.log.debug({ err, kind: 'role', request: id }, 'could not read a role request as its requester');
  }
  return closed ? await setRecord(deps, record, { outcome: { kind: 'closed' } }, now) : undefined;
}

function refOf(key: string): { kind: ApprovalKind; id: string } {
  const at = key.indexOf(':');
  return { kind: approvalKindOf(key.slice(0, at)) ?? 'em', id: key.slice(at + 1) };
}
