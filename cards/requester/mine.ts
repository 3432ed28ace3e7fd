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
  truncate,
} from '../elements.js';
import { type ListSection, pagedSections, pageOf, pagerActions, rangeText } from '../paging.js';
import { Verbs } from '../verbs.js';
import { formatDate, stateLabel } from './format.js';

// These cards have no refresh: times are named by their date ("requested on …"), never "5 minutes ago".

/** `my requests` and `my access` (the package part, composable with other journeys' sections). */

export interface MyRequestsView {
  /** Pending first, then the most recent others: all of them; the card shows one page. */
  requests: RequestView[];
  /** 0-based page to show. */
  page?: number;
  now: string;
}

export const MY_REQUESTS_PAGE_SIZE = 10;
export const MY_ACCESS_PAGE_SIZE = 10;
/** Names are shown whole up to this length, so that a row's size is bounded. */
const MAX_NAME_CHARS = 120;

const PENDING = new Set(['submitted', 'pendingApproval', 'scheduled']);
const RETRYABLE = new Set(['denied', 'expired', 'canceled', 'deliveryFailed']);

function requestLine(request: RequestView): CardElement {
  const label = stateLabel(request.state, request.kind);
  const name = plainText(truncate(request.packageName, MAX_NAME_CHARS));
  const what = request.kind === 'remove' ? `Give up ${name}` : name;
  const when = request.createdAt ? `requested on ${formatDate(request.createdAt)}` : '';
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
  const { items, page } = pageOf(view.requests, view.page ?? 0, MY_REQUESTS_PAGE_SIZE);
  const body: CardElement[] = [heading('Your requests')];
  if (items.length === 0) {
    body.push(textBlock('You have no access requests yet.'));
  } else {
    body.push(
      textBlock(['Pending first, then the most recent.', rangeText(page)].filter(Boolean).join(' '), {
        isSubtle: true,
        spacing: 'none',
      }),
      ...items.map((r) => requestLine(r)),
    );
  }
  return adaptiveCard(body, {
    actions: [
      ...pagerActions(page, Verbs.myRequests),
      executeAction('Find access', Verbs.showCatalog),
      executeAction('My access', Verbs.myAccess),
    ],
    fallbackText: `You have ${view.requests.length} access requests.`,
  });
}

export interface MyAccessView {
  /** Current (delivered or being delivered) assignments: all of them; the card shows one page. */
  assignments: AssignmentView[];
  /** 0-based page to show. */
  page?: number;
  now: string;
}

function untilText(assignment: AssignmentView): string {
  if (assignment.state === 'delivering') return 'Being set up';
  if (!assignment.endsAt) return 'No end date';
  return `Until ${formatDate(assignment.endsAt)}`;
}

function assignmentLine(assignment: AssignmentView): CardElement {
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
      textBlock(`**${plainText(truncate(assignment.packageName, MAX_NAME_CHARS))}**`),
      textBlock(untilText(assignment), { isSubtle: true, spacing: 'none' }),
      ...(buttons.length > 0 ? [actionSet(buttons)] : []),
    ],
    { separator: true, spacing: 'medium' },
  );
}

/**
 * The access-package part of `my access`: a title and one row per assignment with Renew and Give up access. Other
 * journeys add their own sections (active group memberships); the card pages through all of them as one list.
 */
export function myAccessSection(view: MyAccessView): ListSection {
  return {
    title: textBlock('Access packages', { weight: 'bolder', size: 'medium', spacing: 'medium' }),
    rows: view.assignments.map((a) => assignmentLine(a)),
    whenEmpty: [textBlock('You have no access packages at the moment.', { spacing: 'small' })],
  };
}

export function myAccessCard(view: MyAccessView, otherSections: ListSection[] = []): AdaptiveCard {
  const sections = [myAccessSection(view), ...otherSections];
  const { body, page } = pagedSections(sections, view.page ?? 0, MY_ACCESS_PAGE_SIZE);
  const range = rangeText(page);
  return adaptiveCard(
    [heading('Your access'), ...(range ? [textBlock(range, { isSubtle: true, spacing: 'none' })] : []), ...body],
    {
      actions: [
        ...pagerActions(page, Verbs.myAccess),
        executeAction('Find access', Verbs.showCatalog),
        executeAction('My requests', Verbs.myRequests),
      ],
      fallbackText: `You have ${view.assignments.length} access packages.`,
    },
  );
}

export interface GiveUpView {
  assignment: AssignmentView;
  /** Idempotency key of the removal request this confirmation sends. */
  actionId: string;
}

export function giveUpConfirmCard(view: GiveUpView): AdaptiveCard {
  const name = plainText(truncate(view.assignment.packageName, MAX_NAME_CHARS));
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
