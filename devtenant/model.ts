import type { PimRulesSpec, QuestionJson, SeedPolicy, SeedUser, SubjectSetJson } from './seed.js';

/** In-memory tenant objects. Times are epoch milliseconds; JSON shapes are produced by the entity types. */

export type User = SeedUser;
export type AccessId = 'member' | 'owner';

/** A connected organization; sponsors are user ids (lower case). */
export interface ConnectedOrganization {
  id: string;
  displayName: string;
  description: string;
  state: 'configured' | 'proposed';
  identitySources: Record<string, unknown>[];
  internalSponsors: string[];
  externalSponsors: string[];
  createdDateTime: number;
}

/** authenticationContextClassReference: `id` is the claim value (`c1`). */
export interface AuthenticationContext {
  id: string;
  displayName: string;
  description: string | null;
  isAvailable: boolean;
}

export interface Group {
  id: string;
  displayName: string;
  description: string | null;
  mailNickname: string;
  mail: string | null;
  mailEnabled: boolean;
  securityEnabled: boolean;
  groupTypes: string[];
  visibility: string | null;
  createdDateTime: number;
  /** Direct (permanent) members and owners, including those an access package delivered. */
  members: Set<string>;
  owners: Set<string>;
  /** Null = not onboarded to PIM (a default policy still answers policy queries, as groups onboard implicitly). */
  pim: { member: PimRulesSpec; owner: PimRulesSpec } | null;
}

export interface Catalog {
  id: string;
  displayName: string;
  description: string;
  isExternallyVisible: boolean;
  createdDateTime: number;
}

export interface Resource {
  id: string;
  catalogId: string;
  displayName: string;
  description: string;
  originSystem: string;
  originId: string;
  createdDateTime: number;
}

export interface RoleScope {
  id: string;
  createdDateTime: number;
  resource: Resource;
  role: { id: string; displayName: string; description: string | null; originId: string; originSystem: string };
  scope: {
    id: string;
    displayName: string;
    description: string;
    originId: string;
    originSystem: string;
    isRootScope: boolean;
  };
}

export interface AccessPackage {
  id: string;
  catalogId: string;
  displayName: string;
  description: string;
  isHidden: boolean;
  createdDateTime: number;
  modifiedDateTime: number;
  roleScopes: RoleScope[];
  policyIds: string[];
}

export interface Policy extends Omit<SeedPolicy, 'createdDateTime'> {
  accessPackageId: string;
  catalogId: string;
  createdDateTime: number;
  questions: QuestionJson[];
}

/** One approver stage, normalised from an EM policy stage or a PIM approval rule. */
export interface StageSpec {
  primaryApprovers: SubjectSetJson[];
  fallbackPrimaryApprovers: SubjectSetJson[];
  escalationApprovers: SubjectSetJson[];
  fallbackEscalationApprovers: SubjectSetJson[];
  isEscalationEnabled: boolean;
  escalateAfterMs: number;
  timeoutMs: number;
  isApproverJustificationRequired: boolean;
}

export type ReviewResult = 'NotReviewed' | 'Approved' | 'Denied';

export interface ApprovalStage {
  id: string;
  index: number;
  status: 'InProgress' | 'Completed' | 'Expired';
  reviewResult: ReviewResult;
  reviewedBy: { id: string; displayName: string } | null;
  reviewedDateTime: number | null;
  justification: string | null;
  startedAt: number;
  escalated: boolean;
  spec: StageSpec;
}

export interface Approval {
  /** Equals the request id (EM and PIM alike). */
  id: string;
  kind: 'em' | 'pim';
  requestorId: string;
  specs: StageSpec[];
  /** Stages that have started (completed ones stay listed). */
  stages: ApprovalStage[];
}

export type EmRequestType = 'userAdd' | 'userUpdate' | 'userRemove';
export type EmRequestState =
  | 'submitted'
  | 'pendingApproval'
  | 'delivering'
  | 'delivered'
  | 'deliveryFailed'
  | 'denied'
  | 'scheduled'
  | 'canceled';

export interface Schedule {
  startDateTime: number | null;
  expiration: { type: string; duration: string | null; endDateTime: number | null };
}

export interface EmRequest {
  id: string;
  requestType: EmRequestType;
  state: EmRequestState;
  status: string;
  requestorId: string;
  targetId: string;
  accessPackageId: string;
  policyId: string;
  assignmentId: string | null;
  justification: string | null;
  answers: unknown[];
  schedule: Schedule | null;
  createdDateTime: number;
  completedDateTime: number | null;
  approval: Approval | null;
}

export interface EmAssignment {
  id: string;
  accessPackageId: string;
  policyId: string;
  targetId: string;
  state: 'delivering' | 'delivered' | 'expired';
  status: string;
  start: number;
  end: number | null;
  expiredDateTime: number | null;
  createdDateTime: number;
  /** What delivery changed, so expiry and removal undo exactly that. */
  grantedMemberships: { groupId: string; accessId: AccessId }[];
  grantedEligibilityIds: string[];
}

export interface PimEligibility {
  id: string;
  instanceId: string;
  groupId: string;
  principalId: string;
  accessId: AccessId;
  start: number;
  end: number | null;
  createdDateTime: number;
  createdUsing: string | null;
  /** The access package assignment that created it, if any. */
  sourceAssignmentId: string | null;
}

export interface PimActivation {
  /** `Activated` = just-in-time; `Assigned` = a permanent member/owner of a PIM group (derived, never stored). */
  assignmentType: 'Activated' | 'Assigned';
  scheduleId: string;
  instanceId: string;
  groupId: string;
  principalId: string;
  accessId: AccessId;
  start: number;
  end: number | null;
  activatedUsing: string | null;
  requestId: string;
  createdDateTime: number;
}

export interface PimRequest {
  id: string;
  action: string;
  accessId: AccessId;
  principalId: string;
  groupId: string;
  justification: string | null;
  scheduleInfo: {
    startDateTime: number | null;
    expiration: { type: string; duration: string | null; endDateTime: number | null };
  } | null;
  ticketInfo: { ticketNumber: string | null; ticketSystem: string | null } | null;
  status: string;
  createdDateTime: number;
  completedDateTime: number | null;
  approvalId: string | null;
  targetScheduleId: string;
  createdById: string;
  isValidationOnly: boolean;
  eligibilityId: string | null;
  /** Requested activation length (selfActivate). */
  durationMs: number | null;
  approval: Approval | null;
}

/** An app of the Teams app catalog (`teamsApp`); `externalId` is the manifest id. */
export interface TeamsApp {
  id: string;
  externalId: string;
  displayName: string;
  distributionMethod: 'organization' | 'sideloaded' | 'store';
  version: string;
  /** The Entra app id of the app's bot: what TeamsAppInstallation.ReadWriteSelfForUser.All calls "itself". */
  botId: string;
  createdDateTime: number;
}

/** A Teams app installed in a user's personal scope (`userScopeTeamsAppInstallation`) and its 1:1 chat. */
export interface AppInstallation {
  id: string;
  userId: string;
  teamsAppId: string;
  chatId: string;
  createdDateTime: number;
}

// ---------- PIM for Microsoft Entra roles (roleManagement/directory) ----------

/** A built-in directory role: its id is its template id (as for built-in roles in Graph); `rules` is its PIM policy. */
export interface RoleDefinition {
  id: string;
  displayName: string;
  description: string;
  rolePermissions: { allowedResourceActions: string[]; condition: string | null; excludedResourceActions: string[] }[];
  rules: PimRulesSpec;
}

export interface AdministrativeUnit {
  id: string;
  displayName: string;
  description: string;
  visibility: string | null;
}

/** Where a role applies: `/` (the tenant) or `/administrativeUnits/{id}`. */
export interface RoleTarget {
  roleDefinitionId: string;
  principalId: string;
  directoryScopeId: string;
}

export interface RoleEligibility extends RoleTarget {
  id: string;
  instanceId: string;
  start: number;
  end: number | null;
  createdDateTime: number;
  /** The access package assignment that created it (resource `DirectoryRole`, role `Eligible Member`), if any. */
  sourceAssignmentId: string | null;
}

export interface RoleActivation extends RoleTarget {
  scheduleId: string;
  instanceId: string;
  start: number;
  end: number | null;
  activatedUsing: string | null;
  requestId: string;
  createdDateTime: number;
}

export interface RoleRequest extends RoleTarget {
  id: string;
  action: string;
  justification: string | null;
  scheduleInfo: PimRequest['scheduleInfo'];
  ticketInfo: PimRequest['ticketInfo'];
  status: string;
  createdDateTime: number;
  completedDateTime: number | null;
  approvalId: string | null;
  targetScheduleId: string;
  createdById: string;
  isValidationOnly: boolean;
  eligibilityId: string | null;
  durationMs: number | null;
  approval: Approval | null;
}

/** Everything PIM for Entra roles holds, in one place (cleared on reset). */
export interface DirectoryRoles {
  definitions: Map<string, RoleDefinition>;
  administrativeUnits: Map<string, AdministrativeUnit>;
  eligibilities: Map<string, RoleEligibility>;
  activations: Map<string, RoleActivation>;
  requests: Map<string, RoleRequest>;
}
