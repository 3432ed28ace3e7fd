import type { BatchRequest, GraphFacade } from '../graph/client.js';
import type { Logger } from '../log.js';
import type { ApprovalDetails, ApprovalKind, RequestAnswer, RequesterProfile, StagePlan } from '../model/approvals.js';
import { directoryRolePolicyPath } from '../pim/policy.js';
import {
  ApproverResolver,
  emStageNeeds,
  emStagePlan,
  isTransient,
  pimStageNeeds,
  pimStagePlan,
  type RequesterContext,
} from './approvers.js';
import {
  EM_ROOT,
  type EmPolicyJson,
  type EmRequestJson,
  type PackageJson,
  type PimApprovalRuleJson,
  type PimRequestJson,
  type PimStageJson,
  personOf,
  type RoleRequestJson,
  requestPath,
  textOfQuestion,
  type UserJson,
} from './graphShapes.js';
import { isoOrUndefined } from './time.js';

/**
 * Reads everything an approval card shows about requests (who, what, why, when, stages and approvers) with the app's
 * read-only token, in two `$batch` round trips however many requests there are.
 */

const seg = encodeURIComponent;
const PROFILE = '$select=id,displayName,jobTitle,department,mail&$expand=manager($select=id,displayName)';
const PACKAGE =
  '$select=id,displayName,description&$expand=assignmentPolicies($expand=questions),' +
  'resourceRoleScopes($expand=role($expand=resource))';
/** The requestor's connected organization says whose sponsors approve (internalSponsors / externalSponsors). */
export const EM_REQUEST_EXPAND = 'accessPackage,requestor($expand=connectedOrganization)';
export const PIM_REQUEST_EXPAND = 'principal,group';
/** An Entra role activation: who, which role, and at which scope (`null` = the whole directory). */
export const ROLE_REQUEST_EXPAND = 'principal,roleDefinition,directoryScope';

export function requestExpandOf(kind: ApprovalKind): string {
  return kind === 'em' ? EM_REQUEST_EXPAND : kind === 'pim' ? PIM_REQUEST_EXPAND : ROLE_REQUEST_EXPAND;
}

/** Role policies share the PIM policy cache, keyed apart from groups (a group id is never `role:`). */
const rolePolicyKey = (roleDefinitionId: string) => `role:${lower(roleDefinitionId)}`;

/** PIM group policies (approval rule), cached briefly: they rarely change, and policy ids change on onboarding. */
export class PimPolicyCache {
  private readonly entries = new Map<string, { stages: PimStageJson[]; until: number }>();

  constructor(private readonly ttlMs = 15 * 60_000) {}

  get(groupId: string, accessId: string, now: number): PimStageJson[] | undefined {
    const hit = this.entries.get(`${groupId}/${accessId}`);
    return hit && hit.until > now ? hit.stages : undefined;
  }

  set(groupId: string, accessId: string, stages: PimStageJson[], now: number): void {
    this.entries.set(`${groupId}/${accessId}`, { stages, until: now + this.ttlMs });
  }
}

export interface DetailsContext {
  app: GraphFacade;
  log: Logger;
  pimPolicies: PimPolicyCache;
  now: Date;
  /**
   * A person's delegated token for what the app may not read about Entra roles: the role requests and the roles'
   * policies (an app-only read of role requests needs `RoleAssignmentSchedule.ReadWrite.Directory` as an application
   * permission, which the bot does not ask for; README). Without it, a role request's approvers stay unknown.
   */
  user?: GraphFacade;
}

/** Details of requests known only by id (a card whose state was lost, a reminder): one batch to read them first. */
export async function loadDetailsById(
  ctx: DetailsContext,
  refs: { kind: ApprovalKind; id: string }[],
): Promise<Map<string, ApprovalDetails>> {
  const read = (list: { kind: ApprovalKind; id: string }[]): BatchRequest[] =>
    list.map((r) => ({
      id: `${r.kind}:${r.id}`,
      method: 'GET',
      url: `${requestPath(r.kind, r.id)}?$expand=${requestExpandOf(r.kind)}`,
    }));
  const appReads = read(refs.filter((r) => r.kind !== 'role'));
  // Role requests only with a person's token (DetailsContext.user), in a batch of their own.
  const roleReads = ctx.user ? read(refs.filter((r) => r.kind === 'role')) : [];
  const em: EmRequestJson[] = [];
  const pim: PimRequestJson[] = [];
  const role: RoleRequestJson[] = [];
  const results = [
    ...(appReads.length ? await ctx.app.batch(appReads) : []),
    ...(ctx.user && roleReads.length ? await ctx.user.batch(roleReads) : []),
  ];
  for (const result of results) {
    if (result.status !== 200) continue;
    if (result.id.startsWith('em:')) em.push(result.body as EmRequestJson);
    else if (result.id.startsWith('role:')) role.push(result.body as RoleRequestJson);
    else pim.push(result.body as PimRequestJson);
  }
  return loadDetails(ctx, em, pim, role);
}

/** Details for EM, PIM and Entra role requests read from Graph (with their `$expand`s), keyed `<kind>:<id>`. */
export async function loadDetails(
  ctx: DetailsContext,
  em: EmRequestJson[],
  pim: PimRequestJson[],
  role: RoleRequestJson[] = [],
): Promise<Map<string, ApprovalDetails>> {
  const first = await readFirstBatch(ctx, em, pim, role);
  const resolver = new ApproverResolver();
  const emStages = new Map<string, ReturnType<typeof emStagesOf>>();
  for (const request of em) {
    const stages = emStagesOf(request, first.packages.get(lower(request.accessPackage?.id)), ctx.log);
    emStages.set(request.id ?? '', stages);
    const requester = contextOf(
      first,
      requesterIdOf(request),
      requesterIdOf(request),
      connectedOrganizationOf(request),
    );
    for (const stage of stages) emStageNeeds(stage, requester, resolver);
  }
  for (const request of pim) {
    const requester = contextOf(first, lower(request.principalId), lower(request.principalId));
    for (const stage of pimStagesOf(ctx, request)) pimStageNeeds(stage, requester, resolver);
  }
  for (const request of role) {
    const requester = contextOf(first, lower(request.principalId), lower(request.principalId));
    for (const stage of roleStagesOf(ctx, request)) pimStageNeeds(stage, requester, resolver);
  }
  await resolver.load(ctx.app, ctx.log);
  const out = new Map<string, ApprovalDetails>();
  for (const request of em) {
    const profile = profileOf(first.profiles.get(requesterIdOf(request)), request.requestor);
    const plans = (emStages.get(request.id ?? '') ?? []).map((s) =>
      emStagePlan(s, contextOf(first, requesterIdOf(request), profile.id, connectedOrganizationOf(request)), resolver),
    );
    const details = emDetails(request, first.packages.get(lower(request.accessPackage?.id)), profile, plans);
    if (details) out.set(`em:${details.id}`, details);
  }
  for (const request of pim) {
    const profile = profileOf(first.profiles.get(lower(request.principalId)), request.principal);
    const context = contextOf(first, lower(request.principalId), profile.id);
    const plans = pimStagesOf(ctx, request).map((s) => pimStagePlan(s, context, resolver));
    const details = pimDetails(request, profile, plans);
    if (details) out.set(`pim:${details.id}`, details);
  }
  for (const request of role) {
    const profile = profileOf(first.profiles.get(lower(request.principalId)), request.principal);
    const context = contextOf(first, lower(request.principalId), profile.id);
    const policyRead = !!ctx.pimPolicies.get(rolePolicyKey(request.roleDefinitionId ?? ''), 'role', ctx.now.getTime());
    // A role policy that could not be read leaves the approvers open: the plan is read again (an approver's list).
    const plans = policyRead
      ? roleStagesOf(ctx, request).map((s) => pimStagePlan(s, context, resolver))
      : [{ approvers: [], escalationApprovers: [], justificationRequired: false, incomplete: true }];
    const details = roleDetails(request, profile, plans);
    if (details) out.set(`role:${details.id}`, details);
  }
  return out;
}

interface FirstBatch {
  packages: Map<string, PackageJson>;
  profiles: Map<string, UserJson>;
  /** Requesters whose profile (with their manager) Graph did not answer for a passing reason (429, 503). */
  unreadProfiles: Set<string>;
}

async function readFirstBatch(
  ctx: DetailsContext,
  em: EmRequestJson[],
  pim: PimRequestJson[],
  role: RoleRequestJson[],
): Promise<FirstBatch> {
  const packageIds = new Set(em.map((r) => lower(r.accessPackage?.id)).filter(Boolean));
  const userIds = new Set(
    [...em.map(requesterIdOf), ...[...pim, ...role].map((r) => lower(r.principalId))].filter(Boolean),
  );
  const now = ctx.now.getTime();
  const policies = new Map<string, { groupId: string; accessId: string }>();
  for (const r of pim) {
    const groupId = lower(r.groupId);
    const accessId = lower(r.accessId) || 'member';
    if (groupId && !ctx.pimPolicies.get(groupId, accessId, now))
      policies.set(`${groupId}/${accessId}`, { groupId, accessId });
  }
  // The role policies (a person's token) are read alongside the app's batch, not after it.
  const rolePolicies = readRolePolicies(ctx, role).catch((err: unknown) =>
    ctx.log.warn({ err }, 'could not read the approvers of Entra role requests'),
  );
  const requests: BatchRequest[] = [
    ...[...packageIds].map((id) => get(`p:${id}`, `${EM_ROOT}/accessPackages/${seg(id)}?${PACKAGE}`)),
    ...[...userIds].map((id) => get(`u:${id}`, `/users/${seg(id)}?${PROFILE}`)),
    ...[...policies.values()].map((p) => get(`r:${p.groupId}/${p.accessId}`, pimPolicyUrl(p.groupId, p.accessId))),
  ];
  const packages = new Map<string, PackageJson>();
  const profiles = new Map<string, UserJson>();
  const unreadProfiles = new Set<string>();
  const [appResults] = await Promise.all([requests.length ? ctx.app.batch(requests) : [], rolePolicies]);
  for (const result of appResults) {
    const [kind, key] = [result.id.slice(0, 1), result.id.slice(2)];
    if (result.status !== 200) {
      ctx.log.warn({ lookup: kind, status: result.status }, 'could not read approval details');
      if (kind === 'u' && isTransient(result.status)) unreadProfiles.add(key);
      continue;
    }
    if (kind === 'p') packages.set(key, result.body as PackageJson);
    if (kind === 'u') profiles.set(key, result.body as UserJson);
    if (kind === 'r') {
      const [groupId, accessId] = key.split('/');
      ctx.pimPolicies.set(groupId, accessId, approvalStagesOf(result.body), now);
    }
  }
  return { packages, profiles, unreadProfiles };
}

/** The approval rule of each Entra role's policy not cached yet, with the person's token, in one `$batch`. */
async function readRolePolicies(ctx: DetailsContext, role: RoleRequestJson[]): Promise<void> {
  const now = ctx.now.getTime();
  const ids = [
    ...new Set(
      role
        .map((r) => lower(r.roleDefinitionId))
        .filter((id) => id && !ctx.pimPolicies.get(rolePolicyKey(id), 'role', now)),
    ),
  ];
  if (ids.length === 0) return;
  if (!ctx.user) {
    ctx.log.warn({ roles: ids.length }, 'no delegated token to read the approvers of Entra role requests');
    return;
  }
  for (const result of await ctx.user.batch(ids.map((id) => get(id, directoryRolePolicyPath(id))))) {
    if (result.status !== 200) {
      ctx.log.warn({ lookup: 'rolePolicy', status: result.status }, 'could not read approval details');
      continue;
    }
    ctx.pimPolicies.set(rolePolicyKey(result.id), 'role', approvalStagesOf(result.body), now);
  }
}

function pimPolicyUrl(groupId: string, accessId: string): string {
  const filter = `scopeId eq '${groupId}' and scopeType eq 'Group' and roleDefinitionId eq '${accessId}'`;
  return `/policies/roleManagementPolicyAssignments?$filter=${encodeURIComponent(filter)}&$expand=policy($expand=rules)`;
}

function approvalStagesOf(body: unknown): PimStageJson[] {
  const value = (body as { value?: Array<{ policy?: { rules?: PimApprovalRuleJson[] } }> })?.value ?? [];
  const rule = value[0]?.policy?.rules?.find((r) => r.id === 'Approval_EndUser_Assignment');
  if (!rule?.setting?.isApprovalRequired) return [];
  return rule.setting.approvalStages ?? [];
}

function pimStagesOf(ctx: DetailsContext, request: PimRequestJson): PimStageJson[] {
  const groupId = lower(request.groupId);
  return ctx.pimPolicies.get(groupId, lower(request.accessId) || 'member', ctx.now.getTime()) ?? [];
}

function roleStagesOf(ctx: DetailsContext, request: RoleRequestJson): PimStageJson[] {
  return ctx.pimPolicies.get(rolePolicyKey(request.roleDefinitionId ?? ''), 'role', ctx.now.getTime()) ?? [];
}

function emStagesOf(request: EmRequestJson, pkg: PackageJson | undefined, log: Logger) {
  const candidates = candidatePolicies(pkg?.assignmentPolicies ?? [], request);
  if (candidates.length > 1) {
    // Graph does not say which policy a pending request used (app-only); every candidate's approvers are asked.
    log.info({ request: request.id, policies: candidates.length }, 'request matches several approval policies');
  }
  const byIndex: NonNullable<EmPolicyJson['requestApprovalSettings']>['stages'][] = candidates.map(
    (p) => p.requestApprovalSettings?.stages ?? [],
  );
  const count = Math.max(0, ...byIndex.map((s) => s?.length ?? 0));
  return Array.from({ length: count }, (_, i) => mergeEmStages(byIndex.map((s) => s?.[i]).filter(isDefined)));
}

function mergeEmStages(stages: NonNullable<NonNullable<EmPolicyJson['requestApprovalSettings']>['stages']>) {
  const [first, ...rest] = stages;
  const concat = (
    key: 'primaryApprovers' | 'fallbackPrimaryApprovers' | 'escalationApprovers' | 'fallbackEscalationApprovers',
  ) => stages.flatMap((s) => s[key] ?? []);
  return {
    ...first,
    primaryApprovers: concat('primaryApprovers'),
    fallbackPrimaryApprovers: concat('fallbackPrimaryApprovers'),
    escalationApprovers: concat('escalationApprovers'),
    fallbackEscalationApprovers: concat('fallbackEscalationApprovers'),
    isApproverJustificationRequired: stages.some((s) => !!s.isApproverJustificationRequired),
    isEscalationEnabled: first.isEscalationEnabled || rest.some((s) => !!s.isEscalationEnabled),
  };
}

/** The policies the request can have come through: those needing approval, narrowed by what the request carries. */
export function candidatePolicies(policies: EmPolicyJson[], request: EmRequestJson): EmPolicyJson[] {
  const update = /update/i.test(request.requestType ?? '');
  let candidates = policies.filter((p) => {
    const s = p.requestApprovalSettings;
    return (update ? s?.isApprovalRequiredForUpdate : s?.isApprovalRequiredForAdd) && (s?.stages?.length ?? 0) > 0;
  });
  const narrow = (keep: (p: EmPolicyJson) => boolean) => {
    const kept = candidates.filter(keep);
    if (kept.length > 0) candidates = kept;
  };
  if (!request.justification?.trim()) narrow((p) => !p.requestApprovalSettings?.isRequestorJustificationRequired);
  const answered = (request.answers ?? []).map((a) => lower(a.answeredQuestion?.id)).filter(Boolean);
  if (answered.length > 0) narrow((p) => answered.every((id) => (p.questions ?? []).some((q) => lower(q.id) === id)));
  const requesterId = requesterIdOf(request);
  narrow((p) => allowsRequester(p, requesterId));
  // Someone from a connected organization is not a member user: member-only policies cannot be theirs.
  if (connectedOrganizationOf(request)) narrow((p) => p.allowedTargetScope !== 'allMemberUsers');
  return candidates;
}

/** Only lists of named users can exclude someone without more reads; anything else may include them. */
function allowsRequester(policy: EmPolicyJson, requesterId: string): boolean {
  if (policy.allowedTargetScope !== 'specificDirectoryUsers') return true;
  const targets = policy.specificAllowedTargets ?? [];
  if (!targets.every((t) => /singleUser$/i.test(t['@odata.type'] ?? ''))) return true;
  return targets.some((t) => lower(t.userId) === requesterId);
}

function emDetails(
  request: EmRequestJson,
  pkg: PackageJson | undefined,
  requester: RequesterProfile,
  stages: StagePlan[],
): ApprovalDetails | undefined {
  if (!request.id) return undefined;
  const questions = new Map(
    (pkg?.assignmentPolicies ?? []).flatMap((p) =>
      (p.questions ?? []).map((q) => [lower(q.id), textOfQuestion(q.text)]),
    ),
  );
  const answers: RequestAnswer[] = (request.answers ?? [])
    .map((a) => ({
      question: questions.get(lower(a.answeredQuestion?.id)) ?? 'Answer',
      answer: a.displayValue || a.value || '',
    }))
    .filter((a) => a.answer);
  const schedule = request.schedule;
  return {
    kind: 'em',
    id: request.id.toLowerCase(),
    requester,
    target: {
      kind: 'em',
      packageId: lower(request.accessPackage?.id ?? pkg?.id),
      packageName: request.accessPackage?.displayName || pkg?.displayName || 'An access package',
      packageDescription: (pkg?.description || request.accessPackage?.description) ?? undefined,
      grants: grantsOf(pkg),
    },
    justification: request.justification || undefined,
    answers,
    requestedAt: isoOrUndefined(request.createdDateTime),
    startsAt: isoOrUndefined(schedule?.startDateTime),
    endsAt: isoOrUndefined(schedule?.expiration?.endDateTime),
    duration: schedule?.expiration?.duration ?? policyDurationOf(pkg, request) ?? undefined,
    stages,
  };
}

function policyDurationOf(pkg: PackageJson | undefined, request: EmRequestJson): string | undefined {
  const durations = new Set(
    candidatePolicies(pkg?.assignmentPolicies ?? [], request).map((p) => p.expiration?.duration),
  );
  const [only] = [...durations];
  return durations.size === 1 && only ? only : undefined;
}

function grantsOf(pkg: PackageJson | undefined): string[] {
  return (pkg?.resourceRoleScopes ?? [])
    .map((rs) => {
      const role = rs.role?.displayName;
      const resource = rs.role?.resource?.displayName ?? rs.scope?.displayName;
      return role && resource ? `${role} of ${resource}` : (role ?? resource ?? '');
    })
    .filter(Boolean);
}

function pimDetails(
  request: PimRequestJson,
  requester: RequesterProfile,
  stages: StagePlan[],
): ApprovalDetails | undefined {
  if (!request.id) return undefined;
  return {
    kind: 'pim',
    id: request.id.toLowerCase(),
    requester,
    target: {
      kind: 'pim',
      groupId: lower(request.groupId),
      groupName: request.group?.displayName || 'a privileged group',
      groupDescription: request.group?.description ?? undefined,
      accessId: lower(request.accessId) === 'owner' ? 'owner' : 'member',
    },
    ...scheduleRequestFields(request),
    stages,
  };
}

/** What a PIM schedule request (group or Entra role) says about itself: the same properties on both types. */
function scheduleRequestFields(
  request: PimRequestJson | RoleRequestJson,
): Pick<ApprovalDetails, 'justification' | 'answers' | 'ticket' | 'requestedAt' | 'startsAt' | 'endsAt' | 'duration'> {
  const schedule = request.scheduleInfo;
  const ticket = request.ticketInfo?.ticketNumber;
  return {
    justification: request.justification || undefined,
    answers: [],
    ticket: ticket ? { number: ticket, system: request.ticketInfo?.ticketSystem ?? undefined } : undefined,
    requestedAt: isoOrUndefined(request.createdDateTime),
    startsAt: isoOrUndefined(schedule?.startDateTime),
    endsAt: isoOrUndefined(schedule?.expiration?.endDateTime),
    duration: schedule?.expiration?.duration ?? undefined,
  };
}

function roleDetails(
  request: RoleRequestJson,
  requester: RequesterProfile,
  stages: StagePlan[],
): ApprovalDetails | undefined {
  if (!request.id) return undefined;
  const directoryScopeId = request.directoryScopeId || '/';
  return {
    kind: 'role',
    id: request.id.toLowerCase(),
    requester,
    target: {
      kind: 'role',
      roleDefinitionId: lower(request.roleDefinitionId),
      roleName: request.roleDefinition?.displayName || 'a Microsoft Entra role',
      roleDescription: request.roleDefinition?.description ?? undefined,
      directoryScopeId,
      scopeName: directoryScopeId === '/' ? undefined : (request.directoryScope?.displayName ?? undefined),
    },
    ...scheduleRequestFields(request),
    stages,
  };
}

function profileOf(
  json: UserJson | undefined,
  fallback: { id?: string | null; objectId?: string | null; displayName?: string | null } | null | undefined,
): RequesterProfile {
  const id = lower(json?.id ?? fallback?.objectId ?? fallback?.id);
  return {
    id,
    displayName: json?.displayName || fallback?.displayName || 'Someone',
    jobTitle: json?.jobTitle ?? undefined,
    department: json?.department ?? undefined,
    email: json?.mail ?? undefined,
    manager: personOf(json?.manager),
  };
}

function contextOf(
  first: FirstBatch,
  profileKey: string,
  requesterId: string,
  connectedOrganizationId?: string,
): RequesterContext {
  const manager = personOf(first.profiles.get(profileKey)?.manager);
  // Their profile (and so their direct manager) could not be read for now: no manager is not known.
  const managerUnread = first.unreadProfiles.has(profileKey);
  return { id: requesterId, manager, ...(managerUnread ? { managerUnread } : {}), connectedOrganizationId };
}

/** The connected organization an external requester came from (null for people of the tenant). */
function connectedOrganizationOf(request: EmRequestJson): string | undefined {
  return lower(request.requestor?.connectedOrganization?.id) || undefined;
}

function requesterIdOf(request: EmRequestJson): string {
  return lower(request.requestor?.objectId ?? request.requestor?.id);
}

function get(id: string, url: string): BatchRequest {
  return { id, method: 'GET', url };
}

function lower(value: string | null | undefined): string {
  return (value ?? '').toLowerCase();
}

function isDefined<T>(value: T | undefined | null): value is T {
  return value !== undefined && value !== null;
}
