import type {
  ApprovalStageView,
  EligibleGroupRole,
  RequestState,
  RequestView,
} from '../../services/model/entitlement.js';
import {
  type AdaptiveCard,
  adaptiveCard,
  type CardAction,
  type CardElement,
  executeAction,
  factSet,
  heading,
  plainText,
  refresh,
  textBlock,
} from '../elements.js';
import { Verbs } from '../verbs.js';
import { approvalText } from './details.js';
import { formatDate, stateLabel, whenText } from './format.js';

/** The one status card of a request, kept current by the bot, and the short notification sent on each change. */

export interface RequestStatusView {
  request: RequestView;
  /** ISO time the card is drawn at. */
  now: string;
  /** The reader's IANA time zone, when Teams told the bot. */
  zone?: string;
  /** Who approves, stage by stage; undefined when unknown. */
  approvalStages?: ApprovalStageView[];
  /** Eligible group roles the package gives (offered as "Activate now" once delivered). */
  eligibleRoles: EligibleGroupRole[];
  /** Teams user ids whose clients refresh the card when they open it. */
  refreshUserIds?: string[];
}

export const REMIND_BUTTON = 'Remind approvers';

const OPEN: ReadonlySet<RequestState> = new Set(['submitted', 'pendingApproval', 'scheduled']);
const RETRYABLE: ReadonlySet<RequestState> = new Set(['denied', 'expired', 'canceled', 'deliveryFailed']);

function explanation(view: RequestStatusView): string {
  const { request } = view;
  if (request.kind === 'remove') {
    return request.state === 'delivered' ? 'Your access has been removed.' : 'Microsoft Entra is removing your access.';
  }
  switch (request.state) {
    case 'submitted':
      return 'Microsoft Entra is processing your request. I will keep this card up to date.';
    case 'pendingApproval':
      return 'Waiting for approval. I will update this card and tell you as soon as it is decided.';
    case 'scheduled':
      return request.startsAt
        ? `Approved. Your access starts on ${formatDate(request.startsAt)}.`
        : 'Approved. Your access starts later.';
    case 'delivering':
      return 'Approved. Your access is being set up.';
    case 'delivered':
      return deliveredText(view.eligibleRoles);
    case 'partiallyDelivered':
      return 'Only part of the access could be set up. Ask your admin to check it.';
    case 'deliveryFailed':
      return 'Microsoft Entra could not set up the access. You can request it again, or ask your admin.';
    case 'denied':
      return 'Your request was denied.';
    case 'expired':
      return 'Nobody decided in time, so the request expired. You can request it again.';
    case 'canceled':
      return 'This request was canceled.';
    default:
      return 'Your request is being processed.';
  }
}

function deliveredText(roles: EligibleGroupRole[]): string {
  if (roles.length === 0) return 'Your access is ready.';
  const groups = roles.map((r) => `${r.accessId} of **${plainText(r.groupName)}**`).join(', ');
  return `You are now eligible ${groups}. Activate it when you need it.`;
}

function facts(view: RequestStatusView): CardElement {
  const { request } = view;
  const reader = { now: view.now, zone: view.zone };
  const waiting = request.state === 'submitted' || request.state === 'pendingApproval';
  return factSet([
    ['Requested', request.createdAt ? whenText(request.createdAt, reader) : undefined],
    ['Approvers', waiting && view.approvalStages?.length ? approvalText(view.approvalStages) : undefined],
    [
      'Access until',
      request.state === 'delivered' && request.kind !== 'remove' && request.accessEndsAt
        ? formatDate(request.accessEndsAt)
        : undefined,
    ],
    ['Finished', !OPEN.has(request.state) && request.completedAt ? whenText(request.completedAt, reader) : undefined],
  ]);
}

function activateActions(roles: EligibleGroupRole[]): CardAction[] {
  return roles
    .slice(0, 3)
    .map((r, i) =>
      executeAction(
        roles.length === 1 || i === 0 ? 'Activate now' : `Activate ${r.groupName}`.slice(0, 60),
        Verbs.activateForm,
        { groupId: r.groupId, accessId: r.accessId },
        { style: 'positive' },
      ),
    );
}

function statusActions(view: RequestStatusView): CardAction[] {
  const { request } = view;
  const actions: CardAction[] = [];
  // Only while it waits for a decision: the approvers are known then, and the bot allows one reminder a day.
  if (request.state === 'pendingApproval' && request.kind !== 'remove') {
    actions.push(executeAction(REMIND_BUTTON, Verbs.remindApprovers, { requestId: request.id }));
  }
  if (OPEN.has(request.state)) {
    actions.push(
      executeAction('Cancel request', Verbs.cancelRequest, { requestId: request.id }, { style: 'destructive' }),
    );
  }
  if (request.state === 'delivered' && request.kind !== 'remove') actions.push(...activateActions(view.eligibleRoles));
  if (RETRYABLE.has(request.state) && request.kind !== 'remove' && request.packageId) {
    actions.push(executeAction('Request again', Verbs.requestAgain, { packageId: request.packageId }));
  }
  actions.push(executeAction('My requests', Verbs.myRequests));
  return actions;
}

function titleOf(request: RequestView): string {
  const name = plainText(request.packageName);
  return request.kind === 'remove' ? `Giving up ${name}` : name;
}

export function requestStatusCard(view: RequestStatusView): AdaptiveCard {
  const { request } = view;
  const label = stateLabel(request.state, request.kind);
  const body: CardElement[] = [
    heading(titleOf(request)),
    textBlock(label.label, { weight: 'bolder', color: label.tone, spacing: 'small' }),
    textBlock(explanation(view), { spacing: 'small' }),
    facts(view),
  ];
  return adaptiveCard(
    body.filter((el) => el.type !== 'FactSet' || el.facts.length > 0),
    {
      actions: statusActions(view),
      refresh: refresh(Verbs.refreshRequest, { requestId: request.id }, view.refreshUserIds),
      fallbackText: `${request.packageName}: ${label.label}.`,
    },
  );
}

/** The short message sent to the requester's chat when the request moves on. */
export function requestNotificationCard(view: RequestStatusView): AdaptiveCard {
  const { request } = view;
  const label = stateLabel(request.state, request.kind);
  const actions: CardAction[] = [];
  if (request.state === 'delivered' && request.kind !== 'remove') actions.push(...activateActions(view.eligibleRoles));
  if (RETRYABLE.has(request.state) && request.kind !== 'remove' && request.packageId) {
    actions.push(executeAction('Request again', Verbs.requestAgain, { packageId: request.packageId }));
  }
  return adaptiveCard(
    [
      textBlock(`${titleOf(request)}: **${label.label}**`, {
        color: label.tone === 'default' ? undefined : label.tone,
      }),
      textBlock(explanation(view), { isSubtle: true, spacing: 'none' }),
    ],
    { actions, fallbackText: `${request.packageName}: ${label.label}.` },
  );
}
