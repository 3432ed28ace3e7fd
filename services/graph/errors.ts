import { datedMomentText } from '../../cards/time.js';
import { SignInRequiredError, StepUpRequiredError } from '../auth/tokens.js';

/**
 * A non-2xx answer from Microsoft Graph. `graphMessage` may contain personal data (names, UPNs): show it to nobody and
 * log only `code` and `requestId`; the Error message itself carries only method, path, status and code.
 */
export class GraphRequestError extends Error {
  override name = 'GraphRequestError';
  readonly status: number;
  readonly code: string;
  readonly graphMessage: string;
  readonly requestId?: string;
  readonly retryAfterSeconds?: number;
  readonly wwwAuthenticate?: string;
  readonly method: string;
  readonly path: string;

  constructor(init: {
    status: number;
    code?: string;
    graphMessage?: string;
    requestId?: string;
    retryAfterSeconds?: number;
    wwwAuthenticate?: string;
    method: string;
    path: string;
  }) {
    const code = init.code || `Http${init.status}`;
    super(`Graph ${init.method} ${init.path} failed with ${init.status} ${code}`);
    this.status = init.status;
    this.code = code;
    this.graphMessage = init.graphMessage ?? '';
    this.requestId = init.requestId;
    this.retryAfterSeconds = init.retryAfterSeconds;
    this.wwwAuthenticate = init.wwwAuthenticate;
    this.method = init.method;
    this.path = init.path;
  }
}

/** Graph never answered: the per-request timeout fired, or the connection failed or was reset. */
export class GraphTransportError extends Error {
  override name = 'GraphTransportError';
  constructor(
    readonly kind: 'timeout' | 'network',
    readonly method: string,
    readonly path: string,
    readonly causeCode?: string,
  ) {
    super(
      kind === 'timeout'
        ? `Graph ${method} ${path} timed out`
        : `Graph ${method} ${path} failed: network error${causeCode ? ` (${causeCode})` : ''}`,
    );
  }
}

export type DomainErrorKind =
  | 'notAllowed'
  | 'notFound'
  | 'alreadyDecided'
  | 'conflict'
  | 'policyRule'
  | 'stepUp'
  | 'throttled'
  | 'unavailable'
  | 'badRequest'
  | 'signInRequired';

export interface DomainErrorInit {
  kind: DomainErrorKind;
  userMessage: string;
  nextStep: string;
  rules?: string[];
  claims?: string;
  status?: number;
  graphCode?: string;
  requestId?: string;
  retryAfterSeconds?: number;
  /** When the action becomes possible (e.g. deactivation 5 minutes after activation), if known. */
  possibleFrom?: Date;
}

/** What went wrong, in words for the person in the chat, with what they can do next. */
export class DomainError extends Error {
  override name = 'DomainError';
  readonly kind: DomainErrorKind;
  readonly userMessage: string;
  readonly nextStep: string;
  readonly rules?: string[];
  readonly claims?: string;
  readonly status?: number;
  readonly graphCode?: string;
  readonly requestId?: string;
  readonly retryAfterSeconds?: number;
  readonly possibleFrom?: Date;

  constructor(init: DomainErrorInit) {
    super(init.userMessage);
    this.kind = init.kind;
    this.userMessage = init.userMessage;
    this.nextStep = init.nextStep;
    this.rules = init.rules;
    this.claims = init.claims;
    this.status = init.status;
    this.graphCode = init.graphCode;
    this.requestId = init.requestId;
    this.retryAfterSeconds = init.retryAfterSeconds;
    this.possibleFrom = init.possibleFrom;
  }
}

export interface ErrorContext {
  /** What the user was doing, as a verb phrase: 'approve this request', 'activate Finance Admins'. */
  action: string;
  /** Whom to ask for access (an owner, an approver), when known. */
  who?: string;
  /** Who already decided (for a 409 on an approval), when known. */
  decidedBy?: string;
  /** When the membership was activated (for ActiveDurationTooShort). */
  activatedAt?: Date;
}

const BUSY = 'Microsoft Graph is busy, try again in a minute.';
const DEACTIVATE_AFTER_MS = 5 * 60_000;

const RULE_EXPLANATIONS: Record<string, string> = {
  JustificationRule: 'a justification is required',
  TicketingRule: 'a ticket number is required',
  ExpirationRule: 'the duration is longer than the group allows',
  EligibilityRule: 'you are not eligible (any more)',
  MfaRule: 'you need to verify your identity with multi-factor authentication',
};

/** The single place where Graph and token failures become messages a person can act on. */
export function toDomainError(err: unknown, context: ErrorContext): DomainError {
  if (err instanceof DomainError) return err;
  if (err instanceof StepUpRequiredError) return stepUp(context, err.claims || undefined);
  if (err instanceof SignInRequiredError) return signInRequired(context, err.reason === 'consentRequired');
  if (err instanceof GraphTransportError) {
    return new DomainError({ kind: 'unavailable', userMessage: BUSY, nextStep: 'Try again in a minute.' });
  }
  if (err instanceof GraphRequestError) return fromGraph(err, context);
  return unexpected(context);
}

function fromGraph(err: GraphRequestError, context: ErrorContext): DomainError {
  const base = { status: err.status, graphCode: err.code, requestId: err.requestId };
  if (/AcrsValidationFailed/i.test(err.code) || /AcrsValidationFailed/i.test(err.graphMessage)) {
    return stepUp(context, extractClaimsChallenge(err.graphMessage), base);
  }
  if (err.status === 401) {
    const claims = claimsFromWwwAuthenticate(err.wwwAuthenticate);
    return claims !== undefined ? stepUp(context, claims, base) : signInRequired(context, false, base);
  }
  const byCode = fromPimCode(err, context, base);
  if (byCode) return byCode;
  return fromStatus(err, context, base);
}

type Base = Pick<DomainErrorInit, 'status' | 'graphCode' | 'requestId'>;

function fromPimCode(err: GraphRequestError, context: ErrorContext, base: Base): DomainError | undefined {
  if (err.code === 'RoleAssignmentRequestPolicyValidationFailed' || /policy rules failed/i.test(err.graphMessage)) {
    return policyRules(parsePolicyRules(err.graphMessage), context, base);
  }
  if (err.code === 'RoleAssignmentExists' || err.code === 'PendingRoleAssignmentRequest') {
    return new DomainError({
      ...base,
      kind: 'conflict',
      userMessage: `I couldn't ${context.action}: it is already active or pending.`,
      nextStep: 'Type "activate" to see what is active or waiting for approval.',
    });
  }
  if (err.code === 'ActiveDurationTooShort') return tooSoonToDeactivate(context, base);
  if (err.code === 'RoleAssignmentDoesNotExist') {
    return new DomainError({
      ...base,
      kind: 'notFound',
      userMessage: `I couldn't ${context.action}: it is not active any more.`,
      nextStep: 'Nothing to do: the membership has already ended.',
    });
  }
  return undefined;
}

function fromStatus(err: GraphRequestError, context: ErrorContext, base: Base): DomainError {
  const { status } = err;
  if (status === 403) {
    return new DomainError({
      ...base,
      kind: 'notAllowed',
      userMessage: `You are not allowed to ${context.action}.`,
      nextStep: context.who
        ? `Ask ${context.who} or your admin if you think you should be.`
        : 'Ask your admin if you think you should be.',
    });
  }
  if (status === 404) {
    return new DomainError({
      ...base,
      kind: 'notFound',
      userMessage: `I couldn't ${context.action}: it was not found. It may have expired or been removed.`,
      nextStep: 'Refresh the list and try again.',
    });
  }
  if (status === 409) {
    return new DomainError({
      ...base,
      kind: 'alreadyDecided',
      userMessage: context.decidedBy
        ? `This was already decided by ${context.decidedBy}.`
        : 'This has already been decided.',
      nextStep: 'Nothing more to do here: the card shows the outcome.',
    });
  }
  if (status === 429) {
    const wait = err.retryAfterSeconds;
    return new DomainError({
      ...base,
      kind: 'throttled',
      userMessage: BUSY,
      nextStep: wait && wait > 60 ? `Try again in ${Math.ceil(wait / 60)} minutes.` : 'Try again in a minute.',
      retryAfterSeconds: wait,
    });
  }
  if (status === 400) {
    return new DomainError({
      ...base,
      kind: 'badRequest',
      userMessage: `Microsoft Graph did not accept the request to ${context.action} (${err.code}).`,
      nextStep: `Check what you entered and try again; if it keeps failing, give your admin the code ${err.code}.`,
    });
  }
  if (status === 502 || status === 503 || status === 504) {
    return new DomainError({ ...base, kind: 'unavailable', userMessage: BUSY, nextStep: 'Try again in a minute.' });
  }
  return unexpected(context, base);
}

function policyRules(rules: string[], context: ErrorContext, base: Base): DomainError {
  const onlyMfa = rules.length > 0 && rules.every((r) => r === 'MfaRule');
  if (onlyMfa) return new DomainError({ ...stepUpInit(context), ...base, rules });
  const reasons = rules.length > 0 ? rules.map(explainRule) : ["a rule of the group's policy was not met"];
  return new DomainError({
    ...base,
    kind: 'policyRule',
    rules,
    userMessage: `I couldn't ${context.action}: ${joinWords(reasons)}.`,
    nextStep: policyNextStep(rules, context),
  });
}

function policyNextStep(rules: string[], context: ErrorContext): string {
  if (rules.includes('EligibilityRule')) {
    return context.who
      ? `Ask ${context.who} to make you eligible again.`
      : 'Ask your admin to make you eligible again.';
  }
  if (rules.includes('ExpirationRule')) return 'Choose a shorter duration and try again.';
  return 'Fill in what is missing and try again.';
}

function explainRule(rule: string): string {
  return RULE_EXPLANATIONS[rule] ?? `the rule "${rule}" was not met`;
}

function joinWords(parts: string[]): string {
  if (parts.length <= 1) return parts[0] ?? '';
  return `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}

function tooSoonToDeactivate(context: ErrorContext, base: Base): DomainError {
  const possibleFrom = context.activatedAt ? new Date(context.activatedAt.getTime() + DEACTIVATE_AFTER_MS) : undefined;
  return new DomainError({
    ...base,
    kind: 'policyRule',
    rules: ['ActiveDurationTooShort'],
    userMessage: `I couldn't ${context.action}: you can't deactivate in the first 5 minutes after activation.`,
    nextStep: possibleFrom
      ? `Try again from ${datedMomentText(possibleFrom.toISOString())}.`
      : 'Try again in a few minutes.',
    possibleFrom,
  });
}

function stepUpInit(context: ErrorContext, claims?: string): DomainErrorInit {
  return {
    kind: 'stepUp',
    claims,
    userMessage: `To ${context.action} you need to verify your identity again (multi-factor authentication).`,
    nextStep: 'Select "Verify my identity"; I will finish the request once you have signed in.',
  };
}

function stepUp(context: ErrorContext, claims?: string, base: Base = {}): DomainError {
  return new DomainError({ ...stepUpInit(context, claims), ...base });
}

function signInRequired(context: ErrorContext, consent: boolean, base: Base = {}): DomainError {
  return new DomainError({
    ...base,
    kind: 'signInRequired',
    userMessage: consent
      ? `I can't ${context.action} until the bot's permissions have been granted.`
      : `I need you to sign in before I can ${context.action}.`,
    nextStep: consent ? 'Ask your admin to grant consent for Access Bot.' : 'Select "Sign in" and try again.',
  });
}

function unexpected(context: ErrorContext, base: Base = {}): DomainError {
  const code = base.graphCode ? ` (error code ${base.graphCode})` : '';
  return new DomainError({
    ...base,
    kind: 'unavailable',
    userMessage: `Something went wrong while trying to ${context.action}${code}.`,
    nextStep: 'Try again in a minute; if it keeps failing, tell your admin.',
  });
}

/** Rule names from `The following policy rules failed: ["MfaRule","JustificationRule"]` (quotes optional). */
export function parsePolicyRules(message: string): string[] {
  const bracket = /\[([^\]]*)\]/.exec(message)?.[1] ?? message;
  return [...new Set(bracket.match(/[A-Za-z]+Rule\b/g) ?? [])];
}

/** The claims challenge in a PIM error message (`…&claims=<url-encoded JSON>`), decoded to its JSON text. */
export function extractClaimsChallenge(message: string): string | undefined {
  const raw = /claims=([^"\s&]+)/.exec(message)?.[1];
  if (!raw) return undefined;
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    decoded = raw;
  }
  if (isJson(decoded)) return decoded;
  const fromBase64 = Buffer.from(decoded, 'base64').toString('utf8');
  return isJson(fromBase64) ? fromBase64 : undefined;
}

/** `WWW-Authenticate: Bearer …, error="insufficient_claims", claims="<base64>"` → the decoded JSON. */
export function claimsFromWwwAuthenticate(header?: string): string | undefined {
  const raw = header ? /claims="([^"]+)"/i.exec(header)?.[1] : undefined;
  if (!raw) return undefined;
  const decoded = Buffer.from(raw, 'base64').toString('utf8');
  return isJson(decoded) ? decoded : undefined;
}

function isJson(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object';
  } catch {
    return false;
  }
}
