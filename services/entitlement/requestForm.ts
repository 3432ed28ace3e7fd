import { calendarDateText, readersToday, zonedToUtc } from '../../cards/time.js';
import type {
  AccessLength,
  ChoiceQuestion,
  FieldErrors,
  PolicyQuestion,
  RequestRequirements,
  TextQuestion,
} from '../model/entitlement.js';
import { lengthInMs } from './parse.js';

/**
 * Checks what a person entered on the request form against the policy's requirements before anything goes to Graph,
 * and turns it into the `userAdd` body. Errors are keyed by field (see `FormField`) so the card can show each one
 * next to its input.
 */

export const MAX_JUSTIFICATION_CHARS = 1000;
const DAY_MS = 86_400_000;

export const FormField = {
  justification: 'justification',
  startDate: 'startDate',
  endDate: 'endDate',
  question: (questionId: string) => `q:${questionId}`,
} as const;

/** Raw values from the card (trimmed here); dates are `YYYY-MM-DD` (UTC), multi-choice values comma-separated. */
export interface RequestFormValues {
  justification?: string;
  startDate?: string;
  endDate?: string;
  /** By question id. */
  answers?: Record<string, string>;
}

export interface AnswerBody {
  '@odata.type': '#microsoft.graph.accessPackageAnswerString';
  value: string;
  displayValue: string;
  answeredQuestion: { '@odata.type': string; id: string };
}

export interface ScheduleBody {
  startDateTime: string;
  expiration:
    | { type: 'afterDuration'; duration: string }
    | { type: 'afterDateTime'; endDateTime: string }
    | { type: 'noExpiration' }
    | { type: 'notSpecified' };
}

/** What gets posted for a new request (or a renewal: also `userAdd`, GRAPH-API.md §4.4). */
export interface UserAddBody {
  requestType: 'userAdd';
  assignment: { accessPackageId: string; assignmentPolicyId: string; targetId: string };
  justification?: string;
  answers?: AnswerBody[];
  schedule?: ScheduleBody;
}

export type FormCheck = { ok: true; body: UserAddBody } | { ok: false; errors: FieldErrors };

export interface FormContext {
  packageId: string;
  targetId: string;
  now: Date;
  /** The person's IANA time zone when known: the dates they chose are days there (else UTC days; the form says so). */
  zone?: string;
}

export function checkRequestForm(req: RequestRequirements, values: RequestFormValues, ctx: FormContext): FormCheck {
  const errors: FieldErrors = {};
  const justification = checkJustification(req, values.justification, errors);
  const answers = req.questions.flatMap((q) => checkAnswer(q, values.answers?.[q.id], errors));
  const schedule = req.allowCustomSchedule ? checkSchedule(req.lasts, values, ctx, errors) : undefined;
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  const body: UserAddBody = {
    requestType: 'userAdd',
    assignment: { accessPackageId: ctx.packageId, assignmentPolicyId: req.policyId, targetId: ctx.targetId },
  };
  if (justification) body.justification = justification;
  if (answers.length > 0) body.answers = answers;
  if (schedule) body.schedule = schedule;
  return { ok: true, body };
}

function checkJustification(req: RequestRequirements, raw: string | undefined, errors: FieldErrors): string {
  const text = (raw ?? '').trim();
  if (text === '' && req.justificationRequired) {
    errors[FormField.justification] = 'A justification is required for this access package: say why you need it.';
  } else if (text.length > MAX_JUSTIFICATION_CHARS) {
    errors[FormField.justification] =
      `Keep the justification to ${MAX_JUSTIFICATION_CHARS.toLocaleString('en-US')} characters; ` +
      `it has ${text.length.toLocaleString('en-US')}.`;
  }
  return text;
}

function checkAnswer(q: PolicyQuestion, raw: string | undefined, errors: FieldErrors): AnswerBody[] {
  return q.kind === 'text' ? checkTextAnswer(q, raw, errors) : checkChoiceAnswer(q, raw, errors);
}

function answer(q: PolicyQuestion, value: string, displayValue: string): AnswerBody {
  return {
    '@odata.type': '#microsoft.graph.accessPackageAnswerString',
    value,
    displayValue,
    answeredQuestion: { '@odata.type': q.odataType, id: q.id },
  };
}

function checkTextAnswer(q: TextQuestion, raw: string | undefined, errors: FieldErrors): AnswerBody[] {
  const field = FormField.question(q.id);
  const text = (raw ?? '').trim();
  if (text === '') {
    if (q.required) errors[field] = 'This question needs an answer.';
    return [];
  }
  if (text.length > q.maxLength) {
    errors[field] = `Keep the answer to ${q.maxLength} characters; it has ${text.length.toLocaleString('en-US')}.`;
    return [];
  }
  if (q.singleLine && /[\r\n]/.test(text)) {
    errors[field] = 'The answer must fit on one line.';
    return [];
  }
  if (q.regex && !new RegExp(q.regex).test(text)) {
    errors[field] = `The answer is not in the format this question asks for (${q.regex}).`;
    return [];
  }
  return [answer(q, text, text)];
}

function checkChoiceAnswer(q: ChoiceQuestion, raw: string | undefined, errors: FieldErrors): AnswerBody[] {
  const field = FormField.question(q.id);
  const picked = [
    ...new Set(
      (raw ?? '')
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v !== ''),
    ),
  ];
  if (picked.length === 0) {
    if (q.required) errors[field] = 'Choose an answer.';
    return [];
  }
  if (picked.length > 1 && !q.multiple) {
    errors[field] = 'Choose only one answer.';
    return [];
  }
  const chosen = picked.map((v) => q.choices.find((c) => c.value.toLowerCase() === v.toLowerCase()));
  if (chosen.some((c) => c === undefined)) {
    errors[field] = 'Choose one of the answers offered.';
    return [];
  }
  return chosen.map((c) => answer(q, c?.value ?? '', c?.text ?? ''));
}

// ---------- custom schedule ----------

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Midnight UTC of a `YYYY-MM-DD` date, or undefined when it is not a real date. */
export function parseDate(text: string): number | undefined {
  const m = DATE.exec(text);
  if (!m) return undefined;
  const at = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return new Date(at).toISOString().startsWith(text) ? at : undefined;
}

export function isoDate(at: number): string {
  return new Date(at).toISOString().slice(0, 10);
}

/** The latest end date a policy allows for access starting on `startDay` (midnight UTC); undefined = no limit. */
export function latestEndDay(lasts: AccessLength, startDay: number): number | undefined {
  const ms = lengthInMs(lasts);
  if (ms !== undefined) return startDay + Math.floor(ms / DAY_MS) * DAY_MS;
  if (lasts.kind === 'until') {
    const until = Date.parse(lasts.date);
    return Number.isNaN(until) ? undefined : Math.floor(until / DAY_MS) * DAY_MS;
  }
  return undefined;
}

function checkSchedule(
  lasts: AccessLength,
  values: RequestFormValues,
  ctx: Pick<FormContext, 'now' | 'zone'>,
  errors: FieldErrors,
): ScheduleBody | undefined {
  const { now, zone } = ctx;
  const startText = (values.startDate ?? '').trim();
  const endText = (values.endDate ?? '').trim();
  if (startText === '' && endText === '') return undefined;
  // Days are counted as midnight-UTC numbers of the calendar dates; "today" is the person's today.
  const today =
    parseDate(readersToday({ now: now.toISOString(), zone })) ?? Math.floor(now.getTime() / DAY_MS) * DAY_MS;
  const startDay = startText === '' ? today : parseDate(startText);
  if (startDay === undefined) errors[FormField.startDate] = 'Enter the start date as a date (YYYY-MM-DD).';
  else if (startDay < today) errors[FormField.startDate] = 'The start date is in the past: choose today or later.';
  const endDay = endText === '' ? undefined : parseDate(endText);
  if (endText !== '' && endDay === undefined) errors[FormField.endDate] = 'Enter the end date as a date (YYYY-MM-DD).';
  if (startDay === undefined || startDay < today || (endText !== '' && endDay === undefined)) return undefined;
  // Starting today means starting now; a later start begins at midnight of that day in the person's zone (else UTC).
  const startDateTime =
    startDay === today
      ? now.toISOString()
      : new Date(zonedToUtc(isoDate(startDay), '00:00', zone) ?? startDay).toISOString();
  if (endDay === undefined) return { startDateTime, expiration: policyExpiration(lasts) };
  if (endDay <= startDay) {
    errors[FormField.endDate] = 'The end date must be after the start date.';
    return undefined;
  }
  const latest = latestEndDay(lasts, startDay);
  if (latest !== undefined && endDay > latest) {
    errors[FormField.endDate] =
      `This policy allows access until ${calendarDateText(isoDate(latest))} at the latest for that start date.`;
    return undefined;
  }
  return {
    startDateTime,
    expiration: { type: 'afterDuration', duration: `P${Math.round((endDay - startDay) / DAY_MS)}D` },
  };
}

function policyExpiration(lasts: AccessLength): ScheduleBody['expiration'] {
  switch (lasts.kind) {
    case 'duration':
      return { type: 'afterDuration', duration: `P${lasts.days}D${lasts.hours > 0 ? `T${lasts.hours}H` : ''}` };
    case 'until':
      return { type: 'afterDateTime', endDateTime: lasts.date };
    case 'noExpiry':
      return { type: 'noExpiration' };
    default:
      return { type: 'notSpecified' };
  }
}
