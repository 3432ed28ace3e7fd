import { readApproval } from '../approvals/decide.js';
import { type ApprovalJson, approvalPath } from '../approvals/graphShapes.js';
import { StageSegments } from '../approvals/segment.js';
import { type StageInfo, stagesOf } from '../approvals/stages.js';
import type { GraphFacade } from '../graph/client.js';
import { GraphRequestError } from '../graph/errors.js';
import type { ApprovalKind } from '../model/approvals.js';
import type { RequestDecisions, RequestState, StageDecisionView } from '../model/entitlement.js';

/**
 * Who decided a request and why, read with the REQUESTER's own token: the request's approval with its stages,
 * `reviewedBy`, `reviewResult` and `justification` (GRAPH-API.md §3.9, §4.11, §6.9). For an access package request
 * the approval id is the request id; for a PIM activation it is the request's `approvalId`. Only what Graph shows the
 * requester reaches the requester's cards; where Graph refuses them (403) or has no approval (404), the cards say
 * where it was decided (My Access, the PIM portal).
 */

const approvalUrl = (requestId: string) => `${approvalPath('em', requestId)}?$expand=stages`;

/** States reached through an approver's decision (for a policy that asks for one). */
const APPROVED: ReadonlySet<RequestState> = new Set(['scheduled', 'delivering', 'delivered', 'partiallyDelivered']);

/**
 * Whether a request's cards name who decided: denied ones always, approved ones when the policy asked for approval
 * (or when that is unknown). Expiry, cancellation and failed delivery say that instead.
 */
export function hasDecisions(state: RequestState, approvalRequired: boolean | undefined): boolean {
  if (state === 'denied') return true;
  return APPROVED.has(state) && approvalRequired !== false;
}

export function decisionsOf(approval: ApprovalJson | undefined): RequestDecisions {
  return { kind: 'read', stages: stagesOf(approval).flatMap(toDecision) };
}

function toDecision(stage: StageInfo): StageDecisionView[] {
  const result = stage.result === 'Approved' ? 'approved' : stage.result === 'Denied' ? 'denied' : undefined;
  if (!result) return stage.status === 'Expired' ? [{ stage: stage.index, result: 'expired' }] : [];
  const view: StageDecisionView = { stage: stage.index, result };
  if (stage.by) view.by = stage.by.displayName;
  if (stage.reason?.trim()) view.reason = stage.reason.trim();
  if (stage.at) view.at = stage.at;
  return [view];
}

/** Graph refuses or lacks the approval for this reader: asking again will not change that. */
export function isSettledRefusal(err: unknown): boolean {
  return err instanceof GraphRequestError && (err.status === 403 || err.status === 404);
}

/**
 * One approval's decisions, with the requester's token: one GET with its stages inline (`segments` says where this
 * tenant keeps PIM stages). Errors other than a refusal are thrown (retry later).
 */
export async function readDecisions(
  requester: GraphFacade,
  approvalId: string,
  kind: ApprovalKind = 'em',
  segments: StageSegments = new StageSegments(),
): Promise<RequestDecisions> {
  try {
    return decisionsOf(await readApproval(segments, requester, kind, approvalId));
  } catch (err) {
    if (isSettledRefusal(err)) return { kind: 'unreadable' };
    throw err;
  }
}

/** Many requests' decisions in `$batch` calls of 20, with the requester's token; an item Graph refused is unreadable. */
export async function readManyDecisions(
  requester: GraphFacade,
  requestIds: string[],
): Promise<Map<string, RequestDecisions>> {
  if (requestIds.length === 0) return new Map();
  const results = await requester.batch(requestIds.map((id) => ({ id, method: 'GET' as const, url: approvalUrl(id) })));
  return new Map(
    results.map((r) => [
      r.id,
      r.status >= 200 && r.status < 300 ? decisionsOf(r.body as ApprovalJson) : ({ kind: 'unreadable' } as const),
    ]),
  );
}
