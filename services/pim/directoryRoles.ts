import type {
  AccessPackageAssignment,
  UnifiedRoleAssignmentScheduleInstance,
  UnifiedRoleAssignmentScheduleRequest,
  UnifiedRoleEligibilityScheduleInstance,
  UnifiedRoleManagementPolicyAssignment,
} from '@microsoft/microsoft-graph-types';
import type { BatchItemResult, BatchRequest } from '../graph/client.js';
import type { ActiveRole, DirectoryScope, EligibleRole, PendingActivation } from '../model/pim.js';
import { requestedWindow } from './durations.js';
import { type Gaps, isActivation, originOf, requestBehind, roleKey, startsAfter } from './listParts.js';
import { directoryRolePolicyPath, parseActivationPolicy } from './policy.js';

/**
 * Reads of PIM for Microsoft Entra roles as the signed-in user, made inside the activate list's two `$batch`es
 * (devtenant/README.md "PIM for Microsoft Entra roles"): eligibilities, activations and requests in the first,
 * each role definition's policy in the second.
 */

export const ROLE_MANAGEMENT = '/roleManagement/directory';
export const WHOLE_DIRECTORY = '/';
const MY_ELIGIBLE = `${ROLE_MANAGEMENT}/roleEligibilityScheduleInstances/filterByCurrentUser(on='principal')?$expand=roleDefinition,directoryScope`;
const MY_ACTIVE = `${ROLE_MANAGEMENT}/roleAssignmentScheduleInstances/filterByCurrentUser(on='principal')`;
const MY_REQUESTS = `${ROLE_MANAGEMENT}/roleAssignmentScheduleRequests/filterByCurrentUser(on='principal')`;
const withStatus = (status: string) => `${MY_REQUESTS}?$filter=${encodeURIComponent(`status eq '${status}'`)}`;

type Eligibility = UnifiedRoleEligibilityScheduleInstance & {
  directoryScope?: { id?: string | null; displayName?: string | null } | null;
};
type Assignment = UnifiedRoleAssignmentScheduleInstance;
type ScheduleRequest = UnifiedRoleAssignmentScheduleRequest;

/** The first batch's role items (nothing here depends on another read). */
export function directoryRoleReads(scheduledStatuses: readonly string[]): BatchRequest[] {
  const get = (id: string, url: string): BatchRequest => ({ id, method: 'GET', url });
  return [
    get('roleEligible', MY_ELIGIBLE),
    get('roleActive', MY_ACTIVE),
    get('rolePending', withStatus('PendingApproval')),
    ...scheduledStatuses.map((status) => get(`roleScheduled${status}`, withStatus(status))),
    get('roleProvisioned', withStatus('Provisioned')),
  ];
}

const MY_ACTIVE_NAMED = `${MY_ACTIVE}?$expand=roleDefinition,directoryScope`;

/**
 * `my access`'s role items, in the same `$batch` as its group items: my active roles with their names and scopes
 * (`$expand`, as the eligibility read does) and the requests behind them (for Deactivate).
 */
export function activeDirectoryRoleReads(): BatchRequest[] {
  return [
    { id: 'roleActive', method: 'GET', url: MY_ACTIVE_NAMED },
    { id: 'roleProvisioned', method: 'GET', url: withStatus('Provisioned') },
  ];
}

/** My active Entra roles (directory scopes only, like the activate list) from `activeDirectoryRoleReads`. */
export function activeDirectoryRolesFrom(results: Map<string, BatchItemResult>, gaps: Gaps): ActiveRole[] {
  const provisioned = gaps.values<ScheduleRequest>(results.get('roleProvisioned'), 'activationRequests');
  return gaps
    .values<Eligibility>(results.get('roleActive'), 'activeRoles')
    .filter((i) => i.roleDefinitionId && i.directoryScopeId && !i.appScopeId)
    .map((i) => {
      const id = i.roleDefinitionId as string;
      const group = { id, displayName: i.roleDefinition?.displayName || `Role ${id}` };
      return activeOf(i as Assignment, group, scopeOf(i), provisioned);
    });
}

/** My role eligibilities from the first batch; app-scoped ones are left out (the bot activates directory scopes). */
export function roleEligibilitiesFrom(results: Map<string, BatchItemResult>, gaps: Gaps): Eligibility[] {
  return gaps
    .values<Eligibility>(results.get('roleEligible'), 'directoryRoles')
    .filter((e) => e.roleDefinitionId && e.directoryScopeId && !e.appScopeId);
}

/** The second batch's role items: one policy read per role definition. */
export function rolePolicyReads(eligibilities: Eligibility[]): BatchRequest[] {
  return definitionIds(eligibilities).map((id, i) => ({
    id: `rolePolicy${i}`,
    method: 'GET' as const,
    url: directoryRolePolicyPath(id),
  }));
}

/** The rows of my eligible Entra roles, from both batches. */
export function eligibleDirectoryRoles(
  eligibilities: Eligibility[],
  results: Map<string, BatchItemResult>,
  gaps: Gaps,
  now: Date,
  scheduledStatuses: readonly string[],
  nameApprovers = false,
): EligibleRole[] {
  if (eligibilities.length === 0) return [];
  const policies = new Map(
    definitionIds(eligibilities).map((id, i) => {
      const [assignment] = gaps.values<UnifiedRoleManagementPolicyAssignment>(
        results.get(`rolePolicy${i}`),
        'policies',
      );
      // Role approvals are decided in beta only: unless ROLE_APPROVALS_BETA sends the approvers cards, the bot names
      // no approver for them (README).
      const parsed = assignment ? parseActivationPolicy(assignment) : undefined;
      const policy = parsed && !nameApprovers ? { ...parsed, approvers: [] } : parsed;
      return [id.toLowerCase(), policy] as const;
    }),
  );
  const provisioned = gaps.values<ScheduleRequest>(results.get('roleProvisioned'), 'activationRequests');
  const packages = gaps.values<AccessPackageAssignment>(results.get('packages'), 'accessPackages');
  const active = gaps.values<Assignment>(results.get('roleActive'), 'activeRoles');
  const pending = [
    ...gaps.values<ScheduleRequest>(results.get('rolePending'), 'pendingRequests').map((r) => [r, 'pendingApproval']),
    ...scheduledStatuses.flatMap((status) =>
      gaps
        .values<ScheduleRequest>(results.get(`roleScheduled${status}`), 'pendingRequests')
        .filter((r) => startsAfter(r, now))
        .map((r) => [r, 'scheduled']),
    ),
  ] as [ScheduleRequest, PendingActivation['phase']][];
  const rows = eligibilities.map((e) => {
    const roleDefinitionId = e.roleDefinitionId as string;
    const directoryScope = scopeOf(e);
    const key = roleKey({ groupId: roleDefinitionId, accessId: 'member', directoryScopeId: directoryScope.id });
    const group = {
      id: roleDefinitionId,
      displayName: e.roleDefinition?.displayName || `Role ${roleDefinitionId}`,
      description: e.roleDefinition?.description ?? undefined,
    };
    const instance = active.find((a) => keyOf(a) === key);
    const request = pending.find(([r]) => keyOf(r) === key && isActivation(r));
    return {
      group,
      accessId: 'member' as const,
      directoryScope,
      eligibleFrom: e.startDateTime ?? '',
      eligibleUntil: e.endDateTime ?? undefined,
      // A package delivers a tenant-wide eligibility (devtenant/README.md, entitlement-management-roles).
      origin: directoryScope.id === WHOLE_DIRECTORY ? originOf(packages, roleDefinitionId, 'member') : undefined,
      policy: policies.get(roleDefinitionId.toLowerCase()),
      active: instance ? activeOf(instance, group, directoryScope, provisioned) : undefined,
      pending: request ? pendingOf(request[0], request[1]) : undefined,
    };
  });
  return rows.sort(
    (a, b) =>
      a.group.displayName.localeCompare(b.group.displayName) ||
      (a.directoryScope.displayName ?? '').localeCompare(b.directoryScope.displayName ?? ''),
  );
}

function definitionIds(eligibilities: Eligibility[]): string[] {
  const ids = new Map<string, string>();
  for (const e of eligibilities) ids.set((e.roleDefinitionId as string).toLowerCase(), e.roleDefinitionId as string);
  return [...ids.values()];
}

function scopeOf(e: Pick<Eligibility, 'directoryScopeId' | 'directoryScope'>): DirectoryScope {
  const id = e.directoryScopeId as string;
  const name = id === WHOLE_DIRECTORY ? undefined : e.directoryScope?.displayName;
  return name ? { id, displayName: name } : { id };
}

function keyOf(x: { roleDefinitionId?: string | null; directoryScopeId?: string | null }): string {
  return roleKey({ groupId: x.roleDefinitionId ?? '', accessId: 'member', directoryScopeId: x.directoryScopeId ?? '' });
}

function activeOf(
  i: Assignment,
  group: EligibleRole['group'],
  directoryScope: DirectoryScope,
  requests: ScheduleRequest[],
): ActiveRole {
  const activated = (i.assignmentType ?? '').toLowerCase() === 'activated';
  return {
    group,
    accessId: 'member',
    directoryScope,
    startDateTime: i.startDateTime ?? '',
    endDateTime: i.endDateTime ?? undefined,
    assignmentType: activated ? 'activated' : 'assigned',
    requestId: activated ? requestBehind(i.roleAssignmentScheduleId, requests) : undefined,
  };
}

function pendingOf(r: ScheduleRequest, phase: PendingActivation['phase']): PendingActivation | undefined {
  if (!r.id) return undefined;
  return {
    requestId: r.id,
    phase,
    createdDateTime: r.createdDateTime ?? undefined,
    ...requestedWindow(r.scheduleInfo),
  };
}
