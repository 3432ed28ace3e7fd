import type { AssignmentView, RequestDecisions, RequestView } from '../../services/model/entitlement.js';
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
  statusPill,
  textBlock,
  truncate,
} from '../elements.js';
import { type ListSection, pagedSections, pageOf, pagerActions, rangeText } from '../paging.js';
import { datedMomentText } from '../time.js';
import { Verbs } from '../verbs.js';
import { cancelRequestButton, confirmationBody } from './confirm.js';
import { decisionSummary, progressLines, type StagesKnown } from './decisions.js';
import { formatDate, stateLabel } from './format.js';

// These cards have no refresh: times are named by their date ("requested on …"), never "5 minutes ago".

/** `my requests` and `my access` (the package part, composable with other journeys' sections). */

export interface MyRequestsView {
  /** Pending first, then the most recent others: all of them; the card shows one page. */
  requests: RequestView[];
  /** 0-based page to show. */
  page?: number;
  now: string;
  /** Who decided the shown requests that were decided, by request id (read with the person's own token). */
  decisions?: Record<string, RequestOutcome>;
}

export interface RequestOutcome {
  decisions: RequestDecisions;
  /** The policy's stages, when the bot knows them (for "Stage 1 …"; count 0 when unknown). */
  stages: StagesKnown;
  /** While it waits: the open stage, the stages before it approved (`decisions` has them). */
  openStage?: number;
}

export const MY_REQUESTS_PAGE_SIZE = 10;
export const MY_ACCESS_PAGE_SIZE = 10;
/** Names are shown whole up to this length, so that a row's size is bounded. */
const MAX_NAME_CHARS = 120;

const PENDING = new Set(['submitted', 'pendingApproval', 'scheduled']);
const RETRYABLE = new Set(['denied', 'expired', 'canceled', 'deliveryFailed']);

function requestLine(request: RequestView, outcome?: RequestOutcome): CardElement {
  const label = stateLabel(request.state, request.kind, request.startsAt);
  const name = plainText(truncate(request.packageName, MAX_NAME_CHARS));
  const what = request.kind === 'remove' ? `Give up ${name}` : request.renewal ? `Renewal of ${name}` : name;
  const when = request.createdAt ? `requested on ${formatDate(request.createdAt)}` : '';
  const buttons: CardAction[] = [];
  if (PENDING.has(request.state)) {
    buttons.push(cancelRequestButton(request));
  } else if (RETRYABLE.has(request.state) && request.kind === 'add' && request.packageId) {
    buttons.push(executeAction('Request again', Verbs.requestAgain, { packageId: request.packageId }));
  }
  return container(
    [
      textBlock(`**${what}**`),
      statusPill([label.label, when].filter(Boolean).join(' · '), label.tone, { spacing: 'none' }),
      ...(outcome ? [textBlock(outcomeText(outcome), { spacing: 'none' })] : []),
      ...(buttons.length > 0 ? [actionSet(buttons)] : []),
    ],
    { separator: true, spacing: 'medium' },
  );
}

function outcomeText(outcome: RequestOutcome): string {
  if (!outcome.openStage) return decisionSummary(outcome.decisions, outcome.stages, 160);
  return progressLines(outcome.decisions, outcome.stages, outcome.openStage, datedMomentText, 160).join(' · ');
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
      ...items.map((r) => requestLine(r, view.decisions?.[r.id])),
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
  /** Requests scheduled to start later (no assignment yet), soonest first. */
  upcoming?: RequestView[];
  /** 0-based page to show. */
  page?: number;
  now: string;
}

function untilText(assignment: AssignmentView, now: Date): string {
  const startsLater = !!assignment.startsAt && Date.parse(assignment.startsAt) > now.getTime();
  if (startsLater && assignment.startsAt) return startsText(assignment.startsAt, assignment.endsAt);
  if (assignment.state === 'delivering') return 'Being set up';
  if (!assignment.endsAt) return 'No end date';
  return `Until ${formatDate(assignment.endsAt)}`;
}

/** "Starts on 5 Dec 2026, until 4 Jan 2027". */
function startsText(startsAt: string, endsAt: string | undefined): string {
  return `Starts on ${formatDate(startsAt)}, ${endsAt ? `until ${formatDate(endsAt)}` : 'no end date'}`;
}

/** A request scheduled to start later: it gives access from its start, so `my access` lists it, with Cancel. */
function upcomingLine(request: RequestView): CardElement {
  const name = plainText(truncate(request.packageName, MAX_NAME_CHARS));
  const starts = request.startsAt ? startsText(request.startsAt, request.requestedEndsAt) : 'Starts later';
  return container(
    [
      textBlock(`**${request.renewal ? `Renewal of ${name}` : name}**`),
      textBlock(starts, { isSubtle: true, spacing: 'none' }),
      actionSet([cancelRequestButton(request)]),
    ],
    { separator: true, spacing: 'medium' },
  );
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
      textBlock(`**${plainText(truncate(assignment.packageName, MAX_NAME_CHARS))}**`),
      textBlock(untilText(assignment, now), { isSubtle: true, spacing: 'none' }),
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
  const now = new Date(view.now);
  return {
    title: textBlock('Access packages', { weight: 'bolder', size: 'medium', spacing: 'medium' }),
    rows: [
      ...(view.upcoming ?? []).filter((r) => !view.assignments.some((a) => a.id === r.assignmentId)).map(upcomingLine),
      ...view.assignments.map((a) => assignmentLine(a, now)),
    ],
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
    confirmationBody({
      question: `Give up ${name}?`,
      consequence:
        'You lose this access as soon as Microsoft Entra processes the removal. To get it back you would have to ' +
        'request it again (and it may need approval).',
    }),
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
