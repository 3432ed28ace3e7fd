import type { ActivationPolicy } from '../model/pim.js';
import { describeMinutes } from './durations.js';

/** What the person asked for on the activation form, already parsed. */
export interface ActivationInput {
  durationMinutes: number;
  justification?: string;
  ticketNumber?: string;
  ticketSystem?: string;
  /** Undefined = now. */
  startDateTime?: Date;
}

export type ActivationField = 'duration' | 'justification' | 'ticketNumber' | 'ticketSystem' | 'start';

export interface InputProblem {
  field: ActivationField;
  message: string;
}

/** PIM stores at most this much justification (the Entra portal limits it the same way). */
export const MAX_JUSTIFICATION_CHARS = 500;
export const MAX_TICKET_CHARS = 100;
/** PIM refuses activations shorter than five minutes (GRAPH-API.md §5). */
export const MIN_ACTIVATION_MINUTES = 5;
/** A start this close to now counts as "now": the person's and the server's clocks differ a little. */
const START_SLACK_MS = 60_000;

/**
 * Checks the input against the group's policy before anything is sent to Graph, so a person learns exactly what to
 * change. Graph checks again (and may know more, e.g. MFA); this is the fast, explained path.
 */
export function checkActivationInput(
  policy: ActivationPolicy,
  input: ActivationInput,
  context: { now: Date; eligibleUntil?: string; noun?: 'group' | 'role' },
): InputProblem[] {
  const noun = context.noun ?? 'group';
  return [
    ...durationProblems(policy, input.durationMinutes, noun),
    ...justificationProblems(policy, noun, input.justification),
    ...ticketProblems(policy, input, noun),
    ...startProblems(input, context),
  ];
}

function durationProblems(policy: ActivationPolicy, minutes: number, noun: string): InputProblem[] {
  if (!Number.isInteger(minutes) || minutes < MIN_ACTIVATION_MINUTES) {
    return [{ field: 'duration', message: `Choose a duration of at least ${MIN_ACTIVATION_MINUTES} minutes.` }];
  }
  if (minutes > policy.maximumMinutes) {
    return [
      {
        field: 'duration',
        message: `${describeMinutes(minutes)} is longer than this ${noun} allows (at most ${describeMinutes(policy.maximumMinutes)}).`,
      },
    ];
  }
  return [];
}

function justificationProblems(policy: ActivationPolicy, noun: string, justification?: string): InputProblem[] {
  const text = justification?.trim() ?? '';
  if (policy.justificationRequired && !text) {
    return [{ field: 'justification', message: `This ${noun} asks for a justification: say why you need access.` }];
  }
  if (text.length > MAX_JUSTIFICATION_CHARS) {
    return [
      {
        field: 'justification',
        message: `The justification has ${text.length.toLocaleString('en-US')} characters; keep it to ${MAX_JUSTIFICATION_CHARS}.`,
      },
    ];
  }
  return [];
}

function ticketProblems(policy: ActivationPolicy, input: ActivationInput, noun: string): InputProblem[] {
  const problems: InputProblem[] = [];
  const number = input.ticketNumber?.trim() ?? '';
  const system = input.ticketSystem?.trim() ?? '';
  if (policy.ticketRequired && !number) {
    problems.push({ field: 'ticketNumber', message: `This ${noun} asks for a ticket number (e.g. INC0012345).` });
  }
  if (number.length > MAX_TICKET_CHARS) {
    problems.push({ field: 'ticketNumber', message: `Keep the ticket number to ${MAX_TICKET_CHARS} characters.` });
  }
  if (system.length > MAX_TICKET_CHARS) {
    problems.push({ field: 'ticketSystem', message: `Keep the ticket system to ${MAX_TICKET_CHARS} characters.` });
  }
  return problems;
}

function startProblems(input: ActivationInput, context: { now: Date; eligibleUntil?: string }): InputProblem[] {
  const start = input.startDateTime;
  if (!start) return [];
  if (Number.isNaN(start.getTime())) return [{ field: 'start', message: 'The start date or time is not valid.' }];
  if (start.getTime() < context.now.getTime() - START_SLACK_MS) {
    return [{ field: 'start', message: 'The start time is in the past: leave it empty to start now.' }];
  }
  const end = start.getTime() + input.durationMinutes * 60_000;
  if (context.eligibleUntil && end > Date.parse(context.eligibleUntil)) {
    return [
      { field: 'start', message: 'Your eligibility ends before that activation would: choose an earlier start.' },
    ];
  }
  return [];
}
