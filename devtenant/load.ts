import { advanceSubmitted, installDeliveredAssignment } from './entitlement-engine.js';
import type {
  AccessPackage,
  EmRequest,
  Group,
  PimRequest,
  Policy,
  Resource,
  RoleRequest,
  RoleScope,
  RoleTarget,
} from './model.js';
import {
  activeEligibility,
  addActivation,
  addEligibility,
  newScheduleId,
  openApproval,
  rulesFor,
} from './pim-engine.js';
import { activeRoleEligibility, addRoleEligibility, provisionRole, rolePolicy } from './roles-engine.js';
import { DEFAULT_PIM_RULES, type Seed } from './seed.js';
import type { TenantState } from './state.js';
import { installApp } from './teamwork.js';
import { iso, parseDuration, seedTime, stableGuid } from './time.js';

/** Builds the tenant from its seed; relative seed times are anchored at the clock's current time. */
export function loadTenant(state: TenantState): void {
  const seed = state.seed;
  const base = state.now();
  const at = (text: string) => seedTime(text, base);
  state.tenant = { ...seed.tenant, id: seed.tenant.id.toLowerCase() };
  loadDirectory(state, seed, at);
  loadCatalogs(state, seed, at);
  loadAssignmentsAndRequests(state, seed, at);
  loadPim(state, seed, at);
  loadTeamsApps(state, seed, at);
  loadDirectoryRoles(state, seed, at);
}

type At = (text: string) => number;
const lower = (id: string) => id.toLowerCase();

function loadDirectory(state: TenantState, seed: Seed, at: At): void {
  for (const u of seed.users) {
    const user = {
      ...u,
      id: lower(u.id),
      managerId: u.managerId ? lower(u.managerId) : null,
      connectedOrganizationId: u.connectedOrganizationId ? lower(u.connectedOrganizationId) : null,
    };
    state.users.set(user.id, user);
    state.usersByUpn.set(user.userPrincipalName.toLowerCase(), user);
  }
  for (const o of seed.connectedOrganizations) {
    state.connectedOrganizations.set(lower(o.id), {
      ...o,
      id: lower(o.id),
      internalSponsors: o.internalSponsors.map(lower),
      externalSponsors: o.externalSponsors.map(lower),
      createdDateTime: at(o.createdDateTime),
    });
  }
  for (const c of seed.authenticationContexts) state.authenticationContexts.set(lower(c.id), { ...c });
  for (const g of seed.groups) {
    const group: Group = {
      ...g,
      id: lower(g.id),
      createdDateTime: at(g.createdDateTime),
      members: new Set(g.members.map(lower)),
      owners: new Set(g.owners.map(lower)),
      pim: g.pim ? { member: g.pim.member ?? DEFAULT_PIM_RULES, owner: g.pim.owner ?? DEFAULT_PIM_RULES } : null,
    };
    state.groups.set(group.id, group);
  }
}

function loadCatalogs(state: TenantState, seed: Seed, at: At): void {
  for (const c of seed.catalogs)
    state.catalogs.set(lower(c.id), { ...c, id: lower(c.id), createdDateTime: at(c.createdDateTime) });
  for (const r of seed.resources) {
    const resource: Resource = { ...r, id: lower(r.id), catalogId: lower(r.catalogId), createdDateTime: at('-P250D') };
    if (r.originSystem === 'AadGroup' || r.originSystem === 'DirectoryRole') resource.originId = lower(r.originId);
    state.resources.set(resource.id, resource);
  }
  for (const p of seed.accessPackages) {
    const created = at(p.createdDateTime);
    const pkg: AccessPackage = {
      id: lower(p.id),
      catalogId: lower(p.catalogId),
      displayName: p.displayName,
      description: p.description,
      isHidden: p.isHidden,
      createdDateTime: created,
      modifiedDateTime: created,
      roleScopes: p.resourceRoles.map((rr) =>
        roleScope(state.resources.get(lower(rr.resourceId)) as Resource, rr.role, created),
      ),
      policyIds: p.policies.map((pol) => lower(pol.id)),
    };
    state.accessPackages.set(pkg.id, pkg);
    for (const pol of p.policies) {
      const policy: Policy = {
        ...pol,
        id: lower(pol.id),
        accessPackageId: pkg.id,
        catalogId: pkg.catalogId,
        createdDateTime: at(pol.createdDateTime),
        expiration: {
          ...pol.expiration,
          endDateTime: pol.expiration.endDateTime ? iso(at(pol.expiration.endDateTime)) : null,
        },
      };
      state.policies.set(policy.id, policy);
    }
  }
}

const GROUP_ORIGIN: Record<string, (groupId: string) => string> = {
  member: (g) => `Member_${g}`,
  owner: (g) => `Owner_${g}`,
  'eligible member': (g) => `EligibleMember_${stableGuid(`eligible-member:${g}`)}`,
  'eligible owner': (g) => `EligibleOwner_${stableGuid(`eligible-owner:${g}`)}`,
};

/** An Entra role in an access package (preview; entra-docs entitlement-management-roles.md): role originId `Eligible`. */
const DIRECTORY_ROLE_ORIGIN: Record<string, () => string> = { 'eligible member': () => 'Eligible' };

function roleScope(resource: Resource, roleName: string, created: number): RoleScope {
  const roleId = stableGuid(`role:${resource.id}:${roleName}`);
  const scopeId = stableGuid(`scope:${resource.id}`);
  const groupOrigin =
    resource.originSystem === 'AadGroup'
      ? GROUP_ORIGIN[roleName.toLowerCase()]
      : resource.originSystem === 'DirectoryRole'
        ? DIRECTORY_ROLE_ORIGIN[roleName.toLowerCase()]
        : undefined;
  return {
    id: `${roleId}_${scopeId}`,
    createdDateTime: created,
    resource,
    role: {
      id: roleId,
      displayName: roleName,
      description: null,
      originId: groupOrigin ? groupOrigin(resource.originId) : stableGuid(`app-role:${resource.id}:${roleName}`),
      originSystem: resource.originSystem,
    },
    scope: {
      id: scopeId,
      displayName: 'Root',
      description: 'Root Scope',
      originId: resource.originId,
      originSystem: resource.originSystem,
      isRootScope: true,
    },
  };
}

function loadAssignmentsAndRequests(state: TenantState, seed: Seed, at: At): void {
  for (const a of seed.assignments) {
    const start = at(a.startDateTime);
    const id = lower(a.id);
    const requestId = a.requestId ? lower(a.requestId) : stableGuid(`request:${id}`);
    installDeliveredAssignment(state, {
      id,
      accessPackageId: lower(a.accessPackageId),
      policyId: lower(a.policyId),
      targetId: lower(a.targetId),
      state: 'delivering',
      status: 'Delivering',
      start,
      end: a.endDateTime ? at(a.endDateTime) : null,
      expiredDateTime: null,
      createdDateTime: start,
      grantedMemberships: [],
      grantedEligibilityIds: [],
    });
    state.emRequests.set(requestId, {
      ...baseRequest(requestId, lower(a.targetId), lower(a.accessPackageId), lower(a.policyId), start - 3_600_000),
      state: 'delivered',
      status: 'Delivered',
      assignmentId: id,
      justification: a.justification,
      completedDateTime: start,
    });
  }
  for (const r of seed.requests) {
    const created = at(r.createdDateTime);
    const request: EmRequest = {
      ...baseRequest(lower(r.id), lower(r.requestorId), lower(r.accessPackageId), lower(r.policyId), created),
      justification: r.justification,
      answers: r.answers,
    };
    state.emRequests.set(request.id, request);
    advanceSubmitted(state, request, created);
  }
}

function baseRequest(id: string, userId: string, packageId: string, policyId: string, created: number): EmRequest {
  return {
    id,
    requestType: 'userAdd',
    state: 'submitted',
    status: 'Accepted',
    requestorId: userId,
    targetId: userId,
    accessPackageId: packageId,
    policyId,
    assignmentId: null,
    justification: null,
    answers: [],
    schedule: null,
    createdDateTime: created,
    completedDateTime: null,
    approval: null,
  };
}

function loadPim(state: TenantState, seed: Seed, at: At): void {
  for (const e of seed.pim.eligibilities) {
    const groupId = lower(e.groupId);
    const principalId = lower(e.principalId);
    addEligibility(state, {
      id: e.id ? lower(e.id) : stableGuid(`seed-eligibility:${groupId}:${principalId}:${e.accessId}`),
      groupId,
      principalId,
      accessId: e.accessId,
      start: at(e.startDateTime),
      end: e.endDateTime ? at(e.endDateTime) : null,
      createdUsing: null,
      sourceAssignmentId: null,
    });
  }
  for (const a of seed.pim.activations) loadActivation(state, a, at);
  for (const r of seed.pim.requests) loadPendingActivation(state, r, at);
}

function pimRequestBase(
  id: string,
  groupId: string,
  principalId: string,
  accessId: 'member' | 'owner',
  created: number,
  durationMs: number,
): PimRequest {
  return {
    id,
    action: 'selfActivate',
    accessId,
    principalId,
    groupId,
    justification: null,
    scheduleInfo: { startDateTime: created, expiration: { type: 'afterDuration', duration: null, endDateTime: null } },
    ticketInfo: null,
    status: 'Provisioned',
    createdDateTime: created,
    completedDateTime: created,
    approvalId: null,
    targetScheduleId: `${groupId}_${accessId}_${id}`,
    createdById: principalId,
    isValidationOnly: false,
    eligibilityId: null,
    durationMs,
    approval: null,
  };
}

function loadActivation(state: TenantState, a: Seed['pim']['activations'][number], at: At): void {
  const groupId = lower(a.groupId);
  const principalId = lower(a.principalId);
  const start = at(a.startDateTime);
  const end = at(a.endDateTime);
  const id = a.id ? lower(a.id) : stableGuid(`seed-activation:${groupId}:${principalId}:${a.accessId}`);
  const request = pimRequestBase(id, groupId, principalId, a.accessId, start, end - start);
  request.targetScheduleId = newScheduleId(state, groupId, a.accessId, id);
  request.justification = a.justification;
  request.eligibilityId = activeEligibility(state, principalId, groupId, a.accessId, start)?.id ?? null;
  if (request.scheduleInfo) request.scheduleInfo.expiration.duration = `PT${Math.round((end - start) / 60_000)}M`;
  state.pimRequests.set(id, request);
  addActivation(state, {
    assignmentType: 'Activated',
    scheduleId: request.targetScheduleId,
    instanceId: `${stableGuid(request.targetScheduleId)}-1`,
    groupId,
    principalId,
    accessId: a.accessId,
    start,
    end,
    activatedUsing: request.eligibilityId,
    requestId: id,
    createdDateTime: start,
  });
}

function loadPendingActivation(state: TenantState, r: Seed['pim']['requests'][number], at: At): void {
  const groupId = lower(r.groupId);
  const principalId = lower(r.principalId);
  const rules = rulesFor(state, groupId, r.accessId);
  if (!rules.approval)
    throw new Error(`devtenant seed: pending PIM request ${r.id} is for a group whose policy needs no approval`);
  const created = at(r.createdDateTime);
  const request = pimRequestBase(
    lower(r.id),
    groupId,
    principalId,
    r.accessId,
    created,
    parseDuration(r.duration) ?? 7_200_000,
  );
  request.justification = r.justification;
  request.ticketInfo = r.ticketInfo;
  request.status = 'PendingApproval';
  request.completedDateTime = null;
  if (request.scheduleInfo) request.scheduleInfo.expiration.duration = r.duration;
  request.eligibilityId = activeEligibility(state, principalId, groupId, r.accessId, created)?.id ?? null;
  state.pimRequests.set(request.id, request);
  openApproval(state, request, rules, created);
}

function loadTeamsApps(state: TenantState, seed: Seed, at: At): void {
  for (const { installedFor, ...app } of seed.teamsApps) {
    const teamsApp = { ...app, id: lower(app.id), botId: lower(app.botId) };
    state.teamsApps.set(teamsApp.id, { ...teamsApp, createdDateTime: at(app.createdDateTime) });
    for (const userId of installedFor) installApp(state, lower(userId), teamsApp.id, at(app.createdDateTime));
  }
}

// ---------- PIM for Microsoft Entra roles ----------

function loadDirectoryRoles(state: TenantState, seed: Seed, at: At): void {
  const roles = state.directoryRoles;
  const src = seed.directoryRoles;
  for (const u of src.administrativeUnits) roles.administrativeUnits.set(lower(u.id), { ...u, id: lower(u.id) });
  for (const r of src.roleDefinitions) {
    roles.definitions.set(lower(r.id), {
      id: lower(r.id),
      displayName: r.displayName,
      description: r.description,
      rolePermissions: [
        { allowedResourceActions: r.allowedResourceActions, condition: null, excludedResourceActions: [] },
      ],
      rules: r.policy,
    });
  }
  const targetOf = (x: { principalId: string; roleDefinitionId: string; directoryScopeId: string }): RoleTarget => ({
    principalId: lower(x.principalId),
    roleDefinitionId: lower(x.roleDefinitionId),
    directoryScopeId: scopeIdOf(x.directoryScopeId),
  });
  for (const e of src.eligibilities) {
    const target = targetOf(e);
    const start = at(e.startDateTime);
    addRoleEligibility(state, {
      ...target,
      id: e.id ? lower(e.id) : stableGuid(`seed-role-eligibility:${target.roleDefinitionId}:${target.principalId}`),
      start,
      end: e.endDateTime ? at(e.endDateTime) : null,
      createdDateTime: start,
      sourceAssignmentId: null,
    });
  }
  for (const a of src.activations) {
    const target = targetOf(a);
    const start = at(a.startDateTime);
    const end = at(a.endDateTime);
    const id = a.id ? lower(a.id) : stableGuid(`seed-role-activation:${target.roleDefinitionId}:${target.principalId}`);
    const request = seedRoleRequest(state, id, target, start, end - start, a.justification);
    provisionRole(state, request, start);
    state.directoryRoles.requests.set(id, request);
  }
  for (const r of src.requests) {
    const target = targetOf(r);
    const rules = rolePolicy(state, target.roleDefinitionId);
    if (!rules.approval)
      throw new Error(`devtenant seed: pending role request ${r.id} is for a role whose policy needs no approval`);
    const created = at(r.createdDateTime);
    const request = seedRoleRequest(
      state,
      lower(r.id),
      target,
      created,
      parseDuration(r.duration) ?? 7_200_000,
      r.justification,
    );
    request.ticketInfo = r.ticketInfo;
    request.status = 'PendingApproval';
    request.completedDateTime = null;
    state.directoryRoles.requests.set(request.id, request);
    openApproval(state, request, rules, created);
  }
}

/** `/administrativeUnits/{ID}` with the id in lower case, as the devtenant keys units. */
const scopeIdOf = (scope: string) => (scope === '/' ? scope : scope.replace(/[^/]+$/, (id) => id.toLowerCase()));

function seedRoleRequest(
  state: TenantState,
  id: string,
  target: RoleTarget,
  start: number,
  durationMs: number,
  justification: string,
): RoleRequest {
  const minutes = Math.round(durationMs / 60_000);
  return {
    id,
    action: 'selfActivate',
    ...target,
    justification,
    scheduleInfo: {
      startDateTime: start,
      expiration: { type: 'afterDuration', duration: `PT${minutes}M`, endDateTime: null },
    },
    ticketInfo: null,
    status: 'Provisioned',
    createdDateTime: start,
    completedDateTime: start,
    approvalId: null,
    targetScheduleId: id,
    createdById: target.principalId,
    isValidationOnly: false,
    eligibilityId: activeRoleEligibility(state, target, start)?.id ?? null,
    durationMs,
    approval: null,
  };
}
