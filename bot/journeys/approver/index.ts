import type { Journey } from '../journey.js';
import { approveAction, approveAllAction, denyAction } from './decisions.js';
import { approvalsCommand, listApprovalsAction } from './listing.js';
import { refreshApprovalAction, remindApproversAction } from './refresh.js';
import { reviewApproveAllAction } from './review.js';
import { approvalDigestAction, approvalDigestSource, approvalSubjectKind, approvalWatchSource } from './sources.js';

export { rememberPimGroup } from '../../../services/approvals/watch.js';
export { approvalSubject } from './render.js';

/**
 * The approver journey (issue #7): approval cards for access package requests and PIM group activations arrive by
 * themselves, Approve/Deny decide with the approver's own token, and every copy (other approvers', the requester's)
 * shows the outcome wherever the decision was made. "approvals" lists what waits; reminders and a daily digest.
 */
export const approverJourney: Journey = {
  name: 'approver',
  actions: [
    approveAction,
    denyAction,
    approveAllAction,
    reviewApproveAllAction,
    listApprovalsAction,
    approvalDigestAction,
    refreshApprovalAction,
    remindApproversAction,
  ],
  commands: [approvalsCommand],
  subjects: (app) => [approvalSubjectKind(app)],
  watchSources: (app) => [approvalWatchSource(app), approvalDigestSource(app)],
};
