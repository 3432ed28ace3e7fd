import type { ActivationPolicy, EligibleRole } from '../../services/model/pim.js';
import {
  type AdaptiveCard,
  adaptiveCard,
  type CardElement,
  callout,
  choiceSetInput,
  column,
  columnSet,
  dateInput,
  executeAction,
  factSet,
  heading,
  plainText,
  textBlock,
  textInput,
  timeInput,
} from '../elements.js';
import { zoneLabel } from '../time.js';
import { Verbs } from '../verbs.js';
import { minutesText, policySummary, roleTitle, scopeText } from './format.js';

/** Input ids of the activation form; the bot reads the same names from the action data. */
export const FormInputs = {
  duration: 'duration',
  justification: 'justification',
  ticketNumber: 'ticketNumber',
  ticketSystem: 'ticketSystem',
  startDate: 'startDate',
  startTime: 'startTime',
} as const;

export type FormValues = Partial<Record<keyof typeof FormInputs, string>>;

export interface ActivationFormView {
  role: EligibleRole;
  policy: ActivationPolicy;
  /** Offered durations in minutes, none above the policy maximum. */
  durations: number[];
  defaultMinutes: number;
  /** Idempotency key of this form's Activate button (a double click makes one request). */
  op: string;
  now: string;
  /** The person's IANA time zone when known: the start inputs are read in it (else in UTC), and say which. */
  zone?: string;
  /** What the person entered, shown again when the bot sends the form back with problems. */
  values?: FormValues;
  problems?: string[];
  /** Problems with one input, shown beside it (the start date or time that was not a date or time). */
  fieldProblems?: Partial<Record<'startDate' | 'startTime', string>>;
}

export const MAX_JUSTIFICATION_INPUT = 500;
export const ACTIVATE_BUTTON = 'Activate';

export function activationFormCard(view: ActivationFormView): AdaptiveCard {
  const { role, policy } = view;
  const title = roleTitle(role.accessId, role.group.displayName, role.directoryScope);
  const noun = role.directoryScope ? 'role' : 'group';
  return adaptiveCard(
    [
      heading(`Activate: ${plainText(title)}`),
      ...problemBlocks(view),
      factSet([
        ...(role.directoryScope
          ? ([
              ['Role', plainText(role.group.displayName)],
              ['Scope', plainText(scopeText(role.directoryScope))],
            ] as const)
          : ([['Group', plainText(role.group.displayName)]] as const)),
        ['Rules', policySummary(policy)],
      ]),
      ...(policy.mfaRequired || policy.authenticationContext ? [stepUpNote(noun)] : []),
      durationInput(view),
      justificationInput(policy, noun, view.values?.justification),
      ...(policy.ticketRequired ? ticketInputs(noun, view.values) : []),
      ...startInputs(view.values, view.fieldProblems, view.zone),
    ],
    {
      actions: [
        executeAction(
          ACTIVATE_BUTTON,
          Verbs.activate,
          {
            groupId: role.group.id,
            accessId: role.accessId,
            ...(role.directoryScope ? { directoryScopeId: role.directoryScope.id } : {}),
            op: view.op,
          },
          { style: 'positive' },
        ),
        executeAction('Back to my roles', Verbs.activateList, undefined, { associatedInputs: 'none' }),
      ],
      fallbackText: `Activate ${title}: choose a duration and select Activate.`,
    },
  );
}

function problemBlocks(view: ActivationFormView): CardElement[] {
  const besideInputs = Object.values(view.fieldProblems ?? {}).some(Boolean);
  const problems = [...(view.problems ?? []), ...(besideInputs ? ['The start date or time: see below.'] : [])];
  if (problems.length === 0) return [];
  return [
    callout(
      [
        textBlock('Please fix this first:', { weight: 'bolder' }),
        ...problems.map((p) => textBlock(`- ${p}`, { spacing: 'none' })),
      ],
      'attention',
    ),
  ];
}

function stepUpNote(noun: string): CardElement {
  return textBlock(
    `This ${noun} asks for a stronger sign-in. If you have not just verified your identity, I will send you a link.`,
    { isSubtle: true },
  );
}

function durationInput(view: ActivationFormView): CardElement {
  const chosen = Number(view.values?.duration);
  const value = view.durations.includes(chosen) ? chosen : view.defaultMinutes;
  return choiceSetInput(
    FormInputs.duration,
    view.durations.map((m) => ({ title: minutesText(m), value: String(m) })),
    {
      label: `For how long? (at most ${minutesText(view.policy.maximumMinutes)})`,
      value: String(value),
      style: 'compact',
      isRequired: true,
      errorMessage: 'Choose how long you need access.',
    },
  );
}

function justificationInput(policy: ActivationPolicy, noun: string, value?: string): CardElement {
  return textInput(FormInputs.justification, {
    label: policy.justificationRequired ? 'Justification (required)' : 'Justification (optional)',
    placeholder: 'Why do you need access? e.g. month-end close, incident INC0012345',
    isMultiline: true,
    maxLength: MAX_JUSTIFICATION_INPUT,
    isRequired: policy.justificationRequired,
    errorMessage: policy.justificationRequired ? `This ${noun} asks for a justification.` : undefined,
    value: value || undefined,
  });
}

function ticketInputs(noun: string, values?: FormValues): CardElement[] {
  return [
    columnSet([
      column(
        [
          textInput(FormInputs.ticketNumber, {
            label: 'Ticket number (required)',
            placeholder: 'INC0012345',
            maxLength: 100,
            isRequired: true,
            errorMessage: `This ${noun} asks for a ticket number.`,
            value: values?.ticketNumber || undefined,
          }),
        ],
        { width: 'stretch' },
      ),
      column(
        [
          textInput(FormInputs.ticketSystem, {
            label: 'Ticket system',
            placeholder: 'ServiceNow',
            maxLength: 100,
            value: values?.ticketSystem || undefined,
          }),
        ],
        { width: 'stretch' },
      ),
    ]),
  ];
}

/** The date and time builders drop a value that is not `YYYY-MM-DD` / `HH:MM`; its error shows under the input. */
function startInputs(
  values?: FormValues,
  problems: ActivationFormView['fieldProblems'] = {},
  zone?: string,
): CardElement[] {
  const where = zoneLabel(zone);
  const beside = (problem?: string): CardElement[] =>
    problem ? [callout([textBlock(problem, { size: 'small', spacing: 'none' })], 'attention')] : [];
  return [
    textBlock(`Start later (optional; ${where} time). Leave empty to start now.`, {
      weight: 'bolder',
      spacing: 'medium',
    }),
    columnSet([
      column(
        [
          dateInput(FormInputs.startDate, { label: `Date (${where})`, value: values?.startDate || undefined }),
          ...beside(problems.startDate),
        ],
        { width: 'stretch' },
      ),
      column(
        [
          timeInput(FormInputs.startTime, { label: `Time (${where})`, value: values?.startTime || undefined }),
          ...beside(problems.startTime),
        ],
        { width: 'stretch' },
      ),
    ]),
  ];
}
