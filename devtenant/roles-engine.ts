import { randomUUID } from 'node:crypto';
import type { Caller } from './auth.js';
import { badRequest, forbidden, malformed, notFound } from './errors.js';
import type { EmAssignment, RoleActivation, RoleEligibility, RoleRequest, RoleTarget } from './model.js';
import {
  assertActivationAllowed,
  cancelOpenRequest,
  FIVE_MINUTES,
  isOpenActivation,
  parseRequestDetails,
  parseSchedule,
  pendingRequestError,
  policyRuleFailures,
  type RequestDetails,
  type RequestedSchedule,
  settleActivation,
  settleDecision,
} from './pim-engine.js';
import { enumValue, optionalString, rejectUnknown } from './router.js';
import { DEFAULT_PIM_RULES, type PimRulesSpec } from './seed.js';
import type { TenantState } from './state.js';
import { parseDuration, stableGuid } from './time.js';

/**
 * PIM for Microsoft Entra roles: eligibilities and activations of directory roles at a directory scope (`/` or an
 * administrative unit), with the same activation rules, error codes and approvals as PIM for Groups (pim-engine.ts).
 */

export function rolePolicy(state: TenantState, roleDefinitionId: string): PimRulesSpec {
  return state.directoryRoles.definitions.get(roleDefinitionId.toLowerCase())?.rules ?? DEFAULT_PIM_RULES;
}

const sameTarget = (a: RoleTarget, b: RoleTarget) =>
  a.principalId === b.principalId &&
  a.roleDefinitionId === b.roleDefinitionId &&
  a.directoryScopeId.toLowerCase() === b.directoryScopeId.toLowerCase();

export function addRoleEligibility(state: TenantState, e: Omit<RoleEligibility, 'instanceId'>): void {
  const eligibility: RoleEligibility = { ...e, instanceId: `${e.id}-1-e` };
  const { eligibilities } = state.directoryRoles;
  eligibilities.set(eligibility.id, eligibility);
  const end = eligibility.end;
  if (end !== null)
    state.schedule(end, () => {
      if (eligibilities.get(eligibility.id)?.end === end) eligibilities.delete(eligibility.id);
    });
}

export function addRoleActivation(state: TenantState, a: RoleActivation): void {
  const { activations } = state.directoryRoles;
  activations.set(a.scheduleId, a);
  const end = a.end;
  if (end !== null)
    state.schedule(end, () => {
      if (activations.get(a.scheduleId)?.end === end) activations.delete(a.scheduleId);
    });
}

export function activeRoleEligibility(state: TenantState, target: RoleTarget, at: number) {
  for (const e of state.directoryRoles.eligibilities.values()) {
    if (sameTarget(e, target) && e.start <= at && (e.end === null || e.end > at)) return e;
  }
  return undefined;
}

function findRoleActivation(state: TenantState, target: RoleTarget) {
  for (const a of state.directoryRoles.activations.values()) if (sameTarget(a, target)) return a;
  return undefined;
}

// ---------- eligibilities an access package delivers ----------

/** min(assignment end, start + the role policy's "expire eligible assignments after"), as for PIM groups. */
function packageEligibilityEnd(state: TenantState, roleId: string, start: number, assignmentEnd: number | null) {
  const max = rolePolicy(state, roleId).eligibleMaximumDuration;
  const pimEnd = max ? start + (parseDuration(max) ?? 0) : null;
  if (pimEnd === null) return assignmentEnd;
  return assignmentEnd === null ? pimEnd : Math.min(pimEnd, assignmentEnd);
}

/** Delivery of a `DirectoryRole` resource role (`Eligible Member`): an eligibility for the role, tenant-wide. */
export function grantPackageRole(state: TenantState, assignment: EmAssignment, roleId: string, at: number): void {
  const id = stableGuid(`role-eligibility:${assignment.id}:${roleId}`);
  addRoleEligibility(state, {
    id,
    principalId: assignment.targetId,
    roleDefinitionId: roleId.toLowerCase(),
    directoryScopeId: '/',
    start: at,
    end: packageEligibilityEnd(state, roleId, at, assignment.end),
    createdDateTime: at,
    sourceAssignmentId: assignment.id,
  });
}

/** A renewal moves the end of what the assignment delivered; expiry or removal takes it away. */
export function refreshPackageRoles(state: TenantState, assignment: EmAssignment, at: number): void {
  for (const e of state.directoryRoles.eligibilities.values()) {
    if (e.sourceAssignmentId !== assignment.id) continue;
    addRoleEligibility(state, { ...e, end: packageEligibilityEnd(state, e.roleDefinitionId, at, assignment.end) });
  }
}

export function revokePackageRoles(state: TenantState, assignmentId: string): void {
  const { eligibilities } = state.directoryRoles;
  for (const [id, e] of eligibilities) if (e.sourceAssignmentId === assignmentId) eligibilities.delete(id);
}

// ---------- requests ----------

const REQUEST_TYPE = 'microsoft.graph.unifiedRoleAssignmentScheduleRequest';
const REQUEST_PROPERTIES = [
  'action',
  'principalId',
  'roleDefinitionId',
  'directoryScopeId',
  'appScopeId',
  'justification',
  'scheduleInfo',
  'ticketInfo',
  'isValidationOnly',
  'customData',
  'targetScheduleId',
] as const;
const ACTIONS = [
  'adminAssign',
  'adminUpdate',
  'adminRemove',
  'selfActivate',
  'selfDeactivate',
  'adminExtend',
  'adminRenew',
  'selfExtend',
  'selfRenew',
] as const;

interface ParsedRoleRequest extends RequestDetails, RoleTarget {
  action: (typeof ACTIONS)[number];
}

function parseRoleRequest(state: TenantState, caller: Caller, body: Record<string, unknown>): ParsedRoleRequest {
  rejectUnknown(body, REQUEST_TYPE, REQUEST_PROPERTIES);
  const action = enumValue(body.action, ACTIONS, 'action');
  if (action.startsWith('admin')) {
    throw forbidden(`The action '${action}' needs an administrator role, which the devtenant does not model.`);
  }
  const principalId = optionalString(body, 'principalId');
  const roleDefinitionId = optionalString(body, 'roleDefinitionId');
  const directoryScopeId = optionalString(body, 'directoryScopeId');
  const appScopeId = optionalString(body, 'appScopeId');
  if (!principalId) throw malformed('body', "The property 'principalId' is required.");
  if (!roleDefinitionId) throw malformed('body', "The property 'roleDefinitionId' is required.");
  if (!directoryScopeId && !appScopeId)
    throw malformed('body', "Either 'directoryScopeId' or 'appScopeId' is required.");
  if (principalId.toLowerCase() !== caller.oid.toLowerCase()) {
    throw forbidden(
      `${action} can only be requested by the principal itself (principalId must be the signed-in user).`,
    );
  }
  if (!state.directoryRoles.definitions.has(roleDefinitionId.toLowerCase()))
    throw notFound(`The role definition '${roleDefinitionId}' was not found.`);
  return {
    action,
    principalId: caller.oid,
    roleDefinitionId: roleDefinitionId.toLowerCase(),
    // App-scoped eligibilities are not modelled: an app scope matches no eligibility (EligibilityRule).
    directoryScopeId: directoryScopeId ?? `app:${appScopeId}`,
    ...parseRequestDetails(body),
  };
}

function newRoleRequest(p: ParsedRoleRequest, schedule: RequestedSchedule | null, now: number): RoleRequest {
  const id = randomUUID();
  return {
    id,
    action: p.action,
    principalId: p.principalId,
    roleDefinitionId: p.roleDefinitionId,
    directoryScopeId: p.directoryScopeId,
    justification: p.justification,
    scheduleInfo: schedule ? { startDateTime: schedule.start, expiration: schedule.expiration } : null,
    ticketInfo: p.ticketInfo,
    status: 'Provisioned',
    createdDateTime: now,
    completedDateTime: null,
    approvalId: null,
    // The docs' examples answer with targetScheduleId equal to the request id.
    targetScheduleId: id,
    createdById: p.principalId,
    isValidationOnly: p.isValidationOnly,
    eligibilityId: null,
    durationMs: schedule?.durationMs ?? null,
    approval: null,
  };
}

/** POST roleManagement/directory/roleAssignmentScheduleRequests: the self actions, with Graph's rules and codes. */
export function submitRoleRequest(
  state: TenantState,
  caller: Caller,
  body: Record<string, unknown>,
  now: number,
): RoleRequest {
  const p = parseRoleRequest(state, caller, body);
  if (p.action === 'selfActivate') return activateRole(state, caller, p, now);
  if (p.action === 'selfDeactivate') return deactivateRole(state, p, now);
  // selfExtend / selfRenew are for admin-assigned time-bound assignments (an administrator decides); activations
  // cannot be extended, and the devtenant holds no admin-assigned role assignments.
  const code = state.quirks.roleSelfExtendErrorCode;
  throw badRequest(
    code === 'RoleAssignmentDoesNotExist' ? 'The Role assignment does not exist.' : `${p.action} is not possible.`,
    code,
  );
}

function assertNothingOpen(state: TenantState, p: ParsedRoleRequest): void {
  if (findRoleActivation(state, p)) throw badRequest('The Role assignment already exists.', 'RoleAssignmentExists');
  for (const r of state.directoryRoles.requests.values()) {
    if (isOpenActivation(state, r) && sameTarget(r, p)) throw pendingRequestError(state);
  }
}

function activateRole(state: TenantState, caller: Caller, p: ParsedRoleRequest, now: number): RoleRequest {
  assertNothingOpen(state, p);
  const schedule = parseSchedule(p.scheduleInfo, now);
  const rules = rolePolicy(state, p.roleDefinitionId);
  const eligibility = activeRoleEligibility(state, p, Math.max(schedule.start, now));
  assertActivationAllowed(caller, rules, policyRuleFailures(state, caller, rules, !!eligibility, schedule, p));
  const request = newRoleRequest(p, schedule, now);
  request.eligibilityId = eligibility?.id ?? null;
  return settleActivation(
    state,
    request,
    rules,
    now,
    (r) => state.directoryRoles.requests.set(r.id, r),
    (t) => provisionRole(state, request, t),
  );
}

export function provisionRole(state: TenantState, request: RoleRequest, at: number): void {
  addRoleActivation(state, {
    scheduleId: request.targetScheduleId,
    instanceId: `${stableGuid(`role-instance:${request.targetScheduleId}`)}-1`,
    roleDefinitionId: request.roleDefinitionId,
    principalId: request.principalId,
    directoryScopeId: request.directoryScopeId,
    start: at,
    end: request.durationMs === null ? null : at + request.durationMs,
    activatedUsing: request.eligibilityId,
    requestId: request.id,
    createdDateTime: at,
  });
  request.status = 'Provisioned';
  request.completedDateTime = at;
}

/** After an approver decided (beta roleAssignmentApprovals step): approve → provision (or schedule), deny → Denied. */
export function afterRoleDecision(
  state: TenantState,
  request: RoleRequest,
  decision: 'Approve' | 'Deny',
  at: number,
): void {
  settleDecision(state, request, decision, at, (t) => provisionRole(state, request, t));
}

function deactivateRole(state: TenantState, p: ParsedRoleRequest, now: number): RoleRequest {
  const activation = findRoleActivation(state, p);
  if (!activation || activation.start > now)
    throw badRequest('The Role assignment does not exist.', 'RoleAssignmentDoesNotExist');
  if (now - activation.start < FIVE_MINUTES) {
    throw badRequest('The Active duration is too short. Miniumum Required is 5 minutes.', 'ActiveDurationTooShort');
  }
  const request = newRoleRequest(p, null, now);
  request.targetScheduleId = activation.scheduleId;
  request.status = state.quirks.pimDeactivateStatus;
  request.completedDateTime = now;
  if (p.isValidationOnly) return request;
  state.directoryRoles.activations.delete(activation.scheduleId);
  state.directoryRoles.requests.set(request.id, request);
  return request;
}

/** POST roleAssignmentScheduleRequests/{id}/cancel: a pending (approval or future start) request of the caller. */
export function cancelRoleRequest(state: TenantState, caller: Caller, id: string, now: number): void {
  const request = state.directoryRoles.requests.get(id.toLowerCase());
  if (!request) throw notFound(`The request '${id}' was not found.`);
  if (caller.kind === 'user' && request.principalId !== caller.oid && request.createdById !== caller.oid) {
    throw forbidden('Only the principal who created the request can cancel it.');
  }
  cancelOpenRequest(state, request, now);
}
