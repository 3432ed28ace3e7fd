import type { AssignmentView, RequestView } from '../../services/model/entitlement.js';
import {
  type AdaptiveCard,
  actionSet,
  adaptiveCard,
  type CardAction,
  type CardElement,
  container,
  executeAction,
  heading,
  plainText,
  textBlock,
} from '../elements.js';
import { Verbs } from '../verbs.js';
import { formatDate, relativeTime, stateLabel } from './format.js';

/** `my requests` and `my access` (the package part, composable with other journeys' sections). */

export interface MyRequestsView {
  /** Pending first, then the most recent others; already cut to what the card shows. */
  requests: RequestView[];
  /** How many requests there are in all. */
  total: number;
  now: string;
}

const PENDING = new Set(['submitted', 'pendingApproval', 'scheduled']);
const RETRYABLE = new Set(['denied', 'expired', 'canceled', 'deliveryFailed']);

function requestLine(request: RequestView, now: Date): CardElement {
  const label = stateLabel(request.state, request.kind);
  const what = request.kind === 'remove' ? `Give up ${plainText(request.packageName)}` : plainText(request.packageName);
  const when = request.createdAt ? `requested ${relativeTime(request.createdAt, now)}` : '';
  const buttons: CardAction[] = [];
  if (PENDING.has(request.state)) {
    buttons.push(
      executeAction('Cancel request', Verbs.cancelRequest, { requestId: request.id }, { style: 'destructive' }),
    );
  } else if (RETRYABLE.has(request.state) && request.kind === 'add' && request.packageId) {
    buttons.push(executeAction('Request again', Verbs.requestAgain, { packageId: request.packageId }));
  }
  return container(
    [
      textBlock(`**${what}**`),
      textBlock([label.label, when].filter(Boolean).join(' · '), {
        color: label.tone === 'default' ? undefined : label.tone,
        spacing: 'none',
      }),
      ...(buttons.length > 0 ? [actionSet(buttons)] : []),
    ],
    { separator: true, spacing: 'medium' },
  );
}

export function myRequestsCard(view: MyRequestsView): AdaptiveCard {
  const now = new Date(view.now);
  const body: CardElement[] = [heading('Your requests')];
  if (view.requests.length === 0) {
    body.push(textBlock('You have no access requests yet.'));
  } else {
    const more = view.total - view.requests.length;
    body.push(
      textBlock(more > 0 ? `Pending and recent requests (${more} older not shown).` : 'Pending and recent requests.', {
        isSubtle: true,
        spacing: 'none',
      }),
      ...view.requests.map((r) => requestLine(r, now)),
    );
  }
  return adaptiveCard(body, {
    actions: [executeAction('Find access', Verbs.showCatalog), executeAction('My access', Verbs.myAccess)],
    fallbackText: `You have ${view.total} access requests.`,
  });
}

export interface MyAccessView {
  /** Current (delivered or being delivered) assignments. */
  assignments: AssignmentView[];
  now: string;
}

function untilText(assignment: AssignmentView, now: Date): string {
  if (assignment.state === 'delivering') return 'Being set up';
  if (!assignment.endsAt) return 'No end date';
  return `Until ${formatDate(assignment.endsAt)} (${relativeTime(assignment.endsAt, now)})`;
}

function assignmentLine(assignment: AssignmentView, now: Date): CardElement {
  const buttons: CardAction[] = [];
  if (assignment.canRenew && assignment.state === 'delivered') {
    buttons.push(executeAction('Renew', Verbs.renew, { packageId: assignment.packageId, assignmentId: assignment.id }));
  }
  if (assignment.canGiveUp && assignment.state === 'delivered') {
    buttons.push(
      executeAction('Give up access', Verbs.giveUp, { assignmentId: assignment.id }, { style: 'destructive' }),
    );
  }
  return container(
    [
      textBlock(`**${plainText(assignment.packageName)}**`),
      textBlock(untilText(assignment, now), { isSubtle: true, spacing: 'none' }),
      ...(buttons.length > 0 ? [actionSet(buttons)] : []),
    ],
    { separator: true, spacing: 'medium' },
  );
}

/**
 * The access-package part of `my access`: a heading and one line per assignment with Renew and Give up access.
 * Other journeys append their own sections (active group memberships) to the same card.
 */
export function myAccessSections(view: MyAccessView): CardElement[] {
  const now = new Date(view.now);
  const lines =
    view.assignments.length > 0
      ? view.assignments.map((a) => assignmentLine(a, now))
      : [textBlock('You have no access packages at the moment.', { spacing: 'small' })];
  return [textBlock('Access packages', { weight: 'bolder', size: 'medium', spacing: 'medium' }), ...lines];
}

export function myAccessCard(view: MyAccessView, extraSections: CardElement[] = []): AdaptiveCard {
  return adaptiveCard([heading('Your access'), ...myAccessSections(view), ...extraSections], {
    actions: [executeAction('Find access', Verbs.showCatalog), executeAction('My requests', Verbs.myRequests)],
    fallbackText: `You have ${view.assignments.length} access packages.`,
  });
}

export interface GiveUpView {
  assignment: AssignmentView;
  /** Idempotency key of the removal request this confirmation sends. */
  actionId: string;
}

export function giveUpConfirmCard(view: GiveUpView): AdaptiveCard {
  const name = plainText(view.assignment.packageName);
  return adaptiveCard(
    [
      heading(`Give up ${name}?`),
      textBlock(
        'You lose this access as soon as Microsoft Entra processes the removal. To get it back you would have to ' +
          'request it again (and it may need approval).',
      ),
    ],
    {
      actions: [
        executeAction(
          'Yes, give up access',
          Verbs.confirmGiveUp,
          { assignmentId: view.assignment.id, actionId: view.actionId },
          { style: 'destructive' },
        ),
        executeAction('Keep my access', Verbs.myAccess),
      ],
      fallbackText: `Give up ${view.assignment.packageName}?`,
    },
  );
}
