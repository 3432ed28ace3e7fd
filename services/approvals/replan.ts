import type { ApprovalDetails } from '../model/approvals.js';
import type { ApprovalRecord } from './store.js';

/** Whether a stored plan was built while an approver lookup failed, so it is resolved again on the next read. */
export function hasIncompletePlan(details: ApprovalDetails): boolean {
  return details.stages.some((stage) => stage.incomplete);
}

/** The record with details read again, when they were incomplete and the new read is there; else as it was. */
export function replanned(record: ApprovalRecord, fresh: ApprovalDetails | undefined): ApprovalRecord {
  if (!fresh || !hasIncompletePlan(record.state.details)) return record;
  return { ...record, state: { ...record.state, details: fresh } };
}
