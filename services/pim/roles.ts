import type {
  AccessPackageAssignment,
  Group,
  PrivilegedAccessGroupAssignmentScheduleInstance,
  PrivilegedAccessGroupAssignmentScheduleRequest,
  PrivilegedAccessGroupEligibilityScheduleInstance,
  UnifiedRoleManagementPolicyAssignment,
} from '@microsoft/microsoft-graph-types';
import type { BatchItemResult, BatchRequest, GraphFacade } from '../graph/client.js';
import type {
  ActivationPolicy,
  ActiveRole,
  EligibleRole,
  GroupAccess,
  GroupRef,
  PendingActivation,
  RoleList,
} from '../model/pim.js';
import {
  activeDirectoryRoleReads,
  activeDirectoryRolesFrom,
  directoryRoleReads,
  eligibleDirectoryRoles,
  roleEligibilitiesFrom,
  rolePolicyReads,
} from './directoryRoles.js';
import { requestedWindow } from './durations.js';
import { batchItemError, Gaps, isActivation, originOf, requestBehind, roleKey, startsAfter } from './listParts.js';
import { parseActivationPolicy, policyAssignmentPath } from './policy.js';

export { roleKey } from './listParts.js';

/** Reads of PIM for Groups (and, in the activate list, Entra roles) as the signed-in user (GRAPH-API.md §6.1, §6.2, §6.6, §6.8, §4.15). */

export const PIM_GROUP = '/identityGovernance/privilegedAccess/group';
const MY_ELIGIBILITIES = `${PIM_GROUP}/eligibilityScheduleInstances/filterByCurrentUser(on='principal')`;
const MY_ACTIVE = `${PIM_GROUP}/assignmentScheduleInstances/filterByCurrentUser(on='principal')`;
const MY_REQUESTS = `${PIM_GROUP}/assignmentScheduleRequests/filterByCurrentUser(on='principal')`;
const requestsWithStatus = (status: string) => `${MY_REQUESTS}?$filter=${encodeURIComponent(`status eq '${status}'`)}`;
const MY_PENDING = requestsWithStatus('PendingApproval');
/**
 * The statuses of an accepted activation that starts later. UNCONFIRMED which one Graph shows (GRAPH-API.md §6.3:
 * "expect Granted/ScheduleCreated"): configurable (PIM_SCHEDULED_STATUSES), each read as its own `$filter` (`or` on
 * the function is not documented) in the same `$batch`.
 */
export const DEFAULT_SCHEDULED_STATUSES = ['Granted'];
/** The requests behind active memberships: linked to an instance by `targetScheduleId` = `assignmentScheduleId`. */
const MY_PROVISIONED = `${MY_REQUESTS}?$filter=${encodeURIComponent("status eq 'Provisioned'")}`;
const MY_PACKAGES = `/identityGovernance/entitlementManagement/assignments/filterByCurrentUser(on='target')?$expand=${encodeURIComponent(
  'accessPackage($select=id,displayName;$expand=resourceRoleScopes($expand=role,scope))',
)}`;
/** Graph limits `id in (…)` filters on directory objects to 15 values. */
const GROUP_IDS_PER_FILTER = 15;

type Eligibility = PrivilegedAccessGroupEligibilityScheduleInstance;
type Assignment = PrivilegedAccessGroupAssignmentScheduleInstance;
type ScheduleRequest = PrivilegedAccessGroupAssignmentScheduleRequest;

export function accessOf(value: string | null | undefined): GroupAccess | undefined {
  const v = value?.toLowerCase();
  return v === 'member' || v === 'owner' ? v : undefined;
}

/**
 * My eligible memberships and ownerships with each group's name, policy, origin, current activation and the
 * activation that has not started yet, beside my eligible Microsoft Entra roles with the same, in two round trips:
 * one `$batch` for what depends on nothing (eligibilities, activations, requests, packages), then one for the
 * policies and group names. What could not be read is named in `unavailable`; only a refused group eligibility list
 * fails the whole list. `now` tells a later start from one that passed. `roleApprovers` (ROLE_APPROVALS_BETA): the
 * Entra roles name their approvers, who then get approver cards.
 */
export async function loadEligibleRoles(
  facade: GraphFacade,
  now: Date,
  scheduledStatuses: readonly string[] = DEFAULT_SCHEDULED_STATUSES,
  options: { roleApprovers?: boolean } = {},
): Promise<RoleList<EligibleRole>> {
  const get = (id: string, url: string): BatchRequest => ({ id, method: 'GET', url });
  const first = new Map(
    (
      await facade.batch([
        get('eligible', MY_ELIGIBILITIES),
        get('active', MY_ACTIVE),
        get('pending', MY_PENDING),
        ...scheduledStatuses.map((status) => get(`scheduled${status}`, requestsWithStatus(status))),
        get('provisioned', MY_PROVISIONED),
        get('packages', MY_PACKAGES),
        ...directoryRoleReads(scheduledStatuses),
      ])
    ).map((r) => [r.id, r]),
  );
  const eligibleItem = first.get('eligible');
  if (!eligibleItem || eligibleItem.status >= 300) throw batchItemError(eligibleItem, MY_ELIGIBILITIES);
  const gaps = new Gaps();
  const eligibilities = gaps
    .values<Eligibility>(eligibleItem, 'groupNames')
    .filter((e) => e.groupId && accessOf(e.accessId));
  const roleEligibilities = roleEligibilitiesFrom(first, gaps);
  const roles = uniqueRoles(eligibilities);
  const groupIds = [...new Set(roles.map((r) => r.groupId))];
  const second =
    roles.length + roleEligibilities.length === 0
      ? new Map<string, BatchItemResult>()
      : new Map(
          (
            await facade.batch([
              ...roles.map((r, i) => get(`policy${i}`, policyAssignmentPath(r.groupId, r.accessId))),
              ...groupChunks(groupIds).map((url, i) => get(`groups${i}`, url)),
              ...rolePolicyReads(roleEligibilities),
            ])
          ).map((r) => [r.id, r]),
        );
  const both = new Map([...first, ...second]);
  const directoryRoles = eligibleDirectoryRoles(
    roleEligibilities,
    both,
    gaps,
    now,
    scheduledStatuses,
    options.roleApprovers === true,
  );
  const groupRoles =
    eligibilities.length === 0 ? [] : groupRows(eligibilities, roles, first, second, gaps, now, scheduledStatuses);
  const current = [...groupRoles, ...directoryRoles].flatMap((r) => (r.active ? [r.active] : []));
  // Groups first, then Entra roles (each by name): a role's row carries its kind and scope.
  return { roles: [...groupRoles, ...directoryRoles], unavailable: gaps.parts(current) };
}

function groupRows(
  eligibilities: Eligibility[],
  roles: { groupId: string; accessId: GroupAccess }[],
  first: Map<string, BatchItemResult>,
  second: Map<string, BatchItemResult>,
  gaps: Gaps,
  now: Date,
  scheduledStatuses: readonly string[],
): EligibleRole[] {
  const groups = groupsFrom(
    [...second.values()].filter((r) => r.id.startsWith('groups')),
    gaps,
  );
  const policies = new Map(roles.map((r, i) => [roleKey(r), policyFrom(second.get(`policy${i}`), gaps)]));
  const active = gaps.values<Assignment>(first.get('active'), 'activeRoles');
  const pending = [
    ...gaps
      .values<ScheduleRequest>(first.get('pending'), 'pendingRequests')
      .map((r) => pendingOf(r, 'pendingApproval')),
    ...scheduledStatuses.flatMap((status) =>
      gaps
        .values<ScheduleRequest>(first.get(`scheduled${status}`), 'pendingRequests')
        .filter((r) => startsAfter(r, now))
        .map((r) => pendingOf(r, 'scheduled')),
    ),
  ].filter((p): p is PendingActivation & { key: string } => !!p);
  const provisioned = gaps.values<ScheduleRequest>(first.get('provisioned'), 'activationRequests');
  const packages = gaps.values<AccessPackageAssignment>(first.get('packages'), 'accessPackages');
  const current = activeRoles(active, groups, provisioned);
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
        active: current.find((a) => roleKey({ groupId: a.group.id, accessId: a.accessId }) === key),
        pending: withoutKey(pending.find((p) => p.key === key)),
      };
    })
    .sort((a, b) => a.group.displayName.localeCompare(b.group.displayName) || a.accessId.localeCompare(b.accessId));
}

/** A selfActivate request that has not started, as the list shows it; undefined for anything else. */
function pendingOf(
  r: ScheduleRequest,
  phase: PendingActivation['phase'],
): (PendingActivation & { key: string }) | undefined {
  if (!r.id || !r.groupId || !accessOf(r.accessId) || !isActivation(r)) return undefined;
  return {
    key: roleKey(asRole(r)),
    requestId: r.id,
    phase,
    createdDateTime: r.createdDateTime ?? undefined,
    ...requestedWindow(r.scheduleInfo),
  };
}

function withoutKey(p: (PendingActivation & { key: string }) | undefined): PendingActivation | undefined {
  if (!p) return undefined;
  const { key: _key, ...pending } = p;
  return pending;
}

/**
 * My current memberships and ownerships of PIM groups and my active Microsoft Entra roles, with their names and the
 * requests behind activations, in one `$batch` (group instances with `$expand=group`, which GRAPH-API.md §6.1
 * reports as unreliable on these functions; role instances with `$expand=roleDefinition,directoryScope`; the
 * provisioned requests of both), then one more only for group names Graph left out, or the instances again without
 * `$expand` when Graph refuses it. Only a refused group read fails the whole list; other gaps are named.
 */
export async function loadActiveRoles(facade: GraphFacade): Promise<RoleList<ActiveRole>> {
  const gaps = new Gaps();
  const first = new Map(
    (
      await facade.batch([
        { id: 'active', method: 'GET', url: MY_ACTIVE_WITH_GROUPS },
        { id: 'provisioned', method: 'GET', url: MY_PROVISIONED },
        ...activeDirectoryRoleReads(),
      ])
    ).map((r) => [r.id, r]),
  );
  const instances = await activeInstancesFrom(facade, first.get('active'));
  const provisioned = gaps.values<ScheduleRequest>(first.get('provisioned'), 'activationRequests');
  const directoryRoles = activeDirectoryRolesFrom(first, gaps);
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
    for (const [id, group] of groupsFrom(results, gaps)) groups.set(id, group);
  }
  const roles = [...activeRoles(instances, groups, provisioned), ...directoryRoles].sort((a, b) =>
    (a.endDateTime ?? '9999').localeCompare(b.endDateTime ?? '9999'),
  );
  return { roles, unavailable: gaps.parts(roles) };
}

const MY_ACTIVE_WITH_GROUPS = `${MY_ACTIVE}?$expand=${encodeURIComponent('group($select=id,displayName,description)')}`;

/** The group instances from the batch; read again without `$expand` when Graph refused it (400). */
async function activeInstancesFrom(facade: GraphFacade, item: BatchItemResult | undefined): Promise<Assignment[]> {
  if (item?.status === 400) return facade.list<Assignment>(MY_ACTIVE);
  const value = (item?.body as { value?: unknown } | undefined)?.value;
  if (!item || item.status >= 300 || !Array.isArray(value)) throw batchItemError(item, MY_ACTIVE);
  return value as Assignment[];
}

/** The policy of one group role, read on its own (when the cached list no longer has it). */
export async function loadPolicy(facade: GraphFacade, groupId: string, accessId: GroupAccess) {
  const [assignment] = await facade.list<UnifiedRoleManagementPolicyAssignment>(
    policyAssignmentPath(groupId, accessId),
  );
  return assignment ? parseActivationPolicy(assignment) : undefined;
}

export function activeRoles(
  instances: Assignment[],
  groups: Map<string, GroupRef>,
  requests: ScheduleRequest[],
): ActiveRole[] {
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
        requestId: activated ? requestBehind(i.assignmentScheduleId, requests) : undefined,
      },
    ];
  });
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

function groupChunks(groupIds: string[]): string[] {
  const urls: string[] = [];
  for (let i = 0; i < groupIds.length; i += GROUP_IDS_PER_FILTER) {
    const ids = groupIds.slice(i, i + GROUP_IDS_PER_FILTER).map((id) => `'${id.replace(/'/g, "''")}'`);
    urls.push(`/groups?$filter=${encodeURIComponent(`id in (${ids.join(',')})`)}&$select=id,displayName,description`);
  }
  return urls;
}

function groupRefOf(g: Group): GroupRef {
  return { id: g.id as string, displayName: g.displayName || 'Unnamed group', description: g.description ?? undefined };
}

function groupsFrom(results: BatchItemResult[], gaps: Gaps): Map<string, GroupRef> {
  const groups = new Map<string, GroupRef>();
  for (const result of results) {
    for (const g of gaps.values<Group>(result, 'groupNames')) {
      if (g.id) groups.set(g.id.toLowerCase(), groupRefOf(g));
    }
  }
  return groups;
}

function unknownGroup(id: string): GroupRef {
  return { id, displayName: `Group ${id}` };
}

function policyFrom(result: BatchItemResult | undefined, gaps: Gaps): ActivationPolicy | undefined {
  const [assignment] = gaps.values<UnifiedRoleManagementPolicyAssignment>(result, 'policies');
  return assignment ? parseActivationPolicy(assignment) : undefined;
}
