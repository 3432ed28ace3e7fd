import { approvalStageType, awaitsDecisionFrom, decideStage, isApproverOf } from './approvals.js';
import { directoryObjectType } from './directory.js';
import { collection, contextUrl, type EntityType, entity, type ViewContext, viewContext } from './entity.js';
import { badRequest, forbidden, malformed, notFound } from './errors.js';
import type {
  AdministrativeUnit,
  Approval,
  RoleActivation,
  RoleDefinition,
  RoleEligibility,
  RoleRequest,
} from './model.js';
import { approvalWithSteps, assertMayRead, checkOn, createdByJson, scheduleInfoJson } from './pim.js';
import { afterRoleDecision, cancelRoleRequest, submitRoleRequest } from './roles-engine.js';
import { type GraphRequest, type GraphResponse, objectBody, type Router } from './router.js';
import { iso, isoOrNull, stableGuid } from './time.js';

/** PIM for Microsoft Entra roles (`/roleManagement/directory/...`), administrative units, and beta role approvals. */

const RM = '/roleManagement/directory';

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
  navigations: scopedNavigations,
};

const byStart = <T extends { start: number }>(list: T[]) => list.sort((a, b) => a.start - b.start);
const started = <T extends { start: number }>(req: GraphRequest, list: Iterable<T>) =>
  byStart([...list].filter((x) => x.start <= req.now));
const sameId = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

export function registerRoles(router: Router): void {
  registerDefinitionsAndUnits(router);
  registerRoleInstances(router);
  registerRoleRequests(router);
  registerRoleApprovals(router);
}

function registerDefinitionsAndUnits(router: Router): void {
  const units = (req: GraphRequest) => [...req.state.directoryRoles.administrativeUnits.values()];
  router
    .add('GET', `${RM}/roleDefinitions`, 'any', (req) =>
      collection(req, roleDefinitionType, [...req.state.directoryRoles.definitions.values()], {
        context: 'roleManagement/directory/roleDefinitions',
      }),
    )
    .add('GET', `${RM}/roleDefinitions/{id}`, 'any', (req, [id]) => {
      const r = req.state.directoryRoles.definitions.get(id.toLowerCase());
      if (!r) throw notFound(`Role definition '${id}' was not found.`, 'Request_ResourceNotFound');
      return entity(req, roleDefinitionType, r, 'roleManagement/directory/roleDefinitions');
    })
    .add('GET', '/directory/administrativeUnits', 'any', (req) =>
      collection(req, administrativeUnitType, units(req), { context: 'directory/administrativeUnits' }),
    )
    .add('GET', '/directory/administrativeUnits/{id}', 'any', (req, [id]) => {
      const u = req.state.directoryRoles.administrativeUnits.get(id.toLowerCase());
      if (!u)
        throw notFound(
          `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
          'Request_ResourceNotFound',
        );
      return entity(req, administrativeUnitType, u, 'directory/administrativeUnits');
    });
}

function registerRoleInstances(router: Router): void {
  const sets = [
    {
      set: 'roleEligibilityScheduleInstances',
      type: roleEligibilityInstanceType as EntityType<unknown>,
      items: (req: GraphRequest) => started(req, req.state.directoryRoles.eligibilities.values()),
      key: (x: unknown) => (x as RoleEligibility).instanceId,
    },
    {
      set: 'roleAssignmentScheduleInstances',
      type: roleAssignmentInstanceType as EntityType<unknown>,
      items: (req: GraphRequest) => started(req, req.state.directoryRoles.activations.values()),
      key: (x: unknown) => (x as RoleActivation).instanceId,
    },
  ];
  for (const { set, type, items, key } of sets) {
    const context = `roleManagement/directory/${set}`;
    router
      // Application permissions are documented too; an app is nobody's principal, so it gets an empty list.
      .add('GET', `${RM}/${set}/filterByCurrentUser(on={on})`, 'any', (req, [on]) => {
        checkOn(on, ['principal']);
        const mine = items(req).filter((x) => (x as Scoped).principalId === req.caller.oid);
        return collection(req, type, mine, { context: `Collection(${type.name})` });
      })
      .add('GET', `${RM}/${set}`, 'any', (req) => collection(req, type, items(req), { context }))
      .add('GET', `${RM}/${set}/{id}`, 'any', (req, [id]) => {
        const found = items(req).find((x) => sameId(key(x), id));
        if (!found) throw notFound(`The schedule instance '${id}' was not found.`);
        return entity(req, type, found, context);
      });
  }
}

function registerRoleRequests(router: Router): void {
  const context = 'roleManagement/directory/roleAssignmentScheduleRequests';
  const requests = (req: GraphRequest) =>
    [...req.state.directoryRoles.requests.values()].sort((a, b) => a.createdDateTime - b.createdDateTime);
  router
    .add('GET', `${RM}/roleAssignmentScheduleRequests/filterByCurrentUser(on={on})`, 'any', (req, [on]) => {
      const mode = checkOn(on, ['principal', 'createdBy', 'approver']);
      // The docs: "Only principal and approver are currently supported."
      if (mode === 'createdBy') throw badRequest("The value 'createdBy' of the parameter 'on' is not supported.");
      const me = req.caller.oid;
      const mine = requests(req).filter((r) =>
        mode === 'principal'
          ? r.principalId === me
          : r.status === 'PendingApproval' && !!r.approval && awaitsDecisionFrom(req.state, r.approval, me),
      );
      return collection(req, roleRequestType, mine, { context: `Collection(${roleRequestType.name})` });
    })
    .add('GET', `${RM}/roleAssignmentScheduleRequests`, 'any', (req) =>
      collection(req, roleRequestType, requests(req), { context }),
    )
    .add('POST', `${RM}/roleAssignmentScheduleRequests`, 'any', (req): GraphResponse => {
      const request = submitRoleRequest(req.state, req.caller, objectBody(req, roleRequestType.name), req.now);
      const body = {
        '@odata.context': contextUrl(req, `${context}/$entity`),
        ...roleRequestType.toJson(request, viewContext(req)),
      };
      return { status: 201, body };
    })
    .add('GET', `${RM}/roleAssignmentScheduleRequests/{id}`, 'any', (req, [id]) => {
      const r = req.state.directoryRoles.requests.get(id.toLowerCase());
      if (!r) throw notFound(`The request '${id}' was not found.`);
      assertMayRead(req, r);
      return entity(req, roleRequestType, r, context);
    })
    .add('POST', `${RM}/roleAssignmentScheduleRequests/{id}/cancel`, 'any', (req, [id]) => {
      cancelRoleRequest(req.state, req.caller, id, req.now);
      return { status: 204 };
    });
}

/** Beta only (`roleAssignmentApprovals` is not in the v1.0 metadata): elsewhere an unknown segment, as Graph answers. */
function betaApprovals(req: GraphRequest): void {
  if (req.version !== 'beta' || !req.state.quirks.roleApprovalsInBeta)
    throw malformed('path', "Resource not found for the segment 'roleAssignmentApprovals'.");
}

/** Beta's approval shows its decisions under `steps` (approvalStep has the v1.0 approvalStage's properties). */
const roleApprovalType = approvalWithSteps;

function roleApprovalFor(req: GraphRequest, id: string): { request: RoleRequest; approval: Approval } {
  betaApprovals(req);
  const request = req.state.directoryRoles.requests.get(id.toLowerCase());
  if (!request?.approval) throw notFound(`Approval '${id}' was not found.`);
  const { approval } = request;
  if (approval.requestorId !== req.caller.oid && !isApproverOf(req.state, approval, req.caller.oid)) {
    throw forbidden('The caller is not an approver of this approval.');
  }
  return { request, approval };
}

function registerRoleApprovals(router: Router): void {
  const context = 'roleManagement/directory/roleAssignmentApprovals';
  router
    .add('GET', `${RM}/roleAssignmentApprovals/{id}`, 'user', (req, [id]) =>
      entity(req, roleApprovalType, roleApprovalFor(req, id).approval, context),
    )
    .add('GET', `${RM}/roleAssignmentApprovals/{id}/steps`, 'user', (req, [id]) => {
      const { approval } = roleApprovalFor(req, id);
      return collection(
        req,
        approvalStageType,
        approval.stages.map((stage) => ({ approval, stage })),
        { context: `${context}('${id}')/steps` },
      );
    })
    .add('GET', `${RM}/roleAssignmentApprovals/{id}/steps/{id}`, 'user', (req, [id, stepId]) => {
      const { approval } = roleApprovalFor(req, id);
      const stage = approval.stages.find((s) => sameId(s.id, stepId));
      if (!stage) throw notFound(`Approval step '${stepId}' was not found.`);
      return entity(req, approvalStageType, { approval, stage }, `${context}('${id}')/steps`);
    })
    .add('PATCH', `${RM}/roleAssignmentApprovals/{id}/steps/{id}`, 'user', (req, [id, stepId]) => {
      betaApprovals(req);
      const request = req.state.directoryRoles.requests.get(id.toLowerCase());
      if (!request?.approval) throw notFound(`Approval '${id}' was not found.`);
      const body = objectBody(req, approvalStageType.name);
      const decision = decideStage(req.state, request.approval, stepId, req.caller, body, req.now);
      afterRoleDecision(req.state, request, decision, req.now);
      return { status: 204 };
    });
}
