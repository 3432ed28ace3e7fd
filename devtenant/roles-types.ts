import { directoryObjectType } from './directory.js';
import type { EntityType, ViewContext } from './entity.js';
import type { AdministrativeUnit, RoleActivation, RoleDefinition, RoleEligibility, RoleRequest } from './model.js';
import { createdByJson, scheduleInfoJson } from './pim.js';
import { iso, isoOrNull, stableGuid } from './time.js';

/** How PIM for Microsoft Entra roles objects look in Graph: role definitions, administrative units, schedules, requests. */

export const roleDefinitionType: EntityType<RoleDefinition> = {
  name: 'microsoft.graph.unifiedRoleDefinition',
  properties: [
    'id',
    'description',
    'displayName',
    'isBuiltIn',
    'isEnabled',
    'resourceScopes',
    'rolePermissions',
    'templateId',
    'version',
  ],
  toJson: (r) => ({
    id: r.id,
    description: r.description,
    displayName: r.displayName,
    isBuiltIn: true,
    isEnabled: true,
    resourceScopes: ['/'],
    templateId: r.id,
    version: '1',
    rolePermissions: r.rolePermissions,
  }),
};

const AU_PROPS = [
  'id',
  'displayName',
  'description',
  'visibility',
  'membershipType',
  'membershipRule',
  'membershipRuleProcessingState',
  'isMemberManagementRestricted',
] as const;

const unitJson = (u: AdministrativeUnit) => ({
  id: u.id,
  displayName: u.displayName,
  description: u.description,
  visibility: u.visibility,
  membershipType: null,
  membershipRule: null,
  membershipRuleProcessingState: null,
  isMemberManagementRestricted: false,
});

export const administrativeUnitType: EntityType<AdministrativeUnit> = {
  name: 'microsoft.graph.administrativeUnit',
  properties: AU_PROPS,
  toJson: unitJson,
};

/** An administrative unit as a `directoryScope` (a directoryObject): carries its `@odata.type`. */
const scopeObjectType: EntityType<AdministrativeUnit> = {
  ...administrativeUnitType,
  toJson: (u) => ({ '@odata.type': '#microsoft.graph.administrativeUnit', ...unitJson(u) }),
};

const appScopeType: EntityType<never> = {
  name: 'microsoft.graph.appScope',
  properties: ['id', 'displayName', 'type'],
  toJson: () => ({}),
};

type Scoped = { directoryScopeId: string; roleDefinitionId: string; principalId: string };

/** `/` is the tenant (no object: `directoryScope` is null); `/administrativeUnits/{id}` is that unit. */
function unitOf(ctx: ViewContext, scopeId: string): AdministrativeUnit | null {
  const id = /^\/administrativeUnits\/(.+)$/i.exec(scopeId)?.[1];
  return id ? (ctx.state.directoryRoles.administrativeUnits.get(id.toLowerCase()) ?? null) : null;
}

/** App-scoped items are not modelled (only requests can name an app scope, and they fail EligibilityRule). */
const scopeIds = (scopeId: string) =>
  scopeId.startsWith('app:')
    ? { directoryScopeId: null, appScopeId: scopeId.slice(4) }
    : { directoryScopeId: scopeId, appScopeId: null };

const scopedNavigations = {
  roleDefinition: {
    type: roleDefinitionType as EntityType<unknown>,
    many: false,
    resolve: (x: Scoped, ctx: ViewContext) => ctx.state.directoryRoles.definitions.get(x.roleDefinitionId) ?? null,
  },
  principal: {
    type: directoryObjectType as EntityType<unknown>,
    many: false,
    resolve: (x: Scoped, ctx: ViewContext) => ctx.state.user(x.principalId) ?? null,
  },
  directoryScope: {
    type: scopeObjectType as EntityType<unknown>,
    many: false,
    resolve: (x: Scoped, ctx: ViewContext) => unitOf(ctx, x.directoryScopeId),
  },
  appScope: { type: appScopeType as EntityType<unknown>, many: false, resolve: () => null },
};

const INSTANCE_PROPS = [
  'id',
  'appScopeId',
  'directoryScopeId',
  'principalId',
  'roleDefinitionId',
  'startDateTime',
  'endDateTime',
  'memberType',
] as const;

export const roleEligibilityInstanceType: EntityType<RoleEligibility> = {
  name: 'microsoft.graph.unifiedRoleEligibilityScheduleInstance',
  properties: [...INSTANCE_PROPS, 'roleEligibilityScheduleId'],
  toJson: (e) => ({
    id: e.instanceId,
    principalId: e.principalId,
    roleDefinitionId: e.roleDefinitionId,
    ...scopeIds(e.directoryScopeId),
    startDateTime: iso(e.start),
    endDateTime: isoOrNull(e.end),
    memberType: 'Direct',
    roleEligibilityScheduleId: e.id,
  }),
  navigations: scopedNavigations,
};

export const roleAssignmentInstanceType: EntityType<RoleActivation> = {
  name: 'microsoft.graph.unifiedRoleAssignmentScheduleInstance',
  properties: [...INSTANCE_PROPS, 'assignmentType', 'roleAssignmentOriginId', 'roleAssignmentScheduleId'],
  toJson: (a) => ({
    id: a.instanceId,
    principalId: a.principalId,
    roleDefinitionId: a.roleDefinitionId,
    ...scopeIds(a.directoryScopeId),
    startDateTime: iso(a.start),
    endDateTime: isoOrNull(a.end),
    memberType: 'Direct',
    assignmentType: 'Activated',
    roleAssignmentOriginId: stableGuid(`role-assignment:${a.scheduleId}`),
    roleAssignmentScheduleId: a.scheduleId,
  }),
  navigations: {
    ...scopedNavigations,
    activatedUsing: {
      type: roleEligibilityInstanceType as EntityType<unknown>,
      many: false,
      resolve: (a, ctx) =>
        a.activatedUsing ? (ctx.state.directoryRoles.eligibilities.get(a.activatedUsing) ?? null) : null,
    },
  },
};

const schedule = (start: number, end: number | null) =>
  scheduleInfoJson({
    startDateTime: start,
    expiration: { type: end === null ? 'noExpiration' : 'afterDateTime', endDateTime: end, duration: null },
  });

const SCHEDULE_PROPS = [
  'id',
  'appScopeId',
  'directoryScopeId',
  'principalId',
  'roleDefinitionId',
  'createdDateTime',
  'modifiedDateTime',
  'createdUsing',
  'status',
  'memberType',
  'scheduleInfo',
] as const;

/** Schedules include future ones; `createdUsing` names the request behind it (an access package delivery for one). */
export const roleEligibilityScheduleType: EntityType<RoleEligibility> = {
  name: 'microsoft.graph.unifiedRoleEligibilitySchedule',
  properties: SCHEDULE_PROPS,
  toJson: (e) => ({
    id: e.id,
    principalId: e.principalId,
    roleDefinitionId: e.roleDefinitionId,
    ...scopeIds(e.directoryScopeId),
    createdDateTime: iso(e.createdDateTime),
    modifiedDateTime: iso(e.createdDateTime),
    createdUsing: e.sourceAssignmentId ? stableGuid(`role-eligibility-request:${e.sourceAssignmentId}`) : null,
    status: 'Provisioned',
    memberType: 'Direct',
    scheduleInfo: schedule(e.start, e.end),
  }),
  navigations: scopedNavigations,
};

export const roleAssignmentScheduleType: EntityType<RoleActivation> = {
  name: 'microsoft.graph.unifiedRoleAssignmentSchedule',
  properties: [...SCHEDULE_PROPS, 'assignmentType'],
  toJson: (a) => ({
    id: a.scheduleId,
    principalId: a.principalId,
    roleDefinitionId: a.roleDefinitionId,
    ...scopeIds(a.directoryScopeId),
    createdDateTime: iso(a.createdDateTime),
    modifiedDateTime: iso(a.createdDateTime),
    createdUsing: a.requestId,
    status: 'Provisioned',
    memberType: 'Direct',
    assignmentType: 'Activated',
    scheduleInfo: schedule(a.start, a.end),
  }),
  navigations: {
    ...scopedNavigations,
    activatedUsing: {
      type: roleEligibilityScheduleType as EntityType<unknown>,
      many: false,
      resolve: (a, ctx) =>
        a.activatedUsing ? (ctx.state.directoryRoles.eligibilities.get(a.activatedUsing) ?? null) : null,
    },
  },
};

export const roleRequestType: EntityType<RoleRequest> = {
  name: 'microsoft.graph.unifiedRoleAssignmentScheduleRequest',
  properties: [
    'id',
    'status',
    'createdDateTime',
    'completedDateTime',
    'approvalId',
    'customData',
    'createdBy',
    'action',
    'principalId',
    'roleDefinitionId',
    'directoryScopeId',
    'appScopeId',
    'isValidationOnly',
    'targetScheduleId',
    'justification',
    'scheduleInfo',
    'ticketInfo',
  ],
  toJson: (r, ctx) => ({
    id: r.id,
    status: r.status,
    createdDateTime: iso(r.createdDateTime),
    completedDateTime: isoOrNull(r.completedDateTime),
    approvalId: r.approvalId,
    customData: null,
    action: r.action,
    principalId: r.principalId,
    roleDefinitionId: r.roleDefinitionId,
    ...scopeIds(r.directoryScopeId),
    isValidationOnly: r.isValidationOnly,
    targetScheduleId: r.targetScheduleId,
    justification: r.justification,
    createdBy: createdByJson(ctx, r.createdById),
    scheduleInfo: scheduleInfoJson(r.scheduleInfo),
    ticketInfo: r.ticketInfo ?? { ticketNumber: null, ticketSystem: null },
  }),
  navigations: {
    ...scopedNavigations,
    activatedUsing: {
      type: roleEligibilityScheduleType as EntityType<unknown>,
      many: false,
      resolve: (r, ctx) =>
        r.eligibilityId ? (ctx.state.directoryRoles.eligibilities.get(r.eligibilityId) ?? null) : null,
    },
    targetSchedule: {
      type: roleAssignmentScheduleType as EntityType<unknown>,
      many: false,
      resolve: (r, ctx) => ctx.state.directoryRoles.activations.get(r.targetScheduleId) ?? null,
    },
  },
};
