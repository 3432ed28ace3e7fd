import type {
  ApprovalKind,
  ApprovalOutcome,
  ApprovalState,
  EntraRoleTarget,
  PersonRef,
  ViewerPosition,
} from '../../services/model/approvals.js';
import {
  type AdaptiveCard,
  adaptiveCard,
  type CardAction,
  type CardElement,
  callout,
  container,
  executeAction,
  factSet,
  heading,
  openUrlAction,
  plainText,
  refresh,
  type TextColor,
  textBlock,
  textInput,
  truncate,
} from '../elements.js';
import { Verbs } from '../verbs.js';
import { agoWithDate, durationText, names, until, utc } from './format.js';
import { unresolvedApproversNote, whoApprovesText } from './whoApproves.js';

/** Longest reason an approver can type (the card input and the action's data schema agree on it). */
export const MAX_REASON_CHARS = 500;
export const REASON_INPUT_ID = 'reason';

/** What signs this card's buttons: an idempotency key per rendering and a signature over kind, id, stage and key. */
export interface CardBinding {
  op: string;
  sig: string;
}

export type NoticeTone = 'good' | 'warning' | 'attention' | 'default';

export interface ApprovalCardView {
  state: ApprovalState;
  viewerId: string;
  viewer: ViewerPosition;
  /** ISO time the card is drawn at (relative times are computed against it). */
  now: string;
  /** The viewer's IANA time zone, when Teams told the bot. */
  zone?: string;
  binding: CardBinding;
  /** Teams ids (29:…) whose clients refresh this card automatically (Universal Actions); at most 60. */
  refreshUserIds?: string[];
  /** A line at the top: what just happened with the viewer's click, or why it did nothing. */
  notice?: { tone: NoticeTone; text: string };
  /** Shown when the requester asked for a reminder. */
  reminder?: boolean;
}

export function approvalCard(view: ApprovalCardView): AdaptiveCard {
  const { state } = view;
  const body: CardElement[] = [
    ...(view.notice ? [noticeBlock(view.notice)] : []),
    ...(view.reminder && !state.outcome ? [reminderBlock(state)] : []),
    headerBlock(state, view.viewerId),
    requestFacts(state, view),
    ...(state.outcome ? [] : unresolvedApproversNote(state.details.stages[state.currentStage - 1])),
    ...earlierDecisions(state, view),
    statusBlock(view),
  ];
  const decidable = view.viewer.canDecide && !state.outcome;
  if (decidable) body.push(reasonInput(state));
  return adaptiveCard(body, {
    actions: decidable ? decisionButtons(view) : portalActions(state),
    refresh: !state.outcome ? refreshOf(view) : undefined,
    fallbackText: `${subjectLine(state, view.viewerId)}. ${statusLine(view)}`,
  });
}

/**
 * "Isaiah Langer asks for Salesforce – Sales Cloud User" (escaped); "You ask for …" when the reader is the requester
 * (the reader is never named on their own card).
 */
export function subjectLine(state: ApprovalState, viewerId = ''): string {
  const { requester, target } = state.details;
  const self = isViewer(requester, viewerId);
  const who = self ? 'You' : plainText(requester.displayName);
  const asks = self ? 'ask' : 'asks';
  if (target.kind === 'em') return `${who} ${asks} for ${plainText(target.packageName)}`;
  if (target.kind === 'role') return `${who} ${asks} to activate the ${plainText(roleLine(target))}`;
  return `${who} ${asks} to activate ${target.accessId === 'owner' ? 'ownership' : 'membership'} of ${plainText(target.groupName)}`;
}

/** "Exchange Administrator role (whole directory)", "Helpdesk Administrator role (administrative unit Contoso Europe)". */
export function roleLine(target: EntraRoleTarget): string {
  return `${target.roleName} role (${roleScopeText(target)})`;
}

export function roleScopeText(target: EntraRoleTarget): string {
  if (target.directoryScopeId === '/') return 'whole directory';
  return target.scopeName ? `administrative unit ${target.scopeName}` : 'an administrative unit';
}

function isViewer(person: PersonRef | undefined, viewerId: string): boolean {
  return !!person && !!viewerId && person.id.toLowerCase() === viewerId.toLowerCase();
}

function noticeBlock(notice: { tone: NoticeTone; text: string }): CardElement {
  return callout([textBlock(notice.text, { weight: 'bolder' })], notice.tone);
}

function reminderBlock(state: ApprovalState): CardElement {
  return callout(
    [
      textBlock(`Reminder: ${plainText(state.details.requester.displayName)} is still waiting for your decision.`, {
        weight: 'bolder',
      }),
    ],
    'warning',
  );
}

const KIND_TITLE: Record<ApprovalKind, string> = {
  em: 'Access package request',
  pim: 'Privileged group activation',
  role: 'Microsoft Entra role activation',
};

function headerBlock(state: ApprovalState, viewerId: string): CardElement {
  const kind = KIND_TITLE[state.details.kind];
  const stages = state.details.stages.length;
  const stage = stages > 1 ? ` · stage ${state.currentStage} of ${stages}` : '';
  return container(
    [
      textBlock(`${kind}${stage}`, { isSubtle: true, size: 'small', spacing: 'none' }),
      heading(subjectLine(state, viewerId), { spacing: 'small' }),
    ],
    { style: 'emphasis', bleed: true },
  );
}

function requestFacts(state: ApprovalState, view: ApprovalCardView): CardElement {
  const { viewerId } = view;
  const d = state.details;
  const r = d.requester;
  const role = [r.jobTitle, r.department]
    .filter(Boolean)
    .map((t) => plainText(t as string))
    .join(', ');
  const facts: [string, string | undefined][] = [
    ['Who', role ? `${whoText(r, viewerId, 'You')} (${role})` : whoText(r, viewerId, 'You')],
    ['Manager', r.manager ? whoText(r.manager, viewerId, 'You') : undefined],
    ...targetFacts(state),
    ['Why', d.justification ? plainText(truncate(d.justification, 400)) : 'No justification given'],
    ...d.answers.map((a): [string, string] => [
      plainText(truncate(a.question, 60)),
      plainText(truncate(a.answer, 200)),
    ]),
    [
      'Ticket',
      d.ticket ? plainText(d.ticket.system ? `${d.ticket.number} (${d.ticket.system})` : d.ticket.number) : undefined,
    ],
    ['Requested', utc(d.requestedAt, view.now, view.zone)],
    ['Access', accessWindow(state, view)],
  ];
  if (!state.outcome) {
    facts.push(['Who approves', whoApprovesText(d.stages[state.currentStage - 1])]);
    facts.push(['Decision due', decisionDue(state, view)]);
    if (d.stages.length > 1) facts.push(['Stage', `${state.currentStage} of ${d.stages.length}`]);
  }
  return factSet(facts);
}

function targetFacts(state: ApprovalState): [string, string | undefined][] {
  const t = state.details.target;
  if (t.kind === 'em') {
    return [
      ['Package', plainText(t.packageName)],
      ['Grants', t.grants.length ? plainText(t.grants.join(', ')) : undefined],
    ];
  }
  if (t.kind === 'role') {
    return [
      ['Role', plainText(t.roleName)],
      ['Scope', plainText(roleScopeText(t))],
    ];
  }
  return [
    ['Group', plainText(t.groupName)],
    ['Role', t.accessId === 'owner' ? 'Owner' : 'Member'],
  ];
}

function accessWindow(state: ApprovalState, view: ApprovalCardView): string | undefined {
  const { startsAt, endsAt, duration } = state.details;
  const length = durationText(duration);
  const at = (iso: string) => utc(iso, view.now, view.zone);
  if (startsAt && endsAt) return `From ${at(startsAt)} to ${at(endsAt)}`;
  if (startsAt && length) return `${length} from ${at(startsAt)}`;
  if (length) return `${length} once approved`;
  return endsAt ? `Until ${at(endsAt)}` : undefined;
}

/** "in 14 days (…)", "tomorrow (…)", "today at …": the card's refresh redraws it while the request waits. */
function decisionDue(state: ApprovalState, view: ApprovalCardView): string | undefined {
  const plan = state.details.stages[state.currentStage - 1];
  const start = state.stageStartedAt ? Date.parse(state.stageStartedAt) : Number.NaN;
  const length = plan?.timeout ? durationMs(plan.timeout) : undefined;
  if (Number.isNaN(start) || length === undefined) return undefined;
  return until(new Date(start + length).toISOString(), view.now, view.zone);
}

function durationMs(iso: string): number | undefined {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$/i.exec(iso);
  if (!m) return undefined;
  const [d, h, min] = m.slice(1).map((v) => Number(v ?? 0));
  return ((d * 24 + h) * 60 + min) * 60_000;
}

/** Stage decisions already made (multi-stage approvals), e.g. "Stage 1: approved by Megan Bowen on {{DATE}} at …". */
function earlierDecisions(state: ApprovalState, view: ApprovalCardView): CardElement[] {
  if (state.details.stages.length <= 1) return [];
  const earlier = state.decisions.filter((d) => d.stage < state.currentStage);
  return earlier.map((d) =>
    textBlock(`Stage ${d.stage}: ${d.result.toLowerCase()} by ${whoText(d.by, view.viewerId)}${when(d.at)}`, {
      isSubtle: true,
      spacing: 'small',
    }),
  );
}

/** The person's name, or "you" (`self`) when they are the reader. */
function whoText(person: PersonRef | undefined, viewerId: string, self = 'you'): string {
  if (!person) return 'an approver';
  return isViewer(person, viewerId) ? self : plainText(person.displayName);
}

function when(at: string | undefined): string {
  const text = agoWithDate(at);
  return text ? ` ${text}` : '';
}

function statusBlock(view: ApprovalCardView): CardElement {
  const { outcome } = view.state;
  if (outcome) {
    const reason = outcome.reason
      ? [textBlock(`Reason: ${plainText(truncate(outcome.reason, 400))}`, { spacing: 'small' })]
      : [];
    return container(
      [
        callout([heading(outcomeTitle(outcome, view.viewerId, view.state.details.kind))], outcomeColor(outcome)),
        ...whenLine(outcome),
        ...reason,
      ],
      { spacing: 'medium', separator: true },
    );
  }
  return container([textBlock(statusLine(view), { weight: view.viewer.canDecide ? 'bolder' : 'default' })], {
    spacing: 'medium',
    separator: true,
  });
}

function whenLine(outcome: ApprovalOutcome): CardElement[] {
  const text = agoWithDate(outcome.at);
  const verb = outcome.kind === 'approved' || outcome.kind === 'denied' ? 'Decided' : 'Ended';
  return text ? [textBlock(`${verb} ${text}`, { isSubtle: true, spacing: 'none' })] : [];
}

/**
 * "Approved by you", "Denied by Megan Bowen", "Expired: nobody decided in time". Without who decided (no approver's
 * token could read the stages, only the request's outcome), where it was decided: "Denied in My Access".
 */
export function outcomeTitle(outcome: ApprovalOutcome, viewerId: string, kind?: ApprovalKind): string {
  const by = outcome.by ? ` by ${whoText(outcome.by, viewerId)}` : kind ? ` in ${DECIDED_IN[kind]}` : '';
  switch (outcome.kind) {
    case 'approved':
      return `Approved${by}`;
    case 'denied':
      return `Denied${by}`;
    case 'expired':
      return 'Expired: nobody decided in time';
    case 'canceled':
      return 'Canceled by the requester';
    case 'failed':
      return 'Failed: Microsoft Entra could not carry out the request';
    case 'revoked':
      return 'Revoked: the access was taken back';
    case 'unknown':
      return outcome.status
        ? `Ended with status "${plainText(truncate(outcome.status, 60))}", which I do not know`
        : 'Ended, but Graph did not say how';
    case 'unconfirmed':
      return 'No longer waiting, but I could not confirm how it ended';
    default:
      return 'No longer waiting for a decision';
  }
}

/** Where a decision the bot did not see was made: My Access for access packages, PIM for group activations. */
const DECIDED_IN: Record<ApprovalKind, string> = {
  em: 'My Access',
  pim: 'Privileged Identity Management',
  role: 'the Microsoft Entra admin center',
};

/** Where to look when the bot cannot say how a request ended: PIM's approvals page, or My Access. */
export const PORTAL_URL = {
  pim: 'https://portal.azure.com/#view/Microsoft_Azure_PIMCommon/ApproveRequestMenuBlade/~/aadgroup',
  em: 'https://myaccess.microsoft.com/#/approvals',
  /** Identity governance > Privileged Identity Management > Approve requests (entra-docs pim-approval-workflow). */
  role: 'https://entra.microsoft.com',
} as const;

const CHECK_IN: Record<ApprovalKind, string> = {
  em: 'Check in My Access',
  pim: 'Check in the PIM portal',
  role: 'Check in the Entra admin center',
};

function portalActions(state: ApprovalState): CardAction[] {
  const kind = state.outcome?.kind;
  if (kind !== 'unknown' && kind !== 'unconfirmed') return [];
  return [openUrlAction(CHECK_IN[state.details.kind], PORTAL_URL[state.details.kind])];
}

function outcomeColor(outcome: ApprovalOutcome): TextColor {
  if (outcome.kind === 'approved') return 'good';
  if (outcome.kind === 'denied' || outcome.kind === 'failed') return 'attention';
  return 'warning';
}

function statusLine(view: ApprovalCardView): string {
  const { state, viewer } = view;
  if (state.outcome) return outcomeTitle(state.outcome, view.viewerId, state.details.kind);
  const others = viewer.others.length ? names(viewer.others) : '';
  if (viewer.canDecide) {
    return others ? `Your decision is needed. ${others} can also decide.` : 'Your decision is needed.';
  }
  if (viewer.ownDecision) {
    const next = others ? ` Stage ${state.currentStage} now waits for ${others}.` : '';
    return `You ${viewer.ownDecision.result.toLowerCase()} stage ${viewer.ownDecision.stage}.${next}`;
  }
  if (viewer.isRequester) return others ? `Waiting for ${others}.` : 'Waiting for an approver.';
  return others ? `Waiting for ${others}. You are not an approver of this stage.` : 'Waiting for a decision.';
}

function reasonInput(state: ApprovalState): CardElement {
  const required = !!state.details.stages[state.currentStage - 1]?.justificationRequired;
  return textInput(REASON_INPUT_ID, {
    label: required ? 'Reason (required)' : 'Reason (optional)',
    placeholder: required ? 'Why do you approve or deny this?' : 'Add a note for the requester',
    isMultiline: true,
    maxLength: MAX_REASON_CHARS,
    isRequired: required,
    errorMessage: required ? 'Give a reason for your decision.' : undefined,
    spacing: 'medium',
  });
}

function decisionButtons(view: ApprovalCardView): CardAction[] {
  const data = decisionData(view);
  return [
    executeAction('Approve', Verbs.approve, data, { style: 'positive' }),
    executeAction('Deny', Verbs.deny, data, { style: 'destructive' }),
  ];
}

/** Card data for Approve/Deny: ids, the stage number the card shows, and the signed idempotency key. */
export function decisionData(view: Pick<ApprovalCardView, 'state' | 'binding'>) {
  const { details, currentStage } = view.state;
  return { kind: details.kind, id: details.id, stage: currentStage, op: view.binding.op, sig: view.binding.sig };
}

function refreshOf(view: ApprovalCardView) {
  const { kind, id } = view.state.details;
  const userIds = view.refreshUserIds?.slice(0, 60);
  return refresh(Verbs.refreshApproval, { kind, id }, userIds && userIds.length > 0 ? userIds : undefined);
}
