import { approvalStageType, approvalType, awaitsDecisionFrom, decideStage, isApproverOf } from './approvals.js';
import type { Caller } from './auth.js';
import { connectedOrganizationType, registerConnectedOrganizations } from './connected-organizations.js';
import {
  afterEmDecision,
  allowedPolicies,
  cancelRequest,
  createRequest,
  policiesOf,
  policyEnd,
} from './entitlement-engine.js';
import { collection, contextUrl, type EntityType, entity, type ViewContext, viewContext } from './entity.js';
import { forbidden, malformed, notFound } from './errors.js';
import type {
  AccessPackage,
  Approval,
  Catalog,
  EmAssignment,
  EmRequest,
  Policy,
  Resource,
  RoleScope,
  Schedule,
  User,
} from './model.js';
import { type GraphRequest, objectBody, ok, type Router } from './router.js';
import type { TenantState } from './state.js';
import { iso, isoOrNull } from './time.js';

/** Entitlement management routes (`/identityGovernance/entitlementManagement/...`) and their Graph shapes. */

const EM = '/identityGovernance/entitlementManagement';

const lookup = <T>(map: Map<string, T>, id: string, what: string): T => {
  const found = map.get(id.toLowerCase());
  if (!found) throw notFound(`${what} '${id}' was not found.`);
  return found;
};

function scheduleJson(s: Schedule | null) {
  return {
    startDateTime: isoOrNull(s?.startDateTime ?? null),
    recurrence: null,
    expiration: {
      endDateTime: isoOrNull(s?.expiration.endDateTime ?? null),
      duration: s?.expiration.duration ?? null,
      type: s?.expiration.type ?? 'notSpecified',
    },
  };
}

const empty: EntityType<unknown> = { name: 'microsoft.graph.entity', properties: ['id'], toJson: () => ({}) };

export const catalogType: EntityType<Catalog> = {
  name: 'microsoft.graph.accessPackageCatalog',
  properties: [
    'id',
    'displayName',
    'description',
    'catalogType',
    'state',
    'isExternallyVisible',
    'createdDateTime',
    'modifiedDateTime',
  ],
  searchable: ['displayName', 'description'],
  toJson: (c) => ({
    id: c.id,
    displayName: c.displayName,
    description: c.description,
    catalogType: 'userManaged',
    state: 'published',
    isExternallyVisible: c.isExternallyVisible,
    createdDateTime: iso(c.createdDateTime),
    modifiedDateTime: iso(c.createdDateTime),
  }),
  navigations: {
    accessPackages: {
      get type() {
        return accessPackageType as EntityType<unknown>;
      },
      many: true,
      resolve: (c, ctx) => [...ctx.state.accessPackages.values()].filter((p) => p.catalogId === c.id),
    },
  },
};

const resourceType: EntityType<Resource> = {
  name: 'microsoft.graph.accessPackageResource',
  properties: ['id', 'displayName', 'description', 'originId', 'originSystem', 'createdDateTime', 'modifiedDateTime'],
  toJson: (r) => ({
    id: r.id,
    displayName: r.displayName,
    description: r.description,
    originId: r.originId,
    originSystem: r.originSystem,
    createdDateTime: iso(r.createdDateTime),
    modifiedDateTime: iso(r.createdDateTime),
  }),
};

const resourceNavigation = {
  resource: { type: resourceType as EntityType<unknown>, many: false, resolve: (rs: RoleScope) => rs.resource },
};

const roleType: EntityType<RoleScope> = {
  name: 'microsoft.graph.accessPackageResourceRole',
  properties: ['id', 'displayName', 'description', 'originId', 'originSystem'],
  toJson: (rs) => ({ ...rs.role }),
  navigations: resourceNavigation,
};

const scopeType: EntityType<RoleScope> = {
  name: 'microsoft.graph.accessPackageResourceScope',
  properties: ['id', 'displayName', 'description', 'originId', 'originSystem', 'isRootScope'],
  toJson: (rs) => ({ ...rs.scope }),
  navigations: resourceNavigation,
};

const roleScopeType: EntityType<RoleScope> = {
  name: 'microsoft.graph.accessPackageResourceRoleScope',
  properties: ['id', 'createdDateTime'],
  toJson: (rs) => ({ id: rs.id, createdDateTime: iso(rs.createdDateTime) }),
  navigations: {
    role: { type: roleType as EntityType<unknown>, many: false, resolve: (rs) => rs },
    scope: { type: scopeType as EntityType<unknown>, many: false, resolve: (rs) => rs },
  },
};

const questionType: EntityType<Policy['questions'][number]> = {
  name: 'microsoft.graph.accessPackageQuestion',
  properties: [
    'id',
    'sequence',
    'isRequired',
    'isAnswerEditable',
    'text',
    'localizations',
    'isSingleLineQuestion',
    'regexPattern',
    'isMultipleSelectionAllowed',
    'choices',
  ],
  toJson: (q) => ({ ...q }),
};

const POLICY_PROPERTIES = [
  'id',
  'displayName',
  'description',
  'allowedTargetScope',
  'specificAllowedTargets',
  'automaticRequestSettings',
  'expiration',
  'requestorSettings',
  'requestApprovalSettings',
  'reviewSettings',
  'createdDateTime',
  'modifiedDateTime',
] as const;

export const policyType: EntityType<Policy> = {
  name: 'microsoft.graph.accessPackageAssignmentPolicy',
  properties: POLICY_PROPERTIES,
  toJson: (p) => ({
    id: p.id,
    displayName: p.displayName,
    description: p.description,
    allowedTargetScope: p.allowedTargetScope,
    specificAllowedTargets: p.specificAllowedTargets,
    automaticRequestSettings: null,
    expiration: { endDateTime: p.expiration.endDateTime, duration: p.expiration.duration, type: p.expiration.type },
    requestorSettings: p.requestorSettings,
    requestApprovalSettings: p.requestApprovalSettings,
    reviewSettings: null,
    createdDateTime: iso(p.createdDateTime),
    modifiedDateTime: iso(p.createdDateTime),
  }),
  navigations: {
    accessPackage: {
      get type() {
        return accessPackageType as EntityType<unknown>;
      },
      many: false,
      resolve: (p, ctx) => ctx.state.accessPackages.get(p.accessPackageId) ?? null,
    },
    catalog: {
      type: catalogType as EntityType<unknown>,
      many: false,
      resolve: (p, ctx) => ctx.state.catalogs.get(p.catalogId) ?? null,
    },
    questions: {
      type: questionType as EntityType<unknown>,
      many: true,
      resolve: (p) => [...p.questions].sort((a, b) => a.sequence - b.sequence),
    },
    customExtensionStageSettings: { type: empty, many: true, resolve: () => [] },
  },
};

export const accessPackageType: EntityType<AccessPackage> = {
  name: 'microsoft.graph.accessPackage',
  properties: ['id', 'displayName', 'description', 'isHidden', 'createdDateTime', 'modifiedDateTime'],
  searchable: ['displayName', 'description'],
  toJson: (p) => ({
    id: p.id,
    displayName: p.displayName,
    description: p.description,
    isHidden: p.isHidden,
    createdDateTime: iso(p.createdDateTime),
    modifiedDateTime: iso(p.modifiedDateTime),
  }),
  navigations: {
    catalog: {
      type: catalogType as EntityType<unknown>,
      many: false,
      resolve: (p, ctx) => ctx.state.catalogs.get(p.catalogId) ?? null,
    },
    assignmentPolicies: {
      type: policyType as EntityType<unknown>,
      many: true,
      resolve: (p, ctx) => policiesOf(ctx.state, p),
    },
    resourceRoleScopes: { type: roleScopeType as EntityType<unknown>, many: true, resolve: (p) => p.roleScopes },
    incompatibleAccessPackages: { type: empty, many: true, resolve: () => [] },
    accessPackagesIncompatibleWith: { type: empty, many: true, resolve: () => [] },
    incompatibleGroups: { type: empty, many: true, resolve: () => [] },
  },
};

/** accessPackageSubject for a directory user. */
export const subjectType: EntityType<User> = {
  name: 'microsoft.graph.accessPackageSubject',
  properties: [
    'id',
    'objectId',
    'displayName',
    'email',
    'principalName',
    'onPremisesSecurityIdentifier',
    'subjectType',
  ],
  toJson: (u) => ({
    id: u.id,
    objectId: u.id,
    displayName: u.displayName,
    email: u.mail,
    principalName: u.userPrincipalName,
    onPremisesSecurityIdentifier: null,
    subjectType: 'user',
  }),
  navigations: {
    connectedOrganization: {
      type: connectedOrganizationType as EntityType<unknown>,
      many: false,
      resolve: (u, ctx) =>
        ctx.state.quirks.subjectConnectedOrganization ? (ctx.state.connectedOrganizationOf(u.id) ?? null) : null,
    },
  },
};

export const assignmentType: EntityType<EmAssignment> = {
  name: 'microsoft.graph.accessPackageAssignment',
  properties: ['id', 'state', 'status', 'schedule', 'expiredDateTime', 'customExtensionCalloutInstances'],
  toJson: (a) => ({
    id: a.id,
    state: a.state,
    status: a.status,
    expiredDateTime: isoOrNull(a.expiredDateTime),
    schedule: {
      startDateTime: iso(a.start),
      recurrence: null,
      expiration: {
        endDateTime: isoOrNull(a.end),
        duration: null,
        type: a.end === null ? 'noExpiration' : 'afterDateTime',
      },
    },
    customExtensionCalloutInstances: [],
  }),
  navigations: {
    accessPackage: {
      type: accessPackageType as EntityType<unknown>,
      many: false,
      resolve: (a, ctx) => ctx.state.accessPackages.get(a.accessPackageId) ?? null,
    },
    assignmentPolicy: {
      type: policyType as EntityType<unknown>,
      many: false,
      resolve: (a, ctx) => ctx.state.policies.get(a.policyId) ?? null,
    },
    target: {
      type: subjectType as EntityType<unknown>,
      many: false,
      resolve: (a, ctx) => ctx.state.user(a.targetId) ?? null,
    },
  },
};

export const requestType: EntityType<EmRequest> = {
  name: 'microsoft.graph.accessPackageAssignmentRequest',
  properties: [
    'id',
    'requestType',
    'state',
    'status',
    'createdDateTime',
    'completedDateTime',
    'justification',
    'schedule',
    'answers',
    'customExtensionCalloutInstances',
  ],
  toJson: (r) => ({
    id: r.id,
    requestType: r.requestType,
    state: r.state,
    status: r.status,
    createdDateTime: iso(r.createdDateTime),
    completedDateTime: isoOrNull(r.completedDateTime),
    justification: r.justification,
    schedule: scheduleJson(r.schedule),
    answers: r.answers,
    customExtensionCalloutInstances: [],
  }),
  navigations: {
    accessPackage: {
      type: accessPackageType as EntityType<unknown>,
      many: false,
      resolve: (r, ctx) => ctx.state.accessPackages.get(r.accessPackageId) ?? null,
    },
    assignment: {
      type: assignmentType as EntityType<unknown>,
      many: false,
      resolve: (r, ctx) => (r.assignmentId ? (ctx.state.emAssignments.get(r.assignmentId) ?? null) : null),
    },
    requestor: {
      type: subjectType as EntityType<unknown>,
      many: false,
      resolve: (r, ctx) => ctx.state.user(r.requestorId) ?? null,
    },
  },
};

function requirements(state: TenantState, pkg: AccessPackage, caller: Caller, ctx: ViewContext) {
  return allowedPolicies(state, pkg, caller.oid).map((p) => {
    const settings = p.requestApprovalSettings;
    const exp = p.expiration;
    const endOfPolicy = exp.type === 'afterDateTime' ? policyEnd(p, 0) : null;
    return {
      policyId: p.id,
      policyDisplayName: p.displayName,
      policyDescription: p.description,
      isApprovalRequiredForAdd: settings.isApprovalRequiredForAdd && settings.stages.length > 0,
      isApprovalRequiredForUpdate: settings.isApprovalRequiredForUpdate && settings.stages.length > 0,
      isRequestorJustificationRequired: settings.isRequestorJustificationRequired,
      allowCustomAssignmentSchedule: p.requestorSettings.allowCustomAssignmentSchedule,
      schedule: {
        startDateTime: null,
        recurrence: null,
        expiration: { endDateTime: isoOrNull(endOfPolicy), duration: exp.duration, type: exp.type },
      },
      questions: [...p.questions].sort((a, b) => a.sequence - b.sequence).map((q) => questionType.toJson(q, ctx)),
    };
  });
}

function checkOn(on: string, allowed: string[]): string {
  const found = allowed.find((a) => a.toLowerCase() === on.toLowerCase());
  if (!found)
    throw malformed(
      'enum',
      `The parameter 'on' has an invalid value '${on}'. Allowed: ${allowed.map((a) => `'${a}'`).join(', ')}.`,
    );
  return found;
}

function canReadRequest(state: TenantState, caller: Caller, r: EmRequest): boolean {
  if (caller.kind === 'app') return true;
  if (r.requestorId === caller.oid || r.targetId === caller.oid) return true;
  return !!r.approval && isApproverOf(state, r.approval, caller.oid);
}

function approvalFor(req: GraphRequest, id: string): { request: EmRequest; approval: Approval } {
  const request = req.state.emRequests.get(id.toLowerCase());
  if (!request?.approval) throw notFound(`Approval '${id}' was not found.`);
  const { approval } = request;
  const approver = isApproverOf(req.state, approval, req.caller.oid);
  if (approval.requestorId !== req.caller.oid && !approver) {
    throw forbidden('The caller is not an approver of this approval.');
  }
  if (!approver && !req.state.quirks.emRequestorReadsApproval) {
    throw forbidden('The caller may not read this approval.', 'accessDenied');
  }
  return { request, approval };
}

function stageFor(req: GraphRequest, approvalId: string, stageId: string) {
  const { approval } = approvalFor(req, approvalId);
  const stage = approval.stages.find((s) => s.id.toLowerCase() === stageId.toLowerCase());
  if (!stage) throw notFound(`Approval stage '${stageId}' was not found.`);
  return { approval, stage };
}

export function registerEntitlement(router: Router): void {
  registerCatalogAndPackages(router);
  registerRequests(router);
  registerAssignmentsAndApprovals(router);
  registerConnectedOrganizations(router);
}

function registerCatalogAndPackages(router: Router): void {
  const packages = (req: GraphRequest) => [...req.state.accessPackages.values()];
  router
    .add('GET', `${EM}/catalogs`, 'any', (req) =>
      collection(req, catalogType, [...req.state.catalogs.values()], {
        context: 'identityGovernance/entitlementManagement/catalogs',
      }),
    )
    .add('GET', `${EM}/catalogs/{id}`, 'any', (req, [id]) =>
      entity(
        req,
        catalogType,
        lookup(req.state.catalogs, id, 'Catalog'),
        'identityGovernance/entitlementManagement/catalogs',
      ),
    )
    .add('GET', `${EM}/catalogs/{id}/accessPackages`, 'any', (req, [id]) => {
      const catalog = lookup(req.state.catalogs, id, 'Catalog');
      return collection(
        req,
        accessPackageType,
        packages(req).filter((p) => p.catalogId === catalog.id),
        { context: 'identityGovernance/entitlementManagement/accessPackages' },
      );
    })
    .add('GET', `${EM}/accessPackages`, 'any', (req) =>
      collection(req, accessPackageType, packages(req), {
        context: 'identityGovernance/entitlementManagement/accessPackages',
      }),
    )
    .add('GET', `${EM}/accessPackages/filterByCurrentUser(on={on})`, 'user', (req, [on]) => {
      checkOn(on, ['allowedRequestor']);
      const hidden = req.state.quirks.hiddenPackagesInAllowedRequestor;
      const mine = packages(req).filter(
        (p) => (hidden || !p.isHidden) && allowedPolicies(req.state, p, req.caller.oid).length > 0,
      );
      return collection(req, accessPackageType, mine, { context: 'Collection(microsoft.graph.accessPackage)' });
    })
    .add('GET', `${EM}/accessPackages/{id}`, 'any', (req, [id]) =>
      entity(
        req,
        accessPackageType,
        lookup(req.state.accessPackages, id, 'Access package'),
        'identityGovernance/entitlementManagement/accessPackages',
      ),
    )
    .add('GET', `${EM}/accessPackages/{id}/assignmentPolicies`, 'any', (req, [id]) => {
      const pkg = lookup(req.state.accessPackages, id, 'Access package');
      return collection(req, policyType, policiesOf(req.state, pkg), {
        context: 'identityGovernance/entitlementManagement/assignmentPolicies',
      });
    })
    .add('GET', `${EM}/accessPackages/{id}/resourceRoleScopes`, 'any', (req, [id]) => {
      const pkg = lookup(req.state.accessPackages, id, 'Access package');
      return collection(req, roleScopeType, pkg.roleScopes, {
        context: 'identityGovernance/entitlementManagement/accessPackages/resourceRoleScopes',
      });
    })
    .add('POST', `${EM}/accessPackages/{id}/getApplicablePolicyRequirements`, 'user', (req, [id]) => {
      const pkg = lookup(req.state.accessPackages, id, 'Access package');
      const value = requirements(req.state, pkg, req.caller, viewContext(req));
      return ok({
        '@odata.context': contextUrl(req, 'Collection(microsoft.graph.accessPackageAssignmentRequestRequirements)'),
        value,
      });
    })
    .add('GET', `${EM}/assignmentPolicies`, 'any', (req) =>
      collection(req, policyType, [...req.state.policies.values()], {
        context: 'identityGovernance/entitlementManagement/assignmentPolicies',
      }),
    )
    .add('GET', `${EM}/assignmentPolicies/{id}`, 'any', (req, [id]) =>
      entity(
        req,
        policyType,
        lookup(req.state.policies, id, 'Assignment policy'),
        'identityGovernance/entitlementManagement/assignmentPolicies',
      ),
    );
}

function registerRequests(router: Router): void {
  const requests = (req: GraphRequest) =>
    [...req.state.emRequests.values()].sort((a, b) => a.createdDateTime - b.createdDateTime);
  const ctxRequests = 'identityGovernance/entitlementManagement/assignmentRequests';
  router
    .add('GET', `${EM}/assignmentRequests`, 'any', (req) =>
      collection(req, requestType, () => requests(req), { context: ctxRequests }),
    )
    .add('POST', `${EM}/assignmentRequests`, 'user', (req) => {
      const request = createRequest(req.state, req.caller, objectBody(req, requestType.name), req.now);
      const body: Record<string, unknown> = {
        '@odata.context': contextUrl(req, `${ctxRequests}/$entity`),
        ...requestType.toJson(request, viewContext(req)),
      };
      if (req.state.quirks.createdDateTimeNullOnCreate) body.createdDateTime = null;
      return {
        status: 201,
        body,
        headers: { Location: `${req.origin}/${req.version}${EM}/assignmentRequests/${request.id}` },
      };
    })
    .add('GET', `${EM}/assignmentRequests/filterByCurrentUser(on={on})`, 'user', (req, [on]) => {
      const mode = checkOn(on, ['target', 'createdBy', 'approver']);
      const me = req.caller.oid;
      const mine = requests(req).filter((r) =>
        mode === 'target'
          ? r.targetId === me
          : mode === 'createdBy'
            ? r.requestorId === me
            : r.state === 'pendingApproval' && !!r.approval && awaitsDecisionFrom(req.state, r.approval, me),
      );
      return collection(req, requestType, mine, {
        context: 'Collection(microsoft.graph.accessPackageAssignmentRequest)',
      });
    })
    .add('GET', `${EM}/assignmentRequests/{id}`, 'any', (req, [id]) => {
      const r = lookup(req.state.emRequests, id, 'Access package assignment request');
      if (!canReadRequest(req.state, req.caller, r)) throw forbidden('The caller may not read this request.');
      return entity(req, requestType, r, ctxRequests);
    })
    .add('POST', `${EM}/assignmentRequests/{id}/cancel`, 'user', (req, [id]) => {
      cancelRequest(req.state, req.caller, id, req.now);
      return { status: 200 };
    });
}

function registerAssignmentsAndApprovals(router: Router): void {
  const assignments = (req: GraphRequest) =>
    [...req.state.emAssignments.values()].sort((a, b) => a.createdDateTime - b.createdDateTime);
  const ctxAssignments = 'identityGovernance/entitlementManagement/assignments';
  const ctxApprovals = 'identityGovernance/entitlementManagement/accessPackageAssignmentApprovals';
  router
    .add('GET', `${EM}/assignments`, 'any', (req) =>
      collection(req, assignmentType, () => assignments(req), { context: ctxAssignments }),
    )
    .add('GET', `${EM}/assignments/filterByCurrentUser(on={on})`, 'user', (req, [on]) => {
      const mode = checkOn(on, ['target', 'createdBy']);
      const me = req.caller.oid;
      const mine = assignments(req).filter((a) =>
        mode === 'target'
          ? a.targetId === me
          : [...req.state.emRequests.values()].some((r) => r.assignmentId === a.id && r.requestorId === me),
      );
      return collection(req, assignmentType, mine, { context: 'Collection(microsoft.graph.accessPackageAssignment)' });
    })
    .add('GET', `${EM}/assignments/{id}`, 'any', (req, [id]) => {
      const a = lookup(req.state.emAssignments, id, 'Access package assignment');
      if (req.caller.kind === 'user' && a.targetId !== req.caller.oid)
        throw forbidden('The caller may not read this assignment.');
      return entity(req, assignmentType, a, ctxAssignments);
    })
    .add('GET', `${EM}/accessPackageAssignmentApprovals/filterByCurrentUser(on={on})`, 'user', (req, [on]) => {
      checkOn(on, ['approver']);
      const pending = [...req.state.emRequests.values()]
        .filter(
          (r) =>
            r.state === 'pendingApproval' && !!r.approval && awaitsDecisionFrom(req.state, r.approval, req.caller.oid),
        )
        .sort((a, b) => a.createdDateTime - b.createdDateTime)
        .map((r) => r.approval as Approval);
      return collection(req, approvalType, pending, { context: 'Collection(microsoft.graph.approval)' });
    })
    .add('GET', `${EM}/accessPackageAssignmentApprovals/{id}`, 'user', (req, [id]) =>
      entity(req, approvalType, approvalFor(req, id).approval, ctxApprovals),
    )
    .add('GET', `${EM}/accessPackageAssignmentApprovals/{id}/stages`, 'user', (req, [id]) => {
      const { approval } = approvalFor(req, id);
      return collection(
        req,
        approvalStageType,
        approval.stages.map((stage) => ({ approval, stage })),
        { context: `${ctxApprovals}('${id}')/stages` },
      );
    })
    .add('GET', `${EM}/accessPackageAssignmentApprovals/{id}/stages/{id}`, 'user', (req, [id, stageId]) =>
      entity(req, approvalStageType, stageFor(req, id, stageId), `${ctxApprovals}('${id}')/stages`),
    )
    .add('PATCH', `${EM}/accessPackageAssignmentApprovals/{id}/stages/{id}`, 'user', (req, [id, stageId]) => {
      const request = req.state.emRequests.get(id.toLowerCase());
      if (!request?.approval) throw notFound(`Approval '${id}' was not found.`);
      const decision = decideStage(
        req.state,
        request.approval,
        stageId,
        req.caller,
        objectBody(req, approvalStageType.name, ['reviewResult', 'justification']),
        req.now,
      );
      afterEmDecision(req.state, request, decision, req.now);
      return { status: 204 };
    });
}
