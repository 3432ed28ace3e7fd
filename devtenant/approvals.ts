import type { Caller } from './auth.js';
import type { EntityType } from './entity.js';
import { badRequest, conflict, forbidden, notFound } from './errors.js';
import type { Approval, ApprovalStage, StageSpec } from './model.js';
import { enumValue, rejectUnknown } from './router.js';
import type { SubjectSetJson } from './seed.js';
import type { TenantState } from './state.js';
import { isoOrNull, stableGuid } from './time.js';

/** Approval objects shared by entitlement management and PIM for Groups: approvers, stages, decisions. */

function managerAt(state: TenantState, userId: string, level: number): string | null {
  let cur: string | null = userId;
  for (let i = 0; i < level && cur; i++) cur = state.user(cur)?.managerId ?? null;
  return cur;
}

/**
 * User ids a list of subject sets stands for: singleUser, groupMembers, requestorManager and targetManager (at
 * `managerLevel`; the target of a self request is the requestor), connectedOrganizationMembers, internalSponsors /
 * externalSponsors (the sponsors of the requestor's connected organization; nobody for a requestor outside one) and
 * targetUserSponsors (the requestor's own `sponsors`). Other kinds (attribute rules, service principals, application
 * or agent owners) stand for nobody here, so fallback approvers apply.
 */
export function resolveSubjects(state: TenantState, sets: SubjectSetJson[], requestorId: string): Set<string> {
  const out = new Set<string>();
  for (const set of sets) {
    const kind = set['@odata.type'].replace('#microsoft.graph.', '').toLowerCase();
    if (kind === 'internalsponsors' || kind === 'externalsponsors') {
      const org = state.connectedOrganizationOf(requestorId);
      const ids = kind === 'internalsponsors' ? org?.internalSponsors : org?.externalSponsors;
      for (const id of ids ?? []) if (state.user(id)) out.add(id);
    }
    if (kind === 'connectedorganizationmembers' && typeof set.connectedOrganizationId === 'string') {
      const orgId = set.connectedOrganizationId.toLowerCase();
      for (const u of state.users.values()) if (u.connectedOrganizationId === orgId) out.add(u.id);
    }
    if (kind === 'singleuser' && typeof set.userId === 'string' && state.user(set.userId)) out.add(set.userId);
    if (kind === 'groupmembers' && typeof set.groupId === 'string') {
      const group = state.groups.get(set.groupId.toLowerCase());
      if (group) for (const m of group.members) out.add(m);
    }
    if (kind === 'targetusersponsors') {
      for (const id of state.user(requestorId)?.sponsorIds ?? []) if (state.user(id)) out.add(id);
    }
    if (kind === 'requestormanager' || kind === 'targetmanager') {
      const level = typeof set.managerLevel === 'number' ? set.managerLevel : 1;
      const manager = managerAt(state, requestorId, level);
      if (manager) out.add(manager);
    }
  }
  return out;
}

/** Who may decide a stage now: primary (or fallback) approvers, plus escalation approvers once escalated; never the requestor. */
export function stageApprovers(state: TenantState, approval: Approval, stage: ApprovalStage): Set<string> {
  const { spec } = stage;
  let ids = resolveSubjects(state, spec.primaryApprovers, approval.requestorId);
  ids.delete(approval.requestorId);
  if (ids.size === 0) ids = resolveSubjects(state, spec.fallbackPrimaryApprovers, approval.requestorId);
  if (stage.escalated) {
    let extra = resolveSubjects(state, spec.escalationApprovers, approval.requestorId);
    extra.delete(approval.requestorId);
    if (extra.size === 0) extra = resolveSubjects(state, spec.fallbackEscalationApprovers, approval.requestorId);
    for (const id of extra) ids.add(id);
  }
  ids.delete(approval.requestorId);
  return ids;
}

export function currentStage(approval: Approval): ApprovalStage | undefined {
  const last = approval.stages[approval.stages.length - 1];
  return last?.status === 'InProgress' ? last : undefined;
}

/** Whether the user is (or was) an approver of any stage of this approval. */
export function isApproverOf(state: TenantState, approval: Approval, userId: string): boolean {
  return approval.stages.some((s) => stageApprovers(state, approval, s).has(userId));
}

/** Whether the user must decide the stage that is in progress right now. */
export function awaitsDecisionFrom(state: TenantState, approval: Approval, userId: string): boolean {
  const stage = currentStage(approval);
  return !!stage && stageApprovers(state, approval, stage).has(userId);
}

export interface StageHooks {
  /** Called when the escalation delay passes and the stage is still open. */
  onEscalate(at: number): void;
  /** Called when the stage times out undecided. */
  onTimeout(at: number): void;
}

/** Opens stage `index` at `at`, with its escalation and timeout timers. */
export function startStage(
  state: TenantState,
  approval: Approval,
  index: number,
  at: number,
  hooks: StageHooks,
): ApprovalStage {
  const spec = approval.specs[index];
  const stage: ApprovalStage = {
    id: stableGuid(`${approval.id}:stage:${index}`),
    index,
    status: 'InProgress',
    reviewResult: 'NotReviewed',
    reviewedBy: null,
    reviewedDateTime: null,
    justification: null,
    startedAt: at,
    escalated: false,
    spec,
  };
  approval.stages.push(stage);
  if (spec.isEscalationEnabled && spec.escalateAfterMs > 0 && spec.escalateAfterMs < spec.timeoutMs) {
    state.schedule(at + spec.escalateAfterMs, (t) => {
      if (stage.status !== 'InProgress') return;
      stage.escalated = true;
      hooks.onEscalate(t);
    });
  }
  state.schedule(at + spec.timeoutMs, (t) => {
    if (stage.status !== 'InProgress') return;
    stage.status = 'Expired';
    hooks.onTimeout(t);
  });
  return stage;
}

export type Decision = 'Approve' | 'Deny';

/**
 * Records a decision on a stage, enforcing Graph's rules: 404 unknown stage, 403 self-approval or not an approver,
 * 409 stage already decided or closed, 400 missing approver justification. Returns the decision.
 */
export function decideStage(
  state: TenantState,
  approval: Approval,
  stageId: string,
  caller: Caller,
  body: Record<string, unknown>,
  at: number,
): Decision {
  const stage = approval.stages.find((s) => s.id.toLowerCase() === stageId.toLowerCase());
  if (!stage) throw notFound(`Approval stage '${stageId}' was not found on approval '${approval.id}'.`);
  rejectUnknown(body, 'microsoft.graph.approvalStage', ['reviewResult', 'justification']);
  const decision = enumValue(body.reviewResult, ['Approve', 'Deny'] as const, 'reviewResult');
  const justification = body.justification;
  if (justification !== undefined && justification !== null && typeof justification !== 'string') {
    throw badRequest("Property 'justification' must be a string.");
  }
  if (caller.oid === approval.requestorId) {
    throw forbidden('Approvers are not able to approve their own requests.', 'accessDenied');
  }
  if (!stageApprovers(state, approval, stage).has(caller.oid)) {
    throw forbidden('The caller is not an approver of this approval stage.');
  }
  if (stage.status !== 'InProgress') {
    throw conflict(
      stage.status === 'Expired'
        ? 'The approval stage has expired and can no longer be reviewed.'
        : 'The approval stage has already been reviewed.',
      'ApprovalStageAlreadyCompleted',
    );
  }
  if (stage.spec.isApproverJustificationRequired && !(typeof justification === 'string' && justification.trim())) {
    throw badRequest('A justification is required to review this approval stage.');
  }
  const reviewer = state.user(caller.oid);
  stage.status = 'Completed';
  stage.reviewResult = decision === 'Approve' ? 'Approved' : 'Denied';
  stage.reviewedBy = { id: caller.oid, displayName: reviewer?.displayName ?? caller.oid };
  stage.reviewedDateTime = at;
  stage.justification = typeof justification === 'string' ? justification : null;
  return decision;
}

export interface StageView {
  approval: Approval;
  stage: ApprovalStage;
}

export const approvalStageType: EntityType<StageView> = {
  name: 'microsoft.graph.approvalStage',
  properties: [
    'id',
    'displayName',
    'assignedToMe',
    'justification',
    'reviewResult',
    'reviewedBy',
    'reviewedDateTime',
    'status',
  ],
  toJson: ({ approval, stage }, ctx) => ({
    id: stage.id,
    displayName: null,
    assignedToMe: !!ctx.caller && stageApprovers(ctx.state, approval, stage).has(ctx.caller.oid),
    justification: stage.justification ?? '',
    reviewResult: stage.reviewResult,
    reviewedBy: stage.reviewedBy
      ? { id: stage.reviewedBy.id, displayName: stage.reviewedBy.displayName, userPrincipalName: null }
      : null,
    reviewedDateTime: isoOrNull(stage.reviewedDateTime),
    status: stage.status,
  }),
};

export const approvalType: EntityType<Approval> = {
  name: 'microsoft.graph.approval',
  properties: ['id'],
  autoExpand: ['stages'],
  toJson: (a) => ({ id: a.id }),
  navigations: {
    stages: {
      type: approvalStageType as EntityType<unknown>,
      many: true,
      resolve: (approval) => approval.stages.map((stage) => ({ approval, stage })),
    },
  },
};

export function emStageSpec(
  json: {
    durationBeforeAutomaticDenial: string;
    isApproverJustificationRequired: boolean;
    isEscalationEnabled: boolean;
    durationBeforeEscalation: string;
    primaryApprovers: SubjectSetJson[];
    fallbackPrimaryApprovers: SubjectSetJson[];
    escalationApprovers: SubjectSetJson[];
    fallbackEscalationApprovers: SubjectSetJson[];
  },
  parse: (d: string) => number | null,
): StageSpec {
  return {
    primaryApprovers: json.primaryApprovers,
    fallbackPrimaryApprovers: json.fallbackPrimaryApprovers,
    escalationApprovers: json.escalationApprovers,
    fallbackEscalationApprovers: json.fallbackEscalationApprovers,
    isEscalationEnabled: json.isEscalationEnabled,
    escalateAfterMs: parse(json.durationBeforeEscalation) ?? 0,
    timeoutMs: parse(json.durationBeforeAutomaticDenial) ?? 14 * 86_400_000,
    isApproverJustificationRequired: json.isApproverJustificationRequired,
  };
}
