import type {
  ApprovalSettings,
  SubjectSet,
  UnifiedRoleManagementPolicyAssignment,
  UnifiedRoleManagementPolicyRule,
} from '@microsoft/microsoft-graph-types';
import type { ActivationPolicy, GroupAccess } from '../model/pim.js';
import { durationMinutes } from './durations.js';

/** Graph's default when a policy has no end-user expiration rule (GRAPH-API.md §5). */
const DEFAULT_MAXIMUM = 'PT8H';

/** `GET` path (version-relative) of one group role's policy assignment with its rules (GRAPH-API.md §6.8). */
export function policyAssignmentPath(groupId: string, accessId: GroupAccess): string {
  return assignmentsWhere(`scopeId eq '${groupId}' and scopeType eq 'Group' and roleDefinitionId eq '${accessId}'`);
}

/**
 * The same for a Microsoft Entra role (policyroot-list-rolemanagementpolicyassignments): the tenant-wide policy of
 * the role definition, which also governs its activations at an administrative unit.
 */
export function directoryRolePolicyPath(roleDefinitionId: string): string {
  const id = roleDefinitionId.replace(/'/g, "''");
  return assignmentsWhere(`scopeId eq '/' and scopeType eq 'DirectoryRole' and roleDefinitionId eq '${id}'`);
}

function assignmentsWhere(filter: string): string {
  return `/policies/roleManagementPolicyAssignments?$filter=${encodeURIComponent(filter)}&$expand=${encodeURIComponent('policy($expand=rules)')}`;
}

type Rule = UnifiedRoleManagementPolicyRule & {
  '@odata.type'?: string;
  maximumDuration?: string | null;
  enabledRules?: string[] | null;
  isEnabled?: boolean | null;
  claimValue?: string | null;
  setting?: ApprovalSettings | null;
};

/** The end-user activation rules of a group role's policy assignment, in the words the bot needs. */
export function parseActivationPolicy(assignment: UnifiedRoleManagementPolicyAssignment): ActivationPolicy {
  const rules = (assignment.policy?.rules ?? []) as Rule[];
  const byId = (id: string) => rules.find((r) => r.id?.toLowerCase() === id.toLowerCase());
  const expiration = byId('Expiration_EndUser_Assignment');
  const enabled = new Set((byId('Enablement_EndUser_Assignment')?.enabledRules ?? []).map((r) => r.toLowerCase()));
  const approval = byId('Approval_EndUser_Assignment')?.setting;
  const context = byId('AuthenticationContext_EndUser_Assignment');
  const maximumDuration = expiration?.maximumDuration || DEFAULT_MAXIMUM;
  const approvalRequired = approval?.isApprovalRequired === true;
  return {
    maximumDuration,
    maximumMinutes: durationMinutes(maximumDuration) ?? (durationMinutes(DEFAULT_MAXIMUM) as number),
    justificationRequired: enabled.has('justification'),
    ticketRequired: enabled.has('ticketing'),
    mfaRequired: enabled.has('multifactorauthentication'),
    authenticationContext: context?.isEnabled && context.claimValue ? context.claimValue : undefined,
    approvalRequired,
    approvers: approvalRequired ? approverNames(approval) : [],
  };
}

function approverNames(setting: ApprovalSettings | null | undefined): string[] {
  const stage = setting?.approvalStages?.[0];
  return (stage?.primaryApprovers ?? []).map(describeSubject).filter((name): name is string => !!name);
}

type Subject = SubjectSet & { '@odata.type'?: string; description?: string | null; userId?: string; groupId?: string };

function describeSubject(subject: Subject): string | undefined {
  if (subject.description) return subject.description;
  const type = subject['@odata.type'] ?? '';
  if (/groupMembers/i.test(type)) return 'members of an approver group';
  if (/requestorManager/i.test(type)) return 'your manager';
  return subject.userId ? 'an approver' : undefined;
}
