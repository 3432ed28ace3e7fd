import { randomUUID } from 'node:crypto';
import { currentStage, startStage } from './approvals.js';
import type { Caller } from './auth.js';
import { badRequest, forbidden, type GraphError, malformed, notFound } from './errors.js';
import type { AccessId, Approval, Group, PimActivation, PimEligibility, PimRequest, StageSpec } from './model.js';
import { enumValue, optionalObject, optionalString, rejectUnknown } from './router.js';
import { DEFAULT_PIM_RULES, type PimRulesSpec } from './seed.js';
import type { TenantState } from './state.js';
import { parseDuration, parseTimestamp, stableGuid } from './time.js';

/** PIM for Groups behaviour: eligibilities, activations (with every policy rule), approvals, expiry. */

/** The shortest activation, and how long one must last before it can be deactivated. */
export const FIVE_MINUTES = 5 * 60_000;
/** A start time this close to now counts as "now" (clients send their own clock). */
const START_TOLERANCE_MS = 60_000;

export function rulesFor(state: TenantState, groupId: string, accessId: AccessId): PimRulesSpec {
  return state.groups.get(groupId.toLowerCase())?.pim?.[accessId] ?? DEFAULT_PIM_RULES;
}

// ---------- eligibilities ----------

export function addEligibility(
  state: TenantState,
  e: Omit<PimEligibility, 'instanceId' | 'createdDateTime'> & { createdDateTime?: number },
): PimEligibility {
  const eligibility: PimEligibility = {
    ...e,
    instanceId: `${e.id}-1-e`,
    createdDateTime: e.createdDateTime ?? e.start,
  };
  state.pimEligibilities.set(eligibility.id, eligibility);
  scheduleEligibilityEnd(state, eligibility);
  return eligibility;
}

function scheduleEligibilityEnd(state: TenantState, e: PimEligibility): void {
  if (e.end === null) return;
  const end = e.end;
  state.schedule(end, () => {
    const current = state.pimEligibilities.get(e.id);
    if (current && current.end === end) state.pimEligibilities.delete(e.id);
  });
}

export function setEligibilityEnd(state: TenantState, id: string, end: number | null): void {
  const e = state.pimEligibilities.get(id);
  if (!e) return;
  e.end = end;
  scheduleEligibilityEnd(state, e);
}

/** The eligibility end EM sets: min(access package assignment end, now + PIM "expire eligible assignments after"). */
export function eligibilityEndFor(
  state: TenantState,
  groupId: string,
  accessId: AccessId,
  start: number,
  assignmentEnd: number | null,
) {
  const max = rulesFor(state, groupId, accessId).eligibleMaximumDuration;
  const pimEnd = max ? start + (parseDuration(max) ?? 0) : null;
  if (pimEnd === null) return assignmentEnd;
  return assignmentEnd === null ? pimEnd : Math.min(pimEnd, assignmentEnd);
}

export function activeEligibility(
  state: TenantState,
  principalId: string,
  groupId: string,
  accessId: AccessId,
  now: number,
) {
  for (const e of state.pimEligibilities.values()) {
    if (e.principalId === principalId && e.groupId === groupId && e.accessId === accessId && e.start <= now) {
      if (e.end === null || e.end > now) return e;
    }
  }
  return undefined;
}

// ---------- activations ----------

/** Activations plus the permanent members/owners of PIM groups (shown by Graph as `Assigned` instances). */
export function assignmentInstances(state: TenantState): PimActivation[] {
  const out = [...state.pimActivations.values()];
  for (const g of state.groups.values()) {
    if (!g.pim) continue;
    for (const accessId of ['member', 'owner'] as const) {
      for (const principalId of accessId === 'member' ? g.members : g.owners)
        out.push(permanentAssignment(state, g, principalId, accessId));
    }
  }
  return out;
}

function permanentAssignment(state: TenantState, g: Group, principalId: string, accessId: AccessId): PimActivation {
  const key = stableGuid(`assigned:${g.id}:${principalId}:${accessId}`);
  return {
    assignmentType: 'Assigned',
    scheduleId: newScheduleId(state, g.id, accessId, key),
    instanceId: `${key}-1`,
    groupId: g.id,
    principalId,
    accessId,
    start: g.createdDateTime,
    end: null,
    activatedUsing: null,
    requestId: key,
    createdDateTime: g.createdDateTime,
  };
}

/**
 * A new assignment schedule's id. Graph documents no format (its examples show `<groupId>_member_<id>`); with the
 * `opaquePimScheduleIds` quirk the id tells nothing about the group, access or request, as a client must assume.
 */
export function newScheduleId(state: TenantState, groupId: string, accessId: AccessId, requestId: string): string {
  return state.quirks.opaquePimScheduleIds
    ? `sch${stableGuid(`schedule:${requestId}`).replace(/-/g, '')}`
    : `${groupId}_${accessId}_${requestId}`;
}

export function addActivation(state: TenantState, a: PimActivation): void {
  state.pimActivations.set(a.scheduleId, a);
  if (a.end === null) return;
  const end = a.end;
  state.schedule(end, () => {
    const current = state.pimActivations.get(a.scheduleId);
    if (current && current.end === end) state.pimActivations.delete(a.scheduleId);
  });
}

function findActivation(state: TenantState, principalId: string, groupId: string, accessId: AccessId) {
  for (const a of state.pimActivations.values()) {
    if (a.principalId === principalId && a.groupId === groupId && a.accessId === accessId) return a;
  }
  return undefined;
}

function isPermanent(group: Group, principalId: string, accessId: AccessId): boolean {
  return !!group.pim && (accessId === 'member' ? group.members : group.owners).has(principalId);
}

// ---------- requests ----------

const REQUEST_PROPERTIES = [
  'accessId',
  'principalId',
  'groupId',
  'action',
  'scheduleInfo',
  'justification',
  'ticketInfo',
  'isValidationOnly',
  'customData',
  'targetScheduleId',
] as const;
const ACTIONS = [
  'selfActivate',
  'selfDeactivate',
  'adminAssign',
  'adminUpdate',
  'adminRemove',
  'adminExtend',
  'adminRenew',
] as const;
const REQUEST_TYPE = 'microsoft.graph.privilegedAccessGroupAssignmentScheduleRequest';

interface ParsedRequest extends RequestDetails {
  action: 'selfActivate' | 'selfDeactivate';
  accessId: AccessId;
  group: Group;
  principalId: string;
}

function parseRequest(state: TenantState, caller: Caller, body: Record<string, unknown>): ParsedRequest {
  rejectUnknown(body, REQUEST_TYPE, REQUEST_PROPERTIES);
  const action = enumValue(body.action, ACTIONS, 'action');
  if (action !== 'selfActivate' && action !== 'selfDeactivate') {
    throw forbidden(`The action '${action}' needs an administrator role, which the devtenant does not model.`);
  }
  const accessId = enumValue(body.accessId, ['member', 'owner'] as const, 'accessId');
  const principalId = optionalString(body, 'principalId');
  const groupId = optionalString(body, 'groupId');
  if (!principalId) throw malformed('body', "The property 'principalId' is required.");
  if (!groupId) throw malformed('body', "The property 'groupId' is required.");
  if (principalId.toLowerCase() !== caller.oid.toLowerCase()) {
    throw forbidden(
      `${action} can only be requested by the principal itself (principalId must be the signed-in user).`,
    );
  }
  const group = state.groups.get(groupId.toLowerCase());
  if (!group) throw notFound(`The group '${groupId}' was not found.`);
  return { action, accessId, group, principalId: caller.oid, ...parseRequestDetails(body) };
}

/** What every PIM schedule request (groups and Entra roles) carries besides its target. */
export interface RequestDetails {
  justification: string | null;
  ticketInfo: PimRequest['ticketInfo'];
  isValidationOnly: boolean;
  scheduleInfo: Record<string, unknown> | null;
}

export function parseRequestDetails(body: Record<string, unknown>): RequestDetails {
  const ticket = optionalObject(body, 'ticketInfo');
  if (ticket) rejectUnknown(ticket, 'microsoft.graph.ticketInfo', ['ticketNumber', 'ticketSystem']);
  if (
    body.isValidationOnly !== undefined &&
    body.isValidationOnly !== null &&
    typeof body.isValidationOnly !== 'boolean'
  ) {
    throw malformed('body', "Property 'isValidationOnly' must be a boolean.");
  }
  return {
    justification: optionalString(body, 'justification'),
    ticketInfo: ticket
      ? { ticketNumber: optionalString(ticket, 'ticketNumber'), ticketSystem: optionalString(ticket, 'ticketSystem') }
      : null,
    isValidationOnly: body.isValidationOnly === true,
    scheduleInfo: optionalObject(body, 'scheduleInfo'),
  };
}

export interface RequestedSchedule {
  start: number;
  durationMs: number | null;
  expiration: { type: string; duration: string | null; endDateTime: number | null };
  provided: boolean;
}

export function parseSchedule(info: Record<string, unknown> | null, now: number): RequestedSchedule {
  if (!info)
    return {
      start: now,
      durationMs: null,
      expiration: { type: 'notSpecified', duration: null, endDateTime: null },
      provided: false,
    };
  rejectUnknown(info, 'microsoft.graph.requestSchedule', ['startDateTime', 'expiration', 'recurrence']);
  if (info.recurrence !== undefined && info.recurrence !== null)
    throw badRequest('Recurrence is not supported for assignment schedule requests.');
  let start = now;
  if (info.startDateTime !== undefined && info.startDateTime !== null) {
    const parsed = parseTimestamp(info.startDateTime);
    if (parsed === null) throw badRequest(`Invalid startDateTime '${String(info.startDateTime)}'.`);
    start = parsed < now + START_TOLERANCE_MS ? Math.max(parsed, now) : parsed;
  }
  const exp = optionalObject(info, 'expiration');
  if (!exp)
    return {
      start,
      durationMs: null,
      expiration: { type: 'notSpecified', duration: null, endDateTime: null },
      provided: true,
    };
  rejectUnknown(exp, 'microsoft.graph.expirationPattern', ['type', 'duration', 'endDateTime']);
  const type = enumValue(
    exp.type ?? 'notSpecified',
    ['notSpecified', 'noExpiration', 'afterDateTime', 'afterDuration'] as const,
    'expiration/type',
  );
  const duration = optionalString(exp, 'duration');
  const endText = optionalString(exp, 'endDateTime');
  if (type === 'afterDuration') {
    const ms = duration === null ? null : parseDuration(duration);
    if (ms === null) throw badRequest(`Invalid expiration duration '${String(duration)}'.`);
    return { start, durationMs: ms, expiration: { type, duration, endDateTime: null }, provided: true };
  }
  if (type === 'afterDateTime') {
    const end = parseTimestamp(endText);
    if (end === null) throw badRequest(`Invalid expiration endDateTime '${String(endText)}'.`);
    return { start, durationMs: end - start, expiration: { type, duration: null, endDateTime: end }, provided: true };
  }
  return { start, durationMs: null, expiration: { type, duration: null, endDateTime: null }, provided: true };
}

function failedRules(
  state: TenantState,
  caller: Caller,
  p: ParsedRequest,
  schedule: RequestedSchedule,
  now: number,
): string[] {
  const eligible = !!activeEligibility(state, p.principalId, p.group.id, p.accessId, Math.max(schedule.start, now));
  return policyRuleFailures(state, caller, rulesFor(state, p.group.id, p.accessId), eligible, schedule, p);
}

/**
 * The activation policy rules a selfActivate breaks (PIM for Groups and Entra roles alike), in Graph's order:
 * EligibilityRule, ExpirationRule, JustificationRule, TicketingRule, MfaRule.
 */
export function policyRuleFailures(
  state: TenantState,
  caller: Caller,
  rules: PimRulesSpec,
  eligible: boolean,
  schedule: RequestedSchedule,
  p: Pick<RequestDetails, 'justification' | 'ticketInfo'>,
): string[] {
  const failed: string[] = [];
  if (!eligible) failed.push('EligibilityRule');
  const max = parseDuration(rules.maximumDuration) ?? 8 * 3_600_000;
  if (schedule.durationMs === null || schedule.durationMs > max || schedule.durationMs < FIVE_MINUTES)
    failed.push('ExpirationRule');
  if (rules.enabledRules.includes('Justification') && !p.justification?.trim()) failed.push('JustificationRule');
  const ticketOk =
    !!p.ticketInfo?.ticketNumber?.trim() &&
    (!state.quirks.ticketSystemRequired || !!p.ticketInfo?.ticketSystem?.trim());
  if (rules.enabledRules.includes('Ticketing') && !ticketOk) failed.push('TicketingRule');
  const amr = Array.isArray(caller.claims.amr) ? caller.claims.amr : [];
  if (rules.enabledRules.includes('MultiFactorAuthentication') && !amr.includes('mfa')) failed.push('MfaRule');
  return failed;
}

export function acrsChallenge(claimValue: string): GraphError {
  const claims = `{"access_token":{"acrs":{"essential":true, "value":"${claimValue}"}}}`;
  return badRequest(
    `The role assignment request failed validation: the authentication context '${claimValue}' is required. Acquire a token with these claims and retry: &claims=${encodeURIComponent(claims)}`,
    'RoleAssignmentRequestAcrsValidationFailed',
  );
}

function newRequest(
  state: TenantState,
  p: ParsedRequest,
  schedule: RequestedSchedule,
  now: number,
  callerId: string,
): PimRequest {
  const id = randomUUID();
  return {
    id,
    action: p.action,
    accessId: p.accessId,
    principalId: p.principalId,
    groupId: p.group.id,
    justification: p.justification,
    scheduleInfo: { startDateTime: schedule.start, expiration: schedule.expiration },
    ticketInfo: p.ticketInfo,
    status: 'Provisioned',
    createdDateTime: now,
    completedDateTime: null,
    approvalId: null,
    targetScheduleId: newScheduleId(state, p.group.id, p.accessId, id),
    createdById: callerId,
    isValidationOnly: p.isValidationOnly,
    eligibilityId: null,
    durationMs: schedule.durationMs,
    approval: null,
  };
}

/** POST assignmentScheduleRequests: selfActivate / selfDeactivate with Graph's validation and error codes. */
export function submitPimRequest(
  state: TenantState,
  caller: Caller,
  body: Record<string, unknown>,
  now: number,
): PimRequest {
  const p = parseRequest(state, caller, body);
  return p.action === 'selfActivate' ? activate(state, caller, p, now) : deactivate(state, p, now);
}

function assertNoExistingActivation(state: TenantState, p: ParsedRequest): void {
  if (findActivation(state, p.principalId, p.group.id, p.accessId) || isPermanent(p.group, p.principalId, p.accessId)) {
    throw badRequest('The Role assignment already exists.', 'RoleAssignmentExists');
  }
  for (const r of state.pimRequests.values()) {
    if (
      isOpenActivation(state, r) &&
      r.principalId === p.principalId &&
      r.groupId === p.group.id &&
      r.accessId === p.accessId
    ) {
      throw pendingRequestError(state);
    }
  }
}

/** A selfActivate still waiting for approval or for its start (groups and roles). */
export const isOpenActivation = (state: TenantState, r: { action: string; status: string }) =>
  r.action === 'selfActivate' &&
  (r.status === 'PendingApproval' || r.status === state.quirks.pimFutureActivationStatus);

/** The refusal of a second activation while one is pending (`pimPendingRequestErrorCode`). */
export function pendingRequestError(state: TenantState): GraphError {
  const code = state.quirks.pimPendingRequestErrorCode;
  const message =
    code === 'RoleAssignmentExists'
      ? 'The Role assignment already exists.'
      : 'There already exists a pending request for this role assignment.';
  return badRequest(message, code);
}

function activate(state: TenantState, caller: Caller, p: ParsedRequest, now: number): PimRequest {
  assertNoExistingActivation(state, p);
  const schedule = parseSchedule(p.scheduleInfo, now);
  const rules = rulesFor(state, p.group.id, p.accessId);
  assertActivationAllowed(caller, rules, failedRules(state, caller, p, schedule, now));
  const request = newRequest(state, p, schedule, now, caller.oid);
  request.eligibilityId =
    activeEligibility(state, p.principalId, p.group.id, p.accessId, Math.max(now, schedule.start))?.id ?? null;
  return settleActivation(
    state,
    request,
    rules,
    now,
    (r) => state.pimRequests.set(r.id, r),
    (t) => provision(state, request, t),
  );
}

/**
 * An activation whose rules passed (groups and roles): `PendingApproval` with its approval opened, or provisioned now
 * (`Provisioned`) or at its start (`Granted`). A validation-only request is answered but not kept.
 */
export function settleActivation<R extends ApprovableRequest & Pick<PimRequest, 'scheduleInfo' | 'isValidationOnly'>>(
  state: TenantState,
  request: R,
  rules: PimRulesSpec,
  now: number,
  keep: (request: R) => void,
  provisionAt: (t: number) => void,
): R {
  const needsApproval = !!rules.approval;
  const start = request.scheduleInfo?.startDateTime ?? now;
  request.status = needsApproval
    ? 'PendingApproval'
    : start > now
      ? state.quirks.pimFutureActivationStatus
      : 'Provisioned';
  if (needsApproval) request.approvalId = request.id;
  if (request.isValidationOnly) return request;
  keep(request);
  if (needsApproval) openApproval(state, request, rules, now);
  else startWhenDue(state, request, now, provisionAt);
  return request;
}

/** Policy failures first (all at once), then the authentication context: Graph's order for groups and roles. */
export function assertActivationAllowed(caller: Caller, rules: PimRulesSpec, failed: string[]): void {
  if (failed.length > 0) {
    throw badRequest(
      `The following policy rules failed: ${JSON.stringify(failed)}`,
      'RoleAssignmentRequestPolicyValidationFailed',
    );
  }
  const acrs = Array.isArray(caller.claims.acrs) ? caller.claims.acrs : [];
  if (rules.authenticationContext && !acrs.includes(rules.authenticationContext))
    throw acrsChallenge(rules.authenticationContext);
}

/** Provisions now, or at the requested start when it is in the future (`Granted` until then); groups and roles. */
export function startWhenDue(
  state: TenantState,
  request: ApprovableRequest & Pick<PimRequest, 'scheduleInfo'>,
  at: number,
  provisionAt: (t: number) => void,
): void {
  const start = request.scheduleInfo?.startDateTime ?? at;
  if (start <= at) {
    provisionAt(at);
    return;
  }
  request.status = state.quirks.pimFutureActivationStatus;
  state.schedule(start, (t) => {
    if (request.status === state.quirks.pimFutureActivationStatus) provisionAt(t);
  });
}

function provision(state: TenantState, request: PimRequest, at: number): void {
  const end = request.durationMs === null ? null : at + request.durationMs;
  addActivation(state, {
    assignmentType: 'Activated',
    scheduleId: request.targetScheduleId,
    instanceId: `${stableGuid(request.targetScheduleId)}-1`,
    groupId: request.groupId,
    principalId: request.principalId,
    accessId: request.accessId,
    start: at,
    end,
    activatedUsing: request.eligibilityId,
    requestId: request.id,
    createdDateTime: at,
  });
  request.status = 'Provisioned';
  request.completedDateTime = at;
}

export function pimStageSpec(rules: PimRulesSpec): StageSpec {
  const a = rules.approval;
  if (!a) throw new Error('no approval configured');
  return {
    primaryApprovers: a.approvers,
    fallbackPrimaryApprovers: [],
    escalationApprovers: a.escalationApprovers,
    fallbackEscalationApprovers: [],
    isEscalationEnabled: a.isEscalationEnabled,
    escalateAfterMs: a.escalationTimeInMinutes * 60_000,
    timeoutMs: a.approvalStageTimeOutInDays * 86_400_000,
    isApproverJustificationRequired: a.isApproverJustificationRequired,
  };
}

/** The part of a PIM request (group or Entra role) its approval drives. */
export type ApprovableRequest = Pick<
  PimRequest,
  'id' | 'principalId' | 'status' | 'completedDateTime' | 'approval' | 'approvalId'
>;

/** Opens the approval of a PIM activation; undecided after the stage timeout (24 h) it times out. */
export function openApproval(state: TenantState, request: ApprovableRequest, rules: PimRulesSpec, at: number): void {
  const approval: Approval = {
    id: request.id,
    kind: 'pim',
    requestorId: request.principalId,
    specs: [pimStageSpec(rules)],
    stages: [],
  };
  request.approval = approval;
  request.approvalId = request.id;
  startStage(state, approval, 0, at, {
    onEscalate: () => {},
    onTimeout: (t) => {
      if (request.status !== 'PendingApproval') return;
      request.status = state.quirks.pimApprovalTimeoutStatus;
      request.completedDateTime = t;
    },
  });
}

/** After an approver decided (PATCH stage): approve → provision (or schedule), deny → Denied. */
export function afterPimDecision(
  state: TenantState,
  request: PimRequest,
  decision: 'Approve' | 'Deny',
  at: number,
): void {
  settleDecision(state, request, decision, at, (t) => provision(state, request, t));
}

/** Deny → `Denied`; approve → provisioned now or at the requested start (groups and roles). */
export function settleDecision(
  state: TenantState,
  request: ApprovableRequest & Pick<PimRequest, 'scheduleInfo'>,
  decision: 'Approve' | 'Deny',
  at: number,
  provisionAt: (t: number) => void,
): void {
  if (decision === 'Deny') {
    request.status = 'Denied';
    request.completedDateTime = at;
    return;
  }
  startWhenDue(state, request, at, provisionAt);
}

function deactivate(state: TenantState, p: ParsedRequest, now: number): PimRequest {
  const activation = findActivation(state, p.principalId, p.group.id, p.accessId);
  if (!activation || activation.start > now)
    throw badRequest('The Role assignment does not exist.', 'RoleAssignmentDoesNotExist');
  if (now - activation.start < FIVE_MINUTES) {
    throw badRequest('The Active duration is too short. Miniumum Required is 5 minutes.', 'ActiveDurationTooShort');
  }
  const request = newRequest(
    state,
    p,
    {
      start: now,
      durationMs: null,
      expiration: { type: 'notSpecified', duration: null, endDateTime: null },
      provided: false,
    },
    now,
    p.principalId,
  );
  request.scheduleInfo = null;
  request.targetScheduleId = activation.scheduleId;
  request.status = state.quirks.pimDeactivateStatus;
  request.completedDateTime = now;
  if (p.isValidationOnly) return request;
  state.pimActivations.delete(activation.scheduleId);
  state.pimRequests.set(request.id, request);
  return request;
}

/** POST assignmentScheduleRequests/{id}/cancel: only pending (approval or future start) requests of the caller. */
export function cancelPimRequest(state: TenantState, caller: Caller, id: string, now: number): void {
  const request = state.pimRequests.get(id.toLowerCase());
  if (!request) throw notFound(`The request '${id}' was not found.`);
  if (request.principalId !== caller.oid && request.createdById !== caller.oid) {
    throw forbidden('Only the principal who created the request can cancel it.');
  }
  cancelOpenRequest(state, request, now);
}

/** Cancels a request that waits for approval or for its start (groups and roles); 400 for any other status. */
export function cancelOpenRequest(state: TenantState, request: ApprovableRequest, now: number): void {
  const cancellable = request.status === 'PendingApproval' || request.status === state.quirks.pimFutureActivationStatus;
  if (!cancellable) {
    throw badRequest(`The request is in status '${request.status}' and cannot be canceled.`, 'InvalidRequestStatus');
  }
  request.status = 'Canceled';
  request.completedDateTime = now;
  const stage = request.approval ? currentStage(request.approval) : undefined;
  if (stage) stage.status = 'Completed';
}
