import type { ActivationState } from '../../services/model/pim.js';
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
  type TextColor,
  textBlock,
} from '../elements.js';
// Ended cards have no refresh: their times always carry the date (onDateAtText), live ones drop it on the reader's today.
import { decisionLines, decisionSummary, PIM_PORTAL, type StagesKnown } from '../requester/decisions.js';
import { datedMomentText, onDateAtText, plainTimes } from '../time.js';
import { Verbs } from '../verbs.js';
import { cancelActivationButton } from './cancelActivation.js';
import { deactivateButton } from './deactivate.js';
import { orList, relativeText, roleOf, roleTitle, roleWord, scopeText, timeText } from './format.js';

export interface ActivationCardView {
  state: ActivationState;
  now: string;
  /** The viewer's IANA time zone, when Teams told the bot. */
  zone?: string;
  /** Minutes before the end from which the card turns into the reminder (Extend and Deactivate). */
  reminderMinutes: number;
  /** The viewer's Teams id, so their client refreshes the card by itself while it can still change. */
  viewerTeamsId?: string;
  /** A line above the card's content, e.g. why a click could not be done. */
  notice?: { text: string; tone: 'attention' | 'warning' | 'good' };
}

export { DEACTIVATE_BUTTON } from './deactivate.js';
export const EXTEND_BUTTON = 'Extend';
export const ACTIVATE_AGAIN_BUTTON = 'Activate again';

/** Phases in which the membership never began: the card shows no start (the requested one is not a start). */
const NEVER_STARTED: ReadonlySet<ActivationState['phase']> = new Set([
  'pendingApproval',
  'denied',
  'canceled',
  'expired',
  'failed',
]);

interface Drawn {
  title: string;
  tone: TextColor;
  lines: string[];
  actions: CardAction[];
}

/** The card of one activation (`activation:<requestId>`), from waiting for approval to ended. */
export function activationCard(view: ActivationCardView): AdaptiveCard {
  const { state } = view;
  const drawn = draw(view);
  const facts = factSet([
    ...(state.directoryScope
      ? ([
          ['Role', `${plainText(state.group.displayName)} (${roleWord(state.accessId, state.directoryScope)})`],
          ['Scope', plainText(scopeText(state.directoryScope))],
        ] as const)
      : ([
          ['Group', plainText(state.group.displayName)],
          ['Role', roleWord(state.accessId)],
        ] as const)),
    [
      'Started',
      state.startDateTime && !NEVER_STARTED.has(state.phase)
        ? timeText(state.startDateTime, view.now, view.zone)
        : undefined,
    ],
    ['Ends', state.endDateTime && isLive(state) ? timeText(state.endDateTime, view.now, view.zone) : undefined],
  ]);
  const body: CardElement[] = [
    ...(view.notice ? [callout([textBlock(view.notice.text, { weight: 'bolder' })], view.notice.tone)] : []),
    callout([heading(drawn.title)], drawn.tone),
    ...drawn.lines.map((line) => textBlock(line)),
    facts,
  ];
  return adaptiveCard(body, {
    actions: drawn.actions,
    refresh: refreshFor(view),
    fallbackText: `${plainTimes(drawn.title)}.`,
  });
}

/**
 * Only the person's own client refreshes the card. Without their Teams id there is no refresh at all: `userIds: []`
 * would turn automatic refresh off and show a manual "Refresh card" item instead, and leaving `userIds` out would
 * refresh every member's client. The watcher still updates the card in place when the activation changes.
 */
function refreshFor(view: ActivationCardView): AdaptiveCard['refresh'] {
  if (!isLive(view.state) || !view.viewerTeamsId) return undefined;
  return refresh(Verbs.refreshActivation, { requestId: view.state.requestId }, [view.viewerTeamsId]);
}

function isLive(state: ActivationState): boolean {
  return state.phase === 'active' || state.phase === 'pendingApproval' || state.phase === 'scheduled';
}

/** PIM for Groups approvals have one stage (GRAPH-API.md §6.9); Graph's own list numbers them if it shows more. */
const PIM_STAGES: StagesKnown = { count: 1 };

/** Who approved or denied it and why, for the states an approver's decision led to (none when nobody had to). */
function decisionTexts(state: ActivationState): string[] {
  const decided = state.phase === 'active' || state.phase === 'scheduled' || state.phase === 'denied';
  return decided && state.decisions ? decisionLines(state.decisions, PIM_STAGES, 400, PIM_PORTAL) : [];
}

/**
 * The message the requester gets when an approver decided (the watcher or the approver journey found it): the same
 * view as the card, its title and who decided on one line.
 */
export function activationNotificationCard(view: ActivationCardView): AdaptiveCard {
  const { state } = view;
  const drawn = draw(view);
  const who = state.decisions ? decisionSummary(state.decisions, PIM_STAGES, 200, PIM_PORTAL) : undefined;
  return adaptiveCard(
    [callout([textBlock(drawn.title, { weight: 'bolder' })], drawn.tone), ...(who ? [textBlock(who)] : [])],
    {
      actions: state.phase === 'denied' ? [activateAgain(state)] : [],
      fallbackText: `${plainTimes(drawn.title)}.`,
    },
  );
}

function draw(view: ActivationCardView): Drawn {
  const drawn = drawPhase(view);
  return { ...drawn, lines: [...drawn.lines, ...decisionTexts(view.state)] };
}

function drawPhase(view: ActivationCardView): Drawn {
  const { state, now } = view;
  const name = state.group.displayName;
  const again = [activateAgain(state)];
  switch (state.phase) {
    case 'active':
      return drawActive(view);
    case 'pendingApproval':
      return {
        title: 'Waiting for approval',
        tone: 'accent',
        lines: [
          `Your request to become ${roleOf(state.accessId, name, state.directoryScope)} is waiting for ${
            state.approvers.length ? plainText(orList(state.approvers)) : 'an approver'
          }.`,
          'I update this card as soon as they decide.',
        ],
        actions: [
          cancelActivationButton(state.requestId, state.accessId, name, 'pendingApproval', state.directoryScope),
        ],
      };
    case 'scheduled':
      return {
        title: `Scheduled: ${roleTitle(state.accessId, name, state.directoryScope)}`,
        tone: 'accent',
        lines: [
          `You become ${roleOf(state.accessId, name, state.directoryScope)} at ${state.startDateTime ? timeText(state.startDateTime, now, view.zone) : 'the chosen time'}${
            state.endDateTime ? ` until ${timeText(state.endDateTime, now, view.zone)}` : ''
          }.`,
        ],
        actions: [cancelActivationButton(state.requestId, state.accessId, name, 'scheduled', state.directoryScope)],
      };
    case 'ended':
      return {
        title: `${roleTitle(state.accessId, name, state.directoryScope)} has ended`,
        tone: 'default',
        lines: [
          `It ended ${state.endDateTime ? onDateAtText(state.endDateTime) : 'at its end time'} and ${state.directoryScope ? 'Microsoft Entra took the role back' : 'I removed you from the group'}.`,
        ],
        actions: again,
      };
    case 'deactivated':
      return {
        title: `${roleTitle(state.accessId, name, state.directoryScope)} deactivated`,
        tone: 'default',
        lines: [
          `You deactivated it ${state.deactivatedAt ? onDateAtText(state.deactivatedAt) : 'at your request'}; you are no longer ${roleOf(state.accessId, name, state.directoryScope)}.`,
        ],
        actions: again,
      };
    case 'extended':
      return {
        title: `${roleTitle(state.accessId, name, state.directoryScope)} extended`,
        tone: 'good',
        lines: [
          `A new activation replaced this one${state.extendedUntil ? `: you are ${roleOf(state.accessId, name, state.directoryScope)} until ${datedMomentText(state.extendedUntil)}` : ''}.`,
        ],
        actions: [],
      };
    default:
      return drawClosed(state);
  }
}

function drawActive(view: ActivationCardView): Drawn {
  const { state, now } = view;
  const name = state.group.displayName;
  const end = state.endDateTime;
  const deactivate = deactivateButton(state.requestId, state.accessId, name, state.directoryScope);
  const endingSoon = !!end && Date.parse(end) - Date.parse(now) <= view.reminderMinutes * 60_000;
  if (end && endingSoon) {
    return {
      title: `${roleTitle(state.accessId, name, state.directoryScope)} ends ${relativeText(end, now)}`,
      tone: 'warning',
      lines: [
        `You are ${roleOf(state.accessId, name, state.directoryScope)} until ${timeText(end, now, view.zone)}. Extend it if you still need it.`,
      ],
      actions: [
        executeAction(EXTEND_BUTTON, Verbs.extend, { requestId: state.requestId }, { style: 'positive' }),
        deactivate,
      ],
    };
  }
  return {
    title: end
      ? `You are ${roleOf(state.accessId, name, state.directoryScope)} until ${timeText(end, now, view.zone)}`
      : `You are ${roleOf(state.accessId, name, state.directoryScope)}`,
    tone: 'good',
    lines: [
      ...(end
        ? [
            `I remove you automatically at the end (${relativeText(end, now)}) and remind you ${view.reminderMinutes} minutes before.`,
          ]
        : []),
      readinessText(state),
    ],
    actions: [deactivate],
  };
}

/**
 * Active in Microsoft Entra is not yet usable everywhere: other services pick up a new membership or role a few
 * minutes later, and an app holds the old one until its sign-in is renewed. Phrased so that it stays true however
 * long the card stays in the chat.
 */
export function readinessText(state: ActivationState): string {
  return state.directoryScope
    ? 'Admin centers and apps can take a few minutes after the start to see the role; sign out and in again where it does not show.'
    : 'Apps can take a few minutes after the start to see the membership; sign out and in again in one that does not.';
}

function drawClosed(state: ActivationState): Drawn {
  const what = roleTitle(state.accessId, state.group.displayName, state.directoryScope);
  const closed: Record<string, [string, string]> = {
    denied: [`${what} was denied`, 'An approver denied the activation. You are not a member because of it.'],
    canceled: [`${what} was canceled`, 'The activation request was canceled before it started.'],
    expired: [`${what} was not approved in time`, 'No approver decided within 24 hours, so the request expired.'],
    failed: [`${what} could not be activated`, 'Microsoft Entra could not complete the activation.'],
  };
  const [title, line] = closed[state.phase] ?? closed.failed;
  return { title, tone: 'attention', lines: [line], actions: [activateAgain(state)] };
}

function activateAgain(state: ActivationState): CardAction {
  return executeAction(ACTIVATE_AGAIN_BUTTON, Verbs.activateForm, {
    groupId: state.group.id,
    accessId: state.accessId,
    ...(state.directoryScope ? { directoryScopeId: state.directoryScope.id } : {}),
    here: true,
  });
}
