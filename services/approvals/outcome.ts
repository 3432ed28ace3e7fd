import type { ApprovalKind, ApprovalOutcome } from '../model/approvals.js';
import { requestPath } from './graphShapes.js';

/**
 * How a request that left the pending list ended, from its app-readable state/status (who decided is not readable
 * app-only). Every documented value is mapped; anything else is `unknown`, never `approved`.
 */

/** Each type's own properties (v1.0 CSDL): a PIM request has no `state`, and Graph answers 400 to selecting it. */
const FINAL_SELECT: Record<ApprovalKind, string> = {
  em: 'id,state,status,completedDateTime',
  pim: 'id,status,completedDateTime',
  role: 'id,status,completedDateTime',
};

export function finalReadUrl(kind: ApprovalKind, id: string): string {
  return `${requestPath(kind, id)}?$select=${FINAL_SELECT[kind]}`;
}

type Mapped = ApprovalOutcome['kind'] | 'pending';

/**
 * PIM request `status` (groups and Entra roles share the enum; GRAPH-API.md 6.6: the `request` values and the rest of the role-management status enum),
 * lower-cased. The approval is over once the request is granted or being provisioned.
 */
const PIM_STATUS: Record<string, Mapped> = {
  pendingapproval: 'pending',
  pendingadmindecision: 'pending',
  granted: 'approved',
  adminapproved: 'approved',
  provisioned: 'approved',
  pendingprovisioning: 'approved',
  pendingexternalprovisioning: 'approved',
  pendingschedulecreation: 'approved',
  schedulecreated: 'approved',
  denied: 'denied',
  admindenied: 'denied',
  canceled: 'canceled',
  timedout: 'expired',
  revoked: 'revoked',
  pendingrevocation: 'revoked',
  failed: 'failed',
  failedasresourceislocked: 'failed',
  invalid: 'failed',
};

/** EM request `state` (accessPackageRequestState, GRAPH-API.md 4.5): delivery after approval counts as approved. */
const EM_STATE: Record<string, Mapped> = {
  submitted: 'pending',
  pendingapproval: 'pending',
  delivering: 'approved',
  delivered: 'approved',
  partiallydelivered: 'approved',
  scheduled: 'approved',
  deliveryfailed: 'failed',
  denied: 'denied',
  canceled: 'canceled',
};

interface RequestFinal {
  id?: string | null;
  state?: string | null;
  status?: string | null;
  completedDateTime?: string | null;
}

/**
 * The outcome of a request read back after it left the pending list: `pending` while Graph still says it waits,
 * undefined when the body is not a request (an error body is never an outcome).
 */
export function outcomeFromRequest(kind: ApprovalKind, body: unknown): ApprovalOutcome | 'pending' | undefined {
  const r = (body ?? {}) as RequestFinal;
  if (typeof r !== 'object' || typeof r.id !== 'string') return undefined;
  const at = r.completedDateTime ?? undefined;
  const status = (r.status ?? '').trim();
  if (kind === 'em') {
    // An expired EM request shows `denied` (or `canceled`) with a status that says it timed out.
    if (/expired|timedout|timeout/i.test(status)) return { kind: 'expired', at };
    return fromMap(EM_STATE, r.state ?? '', at);
  }
  return fromMap(PIM_STATUS, status, at);
}

function fromMap(map: Record<string, Mapped>, value: string, at: string | undefined): ApprovalOutcome | 'pending' {
  const mapped = map[value.trim().toLowerCase()];
  if (mapped === 'pending') return 'pending';
  if (!mapped) return { kind: 'unknown', at, status: value.trim() || undefined };
  return { kind: mapped, at };
}
