import { errorCard } from '../../../cards/errorCard.js';
import { Verbs } from '../../../cards/verbs.js';
import type { ApprovalRecord } from '../../../services/approvals/store.js';
import type { ApprovalKind } from '../../../services/model/approvals.js';

/**
 * Who may see an approval's stored (app-read) record on a card. A card shows a person only what Graph lets that
 * person read, so the record is drawn only for someone shown to belong to the request: its requester, anyone among
 * the approvers (or deciders) the record holds, or someone whose own delegated read of the approval succeeded.
 */
export function mayViewRecord(record: ApprovalRecord, viewerId: string): boolean {
  const viewer = viewerId.toLowerCase();
  if (!viewer) return false;
  const { details, decisions } = record.state;
  if (details.requester.id.toLowerCase() === viewer) return true;
  if (record.readers?.includes(viewer)) return true;
  const people = [
    ...details.stages.flatMap((s) => [...s.approvers, ...s.escalationApprovers]),
    ...decisions.flatMap((d) => (d.by ? [d.by] : [])),
  ];
  return people.some((p) => p.id.toLowerCase() === viewer);
}

/** The record with `viewerId` remembered as someone whose own read succeeded; undefined when already known. */
export function withReader(record: ApprovalRecord, viewerId: string): ApprovalRecord | undefined {
  const viewer = viewerId.toLowerCase();
  if (!viewer || record.readers?.includes(viewer)) return undefined;
  return { ...record, readers: [...(record.readers ?? []), viewer] };
}

/** The whole answer for someone who is neither requester nor approver: nothing about the request itself. */
export function notYourApprovalCard() {
  return errorCard({
    title: 'This approval is not yours',
    message: 'Only the person who asked and the approvers of this request can see it.',
    nextStep: 'Type **approvals** to see what waits for your decision.',
    retry: { title: 'Show my approvals', verb: Verbs.listApprovals },
  });
}

/** A read that failed (Graph busy or down) proves nothing either way, so nothing of the record is shown. */
export function couldNotCheckCard(ref: { kind: ApprovalKind; id: string }) {
  return errorCard({
    title: 'I could not check this approval',
    message: 'Microsoft Graph did not answer when I checked whether you may see it.',
    nextStep: 'Try again in a moment.',
    retry: { title: 'Try again', verb: Verbs.refreshApproval, data: { kind: ref.kind, id: ref.id } },
  });
}
