import { randomUUID } from 'node:crypto';
import { currentStage, emStageSpec, resolveSubjects, startStage } from './approvals.js';
import type { Caller } from './auth.js';
import { badRequest, forbidden, malformed, notFound } from './errors.js';
import type { AccessId, AccessPackage, Approval, EmAssignment, EmRequest, Policy, Schedule } from './model.js';
import { addEligibility, eligibilityEndFor, setEligibilityEnd } from './pim-engine.js';
import { grantPackageRole, refreshPackageRoles, revokePackageRoles } from './roles-engine.js';
import { enumValue, optionalObject, optionalString, rejectUnknown } from './router.js';
import type { TenantState } from './state.js';
import { parseDuration, parseTimestamp, stableGuid } from './time.js';

/** Entitlement management behaviour: who may request, request validation, the request/assignment state machine. */

/**
 * Graph documents no error codes of its own for entitlement-management requests (GRAPH-API.md §4.4), so only generic
 * ones are used, each cited in the README: 400 `BadRequest` with the reason in the message, 403 `accessDenied`, 404
 * `ResourceNotFound`.
 */
export const EM_ERROR_CODES = {
  rejected: 'BadRequest',
  notAllowed: 'accessDenied',
  notFound: 'ResourceNotFound',
} as const;

const notAllowed = (message: string) => forbidden(message, EM_ERROR_CODES.notAllowed);

const OPEN_STATES = new Set(['submitted', 'pendingApproval', 'delivering', 'scheduled']);

export function policiesOf(state: TenantState, pkg: AccessPackage): Policy[] {
  return pkg.policyIds.map((id) => state.policies.get(id)).filter((p): p is Policy => !!p);
}

/** Whether the user may request (userAdd for self) through this policy. */
export function isAllowedRequestor(state: TenantState, policy: Policy, userId: string): boolean {
  if (!policy.requestorSettings.enableTargetsToSelfAddAccess) return false;
  const user = state.user(userId);
  if (!user) return false;
  switch (policy.allowedTargetScope) {
    case 'allMemberUsers':
      return user.userType !== 'Guest';
    case 'allDirectoryUsers':
      return true;
    case 'allExternalUsers':
      return user.userType === 'Guest';
    case 'allConfiguredConnectedOrganizationUsers':
      return state.connectedOrganizationOf(userId)?.state === 'configured';
    case 'specificDirectoryUsers':
    case 'specificConnectedOrganizationUsers':
      return resolveSubjects(state, policy.specificAllowedTargets, userId).has(userId);
    default:
      return false;
  }
}

export function allowedPolicies(state: TenantState, pkg: AccessPackage, userId: string): Policy[] {
  return policiesOf(state, pkg).filter((p) => isAllowedRequestor(state, p, userId));
}

// ---------- creating requests ----------

const REQUEST_PROPERTIES = ['requestType', 'assignment', 'justification', 'answers', 'schedule'] as const;
const ASSIGNMENT_PROPERTIES = [
  'id',
  'accessPackageId',
  'assignmentPolicyId',
  'targetId',
  'target',
  'schedule',
] as const;
const REQUEST_TYPES = [
  'notSpecified',
  'userAdd',
  'userUpdate',
  'userRemove',
  'adminAdd',
  'adminUpdate',
  'adminRemove',
  'systemAdd',
  'systemUpdate',
  'systemRemove',
  'onBehalfAdd',
] as const;

/** POST assignmentRequests → the new request in state `submitted`; it moves on with the devtenant clock. */
export function createRequest(
  state: TenantState,
  caller: Caller,
  body: Record<string, unknown>,
  now: number,
): EmRequest {
  rejectUnknown(body, 'microsoft.graph.accessPackageAssignmentRequest', REQUEST_PROPERTIES);
  const requestType = enumValue(body.requestType, REQUEST_TYPES, 'requestType');
  const assignment = optionalObject(body, 'assignment');
  if (!assignment) throw malformed('body', "The property 'assignment' is required.");
  rejectUnknown(assignment, 'microsoft.graph.accessPackageAssignment', ASSIGNMENT_PROPERTIES);
  if (requestType !== 'userAdd' && requestType !== 'userUpdate' && requestType !== 'userRemove') {
    throw notAllowed(
      `Request type '${requestType}' needs an entitlement management administrator, which the devtenant does not model.`,
    );
  }
  const justification = optionalString(body, 'justification');
  const request =
    requestType === 'userAdd'
      ? userAdd(state, caller, body, assignment, justification, now)
      : changeOwnAssignment(state, caller, requestType, body, assignment, justification, now);
  state.emRequests.set(request.id, request);
  state.schedule(now + state.timing.submittedToNextMs, (at) => advanceSubmitted(state, request, at));
  return request;
}

function newRequest(fields: Omit<EmRequest, 'id' | 'state' | 'status' | 'completedDateTime' | 'approval'>): EmRequest {
  return {
    id: randomUUID(),
    state: 'submitted',
    status: 'Accepted',
    completedDateTime: null,
    approval: null,
    ...fields,
  };
}

function userAdd(
  state: TenantState,
  caller: Caller,
  body: Record<string, unknown>,
  assignment: Record<string, unknown>,
  justification: string | null,
  now: number,
): EmRequest {
  const packageId = optionalString(assignment, 'accessPackageId');
  if (!packageId) throw malformed('body', "The property 'assignment/accessPackageId' is required for userAdd.");
  const pkg = state.accessPackages.get(packageId.toLowerCase());
  if (!pkg) throw notFound(`Access package '${packageId}' was not found.`);
  const targetId = optionalString(assignment, 'targetId') ?? caller.oid;
  if (targetId.toLowerCase() !== caller.oid.toLowerCase()) {
    throw notAllowed('userAdd requests access for the signed-in user only; targetId must be the caller.');
  }
  const policy = pickPolicy(state, pkg, optionalString(assignment, 'assignmentPolicyId'), caller.oid);
  assertNoOpenRequest(state, pkg.id, caller.oid);
  if (policy.requestApprovalSettings.isRequestorJustificationRequired && !justification?.trim()) {
    throw badRequest('A justification is required to request this access package.');
  }
  const answers = validateAnswers(policy, body.answers);
  const schedule = validateSchedule(policy, body.schedule ?? assignment.schedule, now);
  const existing = deliveredAssignment(state, pkg.id, caller.oid);
  return newRequest({
    requestType: 'userAdd',
    requestorId: caller.oid,
    targetId: caller.oid,
    accessPackageId: pkg.id,
    policyId: policy.id,
    assignmentId: existing?.id ?? null,
    justification,
    answers,
    schedule,
    createdDateTime: now,
  });
}

function pickPolicy(state: TenantState, pkg: AccessPackage, policyId: string | null, userId: string): Policy {
  const allowed = allowedPolicies(state, pkg, userId);
  if (policyId) {
    const policy = state.policies.get(policyId.toLowerCase());
    if (!policy || policy.accessPackageId !== pkg.id) {
      throw badRequest(`Assignment policy '${policyId}' is not a policy of access package '${pkg.id}'.`);
    }
    if (!allowed.includes(policy)) {
      throw notAllowed('The requestor is not allowed to request this access package through this policy.');
    }
    return policy;
  }
  if (allowed.length === 0) throw notAllowed('The requestor is not allowed to request this access package.');
  return allowed[0];
}

function assertNoOpenRequest(state: TenantState, packageId: string, targetId: string): void {
  for (const r of state.emRequests.values()) {
    if (r.accessPackageId === packageId && r.targetId === targetId && OPEN_STATES.has(r.state)) {
      throw badRequest(
        'There is already an open request for this access package for the target user. Wait for it to complete or cancel it.',
      );
    }
  }
}

function deliveredAssignment(state: TenantState, packageId: string, targetId: string): EmAssignment | undefined {
  for (const a of state.emAssignments.values()) {
    if (a.accessPackageId === packageId && a.targetId === targetId && a.state === 'delivered') return a;
  }
  return undefined;
}

function changeOwnAssignment(
  state: TenantState,
  caller: Caller,
  requestType: 'userUpdate' | 'userRemove',
  body: Record<string, unknown>,
  assignmentRef: Record<string, unknown>,
  justification: string | null,
  now: number,
): EmRequest {
  const assignmentId = optionalString(assignmentRef, 'id');
  if (!assignmentId) throw malformed('body', `The property 'assignment/id' is required for ${requestType}.`);
  const assignment = state.emAssignments.get(assignmentId.toLowerCase());
  if (assignment?.state !== 'delivered') {
    throw notFound(`No delivered access package assignment '${assignmentId}' was found.`);
  }
  if (assignment.targetId !== caller.oid) throw notAllowed('Only the assignment target can change or remove it.');
  const policy = state.policies.get(assignment.policyId) as Policy;
  const settings = policy.requestorSettings;
  const allowed =
    requestType === 'userRemove' ? settings.enableTargetsToSelfRemoveAccess : settings.enableTargetsToSelfUpdateAccess;
  if (!allowed)
    throw notAllowed(
      `The assignment's policy does not let its target ${requestType === 'userRemove' ? 'remove' : 'update'} it.`,
    );
  assertNoOpenRequest(state, assignment.accessPackageId, caller.oid);
  let schedule: Schedule | null = null;
  if (requestType === 'userUpdate') {
    if (body.schedule === undefined || body.schedule === null) throw badRequest('userUpdate needs a schedule.');
    schedule = validateSchedule(policy, body.schedule, now);
  }
  return newRequest({
    requestType,
    requestorId: caller.oid,
    targetId: caller.oid,
    accessPackageId: assignment.accessPackageId,
    policyId: assignment.policyId,
    assignmentId: assignment.id,
    justification,
    answers: requestType === 'userUpdate' ? validateAnswers(policy, body.answers, true) : [],
    schedule,
    createdDateTime: now,
  });
}

function validateAnswers(policy: Policy, raw: unknown, optional = false): unknown[] {
  if (raw !== undefined && raw !== null && !Array.isArray(raw))
    throw badRequest("Property 'answers' must be an array.");
  const answers = (raw ?? []) as unknown[];
  const byQuestion = new Map<string, string[]>();
  for (const a of answers) {
    if (!a || typeof a !== 'object') throw badRequest('Each answer must be an object.');
    const answer = a as Record<string, unknown>;
    rejectUnknown(answer, 'microsoft.graph.accessPackageAnswerString', ['value', 'displayValue', 'answeredQuestion']);
    const q = optionalObject(answer, 'answeredQuestion');
    const qid = q ? optionalString(q, 'id') : null;
    const value = optionalString(answer, 'value');
    if (!qid || value === null) throw badRequest('Each answer needs a value and answeredQuestion.id.');
    if (!policy.questions.some((x) => x.id.toLowerCase() === qid.toLowerCase())) {
      throw badRequest(`Question '${qid}' is not a question of this policy.`);
    }
    byQuestion.set(qid.toLowerCase(), [...(byQuestion.get(qid.toLowerCase()) ?? []), value]);
  }
  for (const q of policy.questions) checkAnswer(q, byQuestion.get(q.id.toLowerCase()) ?? [], optional);
  return answers;
}

function checkAnswer(q: Policy['questions'][number], values: string[], optional: boolean): void {
  const given = values.filter((v) => v.trim() !== '');
  if (given.length === 0) {
    if (q.isRequired && !optional) throw badRequest(`An answer to '${q.text}' is required.`);
    return;
  }
  if (q['@odata.type'] === '#microsoft.graph.accessPackageTextInputQuestion') {
    if (given.length > 1) throw badRequest(`Question '${q.text}' takes one answer.`);
    if (q.regexPattern && !safeRegex(q.regexPattern).test(given[0])) {
      throw badRequest(`The answer to '${q.text}' does not match the required format.`);
    }
    return;
  }
  const choices = (q.choices ?? []).map((c) => c.actualValue.toLowerCase());
  if (given.length > 1 && !q.isMultipleSelectionAllowed) throw badRequest(`Question '${q.text}' takes one choice.`);
  for (const v of given) {
    if (!choices.includes(v.toLowerCase())) throw badRequest(`'${v}' is not one of the choices of '${q.text}'.`);
  }
}

function safeRegex(pattern: string): RegExp {
  try {
    return new RegExp(pattern);
  } catch {
    return /$^/;
  }
}

/** A requested custom schedule, checked against the policy's limits. */
function validateSchedule(policy: Policy, raw: unknown, now: number): Schedule | null {
  if (raw === undefined || raw === null) return null;
  if (typeof raw !== 'object' || Array.isArray(raw)) throw badRequest("Property 'schedule' must be an object.");
  const schedule = raw as Record<string, unknown>;
  rejectUnknown(schedule, 'microsoft.graph.entitlementManagementSchedule', [
    'startDateTime',
    'expiration',
    'recurrence',
  ]);
  if (!policy.requestorSettings.allowCustomAssignmentSchedule) {
    throw badRequest('This policy does not allow a custom assignment schedule.');
  }
  const start =
    schedule.startDateTime === undefined || schedule.startDateTime === null
      ? now
      : parseTimestamp(schedule.startDateTime);
  if (start === null) throw badRequest(`Invalid startDateTime '${String(schedule.startDateTime)}'.`);
  const exp = optionalObject(schedule, 'expiration') ?? {};
  rejectUnknown(exp, 'microsoft.graph.expirationPattern', ['type', 'duration', 'endDateTime']);
  const type = enumValue(
    exp.type ?? 'notSpecified',
    ['notSpecified', 'noExpiration', 'afterDateTime', 'afterDuration'] as const,
    'expiration/type',
  );
  const end = scheduleEnd(type, optionalString(exp, 'duration'), exp.endDateTime, start);
  const limit = policyEnd(policy, start);
  if (end !== null && end <= start) throw badRequest('The schedule must end after it starts.');
  if (limit !== null && (end === null || end > limit + 60_000)) {
    throw badRequest("The requested schedule is longer than the policy's assignment duration allows.");
  }
  return {
    startDateTime: start,
    expiration: {
      type,
      duration: type === 'afterDuration' ? optionalString(exp, 'duration') : null,
      endDateTime: type === 'afterDateTime' ? end : null,
    },
  };
}

function scheduleEnd(type: string, duration: string | null, endText: unknown, start: number): number | null {
  if (type === 'afterDuration') {
    const ms = duration === null ? null : parseDuration(duration);
    if (ms === null || ms <= 0) throw badRequest(`Invalid expiration duration '${String(duration)}'.`);
    return start + ms;
  }
  if (type === 'afterDateTime') {
    const end = parseTimestamp(endText);
    if (end === null) throw badRequest(`Invalid expiration endDateTime '${String(endText)}'.`);
    return end;
  }
  return null;
}

/** When an assignment starting at `start` ends under the policy (null = no expiry). */
export function policyEnd(policy: Policy, start: number): number | null {
  const exp = policy.expiration;
  if (exp.type === 'afterDuration' && exp.duration) return start + (parseDuration(exp.duration) ?? 0);
  if (exp.type === 'afterDateTime' && exp.endDateTime) return parseTimestamp(exp.endDateTime);
  return null;
}

// ---------- the state machine ----------

function needsApproval(policy: Policy, request: EmRequest): boolean {
  const s = policy.requestApprovalSettings;
  if (s.stages.length === 0) return false;
  if (request.requestType === 'userAdd') return s.isApprovalRequiredForAdd;
  if (request.requestType === 'userUpdate') return s.isApprovalRequiredForUpdate;
  return false;
}

/** submitted → pendingApproval (opens stage 1) or straight to delivery. */
export function advanceSubmitted(state: TenantState, request: EmRequest, at: number): void {
  if (request.state !== 'submitted') return;
  const policy = state.policies.get(request.policyId) as Policy;
  if (needsApproval(policy, request)) openApproval(state, request, policy, at);
  else startDelivery(state, request, at);
}

export function openApproval(state: TenantState, request: EmRequest, policy: Policy, at: number): void {
  const specs = policy.requestApprovalSettings.stages.map((s) => emStageSpec(s, parseDuration));
  request.approval = { id: request.id, kind: 'em', requestorId: request.targetId, specs, stages: [] };
  request.state = 'pendingApproval';
  request.status = 'PendingApproval';
  openStage(state, request, request.approval, 0, at);
}

function openStage(state: TenantState, request: EmRequest, approval: Approval, index: number, at: number): void {
  startStage(state, approval, index, at, {
    onEscalate: () => {
      if (request.state === 'pendingApproval') request.status = 'PendingApprovalEscalated';
    },
    onTimeout: (t) => {
      if (request.state !== 'pendingApproval') return;
      request.state = state.quirks.expiredRequestState;
      request.status = state.quirks.expiredRequestStatus;
      request.completedDateTime = t;
    },
  });
}

/** After an approver decided a stage: deny ends the request; approve opens the next stage or starts delivery. */
export function afterEmDecision(
  state: TenantState,
  request: EmRequest,
  decision: 'Approve' | 'Deny',
  at: number,
): void {
  const approval = request.approval as Approval;
  if (decision === 'Deny') {
    request.state = 'denied';
    request.status = 'Denied';
    request.completedDateTime = at;
    return;
  }
  const next = approval.stages.length;
  if (next < approval.specs.length) {
    request.status = 'PendingApproval';
    openStage(state, request, approval, next, at);
    return;
  }
  startDelivery(state, request, at);
}

function startDelivery(state: TenantState, request: EmRequest, at: number): void {
  const start = request.schedule?.startDateTime ?? null;
  if (start !== null && start > at) {
    request.state = 'scheduled';
    request.status = 'PendingNotBefore';
    state.schedule(start, (t) => {
      if (request.state === 'scheduled') startDelivery(state, request, t);
    });
    return;
  }
  request.state = 'delivering';
  request.status = 'Delivering';
  if (request.requestType === 'userAdd' && !request.assignmentId) {
    const assignment = newAssignment(request, at);
    state.emAssignments.set(assignment.id, assignment);
    request.assignmentId = assignment.id;
  }
  state.schedule(at + state.timing.deliveringToDeliveredMs, (t) => completeDelivery(state, request, t));
}

function newAssignment(request: EmRequest, at: number): EmAssignment {
  return {
    id: randomUUID(),
    accessPackageId: request.accessPackageId,
    policyId: request.policyId,
    targetId: request.targetId,
    state: 'delivering',
    status: 'Delivering',
    start: at,
    end: null,
    expiredDateTime: null,
    createdDateTime: at,
    grantedMemberships: [],
    grantedEligibilityIds: [],
  };
}

function completeDelivery(state: TenantState, request: EmRequest, at: number): void {
  if (request.state !== 'delivering') return;
  const assignment = request.assignmentId ? state.emAssignments.get(request.assignmentId) : undefined;
  if (!assignment) {
    request.state = 'deliveryFailed';
    request.status = 'DeliveryFailed';
    request.completedDateTime = at;
    return;
  }
  if (request.requestType === 'userRemove') expireAssignment(state, assignment, at);
  else deliverAssignment(state, assignment, request, at);
  request.state = 'delivered';
  request.status = 'Delivered';
  request.completedDateTime = at;
}

/** Puts the assignment in place (new, renewed or rescheduled) and grants its resource roles. */
function deliverAssignment(state: TenantState, assignment: EmAssignment, request: EmRequest, at: number): void {
  const policy = state.policies.get(request.policyId) as Policy;
  const fresh = assignment.state !== 'delivered';
  const start = fresh ? (request.schedule?.startDateTime ?? at) : assignment.start;
  const anchor = fresh ? start : Math.max(at, request.schedule?.startDateTime ?? at);
  assignment.policyId = policy.id;
  assignment.start = start;
  assignment.end = requestedEnd(request, anchor) ?? policyEnd(policy, anchor);
  assignment.state = 'delivered';
  assignment.status = 'Delivered';
  if (fresh) grantRoles(state, assignment, at);
  else {
    for (const id of assignment.grantedEligibilityIds) refreshEligibilityEnd(state, assignment, id, at);
    refreshPackageRoles(state, assignment, at);
  }
  scheduleExpiry(state, assignment);
}

function requestedEnd(request: EmRequest, start: number): number | null {
  const exp = request.schedule?.expiration;
  if (!exp) return null;
  if (exp.type === 'afterDateTime') return exp.endDateTime;
  if (exp.type === 'afterDuration' && exp.duration) return start + (parseDuration(exp.duration) ?? 0);
  return null;
}

function refreshEligibilityEnd(state: TenantState, assignment: EmAssignment, eligibilityId: string, at: number): void {
  const e = state.pimEligibilities.get(eligibilityId);
  if (e) setEligibilityEnd(state, e.id, eligibilityEndFor(state, e.groupId, e.accessId, at, assignment.end));
}

function scheduleExpiry(state: TenantState, assignment: EmAssignment): void {
  if (assignment.end === null) return;
  const end = assignment.end;
  state.schedule(end, (t) => {
    if (assignment.state === 'delivered' && assignment.end === end) expireAssignment(state, assignment, t);
  });
}

const ELIGIBLE_ROLES: Record<string, AccessId> = { 'eligible member': 'member', 'eligible owner': 'owner' };

/** Group roles: Member/Owner join the group; Eligible Member/Owner create a PIM eligibility (GRAPH-API.md §4.15). */
export function grantRoles(state: TenantState, assignment: EmAssignment, at: number): void {
  const pkg = state.accessPackages.get(assignment.accessPackageId) as AccessPackage;
  for (const rs of pkg.roleScopes) {
    if (rs.resource.originSystem === 'DirectoryRole') grantPackageRole(state, assignment, rs.resource.originId, at);
    if (rs.resource.originSystem !== 'AadGroup') continue;
    const group = state.groups.get(rs.resource.originId.toLowerCase());
    if (!group) continue;
    const role = rs.role.displayName.toLowerCase();
    const eligibleAccess = ELIGIBLE_ROLES[role];
    if (eligibleAccess) {
      const e = addEligibility(state, {
        id: stableGuid(`eligibility:${assignment.id}:${group.id}:${eligibleAccess}`),
        groupId: group.id,
        principalId: assignment.targetId,
        accessId: eligibleAccess,
        start: at,
        end: eligibilityEndFor(state, group.id, eligibleAccess, at, assignment.end),
        createdUsing: stableGuid(`eligibility-request:${assignment.id}:${group.id}`),
        sourceAssignmentId: assignment.id,
        createdDateTime: at,
      });
      assignment.grantedEligibilityIds.push(e.id);
      continue;
    }
    const accessId: AccessId = role === 'owner' ? 'owner' : 'member';
    const set = accessId === 'owner' ? group.owners : group.members;
    if (!set.has(assignment.targetId)) {
      set.add(assignment.targetId);
      assignment.grantedMemberships.push({ groupId: group.id, accessId });
    }
  }
}

/** Ends an assignment (schedule end or userRemove): undoes what delivery granted. */
export function expireAssignment(state: TenantState, assignment: EmAssignment, at: number): void {
  assignment.state = 'expired';
  assignment.status = 'Expired';
  assignment.expiredDateTime = at;
  for (const m of assignment.grantedMemberships) {
    const group = state.groups.get(m.groupId);
    (m.accessId === 'owner' ? group?.owners : group?.members)?.delete(assignment.targetId);
  }
  for (const id of assignment.grantedEligibilityIds) state.pimEligibilities.delete(id);
  revokePackageRoles(state, assignment.id);
  assignment.grantedMemberships = [];
  assignment.grantedEligibilityIds = [];
}

/** POST assignmentRequests/{id}/cancel. */
export function cancelRequest(state: TenantState, caller: Caller, id: string, at: number): void {
  const request = state.emRequests.get(id.toLowerCase());
  if (!request) throw notFound(`Access package assignment request '${id}' was not found.`);
  if (request.requestorId !== caller.oid && request.targetId !== caller.oid) {
    throw notAllowed('Only the requestor can cancel this request.');
  }
  if (!['submitted', 'pendingApproval', 'scheduled'].includes(request.state)) {
    throw badRequest(`A request in state '${request.state}' cannot be canceled.`);
  }
  request.state = 'canceled';
  request.status = 'Canceled';
  request.completedDateTime = at;
  const stage = request.approval ? currentStage(request.approval) : undefined;
  if (stage) stage.status = 'Completed';
}

/** A delivered assignment from the seed: grants its roles as of its start and expires on schedule. */
export function installDeliveredAssignment(state: TenantState, assignment: EmAssignment): void {
  state.emAssignments.set(assignment.id, assignment);
  assignment.state = 'delivered';
  assignment.status = 'Delivered';
  grantRoles(state, assignment, assignment.start);
  scheduleExpiry(state, assignment);
}
