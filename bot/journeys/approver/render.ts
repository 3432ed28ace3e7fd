import { createHash } from 'node:crypto';
import { type ApprovalCardView, approvalCard, type NoticeTone } from '../../../cards/approver/approvalCard.js';
import type { AdaptiveCard } from '../../../cards/elements.js';
import { positionOf } from '../../../services/approvals/position.js';
import type { ApprovalKind, ApprovalState } from '../../../services/model/approvals.js';
import { subjectKey } from '../../proactive/subjects.js';
import type { CardSigner } from './context.js';

/** Subject kind of approval cards: `approval:<kind>:<requestId>`, one copy per approver's card (role `approver`). */
export const APPROVAL_SUBJECT = 'approval';
export const APPROVER_ROLE = 'approver';

export function approvalSubject(kind: ApprovalKind, id: string): string {
  return subjectKey(APPROVAL_SUBJECT, `${kind}:${id.toLowerCase()}`);
}

/** The subject of the requester's own card for this request (drawn by the requester or activation journey). */
export function requesterSubject(kind: ApprovalKind, id: string): string {
  return subjectKey(kind === 'em' ? 'request' : 'activation', id.toLowerCase());
}

/**
 * Changes whenever what any copy shows changes (stage, escalation, decisions, outcome, and the details a later read
 * completed, such as a manager or the approvers a failed lookup missed).
 */
export function versionOf(state: ApprovalState): string {
  const { details, currentStage, escalated, decisions, outcome } = state;
  const shown = JSON.stringify({ details, currentStage, escalated, decisions, outcome });
  return createHash('sha256').update(shown).digest('base64url').slice(0, 16);
}

export interface RenderOptions {
  now: Date;
  /** The viewer's IANA time zone, when known (cards/time.ts). */
  zone?: string;
  signer: CardSigner;
  /** Teams ids (29:…) for Universal Actions auto-refresh, when known. */
  refreshUserIds?: string[];
  notice?: { tone: NoticeTone; text: string };
  reminder?: boolean;
  /**
   * Graph's own `filterByCurrentUser(on='approver')` listed this approval for the viewer: they may decide its open
   * stage even when the stored plan could not name them (an approver lookup failed).
   */
  listedForViewer?: boolean;
}

/** The approval card as `viewerId` should see it now, with freshly signed buttons. */
export function renderApproval(state: ApprovalState, viewerId: string, options: RenderOptions): AdaptiveCard {
  const view: ApprovalCardView = {
    state,
    viewerId: viewerId.toLowerCase(),
    viewer: viewerPosition(state, viewerId, !!options.listedForViewer),
    now: options.now.toISOString(),
    zone: options.zone,
    binding: options.signer.bind(state.details.kind, state.details.id, state.currentStage),
    refreshUserIds: options.refreshUserIds,
    notice: options.notice,
    reminder: options.reminder,
  };
  return approvalCard(view);
}

function viewerPosition(state: ApprovalState, viewerId: string, listed: boolean) {
  const position = positionOf(state, viewerId);
  const listedDecider = listed && !state.outcome && !position.isRequester;
  return listedDecider ? { ...position, canDecide: true } : position;
}
