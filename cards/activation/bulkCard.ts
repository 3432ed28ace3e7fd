import type { ActivationPolicy, EligibleRole } from '../../services/model/pim.js';
import {
  type ActionData,
  type AdaptiveCard,
  actionSet,
  adaptiveCard,
  type CardAction,
  type CardElement,
  callout,
  choiceSetInput,
  container,
  executeAction,
  heading,
  openUrlAction,
  plainText,
  refresh,
  textBlock,
  textInput,
  truncate,
} from '../elements.js';
import { Verbs } from '../verbs.js';

/** The longest name a saved set may have (bot/journeys/activation/savedSets.ts checks it). */
export const MAX_SET_NAME = 40;

import { cancelActivationButton } from './cancelActivation.js';
import { deactivateButton } from './deactivate.js';
import { minutesText, policySummary, roleTitle } from './format.js';
import { MAX_JUSTIFICATION_INPUT } from './formCard.js';
import { activateButtonTitle, formData } from './listCard.js';

/** Several activations at once (issue 16, item 2): the pick form and the card with each item's outcome. */

/** One click sends at most this many: one `$batch` (Graph takes 20 requests per batch). */
export const MAX_BULK_ITEMS = 20;

export const BulkInputs = {
  picked: 'picked',
  duration: 'duration',
  justification: 'justification',
  ticketNumber: 'ticketNumber',
  ticketSystem: 'ticketSystem',
  saveAs: 'saveAs',
} as const;

export const BULK_ACTIVATE_BUTTON = 'Activate selected';
export const BULK_OPEN_BUTTON = 'Activate several…';

export type PickableRole = EligibleRole & { policy: ActivationPolicy };

/** The value of one role in the pick list: `{groupId}|{accessId}|{directoryScopeId}` (the scope empty for a group). */
export function pickKey(role: Pick<EligibleRole, 'accessId' | 'directoryScope'> & { group: { id: string } }): string {
  return `${role.group.id.toLowerCase()}|${role.accessId}|${role.directoryScope?.id.toLowerCase() ?? ''}`;
}

export interface BulkFormView {
  roles: PickableRole[];
  /** Offered durations in minutes, up to the largest maximum of the roles. */
  durations: number[];
  defaultMinutes: number;
  op: string;
  values?: Partial<Record<keyof typeof BulkInputs, string>>;
  problems?: string[];
  /** Opened from a saved set: its name, and the names of its items that are no longer eligible (left out). */
  fromSet?: { name: string; gone: string[] };
}

/**
 * The form lists at most this many choices: a card grows with each one, and Teams refuses big messages. Picked ones
 * (a saved set, a form drawn again) come first so they are never the ones left out.
 */
export const MAX_BULK_CHOICES = 50;

function shownChoices(all: PickableRole[], picked: string | undefined): { roles: PickableRole[]; hidden: number } {
  const chosen = new Set((picked ?? '').split(',').filter(Boolean));
  const ordered = [...all.filter((r) => chosen.has(pickKey(r))), ...all.filter((r) => !chosen.has(pickKey(r)))];
  return { roles: ordered.slice(0, MAX_BULK_CHOICES), hidden: Math.max(0, all.length - MAX_BULK_CHOICES) };
}

export function bulkFormCard(view: BulkFormView): AdaptiveCard {
  const { roles, hidden } = shownChoices(view.roles, view.values?.picked);
  const needTicket = roles.filter((r) => r.policy.ticketRequired);
  const chosen = Number(view.values?.duration);
  return adaptiveCard(
    [
      heading('Activate several'),
      textBlock(
        `Pick up to ${MAX_BULK_ITEMS}; they share one duration, justification and ticket. Each is capped at its own maximum, and one whose rules the form does not meet is not sent.`,
        { isSubtle: true, spacing: 'small' },
      ),
      ...problemCallout(view.problems),
      ...fromSetNote(view.fromSet),
      ...(hidden > 0
        ? [
            textBlock(
              `Showing ${MAX_BULK_CHOICES} of ${view.roles.length}, to keep the card small enough for Teams; activate the others in a second round or from the list.`,
              { isSubtle: true, spacing: 'small' },
            ),
          ]
        : []),
      choiceSetInput(
        BulkInputs.picked,
        roles.map((r) => ({
          title: `${truncate(roleTitle(r.accessId, r.group.displayName, r.directoryScope), 90)}: ${policySummary(r.policy)}`,
          value: pickKey(r),
        })),
        {
          label: 'What to activate',
          style: 'expanded',
          isMultiSelect: true,
          isRequired: true,
          errorMessage: 'Pick at least one.',
          wrap: true,
          value: view.values?.picked || undefined,
        },
      ),
      choiceSetInput(
        BulkInputs.duration,
        view.durations.map((m) => ({ title: minutesText(m), value: String(m) })),
        {
          label: 'For how long? (each item at most its own maximum, shown above)',
          value: String(view.durations.includes(chosen) ? chosen : view.defaultMinutes),
          style: 'compact',
          isRequired: true,
          errorMessage: 'Choose how long you need access.',
        },
      ),
      textInput(BulkInputs.justification, {
        label: 'Justification',
        placeholder: 'Why do you need access? e.g. month-end close, incident INC0012345',
        isMultiline: true,
        maxLength: MAX_JUSTIFICATION_INPUT,
        value: view.values?.justification || undefined,
      }),
      ...(needTicket.length > 0
        ? [
            textInput(BulkInputs.ticketNumber, {
              label: `Ticket number (needed for ${truncate(needTicket.map((r) => r.group.displayName).join(', '), 120)})`,
              placeholder: 'INC0012345',
              maxLength: 100,
              value: view.values?.ticketNumber || undefined,
            }),
            textInput(BulkInputs.ticketSystem, {
              label: 'Ticket system',
              placeholder: 'ServiceNow',
              maxLength: 100,
              value: view.values?.ticketSystem || undefined,
            }),
          ]
        : []),
      textInput(BulkInputs.saveAs, {
        label: 'Save this pick as (optional: type activate and the name to use it again)',
        placeholder: 'On call',
        maxLength: MAX_SET_NAME,
        value: view.values?.saveAs || undefined,
      }),
    ],
    {
      actions: [
        executeAction(BULK_ACTIVATE_BUTTON, Verbs.activateSeveral, { op: view.op }, { style: 'positive' }),
        executeAction('Back to my roles', Verbs.activateList, undefined, { associatedInputs: 'none' }),
      ],
      fallbackText: 'Activate several roles: pick them and select Activate selected.',
    },
  );
}

function fromSetNote(fromSet: BulkFormView['fromSet']): CardElement[] {
  if (!fromSet) return [];
  const gone = fromSet.gone.length ? ` Left out: ${plainText(truncate(fromSet.gone.join(', '), 300))}.` : '';
  return [textBlock(`Your saved set **${plainText(fromSet.name)}** is picked.${gone}`, { wrap: true })];
}

function problemCallout(problems?: string[]): CardElement[] {
  if (!problems?.length) return [];
  return [
    callout(
      [
        textBlock('Please fix this first:', { weight: 'bolder' }),
        ...problems.map((p) => textBlock(`- ${p}`, { spacing: 'none', wrap: true })),
      ],
      'attention',
    ),
  ];
}

export type BulkOutcomeKind =
  | 'active'
  | 'scheduled'
  | 'pendingApproval'
  | 'stepUp'
  | 'notSent'
  | 'refused'
  /** After a click on the result card: deactivated, canceled, or over by itself (ended, denied, expired). */
  | 'deactivated'
  | 'canceled'
  | 'over';

/** Outcomes that change by themselves (an approval, a start, an end). */
const RUNNING: ReadonlySet<BulkOutcomeKind> = new Set(['active', 'scheduled', 'pendingApproval']);

/** Outcomes of items that were requested (the count in the card's first line). */
const REQUESTED: ReadonlySet<BulkOutcomeKind> = new Set([
  'active',
  'scheduled',
  'pendingApproval',
  'deactivated',
  'canceled',
  'over',
]);

export interface BulkResultRow {
  role: Pick<EligibleRole, 'accessId' | 'directoryScope'> & { group: { id: string; displayName: string } };
  outcome: BulkOutcomeKind;
  /** Why it was not sent or was refused, when or until when it runs. */
  detail?: string;
  /** Set when the chosen duration was longer than this item allows: what it got instead. */
  cappedToMinutes?: number;
  requestId?: string;
}

const OUTCOME_TEXT: Record<BulkOutcomeKind, string> = {
  active: 'Active',
  scheduled: 'Scheduled',
  pendingApproval: 'Waiting for approval',
  stepUp: 'Needs a stronger sign-in: verify below, or activate it on its own',
  notSent: 'Not sent',
  refused: 'Refused',
  deactivated: 'Deactivated',
  canceled: 'Request canceled',
  over: 'No longer active',
};

const OUTCOME_TONE: Record<BulkOutcomeKind, 'good' | 'warning' | 'attention' | 'default'> = {
  active: 'good',
  scheduled: 'good',
  pendingApproval: 'warning',
  stepUp: 'warning',
  notSent: 'attention',
  refused: 'attention',
  deactivated: 'default',
  canceled: 'default',
  over: 'default',
};

/** One step-up sign-in; after it, every item it names is sent. */
export interface BulkStepUp {
  names: string[];
  signInUrl: string;
  /** The pickKey of each item it activates (not shown: the result card drops the sign-in once they are sent). */
  keys?: string[];
}

/**
 * `op` is the run's form id: a row's Deactivate / Cancel carries it, so the answer is this card again with that row
 * changed (bot/journeys/activation/bulkResults.ts).
 */
export function bulkResultCard(
  rows: BulkResultRow[],
  stepUps: BulkStepUp[] = [],
  op?: string,
  refreshUserIds?: string[],
): AdaptiveCard {
  const sent = rows.filter((r) => REQUESTED.has(r.outcome)).length;
  // Only while something can still change by itself (approved, started, ended): Teams then redraws it when shown.
  const changing = rows.some((r) => RUNNING.has(r.outcome));
  return adaptiveCard(
    [
      heading('Activate several: the result'),
      textBlock(
        `${sent} of ${rows.length} requested. ${
          rows.some((r) => r.outcome === 'active' || r.outcome === 'scheduled')
            ? 'Each has its own buttons, and I remind you before each one ends.'
            : 'Each has its own buttons.'
        }`,
        {
          isSubtle: true,
          spacing: 'small',
        },
      ),
      ...rows.map((row) => resultRow(row, op)),
      ...stepUps.map((s, i) => stepUpSection(s, stepUps.length > 1 ? i + 1 : undefined)),
    ],
    {
      actions: [executeAction('Show my roles', Verbs.activateList)],
      ...(op && changing && refreshUserIds?.length
        ? { refresh: refresh(Verbs.refreshBulkResult, { op }, refreshUserIds) }
        : {}),
      fallbackText: `${sent} of ${rows.length} activations requested.`,
    },
  );
}

function resultRow(row: BulkResultRow, op?: string): CardElement {
  const { role } = row;
  const title = roleTitle(role.accessId, role.group.displayName, role.directoryScope);
  const lines = [
    textBlock(`**${plainText(truncate(title, 120))}**: ${OUTCOME_TEXT[row.outcome]}`, {
      color: OUTCOME_TONE[row.outcome],
      wrap: true,
    }),
    ...(row.detail ? [textBlock(row.detail, { wrap: true, spacing: 'none' })] : []),
    ...(row.cappedToMinutes
      ? [
          textBlock(`Capped to ${minutesText(row.cappedToMinutes)}, the most this allows.`, {
            isSubtle: true,
            spacing: 'none',
          }),
        ]
      : []),
  ];
  const actions = rowActions(row, op);
  return container(actions.length > 0 ? [...lines, actionSet(actions)] : lines, {
    separator: true,
    spacing: 'medium',
  });
}

function stepUpSection(stepUp: BulkStepUp, index?: number): CardElement {
  return callout(
    [
      textBlock(
        `One stronger sign-in activates ${plainText(truncate(stepUp.names.join(', '), 300))} with this form's answers. The link works for 10 minutes, once.`,
        { wrap: true },
      ),
      actionSet([openUrlAction(index ? `Verify my identity (${index})` : 'Verify my identity', stepUp.signInUrl)]),
    ],
    'warning',
  );
}

function rowActions(row: BulkResultRow, op?: string): CardAction[] {
  const { role, requestId } = row;
  const name = role.group.displayName;
  const place: ActionData = op ? { bulk: op } : {};
  if (row.outcome === 'active' && requestId) {
    return [deactivateButton(requestId, role.accessId, name, role.directoryScope, place)];
  }
  if ((row.outcome === 'pendingApproval' || row.outcome === 'scheduled') && requestId) {
    return [cancelActivationButton(requestId, role.accessId, name, row.outcome, role.directoryScope, place)];
  }
  if (row.outcome === 'active' || row.outcome === 'pendingApproval' || row.outcome === 'scheduled') return [];
  return [executeAction(activateButtonTitle(role), Verbs.activateForm, formData(role), { style: 'positive' })];
}
