import type {
  ChoiceQuestion,
  FieldErrors,
  PolicyQuestion,
  RequestRequirements,
  TextQuestion,
} from '../../services/model/entitlement.js';
import {
  type AdaptiveCard,
  adaptiveCard,
  type CardAction,
  type CardElement,
  callout,
  choiceSetInput,
  dateInput,
  executeAction,
  heading,
  openUrlAction,
  plainText,
  showCardAction,
  textBlock,
  textInput,
  truncate,
} from '../elements.js';
import { cardUtf16Bytes, MAX_CARD_UTF16_BYTES } from '../size.js';
import { zoneLabel } from '../time.js';
import { Verbs } from '../verbs.js';
import { accessLengthText } from './format.js';

/**
 * The request form: exactly what the policy asks (justification, questions, dates), with field errors next to the
 * inputs. Up to MAX_POLICY_BUTTONS applicable policies become one Action.ShowCard each, so choosing a policy costs no
 * round trip; more become a choice set and a Continue button (Teams shows at most 6 buttons on a card).
 */

export const MAX_JUSTIFICATION_INPUT = 1000;
export const MAX_POLICY_BUTTONS = 5;
/** Input id of the policy choice when there are more policies than buttons; read back as `policyId`. */
export const POLICY_CHOICE_INPUT = 'policyId';
export const MY_ACCESS_URL = 'https://myaccess.microsoft.com';

/** Form fields as the domain names them (services/entitlement FormField): justification, startDate, endDate, q:<id>. */
export type FormFieldName = string;

/** Input ids carry the policy's position so several policies' inputs never collide: `p0.justification`. */
export function formInputId(policyIndex: number, field: FormFieldName): string {
  return `p${policyIndex}.${field}`;
}

export interface RequestFormView {
  formId: string;
  packageName: string;
  mode: 'new' | 'renew';
  policies: RequestRequirements[];
  /** After field errors only the policy that was submitted is shown. */
  chosenPolicyId?: string;
  /** What was entered before, by field name. */
  values?: Record<FormFieldName, string>;
  errors?: FieldErrors;
  /** Today (YYYY-MM-DD) in the person's zone (else UTC): the earliest start date. */
  today: string;
  /** The person's IANA time zone when known: the dates are days there, else UTC days (the form says which). */
  zone?: string;
}

function errorLine(view: RequestFormView, field: FormFieldName): CardElement[] {
  const error = view.errors?.[field];
  return error ? [callout([textBlock(plainText(error), { size: 'small', spacing: 'none' })], 'attention')] : [];
}

function justificationInput(view: RequestFormView, index: number, req: RequestRequirements): CardElement[] {
  const field = 'justification';
  return [
    textInput(formInputId(index, field), {
      label: req.justificationRequired ? 'Why do you need it?' : 'Why do you need it? (optional)',
      isMultiline: true,
      maxLength: MAX_JUSTIFICATION_INPUT,
      isRequired: req.justificationRequired || undefined,
      errorMessage: req.justificationRequired ? 'A justification is required.' : undefined,
      placeholder: 'For example: the project or task you need it for',
      value: view.values?.[field] || undefined,
    }),
    ...errorLine(view, field),
  ];
}

function textQuestionInput(view: RequestFormView, index: number, q: TextQuestion): CardElement[] {
  const field = `q:${q.id}`;
  return [
    textInput(formInputId(index, field), {
      label: q.required ? q.text : `${q.text} (optional)`,
      isMultiline: !q.singleLine || undefined,
      maxLength: q.maxLength,
      regex: q.regex,
      isRequired: q.required || undefined,
      errorMessage: q.regex
        ? 'Use the format the question asks for.'
        : q.required
          ? 'An answer is required.'
          : undefined,
      value: view.values?.[field] || undefined,
    }),
    ...errorLine(view, field),
  ];
}

/** Choices whose `actualValue` Graph left empty are dropped when parsed, so a question can end up with none. */
function isUnanswerable(q: PolicyQuestion): boolean {
  return q.kind === 'choice' && q.choices.length === 0;
}

/** A required question that cannot be answered here blocks the policy: the card says so and sends to My Access. */
function blocksSubmit(req: RequestRequirements): boolean {
  return req.questions.some((q) => q.required && isUnanswerable(q));
}

function choiceQuestionInput(view: RequestFormView, index: number, q: ChoiceQuestion): CardElement[] {
  const field = `q:${q.id}`;
  if (isUnanswerable(q)) {
    const asks = `This policy asks "${plainText(q.text)}", but offers no answers that can be chosen here.`;
    return [
      callout(
        [
          textBlock(
            q.required ? `${asks} Request it in My Access instead.` : `${asks} It is optional, so I leave it out.`,
            { isSubtle: !q.required || undefined },
          ),
        ],
        q.required ? 'warning' : 'default',
      ),
    ];
  }
  return [
    choiceSetInput(
      formInputId(index, field),
      q.choices.map((c) => ({ title: c.text, value: c.value })),
      {
        label: q.required ? q.text : `${q.text} (optional)`,
        isMultiSelect: q.multiple || undefined,
        style: q.choices.length <= 4 ? 'expanded' : 'compact',
        isRequired: q.required || undefined,
        errorMessage: q.required ? 'Choose an answer.' : undefined,
        value: view.values?.[field] || undefined,
      },
    ),
    ...errorLine(view, field),
  ];
}

function questionInput(view: RequestFormView, index: number, q: PolicyQuestion): CardElement[] {
  return q.kind === 'text' ? textQuestionInput(view, index, q) : choiceQuestionInput(view, index, q);
}

function dateInputs(view: RequestFormView, index: number, req: RequestRequirements): CardElement[] {
  return [
    textBlock(`Choose your dates (optional, days in ${zoneLabel(view.zone)})`, { weight: 'bolder', spacing: 'medium' }),
    dateInput(formInputId(index, 'startDate'), {
      label: 'Start date (leave empty to start now)',
      min: view.today,
      value: view.values?.startDate || undefined,
    }),
    ...errorLine(view, 'startDate'),
    dateInput(formInputId(index, 'endDate'), {
      label: endDateLabel(req),
      min: view.today,
      value: view.values?.endDate || undefined,
    }),
    ...errorLine(view, 'endDate'),
  ];
}

function endDateLabel(req: RequestRequirements): string {
  const lasts = req.lasts;
  if (lasts.kind === 'duration') return `End date (at most ${accessLengthText(lasts, 'plain')} after the start)`;
  if (lasts.kind === 'until') return `End date (${accessLengthText(lasts, 'plain')} at the latest)`;
  return 'End date';
}

function policyIntro(req: RequestRequirements): CardElement[] {
  const approval = req.approvalRequired
    ? 'Needs approval: I will tell you when it is decided.'
    : 'No approval needed: access is set up right away.';
  return [textBlock(`${approval} Access lasts ${accessLengthText(req.lasts)}.`, { isSubtle: true, spacing: 'small' })];
}

function policyFields(view: RequestFormView, index: number, req: RequestRequirements): CardElement[] {
  return [
    ...policyIntro(req),
    ...justificationInput(view, index, req),
    ...req.questions.flatMap((q) => questionInput(view, index, q)),
    ...(req.allowCustomSchedule ? dateInputs(view, index, req) : []),
  ];
}

function submitAction(view: RequestFormView, req: RequestRequirements): CardAction {
  if (blocksSubmit(req)) return openUrlAction('Request in My Access', MY_ACCESS_URL);
  return executeAction(
    'Submit request',
    Verbs.submitRequest,
    { formId: view.formId, policyId: req.policyId },
    { style: 'positive' },
  );
}

function title(view: RequestFormView): string {
  const name = plainText(view.packageName);
  return view.mode === 'renew' ? `Renew ${name}` : `Request ${name}`;
}

function errorBanner(view: RequestFormView): CardElement[] {
  const count = Object.keys(view.errors ?? {}).length;
  if (count === 0) return [];
  const what = count === 1 ? 'One answer needs' : `${count} answers need`;
  return [callout([textBlock(`${what} fixing before I can send the request.`, { weight: 'bolder' })], 'attention')];
}

export function requestFormCard(view: RequestFormView): AdaptiveCard {
  const chosen = view.policies.findIndex((p) => p.policyId === view.chosenPolicyId);
  if (view.policies.length === 1 || chosen >= 0) return singlePolicyCard(view, Math.max(chosen, 0));
  return policyChoiceCard(view);
}

function singlePolicyCard(view: RequestFormView, index: number): AdaptiveCard {
  const req = view.policies[index];
  const several = view.policies.length > 1;
  const body: CardElement[] = [
    heading(title(view)),
    ...errorBanner(view),
    ...(several ? [textBlock(`Policy: **${plainText(req.policyDisplayName)}**`)] : []),
    ...policyFields(view, index, req),
  ];
  const actions: CardAction[] = [submitAction(view, req)];
  if (several) actions.push(executeAction('Choose another policy', Verbs.requestForm, { formId: view.formId }));
  return adaptiveCard(body, { actions, fallbackText: `Request form for ${view.packageName}.` });
}

function policyLines(view: RequestFormView): CardElement[] {
  return [
    textBlock(`You can get this package in ${view.policies.length} ways. Choose one to see what it asks:`),
    ...view.policies.map((p) =>
      textBlock(
        `- **${plainText(p.policyDisplayName)}**` +
          (p.policyDescription ? `: ${plainText(truncate(p.policyDescription, 200))}` : ''),
        { spacing: 'small' },
      ),
    ),
  ];
}

/** One button per policy with its fields inside; a list instead when there are too many, or they would not fit. */
function policyChoiceCard(view: RequestFormView): AdaptiveCard {
  if (view.policies.length > MAX_POLICY_BUTTONS) return policyListCard(view);
  const actions = view.policies.map((p, index) =>
    showCardAction(truncate(p.policyDisplayName, 60), policyFields(view, index, p), [submitAction(view, p)]),
  );
  const card = adaptiveCard([heading(title(view)), ...policyLines(view)], {
    actions,
    fallbackText: `Request form for ${view.packageName}.`,
  });
  return cardUtf16Bytes(card) <= MAX_CARD_UTF16_BYTES ? card : policyListCard(view);
}

/** More policies than Teams shows buttons: pick one from a list, then the form of that policy follows. */
function policyListCard(view: RequestFormView): AdaptiveCard {
  const body: CardElement[] = [
    heading(title(view)),
    ...policyLines(view),
    choiceSetInput(
      POLICY_CHOICE_INPUT,
      view.policies.map((p) => ({ title: truncate(p.policyDisplayName, 80), value: p.policyId })),
      { label: 'Policy', style: 'compact', isRequired: true, errorMessage: 'Choose a policy.' },
    ),
  ];
  return adaptiveCard(body, {
    actions: [executeAction('Continue', Verbs.requestForm, { formId: view.formId }, { style: 'positive' })],
    fallbackText: `Request form for ${view.packageName}.`,
  });
}
