import type { BatchItemResult, BatchRequest, GraphFacade } from '../graph/client.js';
import { DomainError, GraphRequestError, toDomainError } from '../graph/errors.js';
import type { Logger } from '../log.js';
import type { ApprovalKind, ApprovalState, PersonRef, StageResult } from '../model/approvals.js';
import { type ApprovalJson, approvalPath, approvalVersion, stagePath } from './graphShapes.js';
import { StageSegments } from './segment.js';
import { applyStages, pickMyStage, type StageInfo, stagesOf, withDecision } from './stages.js';
import type { ApprovalRecord, ApprovalStore, HolderMark, OperationRecord, StageLock, Stored } from './store.js';

/**
 * Records an approver's decision with their own token: GET the approval, pick the stage that is in progress and
 * assigned to them, PATCH it (GRAPH-API.md 4.11, 4.12, 6.9). Double clicks, Teams retries and two approvers at the
 * same moment end in exactly one PATCH: the click's operation key and a per-stage lock are written to storage first.
 */

export type Decision = 'Approve' | 'Deny';

export interface DecisionInput {
  kind: ApprovalKind;
  id: string;
  decision: Decision;
  reason?: string;
  /** The stage number the card showed; when another stage is open now, the card is out of date and nothing is written. */
  cardStage?: number;
}

export type DecisionOutcome =
  | { kind: 'recorded'; state: ApprovalState; result: StageResult; stage: number; nextApprovers: PersonRef[] }
  /** The same click (operation) was already handled; the record shows its result. */
  | { kind: 'repeat' }
  | { kind: 'alreadyDecided'; state?: ApprovalState; by?: PersonRef; at?: string; result?: StageResult | 'Expired' }
  | { kind: 'inProgress'; by: PersonRef }
  | { kind: 'notApprover' }
  | { kind: 'notYourStage'; state: ApprovalState; stage: number }
  | { kind: 'ownRequest' }
  | { kind: 'movedOn'; state: ApprovalState; stage: number }
  | { kind: 'reasonRequired'; stage: number }
  | { kind: 'notFound' }
  | { kind: 'failed'; error: DomainError };

export interface DecisionDeps {
  store: ApprovalStore;
  log: Logger;
  now: () => Date;
  /** How long a click waits for a concurrent one (same person or another approver) to finish; default 3 s. */
  waitMs?: number;
  /** Which segment PIM approval stages live under on this tenant (remembered across calls). */
  segments?: StageSegments;
  /**
   * This bot process (bot/proactive/identity.ts). A click or lock written by an earlier process of the same instance
   * belongs to a process that died, so it is taken over at once instead of after 30 s.
   */
  identity?: HolderMark;
}

const STALE_MS = 30_000;
const POLL_MS = 40;

export async function decide(
  deps: DecisionDeps,
  graph: GraphFacade,
  me: PersonRef,
  record: ApprovalRecord,
  input: DecisionInput,
  op: string,
): Promise<DecisionOutcome> {
  const gate = await enterOperation(deps, me, op);
  if (gate !== 'go') {
    if (gate.kind !== 'inProgress' && gate.kind !== 'abandoned') return gate;
    const settled = await settleInFlight(deps, graph, me, record, input, op);
    if (settled) return settled;
    // Graph has no decision of theirs yet: a dead process's click is taken over (a PATCH of its that still lands
    // makes ours a 409, answered as "already decided"); a live one is still being recorded.
    const retaken =
      gate.kind === 'abandoned' &&
      (await deps.store.retakeOperation(op, me.id, gate.seen, deps.now().toISOString(), deps.identity));
    if (!retaken) return { kind: 'inProgress', by: me };
  }
  let outcome: DecisionOutcome = { kind: 'notFound' };
  try {
    outcome = await decideOnce(deps, graph, me, record, input);
    return outcome;
  } finally {
    await leaveOperation(deps, me, op, outcome.kind === 'recorded');
  }
}

async function decideOnce(
  deps: DecisionDeps,
  graph: GraphFacade,
  me: PersonRef,
  record: ApprovalRecord,
  input: DecisionInput,
): Promise<DecisionOutcome> {
  if (record.state.details.requester.id === me.id) return { kind: 'ownRequest' };
  const segments = segmentsOf(deps);
  let approval: ApprovalJson;
  try {
    approval = await readApproval(segments, graph, input.kind, input.id);
  } catch (err) {
    return failure(err, input);
  }
  const plan = await planDecision(deps, me, record, input, stagesOf(approval));
  if (plan.kind !== 'patch') return plan.outcome;
  const body = { reviewResult: input.decision, justification: input.reason ?? '' };
  try {
    await graph.patch(stagePath(input.kind, input.id, plan.stage.id, segments.of(input.kind)), body, {
      version: approvalVersion(input.kind),
    });
  } catch (err) {
    return afterFailedPatch(deps, graph, record, input, plan, err);
  }
  return afterPatch(deps, me, record, input, plan);
}

/**
 * This click is still marked as being recorded: it either runs right now elsewhere, or its process died around its
 * PATCH. The stages, read with the clicker's own token, tell which: a stage this person decided means the decision
 * reached Graph, so the lock, the record and the operation are settled now and the card shows it, instead of "being
 * recorded" until the mark goes stale. Undefined when Graph shows no decision of theirs (or could not be read).
 */
async function settleInFlight(
  deps: DecisionDeps,
  graph: GraphFacade,
  me: PersonRef,
  record: ApprovalRecord,
  input: DecisionInput,
  op: string,
): Promise<DecisionOutcome | undefined> {
  let stages: StageInfo[];
  try {
    stages = stagesOf(await readApproval(segmentsOf(deps), graph, input.kind, input.id));
  } catch {
    return undefined;
  }
  const decidedByMe = stages.filter((s) => s.result && s.by?.id === me.id);
  const stage = decidedByMe.find((s) => s.index === input.cardStage) ?? decidedByMe.at(-1);
  if (!stage?.result) return undefined;
  const now = deps.now().toISOString();
  const lock = await deps.store.lock(input.kind, input.id, stage.id);
  if (lock && lock.value.userId === me.id && lock.value.status === 'deciding') {
    await deps.store.settleLock(input.kind, input.id, stage.id, { ...lock.value, status: 'decided', at: now });
  }
  await deps.store.finishOperation(op, me.id, now);
  const state = await syncRecord(deps, input, record, stages, now);
  deps.log.info({ kind: input.kind, request: input.id, stage: stage.index }, 'in-flight decision found in Graph');
  if (stage.result !== resultOf(input.decision)) {
    return { kind: 'alreadyDecided', state, by: stage.by, at: stage.at, result: stage.result };
  }
  const opened = !state.outcome && state.currentStage !== stage.index;
  const nextApprovers = opened ? (state.details.stages[state.currentStage - 1]?.approvers ?? []) : [];
  return { kind: 'recorded', state, result: stage.result, stage: stage.index, nextApprovers };
}

const resultOf = (decision: Decision): StageResult => (decision === 'Approve' ? 'Approved' : 'Denied');

interface PatchPlan {
  kind: 'patch';
  stage: StageInfo;
  stages: StageInfo[];
  lock: StageLock;
}

type Plan = PatchPlan | { kind: 'answer'; outcome: DecisionOutcome };

/** From the stages Graph showed to either "PATCH this stage" (lock taken) or an answer without any write. */
async function planDecision(
  deps: DecisionDeps,
  me: PersonRef,
  record: ApprovalRecord,
  input: DecisionInput,
  stages: StageInfo[],
): Promise<Plan> {
  const now = deps.now().toISOString();
  const pick = pickMyStage(stages);
  const answer = (outcome: DecisionOutcome): Plan => ({ kind: 'answer', outcome });
  if (pick.kind === 'closed') {
    const state = await syncRecord(deps, input, record, stages, now);
    const last = pick.last;
    return answer({
      kind: 'alreadyDecided',
      state,
      by: last?.by,
      at: last?.at,
      result: last?.result ?? (last?.status === 'Expired' ? 'Expired' : undefined),
    });
  }
  if (pick.kind === 'notMine') {
    if (stages.every((s) => !s.assignedToMe) && !stages.some((s) => s.by?.id === me.id)) {
      return answer({ kind: 'notApprover' });
    }
    const state = await syncRecord(deps, input, record, stages, now);
    return answer({ kind: 'notYourStage', state, stage: pick.stage.index });
  }
  const stage = pick.stage;
  if (input.cardStage !== undefined && input.cardStage !== stage.index) {
    const state = await syncRecord(deps, input, record, stages, now);
    return answer({ kind: 'movedOn', state, stage: stage.index });
  }
  if (record.state.details.stages[stage.index - 1]?.justificationRequired && !input.reason?.trim()) {
    return answer({ kind: 'reasonRequired', stage: stage.index });
  }
  const lock: StageLock = {
    userId: me.id,
    userName: me.displayName,
    decision: input.decision,
    status: 'deciding',
    at: now,
    ...(deps.identity ? { holder: deps.identity } : {}),
  };
  const held = await acquireLock(deps, input, stage.id, lock);
  if (held !== 'mine') return answer(held);
  return { kind: 'patch', stage, stages, lock };
}

async function afterPatch(
  deps: DecisionDeps,
  me: PersonRef,
  record: ApprovalRecord,
  input: DecisionInput,
  plan: PatchPlan,
): Promise<DecisionOutcome> {
  const now = deps.now().toISOString();
  const result = resultOf(input.decision);
  await deps.store.settleLock(input.kind, input.id, plan.stage.id, { ...plan.lock, status: 'decided', at: now });
  const stages = withDecision(plan.stages, plan.stage.id, result, me, now, input.reason);
  const state = (await syncRecord(deps, input, record, stages, now)) ?? applyStages(record.state, stages, now);
  const opened = !state.outcome && state.currentStage !== plan.stage.index;
  const nextApprovers = opened ? (state.details.stages[state.currentStage - 1]?.approvers ?? []) : [];
  deps.log.info({ kind: input.kind, request: input.id, stage: plan.stage.index, result }, 'approval decision recorded');
  return { kind: 'recorded', state, result, stage: plan.stage.index, nextApprovers };
}

async function afterFailedPatch(
  deps: DecisionDeps,
  graph: GraphFacade,
  record: ApprovalRecord,
  input: DecisionInput,
  plan: PatchPlan,
  err: unknown,
): Promise<DecisionOutcome> {
  await deps.store.releaseLock(input.kind, input.id, plan.stage.id);
  if (!(err instanceof GraphRequestError) || err.status !== 409) return failure(err, input);
  // Someone decided this stage outside the bot just before us: one more read says who.
  try {
    const stages = stagesOf(await readApproval(segmentsOf(deps), graph, input.kind, input.id));
    const state = await syncRecord(deps, input, record, stages, deps.now().toISOString());
    const decided = stages.find((s) => s.id === plan.stage.id);
    return { kind: 'alreadyDecided', state, by: decided?.by, at: decided?.at, result: decided?.result };
  } catch {
    return { kind: 'alreadyDecided' };
  }
}

const fallbackSegments = new WeakMap<object, StageSegments>();

function segmentsOf(deps: DecisionDeps): StageSegments {
  if (deps.segments) return deps.segments;
  let known = fallbackSegments.get(deps);
  if (!known) {
    known = new StageSegments();
    fallbackSegments.set(deps, known);
  }
  return known;
}

/** The approval with its stages, as the caller (stages are readable with an approver's delegated token only). */
export function readApproval(
  segments: StageSegments,
  graph: GraphFacade,
  kind: ApprovalKind,
  id: string,
): Promise<ApprovalJson> {
  // Beta role approvals show their `steps` inline (the docs' GET has no `$expand`).
  if (kind === 'role') return graph.get<ApprovalJson>(approvalPath(kind, id), { version: 'beta' });
  return segments.use(kind, (segment) =>
    graph.get<ApprovalJson>(approvalPath(kind, id), { query: { $expand: segment } }),
  );
}

function failure(err: unknown, input: DecisionInput): DecisionOutcome {
  if (err instanceof GraphRequestError) {
    if (err.status === 403) return { kind: 'notApprover' };
    if (err.status === 404) return { kind: 'notFound' };
    if (err.status === 400 && /justification/i.test(err.code)) return { kind: 'reasonRequired', stage: 0 };
    // Entra role approvals are beta (ROLE_APPROVALS_BETA): a refusal there is most likely the API changing, not input.
    if (err.status === 400 && input.kind === 'role') return { kind: 'failed', error: betaRefused(err) };
  }
  const action = input.decision === 'Approve' ? 'approve this request' : 'deny this request';
  return { kind: 'failed', error: toDomainError(err, { action }) };
}

function betaRefused(err: GraphRequestError): DomainError {
  return new DomainError({
    kind: 'badRequest',
    userMessage:
      "Microsoft Graph's beta API for Microsoft Entra role approvals refused the decision; Microsoft may have changed it.",
    nextStep:
      'Decide this request in the Microsoft Entra admin center (Privileged Identity Management › Approve requests).',
    status: err.status,
    graphCode: err.code,
  });
}

async function syncRecord(
  deps: DecisionDeps,
  input: DecisionInput,
  record: ApprovalRecord,
  stages: StageInfo[],
  now: string,
): Promise<ApprovalState> {
  const updated = await deps.store.updateRecord(input.kind, input.id, (current) => {
    const base = current ?? record;
    return { ...base, state: applyStages(base.state, stages, now), updatedAt: now };
  });
  return updated?.state ?? applyStages(record.state, stages, now);
}

type LockAnswer = 'mine' | Extract<DecisionOutcome, { kind: 'alreadyDecided' | 'inProgress' }>;

async function acquireLock(
  deps: DecisionDeps,
  input: DecisionInput,
  stageId: string,
  lock: StageLock,
): Promise<LockAnswer> {
  const { store } = deps;
  if (await store.takeLock(input.kind, input.id, stageId, lock)) return 'mine';
  const deadline = Date.now() + (deps.waitMs ?? 3000);
  for (;;) {
    const seen = await store.lock(input.kind, input.id, stageId);
    if (!seen) {
      if (await store.takeLock(input.kind, input.id, stageId, lock)) return 'mine';
      continue;
    }
    const holder = { id: seen.value.userId, displayName: seen.value.userName };
    if (seen.value.status === 'decided') {
      const result: StageResult = seen.value.decision === 'Approve' ? 'Approved' : 'Denied';
      return { kind: 'alreadyDecided', by: holder, at: seen.value.at, result };
    }
    if (abandoned(deps, seen.value)) {
      if (await store.retakeLock(input.kind, input.id, stageId, seen, lock)) return 'mine';
      continue;
    }
    if (Date.now() > deadline) return { kind: 'inProgress', by: holder };
    await sleep(POLL_MS);
  }
}

/** A started click of a process that died (an earlier one of this instance); it may have reached Graph. */
type Abandoned = { kind: 'abandoned'; seen: Stored<OperationRecord> };

/**
 * 'go' when this click is new (or took over a stale one); `abandoned` at once for a dead process's click; otherwise
 * what to answer without doing anything.
 */
async function enterOperation(
  deps: DecisionDeps,
  me: PersonRef,
  op: string,
): Promise<'go' | Abandoned | DecisionOutcome> {
  const { store } = deps;
  if (await store.startOperation(op, me.id, deps.now().toISOString(), deps.identity)) return 'go';
  const deadline = Date.now() + (deps.waitMs ?? 3000);
  for (;;) {
    const seen = await store.operation(op, me.id);
    if (!seen) {
      if (await store.startOperation(op, me.id, deps.now().toISOString(), deps.identity)) return 'go';
      continue;
    }
    if (seen.value.status === 'done') return { kind: 'repeat' };
    if (isStale(seen.value.at, deps.now())) {
      if (await store.retakeOperation(op, me.id, seen, deps.now().toISOString(), deps.identity)) return 'go';
      continue;
    }
    if (diedWith(deps, seen.value)) return { kind: 'abandoned', seen };
    if (Date.now() > deadline) return { kind: 'inProgress', by: me };
    await sleep(POLL_MS);
  }
}

async function leaveOperation(deps: DecisionDeps, me: PersonRef, op: string, wrote: boolean): Promise<void> {
  if (wrote) await deps.store.finishOperation(op, me.id, deps.now().toISOString());
  else await deps.store.abandonOperation(op, me.id);
}

/** Written by an earlier process of this bot instance: that process is gone (only one runs per instance). */
function diedWith(deps: DecisionDeps, mark: { holder?: HolderMark }): boolean {
  const me = deps.identity;
  return !!me && !!mark.holder && mark.holder.instance === me.instance && mark.holder.incarnation < me.incarnation;
}

function abandoned(deps: DecisionDeps, mark: { at: string; holder?: HolderMark }): boolean {
  return isStale(mark.at, deps.now()) || diedWith(deps, mark);
}

function isStale(at: string, now: Date): boolean {
  const started = Date.parse(at);
  return Number.isNaN(started) || now.getTime() - started > STALE_MS;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** One item of "Approve all shown". */
export interface BulkItem {
  record: ApprovalRecord;
  cardStage?: number;
}

export type BulkOutcome = { item: BulkItem; outcome: DecisionOutcome };

/**
 * Approves several requests with one `$batch` of GETs and one of PATCHes (two round trips however many), with the
 * same checks and locks as a single decision. Requests whose stage needs a reason are left for their own card.
 */
export async function approveMany(
  deps: DecisionDeps,
  graph: GraphFacade,
  me: PersonRef,
  items: BulkItem[],
  op: string,
): Promise<BulkOutcome[] | 'repeat' | 'inProgress'> {
  const gate = await enterOperation(deps, me, op);
  if (gate !== 'go') {
    if (gate.kind !== 'abandoned') return gate.kind === 'repeat' ? 'repeat' : 'inProgress';
    // Locks stay per stage: a request the dead click approved shows as decided, the others are approved now.
    const now = deps.now().toISOString();
    if (!(await deps.store.retakeOperation(op, me.id, gate.seen, now, deps.identity))) return 'inProgress';
  }
  let wrote = false;
  try {
    const outcomes = await approveManyOnce(deps, graph, me, items);
    wrote = outcomes.some((o) => o.outcome.kind === 'recorded');
    return outcomes;
  } finally {
    await leaveOperation(deps, me, op, wrote);
  }
}

async function approveManyOnce(
  deps: DecisionDeps,
  graph: GraphFacade,
  me: PersonRef,
  items: BulkItem[],
): Promise<BulkOutcome[]> {
  const inputOf = (item: BulkItem): DecisionInput => ({
    kind: item.record.state.details.kind,
    id: item.record.state.details.id,
    decision: 'Approve',
    cardStage: item.cardStage,
  });
  const outcomes = new Map<BulkItem, DecisionOutcome>();
  const toRead = items.filter((item) => {
    if (item.record.state.details.requester.id !== me.id) return true;
    outcomes.set(item, { kind: 'ownRequest' });
    return false;
  });
  const segments = segmentsOf(deps);
  const firstPim = toRead.find((item) => item.record.state.details.kind === 'pim');
  // One single read finds out where this tenant keeps PIM stages before the batch relies on it.
  if (firstPim && !segments.known) {
    await readApproval(segments, graph, 'pim', firstPim.record.state.details.id).catch(() => undefined);
  }
  const reads = await batchByVersion(
    graph,
    toRead.map((item, i) => {
      const { kind, id } = inputOf(item);
      const url = approvalPath(kind, id);
      return { id: `g${i}`, method: 'GET', url: kind === 'role' ? url : `${url}?$expand=${segments.of(kind)}` };
    }),
    toRead.map((item) => approvalVersion(inputOf(item).kind)),
  );
  const plans = new Map<BulkItem, PatchPlan>();
  for (const [i, item] of toRead.entries()) {
    const read = reads[i];
    if (read.status !== 200) {
      outcomes.set(item, failure(batchError(read.status, read.body, 'GET'), inputOf(item)));
      continue;
    }
    const plan = await planDecision(deps, me, item.record, inputOf(item), stagesOf(read.body as ApprovalJson));
    if (plan.kind === 'patch') plans.set(item, plan);
    else outcomes.set(item, plan.outcome);
  }
  const patching = [...plans.entries()];
  const patches: BatchRequest[] = patching.map(([item, plan], i) => ({
    id: `p${i}`,
    method: 'PATCH',
    url: stagePath(inputOf(item).kind, inputOf(item).id, plan.stage.id, segments.of(inputOf(item).kind)),
    body: { reviewResult: 'Approve', justification: '' },
  }));
  const written = await batchByVersion(
    graph,
    patches,
    patching.map(([item]) => approvalVersion(inputOf(item).kind)),
  );
  for (const [i, [item, plan]] of patching.entries()) {
    const status = written[i]?.status ?? 502;
    const outcome =
      status >= 200 && status < 300
        ? await afterPatch(deps, me, item.record, inputOf(item), plan)
        : await afterFailedPatch(
            deps,
            graph,
            item.record,
            inputOf(item),
            plan,
            batchError(status, written[i]?.body, 'PATCH'),
          );
    outcomes.set(item, outcome);
  }
  return items.map((item) => ({ item, outcome: outcomes.get(item) ?? { kind: 'notFound' } }));
}

/**
 * One `$batch` per Graph version (a batch is sent to one version's root): beta role approvals apart from the rest.
 * Results in request order; a version with no request costs no round trip.
 */
async function batchByVersion(
  graph: GraphFacade,
  requests: BatchRequest[],
  versions: ('v1.0' | 'beta')[],
): Promise<BatchItemResult[]> {
  const out: BatchItemResult[] = new Array(requests.length);
  for (const version of ['v1.0', 'beta'] as const) {
    const at = requests.map((_, i) => i).filter((i) => versions[i] === version);
    if (at.length === 0) continue;
    const results = await graph.batch(
      at.map((i) => requests[i]),
      { version },
    );
    for (const [n, i] of at.entries()) out[i] = results[n];
  }
  return out;
}

function batchError(status: number, body: unknown, method: string): GraphRequestError {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  return new GraphRequestError({
    status,
    code: typeof error?.code === 'string' ? error.code : undefined,
    graphMessage: typeof error?.message === 'string' ? error.message : undefined,
    method,
    path: '$batch item',
  });
}
