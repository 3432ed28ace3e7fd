import type { AssignmentView, PackageHolding } from '../../services/model/entitlement.js';
import { type CardAction, executeAction, plainText } from '../elements.js';
import { Verbs } from '../verbs.js';
import { formatDate } from './format.js';
import { MY_ACCESS_URL } from './requestForm.js';

/**
 * What the person already has of a package, in the words the catalog, the details card and the expiry reminder all
 * use, so that they never contradict each other for the same assignment.
 */

export function youHaveThisText(assignment: AssignmentView): string {
  return assignment.endsAt ? `You have this until ${formatDate(assignment.endsAt)}.` : 'You have this, no end date.';
}

/** The next step for held access: renew, request again after it ends, or nothing when neither applies. */
export function nextStepText(assignment: AssignmentView): string | undefined {
  if (!assignment.endsAt) return undefined;
  if (assignment.canRenew) return 'Renew it if you need it for longer; the request goes to the same approvers.';
  if (assignment.canRequestAgain === false) return undefined;
  return `You can request it again after ${formatDate(assignment.endsAt)}.`;
}

/** Who to ask about held access: the policy's approvers when it names them, else My Access. */
export function whereToAskText(assignment: AssignmentView): string {
  const who = (assignment.askWho ?? []).slice(0, 3).map(plainText);
  return who.length > 0
    ? `Questions about this access? Ask ${who.join(' or ')}.`
    : `Questions about this access? Ask in My Access (${MY_ACCESS_URL}).`;
}

export const WAITING_TEXT = 'Your request is waiting for approval.';
export const RENEWAL_WAITING_TEXT = 'Your renewal is waiting for approval.';

/** What comes after "You have this ..." in the catalog: a renewal already asked for, or the next step. */
export function heldNextText(holding: Extract<PackageHolding, { kind: 'held' }>): string | undefined {
  return holding.renewalRequestId ? RENEWAL_WAITING_TEXT : nextStepText(holding.assignment);
}

/** Renew for held access whose policy allows it; nothing otherwise. */
export function renewAction(packageId: string, assignment: AssignmentView): CardAction[] {
  if (!assignment.canRenew || !assignment.endsAt) return [];
  return [executeAction('Renew', Verbs.renew, { packageId, assignmentId: assignment.id }, { style: 'positive' })];
}

/** The buttons for a package given what the person has of it: Request only where the policy would take one. */
export function holdingActions(packageId: string, holding: PackageHolding | undefined): CardAction[] {
  if (holding?.kind === 'held' && holding.renewalRequestId) return [executeAction('See its status', Verbs.myRequests)];
  if (holding?.kind === 'held') return renewAction(packageId, holding.assignment);
  if (holding?.kind === 'waiting') return [executeAction('See its status', Verbs.myRequests)];
  return [executeAction('Request', Verbs.requestForm, { packageId }, { style: 'positive' })];
}
