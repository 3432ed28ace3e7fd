import { readDecisions } from '../../../services/entitlement/decisions.js';
import type { ActingUser, BotServices } from '../../services.js';
import { approverContext } from '../approver/context.js';
import { type ActivationRecord, awaitsDecisions, changeRecord, FINAL_PHASES } from './store.js';

/**
 * Who approved or denied an activation and why, read with the REQUESTER's token (their turn when they are the one
 * acting, else their background token): the activation request's approval (`assignmentApprovals/{approvalId}`, with
 * its stages; GRAPH-API.md §6.9), or for an Entra role with ROLE_APPROVALS_BETA the beta `roleAssignmentApprovals/{id}`. One GET, only once the activation has moved from waiting to decided, kept with the
 * record. A refusal (403: the docs say approvers make this read) is kept too and the card says it was decided in the
 * PIM portal; a read that could not be made now (no background token, Graph busy) is tried again later.
 */
export async function withDecisions(
  app: BotServices,
  record: ActivationRecord,
  actor?: ActingUser,
): Promise<ActivationRecord> {
  if (!awaitsDecisions(record) || !record.approvalId) return record;
  const requester =
    actor?.aadObjectId === record.userAadObjectId
      ? app.graph.forUser(actor)
      : app.graph.forBackgroundUser({ aadObjectId: record.userAadObjectId });
  try {
    // An Entra role's approval is read from beta, only with ROLE_APPROVALS_BETA (off: as before, the PIM portal).
    const context = approverContext(app);
    const kind = record.directoryScopeId !== undefined && context.settings.roleApprovals ? 'role' : 'pim';
    const decisions = await readDecisions(requester, record.approvalId, kind, context.segments);
    return (await changeRecord(app, record.requestId, () => ({ decisions }))) ?? { ...record, decisions };
  } catch (err) {
    app.log.debug(
      { requestId: record.requestId, reason: (err as Error)?.name },
      'could not read who decided an activation',
    );
    return record;
  }
}

/** How long after its last change a decided (final) activation's unread decision is still tried again. */
const RETRY_FINAL_MS = 3600_000;

/** A final activation (denied) whose decision could not be read at the time: worth one more read now. */
export function decisionsStillWanted(record: ActivationRecord, now: Date): boolean {
  return (
    FINAL_PHASES.has(record.phase) &&
    awaitsDecisions(record) &&
    now.getTime() - Date.parse(record.updatedAt) < RETRY_FINAL_MS
  );
}
