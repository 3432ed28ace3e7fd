import type {
  ApprovalStageView,
  EligibleGroupRole,
  RequestDecisions,
  RequestState,
  RequestView,
} from '../../services/model/entitlement.js';
import {
  type AdaptiveCard,
  adaptiveCard,
  type CardAction,
  type CardElement,
  callout,
  executeAction,
  factSet,
  heading,
  plainText,
  refresh,
  statusPill,
  textBlock,
} from '../elements.js';
import { datedMomentText, plainTimes } from '../time.js';
import { Verbs } from '../verbs.js';
import { cancelRequestButton } from './confirm.js';
import { decisionLines, decisionSummary, progressLines, stagesKnown } from './decisions.js';
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
  /** Who decided and why, as the requester's token read it; undefined when the state names no decision. */
  decisions?: RequestDecisions;
  /** While it waits: the open stage, once the stages before it were approved (`decisions` then has them). */
  openStage?: number;
  /** The person canceled it here (else it was canceled in My Access or by an admin). */
  canceledByRequester?: boolean;
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
    case 'scheduled': {
      const starts = request.startsAt ? `on ${formatDate(request.startsAt)}` : 'later';
      const approval = view.approvalStages === undefined ? '' : view.approvalStages.length > 0 ? 'Approved. ' : '';
      return `${approval}Your access starts ${starts}.`;
    }
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
      return view.canceledByRequester
        ? 'You canceled this request.'
        : 'This request was canceled outside this chat: by you in My Access, or by an admin.';
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
  const waiting = (request.state === 'submitted' || request.state === 'pendingApproval') && !stageProgress(view);
  return factSet([
    ['Requested', request.createdAt ? whenText(request.createdAt, reader) : undefined],
    ['Approvers', waiting && view.approvalStages?.length ? approvalText(view.approvalStages) : undefined],
    ['Access until', accessUntil(request)],
    ['Finished', !OPEN.has(request.state) && request.completedAt ? whenText(request.completedAt, reader) : undefined],
  ]);
}

const BEFORE_DELIVERY: ReadonlySet<RequestState> = new Set(['submitted', 'pendingApproval', 'scheduled', 'delivering']);

/** The end of the access: Graph's once delivered, before that the end the person chose (when they chose one). */
function accessUntil(request: RequestView): string | undefined {
  if (request.kind === 'remove') return undefined;
  if (request.state === 'delivered') {
    const end = request.accessEndsAt ?? request.requestedEndsAt;
    return end ? formatDate(end) : undefined;
  }
  if (BEFORE_DELIVERY.has(request.state) && request.requestedEndsAt) {
    return `${formatDate(request.requestedEndsAt)} (as you asked)`;
  }
  return undefined;
}

/** The decided stages and the one that waits, while a later stage of the request waits; else undefined. */
function stageProgress(view: RequestStatusView, since?: (iso: string) => string, maxReason?: number) {
  if (view.request.state !== 'pendingApproval' || !view.decisions || !view.openStage || view.openStage <= 1) return;
  const reader = { now: view.now, zone: view.zone };
  const when = since ?? ((iso: string) => whenText(iso, reader));
  return progressLines(view.decisions, stagesKnown(view.approvalStages), view.openStage, when, maxReason);
}

/** Who decided and why, one line per stage, for states reached by a decision (and stages decided while one waits). */
function decisionBlocks(view: RequestStatusView): CardElement[] {
  const progress = stageProgress(view);
  if (progress) return progress.map((line) => textBlock(line, { spacing: 'small' }));
  if (!view.decisions || view.request.state === 'pendingApproval') return [];
  return decisionLines(view.decisions, stagesKnown(view.approvalStages)).map((line) =>
    textBlock(line, { spacing: 'small' }),
  );
}

/** The same on one line, for the notification: times always dated (nothing redraws it). */
function decisionSummaryOf(view: RequestStatusView): string | undefined {
  const progress = stageProgress(view, datedMomentText, 200);
  if (progress) return progress.join(' · ');
  if (!view.decisions || view.request.state === 'pendingApproval') return undefined;
  return decisionSummary(view.decisions, stagesKnown(view.approvalStages));
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
  if (OPEN.has(request.state)) actions.push(cancelRequestButton(request));
  if (request.state === 'delivered' && request.kind !== 'remove') actions.push(...activateActions(view.eligibleRoles));
  if (RETRYABLE.has(request.state) && request.kind !== 'remove' && request.packageId) {
    actions.push(executeAction('Request again', Verbs.requestAgain, { packageId: request.packageId }));
  }
  actions.push(executeAction('My requests', Verbs.myRequests));
  return actions;
}

function titleOf(request: RequestView): string {
  const name = plainText(request.packageName);
  if (request.kind === 'remove') return `Giving up ${name}`;
  return request.renewal ? `Renewal of ${name}` : name;
}

export function requestStatusCard(view: RequestStatusView): AdaptiveCard {
  const { request } = view;
  const label = stateLabel(request.state, request.kind, request.startsAt);
  const body: CardElement[] = [
    heading(titleOf(request)),
    statusPill(label.label, label.tone, { weight: 'bolder', spacing: 'small' }),
    textBlock(explanation(view), { spacing: 'small' }),
    ...decisionBlocks(view),
    facts(view),
  ];
  return adaptiveCard(
    body.filter((el) => el.type !== 'FactSet' || el.facts.length > 0),
    {
      actions: statusActions(view),
      refresh: refresh(Verbs.refreshRequest, { requestId: request.id }, view.refreshUserIds),
      fallbackText: plainTimes(`${request.packageName}: ${label.label}.`),
    },
  );
}

/** The short message sent to the requester's chat when the request moves on. */
export function requestNotificationCard(view: RequestStatusView): AdaptiveCard {
  const { request } = view;
  const label = stateLabel(request.state, request.kind, request.startsAt);
  const actions: CardAction[] = [];
  if (request.state === 'delivered' && request.kind !== 'remove') actions.push(...activateActions(view.eligibleRoles));
  if (RETRYABLE.has(request.state) && request.kind !== 'remove' && request.packageId) {
    actions.push(executeAction('Request again', Verbs.requestAgain, { packageId: request.packageId }));
  }
  return adaptiveCard(
    [
      callout([textBlock(`${titleOf(request)}: **${label.label}**`)], label.tone),
      textBlock(explanation(view), { isSubtle: true, spacing: 'none' }),
      ...[decisionSummaryOf(view)].flatMap((summary) => (summary ? [textBlock(summary, { spacing: 'small' })] : [])),
    ],
    { actions, fallbackText: plainTimes(`${request.packageName}: ${label.label}.`) },
  );
}
