import type {
  AccessPackage,
  AccessPackageAssignmentPolicy,
  AccessPackageAssignmentRequest,
  Approval,
  ApprovalStage,
  PrivilegedAccessGroupAssignmentScheduleRequest,
  UnifiedApprovalStage,
  UnifiedRoleAssignmentScheduleRequest,
  User,
} from '@microsoft/microsoft-graph-types';
import type { ApprovalKind, PersonRef } from '../model/approvals.js';

/** Graph paths and the JSON shapes the approver journey reads (GRAPH-API.md 4.10–4.13, 6.6–6.9). */

export const EM_ROOT = '/identityGovernance/entitlementManagement';
export const PIM_ROOT = '/identityGovernance/privilegedAccess/group';
/** Microsoft Entra roles: requests in v1.0, their approvals (`roleAssignmentApprovals`) in beta only. */
export const ROLE_ROOT = '/roleManagement/directory';

const seg = encodeURIComponent;

export function approvalPath(kind: ApprovalKind, id: string): string {
  if (kind === 'role') return `${ROLE_ROOT}/roleAssignmentApprovals/${seg(id)}`;
  return kind === 'em'
    ? `${EM_ROOT}/accessPackageAssignmentApprovals/${seg(id)}`
    : `${PIM_ROOT}/assignmentApprovals/${seg(id)}`;
}

/**
 * The Graph version of an approval and its stages: Entra role approvals exist in beta only (the v1.0 metadata has no
 * `roleAssignmentApprovals`); the requests themselves are read in v1.0 like every other kind.
 */
export function approvalVersion(kind: ApprovalKind): 'v1.0' | 'beta' {
  return kind === 'role' ? 'beta' : 'v1.0';
}

export function stagePath(
  kind: ApprovalKind,
  id: string,
  stageId: string,
  segment: 'stages' | 'steps' = 'stages',
): string {
  return `${approvalPath(kind, id)}/${segment}/${seg(stageId)}`;
}

export function requestPath(kind: ApprovalKind, id: string): string {
  if (kind === 'role') return `${ROLE_ROOT}/roleAssignmentScheduleRequests/${seg(id)}`;
  return kind === 'em'
    ? `${EM_ROOT}/assignmentRequests/${seg(id)}`
    : `${PIM_ROOT}/assignmentScheduleRequests/${seg(id)}`;
}

/** A subject set as Graph sends it (`@odata.type` tells which kind). */
export interface SubjectSetJson {
  '@odata.type'?: string;
  userId?: string;
  groupId?: string;
  managerLevel?: number;
  description?: string | null;
}

export type StageJson = ApprovalStage;
/** An approval; a tenant that serves PIM stages under `steps` sends them there (see segment.ts). */
export type ApprovalJson = Approval & { steps?: Approval['stages'] };

/** An EM request with `$expand=accessPackage,requestor`. */
export type EmRequestJson = Omit<AccessPackageAssignmentRequest, 'answers'> & {
  answers?: Array<{ value?: string | null; displayValue?: string | null; answeredQuestion?: { id?: string | null } }>;
};

/** A PIM request with `$expand=principal,group`. */
export type PimRequestJson = Omit<PrivilegedAccessGroupAssignmentScheduleRequest, 'principal'> & {
  principal?: (User & { displayName?: string | null }) | null;
};

/** An Entra role activation request with `$expand=principal,roleDefinition,directoryScope`. */
export type RoleRequestJson = Omit<UnifiedRoleAssignmentScheduleRequest, 'principal' | 'directoryScope'> & {
  principal?: (User & { displayName?: string | null }) | null;
  /** `null` for the whole directory (`/`); the administrative unit otherwise. */
  directoryScope?: { id?: string | null; displayName?: string | null; description?: string | null } | null;
};

export interface EmStageJson {
  durationBeforeAutomaticDenial?: string | null;
  durationBeforeEscalation?: string | null;
  isApproverJustificationRequired?: boolean | null;
  isEscalationEnabled?: boolean | null;
  primaryApprovers?: SubjectSetJson[] | null;
  fallbackPrimaryApprovers?: SubjectSetJson[] | null;
  escalationApprovers?: SubjectSetJson[] | null;
  fallbackEscalationApprovers?: SubjectSetJson[] | null;
}

export type EmPolicyJson = Omit<AccessPackageAssignmentPolicy, 'requestApprovalSettings' | 'specificAllowedTargets'> & {
  requestApprovalSettings?: {
    isApprovalRequiredForAdd?: boolean | null;
    isApprovalRequiredForUpdate?: boolean | null;
    isRequestorJustificationRequired?: boolean | null;
    stages?: EmStageJson[] | null;
  } | null;
  specificAllowedTargets?: SubjectSetJson[] | null;
  questions?: Array<{ id?: string | null; text?: string | { defaultText?: string } | null }> | null;
};

/** An access package with `$expand=assignmentPolicies($expand=questions),resourceRoleScopes($expand=role($expand=resource))`. */
export type PackageJson = Omit<AccessPackage, 'assignmentPolicies'> & { assignmentPolicies?: EmPolicyJson[] | null };

export type PimStageJson = Omit<UnifiedApprovalStage, 'primaryApprovers' | 'escalationApprovers'> & {
  primaryApprovers?: SubjectSetJson[] | null;
  escalationApprovers?: SubjectSetJson[] | null;
};

export interface PimApprovalRuleJson {
  id?: string;
  setting?: { isApprovalRequired?: boolean | null; approvalStages?: PimStageJson[] | null } | null;
}

export interface UserJson {
  id?: string | null;
  displayName?: string | null;
  jobTitle?: string | null;
  department?: string | null;
  mail?: string | null;
  manager?: { id?: string | null; displayName?: string | null } | null;
}

export function personOf(
  json: { id?: string | null; displayName?: string | null } | null | undefined,
): PersonRef | undefined {
  if (!json?.id) return undefined;
  return { id: json.id.toLowerCase(), displayName: json.displayName || 'Someone' };
}

/** `Approved`, `approved` and `APPROVED` are the same enum value (GRAPH-API.md 2). */
export function sameEnum(a: string | null | undefined, b: string): boolean {
  return typeof a === 'string' && a.toLowerCase() === b.toLowerCase();
}

/** Graph's "not reviewed" reviewer is the all-zero GUID. */
export function reviewerOf(stage: StageJson): PersonRef | undefined {
  const who = stage.reviewedBy;
  if (!who?.id || /^[0-]+$/.test(who.id)) return undefined;
  return personOf(who);
}

export function textOfQuestion(text: string | { defaultText?: string } | null | undefined): string | undefined {
  if (typeof text === 'string') return text;
  return text?.defaultText || undefined;
}
