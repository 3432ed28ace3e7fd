import { approvalStageType, awaitsDecisionFrom, decideStage, isApproverOf } from './approvals.js';
import { collection, contextUrl, type EntityType, entity, viewContext } from './entity.js';
import { badRequest, forbidden, malformed, notFound } from './errors.js';
import type { Approval, RoleActivation, RoleEligibility, RoleRequest } from './model.js';
import { approvalWithSteps, assertMayRead, checkOn } from './pim.js';
import { afterRoleDecision, cancelRoleRequest, submitRoleRequest } from './roles-engine.js';
import {
  administrativeUnitType,
  roleAssignmentInstanceType,
  roleAssignmentScheduleType,
  roleDefinitionType,
  roleEligibilityInstanceType,
  roleEligibilityScheduleType,
  roleRequestType,
} from './roles-types.js';
import { type GraphRequest, type GraphResponse, objectBody, type Router } from './router.js';

/** PIM for Microsoft Entra roles (`/roleManagement/directory/...`), administrative units, and beta role approvals. */

const RM = '/roleManagement/directory';

type Principal = { principalId: string };

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

/** Instances (what holds now) and schedules (also what starts later) of eligibilities and activations. */
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
    {
      set: 'roleEligibilitySchedules',
      type: roleEligibilityScheduleType as EntityType<unknown>,
      items: (req: GraphRequest) => byStart([...req.state.directoryRoles.eligibilities.values()]),
      key: (x: unknown) => (x as RoleEligibility).id,
    },
    {
      set: 'roleAssignmentSchedules',
      type: roleAssignmentScheduleType as EntityType<unknown>,
      items: (req: GraphRequest) => byStart([...req.state.directoryRoles.activations.values()]),
      key: (x: unknown) => (x as RoleActivation).scheduleId,
    },
  ];
  for (const { set, type, items, key } of sets) {
    const context = `roleManagement/directory/${set}`;
    router
      // Application permissions are documented too; an app is nobody's principal, so it gets an empty list.
      .add('GET', `${RM}/${set}/filterByCurrentUser(on={on})`, 'any', (req, [on]) => {
        checkOn(on, ['principal']);
        const mine = items(req).filter((x) => (x as Principal).principalId === req.caller.oid);
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
