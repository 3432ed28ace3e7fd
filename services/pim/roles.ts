import type {
  AccessPackageAssignment,
  AccessPackageResourceRoleScope,
  Group,
  PrivilegedAccessGroupAssignmentScheduleInstance,
  PrivilegedAccessGroupAssignmentScheduleRequest,
  PrivilegedAccessGroupEligibilityScheduleInstance,
  UnifiedRoleManagementPolicyAssignment,
} from '@microsoft/microsoft-graph-types';
import type { BatchItemResult, BatchRequest, GraphFacade } from '../graph/client.js';
import { GraphRequestError } from '../graph/errors.js';
import type {
  ActivationPolicy,
  ActiveRole,
  EligibilityOrigin,
  EligibleRole,
  GroupAccess,
  GroupRef,
} from '../model/pim.js';
import { parseActivationPolicy, policyAssignmentPath } from './policy.js';

/** Reads of PIM for Groups as the signed-in user (GRAPH-API.md §6.1, §6.2, §6.6, §6.8, §4.15). */

export const PIM_GROUP = '/identityGovernance/privilegedAccess/group';
const MY_ELIGIBILITIES = `${PIM_GROUP}/eligibilityScheduleInstances/filterByCurrentUser(on='principal')`;
const MY_ACTIVE = `${PIM_GROUP}/assignmentScheduleInstances/filterByCurrentUser(on='principal')`;
const MY_PENDING = `${PIM_GROUP}/assignmentScheduleRequests/filterByCurrentUser(on='principal')?$filter=${encodeURIComponent("status eq 'PendingApproval'")}`;
const MY_PACKAGES = `/identityGovernance/entitlementManagement/assignments/filterByCurrentUser(on='target')?$expand=${encodeURIComponent(
  'accessPackage($select=id,displayName;$expand=resourceRoleScopes($expand=role,scope))',
)}`;
/** Graph limits `id in (…)` filters on directory objects to 15 values. */
const GROUP_IDS_PER_FILTER = 15;

type Eligibility = PrivilegedAccessGroupEligibilityScheduleInstance;
type Assignment = PrivilegedAccessGroupAssignmentScheduleInstance;

export function accessOf(value: string | null | undefined): GroupAccess | undefined {
  const v = value?.toLowerCase();
  return v === 'member' || v === 'owner' ? v : undefined;
}

/**
 * My eligible memberships and ownerships with each group's name, policy, origin and current activation, in two round
 * trips: the eligibility list, then one `$batch` for everything else.
 */
export async function loadEligibleRoles(facade: GraphFacade): Promise<EligibleRole[]> {
  const eligibilities = (await facade.list<Eligibility>(MY_ELIGIBILITIES)).filter(
    (e) => e.groupId && accessOf(e.accessId),
  );
  if (eligibilities.length === 0) return [];
  const roles = uniqueRoles(eligibilities);
  const groupIds = [...new Set(roles.map((r) => r.groupId))];
  const requests: BatchRequest[] = [
    ...roles.map((r, i) => ({
      id: `policy${i}`,
      method: 'GET' as const,
      url: policyAssignmentPath(r.groupId, r.accessId),
    })),
    ...groupChunks(groupIds).map((url, i) => ({ id: `groups${i}`, method: 'GET' as const, url })),
    { id: 'active', method: 'GET', url: MY_ACTIVE },
    { id: 'pending', method: 'GET', url: MY_PENDING },
    { id: 'packages', method: 'GET', url: MY_PACKAGES },
  ];
  const results = new Map((await facade.batch(requests)).map((r) => [r.id, r]));
  const groups = groupsFrom([...results.values()].filter((r) => r.id.startsWith('groups')));
  const policies = new Map(roles.map((r, i) => [roleKey(r), policyFrom(results.get(`policy${i}`))]));
  const active = valuesOf<Assignment>(results.get('active'));
  const pending = valuesOf<PrivilegedAccessGroupAssignmentScheduleRequest>(results.get('pending'));
  const packages = valuesOf<AccessPackageAssignment>(results.get('packages'));
  return eligibilities
    .map((e) => {
      const accessId = accessOf(e.accessId) as GroupAccess;
      const groupId = e.groupId as string;
      const group = groups.get(groupId.toLowerCase()) ?? unknownGroup(groupId);
      const key = roleKey({ groupId, accessId });
      return {
        group,
        accessId,
        eligibleFrom: e.startDateTime ?? '',
        eligibleUntil: e.endDateTime ?? undefined,
        origin: originOf(packages, groupId, accessId),
        policy: policies.get(key),
        active: activeRoles(active, groups).find((a) => roleKey({ groupId: a.group.id, accessId: a.accessId }) === key),
        pendingRequestId: pending.find((p) => roleKey(asRole(p)) === key && p.id)?.id ?? undefined,
      };
    })
    .sort((a, b) => a.group.displayName.localeCompare(b.group.displayName) || a.accessId.localeCompare(b.accessId));
}

/**
 * My current memberships and ownerships of PIM groups, with group names: one round trip when Graph expands the group
 * (GRAPH-API.md §6.1 reports `$expand=group` on these functions as unreliable), a second only for the groups it left
 * out, or for all of them when it refuses the expand.
 */
export async function loadActiveRoles(facade: GraphFacade): Promise<ActiveRole[]> {
  const instances = await listActiveWithGroups(facade);
  const groups = new Map<string, GroupRef>();
  for (const i of instances) {
    if (i.group?.id) groups.set(i.group.id.toLowerCase(), groupRefOf(i.group));
  }
  const missing = [
    ...new Set(instances.map((i) => i.groupId).filter((id): id is string => !!id && !groups.has(id.toLowerCase()))),
  ];
  if (missing.length > 0) {
    const results = await facade.batch(
      groupChunks(missing).map((url, i) => ({ id: `groups${i}`, method: 'GET', url })),
    );
    for (const [id, group] of groupsFrom(results)) groups.set(id, group);
  }
  if (instances.length === 0) return [];
  return activeRoles(instances, groups).sort((a, b) =>
    (a.endDateTime ?? '9999').localeCompare(b.endDateTime ?? '9999'),
  );
}

/** The policy of one group role, read on its own (when the cached list no longer has it). */
export async function loadPolicy(facade: GraphFacade, groupId: string, accessId: GroupAccess) {
  const [assignment] = await facade.list<UnifiedRoleManagementPolicyAssignment>(
    policyAssignmentPath(groupId, accessId),
  );
  return assignment ? parseActivationPolicy(assignment) : undefined;
}

export function activeRoles(instances: Assignment[], groups: Map<string, GroupRef>): ActiveRole[] {
  return instances.flatMap((i) => {
    const accessId = accessOf(i.accessId);
    if (!i.groupId || !accessId) return [];
    const activated = (i.assignmentType ?? '').toLowerCase() === 'activated';
    return [
      {
        group: groups.get(i.groupId.toLowerCase()) ?? unknownGroup(i.groupId),
        accessId,
        startDateTime: i.startDateTime ?? '',
        endDateTime: i.endDateTime ?? undefined,
        assignmentType: activated ? ('activated' as const) : ('assigned' as const),
        requestId: activated ? requestIdOf(i.assignmentScheduleId, i.groupId, accessId) : undefined,
      },
    ];
  });
}

/** An activated schedule's id is `<groupId>_<accessId>_<requestId>` (GRAPH-API.md §5.4, §9). */
export function requestIdOf(scheduleId: string | null | undefined, groupId: string, accessId: GroupAccess) {
  const prefix = `${groupId}_${accessId}_`.toLowerCase();
  if (!scheduleId?.toLowerCase().startsWith(prefix)) return undefined;
  return scheduleId.slice(prefix.length) || undefined;
}

function uniqueRoles(eligibilities: Eligibility[]): { groupId: string; accessId: GroupAccess }[] {
  const seen = new Map<string, { groupId: string; accessId: GroupAccess }>();
  for (const e of eligibilities) {
    const role = asRole(e);
    seen.set(roleKey(role), role);
  }
  return [...seen.values()];
}

function asRole(x: { groupId?: string | null; accessId?: string | null }) {
  return { groupId: x.groupId ?? '', accessId: accessOf(x.accessId) ?? 'member' };
}

export function roleKey(role: { groupId: string; accessId: GroupAccess }): string {
  return `${role.groupId.toLowerCase()}|${role.accessId}`;
}

function groupChunks(groupIds: string[]): string[] {
  const urls: string[] = [];
  for (let i = 0; i < groupIds.length; i += GROUP_IDS_PER_FILTER) {
    const ids = groupIds.slice(i, i + GROUP_IDS_PER_FILTER).map((id) => `'${id.replace(/'/g, "''")}'`);
    urls.push(`/groups?$filter=${encodeURIComponent(`id in (${ids.join(',')})`)}&$select=id,displayName,description`);
  }
  return urls;
}

async function listActiveWithGroups(facade: GraphFacade): Promise<Assignment[]> {
  try {
    return await facade.list<Assignment>(MY_ACTIVE, {
      query: { $expand: 'group($select=id,displayName,description)' },
    });
  } catch (err) {
    if (!(err instanceof GraphRequestError) || err.status !== 400) throw err;
    return facade.list<Assignment>(MY_ACTIVE);
  }
}

function groupRefOf(g: Group): GroupRef {
  return { id: g.id as string, displayName: g.displayName || 'Unnamed group', description: g.description ?? undefined };
}

function groupsFrom(results: BatchItemResult[]): Map<string, GroupRef> {
  const groups = new Map<string, GroupRef>();
  for (const result of results) {
    for (const g of valuesOf<Group>(result)) {
      if (g.id) groups.set(g.id.toLowerCase(), groupRefOf(g));
    }
  }
  return groups;
}

function unknownGroup(id: string): GroupRef {
  return { id, displayName: `Group ${id}` };
}

function valuesOf<T>(result: BatchItemResult | undefined): T[] {
  if (!result || result.status < 200 || result.status >= 300) return [];
  const value = (result.body as { value?: unknown } | null)?.value;
  return Array.isArray(value) ? (value as T[]) : [];
}

function policyFrom(result: BatchItemResult | undefined): ActivationPolicy | undefined {
  const [assignment] = valuesOf<UnifiedRoleManagementPolicyAssignment>(result);
  return assignment ? parseActivationPolicy(assignment) : undefined;
}

/** The delivered access package assignment whose package grants this eligible role (matched on the group scope). */
function originOf(
  packages: AccessPackageAssignment[],
  groupId: string,
  accessId: GroupAccess,
): EligibilityOrigin | undefined {
  const match = packages.find(
    (a) =>
      (a.state ?? '').toLowerCase() === 'delivered' &&
      (a.accessPackage?.resourceRoleScopes ?? []).some((rs) => grantsEligibility(rs, groupId, accessId)),
  );
  if (!match?.accessPackage?.id) return undefined;
  return {
    accessPackageId: match.accessPackage.id,
    accessPackageName: match.accessPackage.displayName ?? 'an access package',
    assignmentEndDateTime: match.schedule?.expiration?.endDateTime ?? undefined,
  };
}

/** "Eligible Member" / `EligibleMember_…` roles on the group's scope; the role's originId does not name the group. */
function grantsEligibility(rs: AccessPackageResourceRoleScope, groupId: string, accessId: GroupAccess): boolean {
  const scopeGroup = rs.scope?.originId ?? rs.role?.resource?.originId;
  if (scopeGroup?.toLowerCase() !== groupId.toLowerCase()) return false;
  const name = `${rs.role?.displayName ?? ''} ${rs.role?.originId ?? ''}`.toLowerCase().replace(/[\s_]/g, '');
  return name.includes(`eligible${accessId}`);
}
