import { approvalStageType, approvalType, awaitsDecisionFrom, decideStage, isApproverOf } from './approvals.js';
import { directoryObjectType, groupType } from './directory.js';
import { collection, contextUrl, type EntityType, entity, type ViewContext, viewContext } from './entity.js';
import { badRequest, forbidden, malformed, notFound } from './errors.js';
import type { Approval, PimActivation, PimEligibility, PimRequest } from './model.js';
import { requiredEqValues } from './odata.js';
import { afterPimDecision, assignmentInstances, cancelPimRequest, submitPimRequest } from './pim-engine.js';
import { type GraphRequest, type GraphResponse, objectBody, odata, type Router } from './router.js';
import { iso, isoOrNull } from './time.js';

/** PIM for Groups routes (`/identityGovernance/privilegedAccess/group/...`) and their Graph shapes (PascalCase enums). */

const PIM = '/identityGovernance/privilegedAccess/group';

const principalNav = {
  type: directoryObjectType as EntityType<unknown>,
  many: false,
  resolve: (x: { principalId: string }, ctx: ViewContext) => ctx.state.user(x.principalId) ?? null,
};
const groupNav = {
  type: groupType as EntityType<unknown>,
  many: false,
  resolve: (x: { groupId: string }, ctx: ViewContext) => ctx.state.groups.get(x.groupId) ?? null,
};

const schedule = (start: number, end: number | null) => ({
  startDateTime: iso(start),
  recurrence: null,
  expiration: { endDateTime: isoOrNull(end), duration: null, type: end === null ? 'noExpiration' : 'afterDateTime' },
});

const INSTANCE_PROPS = [
  'id',
  'accessId',
  'groupId',
  'principalId',
  'memberType',
  'startDateTime',
  'endDateTime',
] as const;
const SCHEDULE_PROPS = [
  'id',
  'accessId',
  'groupId',
  'principalId',
  'memberType',
  'scheduleInfo',
  'status',
  'createdDateTime',
  'modifiedDateTime',
  'createdUsing',
] as const;

export const eligibilityInstanceType: EntityType<PimEligibility> = {
  name: 'microsoft.graph.privilegedAccessGroupEligibilityScheduleInstance',
  properties: [...INSTANCE_PROPS, 'eligibilityScheduleId'],
  toJson: (e) => ({
    id: e.instanceId,
    accessId: e.accessId,
    principalId: e.principalId,
    groupId: e.groupId,
    memberType: 'Direct',
    startDateTime: iso(e.start),
    endDateTime: isoOrNull(e.end),
    eligibilityScheduleId: e.id,
  }),
  navigations: { group: groupNav, principal: principalNav },
};

export const eligibilityScheduleType: EntityType<PimEligibility> = {
  name: 'microsoft.graph.privilegedAccessGroupEligibilitySchedule',
  properties: SCHEDULE_PROPS,
  toJson: (e) => ({
    id: e.id,
    accessId: e.accessId,
    principalId: e.principalId,
    groupId: e.groupId,
    memberType: 'Direct',
    scheduleInfo: schedule(e.start, e.end),
    status: 'Provisioned',
    createdDateTime: iso(e.createdDateTime),
    modifiedDateTime: iso(e.createdDateTime),
    createdUsing: e.createdUsing,
  }),
  navigations: { group: groupNav, principal: principalNav },
};

const activatedUsingNav = {
  type: eligibilityInstanceType as EntityType<unknown>,
  many: false,
  resolve: (a: { activatedUsing?: string | null; eligibilityId?: string | null }, ctx: ViewContext) => {
    const id = a.activatedUsing ?? a.eligibilityId;
    return id ? (ctx.state.pimEligibilities.get(id) ?? null) : null;
  },
};

export const assignmentInstanceType: EntityType<PimActivation> = {
  name: 'microsoft.graph.privilegedAccessGroupAssignmentScheduleInstance',
  properties: [...INSTANCE_PROPS, 'assignmentType', 'assignmentScheduleId'],
  toJson: (a) => ({
    id: a.instanceId,
    accessId: a.accessId,
    principalId: a.principalId,
    groupId: a.groupId,
    memberType: 'Direct',
    assignmentType: a.assignmentType,
    startDateTime: iso(a.start),
    endDateTime: isoOrNull(a.end),
    assignmentScheduleId: a.scheduleId,
  }),
  navigations: { group: groupNav, principal: principalNav, activatedUsing: activatedUsingNav },
};

export const assignmentScheduleType: EntityType<PimActivation> = {
  name: 'microsoft.graph.privilegedAccessGroupAssignmentSchedule',
  properties: [...SCHEDULE_PROPS, 'assignmentType'],
  toJson: (a) => ({
    id: a.scheduleId,
    accessId: a.accessId,
    principalId: a.principalId,
    groupId: a.groupId,
    memberType: 'Direct',
    assignmentType: a.assignmentType,
    scheduleInfo: schedule(a.start, a.end),
    status: 'Provisioned',
    createdDateTime: iso(a.createdDateTime),
    modifiedDateTime: iso(a.createdDateTime),
    createdUsing: a.assignmentType === 'Activated' ? a.requestId : null,
  }),
  navigations: { group: groupNav, principal: principalNav, activatedUsing: activatedUsingNav },
};

/** A request's `createdBy` identitySet (a user; PIM for Groups and Entra roles). */
export const createdByJson = (ctx: ViewContext, userId: string) => ({
  user: { id: userId, displayName: ctx.state.user(userId)?.displayName ?? null },
  application: null,
  device: null,
});

/** A PIM request's `scheduleInfo` (requestSchedule) as Graph shows it. */
export function scheduleInfoJson(info: PimRequest['scheduleInfo']) {
  if (!info) return null;
  return {
    startDateTime: isoOrNull(info.startDateTime),
    recurrence: null,
    expiration: {
      type: info.expiration.type,
      endDateTime: isoOrNull(info.expiration.endDateTime),
      duration: info.expiration.duration,
    },
  };
}

export const pimRequestType: EntityType<PimRequest> = {
  name: 'microsoft.graph.privilegedAccessGroupAssignmentScheduleRequest',
  properties: [
    'id',
    'status',
    'createdDateTime',
    'completedDateTime',
    'approvalId',
    'customData',
    'createdBy',
    'action',
    'isValidationOnly',
    'justification',
    'scheduleInfo',
    'ticketInfo',
    'accessId',
    'principalId',
    'groupId',
    'targetScheduleId',
  ],
  toJson: (r, ctx) => ({
    id: r.id,
    status: r.status,
    createdDateTime: iso(r.createdDateTime),
    completedDateTime: isoOrNull(r.completedDateTime),
    approvalId: r.approvalId,
    customData: null,
    createdBy: createdByJson(ctx, r.createdById),
    action: r.action,
    isValidationOnly: r.isValidationOnly,
    justification: r.justification,
    scheduleInfo: scheduleInfoJson(r.scheduleInfo),
    ticketInfo: r.ticketInfo ?? { ticketNumber: null, ticketSystem: null },
    accessId: r.accessId,
    principalId: r.principalId,
    groupId: r.groupId,
    targetScheduleId: r.targetScheduleId,
  }),
  navigations: {
    group: groupNav,
    principal: principalNav,
    activatedUsing: activatedUsingNav,
    targetSchedule: {
      type: assignmentScheduleType as EntityType<unknown>,
      many: false,
      resolve: (r, ctx) => ctx.state.pimActivations.get(r.targetScheduleId) ?? null,
    },
  },
};

/** Who may GET a PIM request by id (groups and roles): apps, its principal, its creator and its approvers. */
export function assertMayRead(req: GraphRequest, r: Pick<PimRequest, 'principalId' | 'createdById' | 'approval'>) {
  const me = req.caller.oid;
  const allowed =
    req.caller.kind === 'app' ||
    r.principalId === me ||
    r.createdById === me ||
    (!!r.approval && isApproverOf(req.state, r.approval, me));
  if (!allowed) throw forbidden('The caller may not read this request.');
}

/** Graph requires `$filter` on groupId or principalId for the admin lists of PIM group objects. */
function requireGroupOrPrincipalFilter(req: GraphRequest): void {
  const f = odata(req).filter;
  if (requiredEqValues(f, 'groupId').length === 0 && requiredEqValues(f, 'principalId').length === 0) {
    throw malformed(
      'requiredFilter',
      "This collection requires a filter on groupId or principalId, e.g. $filter=groupId eq '{groupId}'.",
    );
  }
}

/** The `on` argument of a `filterByCurrentUser` function, in its canonical spelling (400 for any other value). */
export function checkOn(on: string, allowed: string[]): string {
  const found = allowed.find((a) => a.toLowerCase() === on.toLowerCase());
  if (!found)
    throw malformed(
      'enum',
      `The parameter 'on' has an invalid value '${on}'. Allowed: ${allowed.map((a) => `'${a}'`).join(', ')}.`,
    );
  return found;
}

const eligibilities = (req: GraphRequest) => [...req.state.pimEligibilities.values()].filter((e) => e.start <= req.now);
const byStart = <T extends { start: number }>(list: T[]) => list.sort((a, b) => a.start - b.start);

function approvalFor(req: GraphRequest, id: string): { request: PimRequest; approval: Approval } {
  const request = req.state.pimRequests.get(id.toLowerCase());
  if (!request?.approval) throw notFound(`Approval '${id}' was not found.`);
  const { approval } = request;
  const requestor = approval.requestorId === req.caller.oid && req.state.quirks.pimRequestorReadsApproval;
  if (!requestor && !isApproverOf(req.state, approval, req.caller.oid)) {
    throw forbidden('The caller is not an approver of this approval.');
  }
  return { request, approval };
}

function mineOnly<T extends { principalId: string }>(req: GraphRequest, on: string, list: T[]): T[] {
  checkOn(on, ['principal']);
  return list.filter((x) => x.principalId === req.caller.oid);
}

export function registerPim(router: Router): void {
  registerInstances(router);
  registerRequests(router);
  registerApprovals(router);
}

function registerInstances(router: Router): void {
  const ctx = (set: string) => `identityGovernance/privilegedAccess/group/${set}`;
  const list = <T>(set: string, type: EntityType<T>, items: (req: GraphRequest) => T[]) => {
    router.add('GET', `${PIM}/${set}/filterByCurrentUser(on={on})`, 'user', (req, [on]) =>
      collection(req, type, mineOnly(req, on, items(req) as (T & { principalId: string })[]), {
        context: `Collection(${type.name})`,
      }),
    );
    router.add('GET', `${PIM}/${set}`, 'any', (req) => {
      requireGroupOrPrincipalFilter(req);
      return collection(req, type, items(req), { context: ctx(set) });
    });
  };
  const active = (req: GraphRequest) => byStart(assignmentInstances(req.state).filter((a) => a.start <= req.now));
  list('eligibilityScheduleInstances', eligibilityInstanceType, (req) => byStart(eligibilities(req)));
  list('eligibilitySchedules', eligibilityScheduleType, (req) => byStart([...req.state.pimEligibilities.values()]));
  list('assignmentScheduleInstances', assignmentInstanceType, active);
  list('assignmentSchedules', assignmentScheduleType, (req) => byStart(assignmentInstances(req.state)));
  router
    .add('GET', `${PIM}/eligibilityScheduleInstances/{id}`, 'any', (req, [id]) => {
      const e = eligibilities(req).find((x) => x.instanceId.toLowerCase() === id.toLowerCase());
      if (!e) throw notFound(`Eligibility schedule instance '${id}' was not found.`);
      return entity(req, eligibilityInstanceType, e, ctx('eligibilityScheduleInstances'));
    })
    .add('GET', `${PIM}/eligibilitySchedules/{id}`, 'any', (req, [id]) => {
      const e = req.state.pimEligibilities.get(id.toLowerCase());
      if (!e) throw notFound(`Eligibility schedule '${id}' was not found.`);
      return entity(req, eligibilityScheduleType, e, ctx('eligibilitySchedules'));
    })
    .add('GET', `${PIM}/assignmentScheduleInstances/{id}`, 'any', (req, [id]) => {
      const a = active(req).find((x) => x.instanceId.toLowerCase() === id.toLowerCase());
      if (!a) throw notFound(`Assignment schedule instance '${id}' was not found.`);
      return entity(req, assignmentInstanceType, a, ctx('assignmentScheduleInstances'));
    })
    .add('GET', `${PIM}/assignmentSchedules/{id}`, 'any', (req, [id]) => {
      const a = assignmentInstances(req.state).find((x) => x.scheduleId.toLowerCase() === id.toLowerCase());
      if (!a) throw notFound(`Assignment schedule '${id}' was not found.`);
      return entity(req, assignmentScheduleType, a, ctx('assignmentSchedules'));
    });
}

function registerRequests(router: Router): void {
  const ctxRequests = 'identityGovernance/privilegedAccess/group/assignmentScheduleRequests';
  const requests = (req: GraphRequest) =>
    [...req.state.pimRequests.values()].sort((a, b) => a.createdDateTime - b.createdDateTime);
  router
    .add('GET', `${PIM}/assignmentScheduleRequests/filterByCurrentUser(on={on})`, 'user', (req, [on]) => {
      const mode = checkOn(on, ['principal', 'createdBy', 'approver']);
      const me = req.caller.oid;
      const mine = requests(req).filter((r) =>
        mode === 'principal'
          ? r.principalId === me
          : mode === 'createdBy'
            ? r.createdById === me
            : r.status === 'PendingApproval' && !!r.approval && awaitsDecisionFrom(req.state, r.approval, me),
      );
      return collection(req, pimRequestType, mine, { context: `Collection(${pimRequestType.name})` });
    })
    .add('GET', `${PIM}/assignmentScheduleRequests`, 'any', (req) => {
      requireGroupOrPrincipalFilter(req);
      return collection(req, pimRequestType, requests(req), { context: ctxRequests });
    })
    .add('POST', `${PIM}/assignmentScheduleRequests`, 'user', (req): GraphResponse => {
      const request = submitPimRequest(req.state, req.caller, objectBody(req, pimRequestType.name), req.now);
      const body = {
        '@odata.context': contextUrl(req, `${ctxRequests}/$entity`),
        ...pimRequestType.toJson(request, viewContext(req)),
      };
      return { status: 201, body };
    })
    .add('GET', `${PIM}/assignmentScheduleRequests/{id}`, 'any', (req, [id]) => {
      const r = req.state.pimRequests.get(id.toLowerCase());
      if (!r) throw notFound(`Assignment schedule request '${id}' was not found.`);
      assertMayRead(req, r);
      return entity(req, pimRequestType, r, ctxRequests);
    })
    .add('POST', `${PIM}/assignmentScheduleRequests/{id}/cancel`, 'user', (req, [id]) => {
      cancelPimRequest(req.state, req.caller, id, req.now);
      return { status: 204 };
    });
}

/**
 * The approval as a tenant with the `pimApprovalSegment` quirk shows it: its stages under `stages` (v1.0 metadata) or
 * `steps` (an older v1.0 docs page, beta). The other segment is unknown there: 404 as a path, 400 as `$expand`.
 */
export const approvalWithSteps: EntityType<Approval> = {
  ...approvalType,
  autoExpand: ['steps'],
  beyondMetadata: ['steps'],
  navigations: { steps: (approvalType.navigations as NonNullable<typeof approvalType.navigations>).stages },
};

function pimApprovalType(req: GraphRequest): EntityType<Approval> {
  return req.state.quirks.pimApprovalSegment === 'steps' ? approvalWithSteps : approvalType;
}

/** The segment this tenant does not serve: `steps` on v1.0 is an unknown segment (400, as any); `stages` there 404s. */
function checkSegment(req: GraphRequest, segment: 'stages' | 'steps'): void {
  if (req.state.quirks.pimApprovalSegment === segment) return;
  const message = `Resource not found for the segment '${segment}'.`;
  throw segment === 'steps' ? badRequest(message) : notFound(message);
}

function registerApprovals(router: Router): void {
  const ctxApprovals = 'identityGovernance/privilegedAccess/group/assignmentApprovals';
  router
    .add('GET', `${PIM}/assignmentApprovals/filterByCurrentUser(on={on})`, 'user', (req, [on]) => {
      checkOn(on, ['approver']);
      const pending = [...req.state.pimRequests.values()]
        .filter(
          (r) =>
            r.status === 'PendingApproval' && !!r.approval && awaitsDecisionFrom(req.state, r.approval, req.caller.oid),
        )
        .sort((a, b) => a.createdDateTime - b.createdDateTime)
        .map((r) => r.approval as Approval);
      return collection(req, pimApprovalType(req), pending, { context: 'Collection(microsoft.graph.approval)' });
    })
    .add('GET', `${PIM}/assignmentApprovals/{id}`, 'user', (req, [id]) =>
      entity(req, pimApprovalType(req), approvalFor(req, id).approval, ctxApprovals),
    );
  for (const segment of ['stages', 'steps'] as const) {
    router
      .add('GET', `${PIM}/assignmentApprovals/{id}/${segment}`, 'user', (req, [id]) => {
        checkSegment(req, segment);
        const { approval } = approvalFor(req, id);
        return collection(
          req,
          approvalStageType,
          approval.stages.map((stage) => ({ approval, stage })),
          { context: `${ctxApprovals}('${id}')/${segment}` },
        );
      })
      .add('GET', `${PIM}/assignmentApprovals/{id}/${segment}/{id}`, 'user', (req, [id, stageId]) => {
        checkSegment(req, segment);
        const { approval } = approvalFor(req, id);
        const stage = approval.stages.find((s) => s.id.toLowerCase() === stageId.toLowerCase());
        if (!stage) throw notFound(`Approval stage '${stageId}' was not found.`);
        return entity(req, approvalStageType, { approval, stage }, `${ctxApprovals}('${id}')/${segment}`);
      })
      .add('PATCH', `${PIM}/assignmentApprovals/{id}/${segment}/{id}`, 'user', (req, [id, stageId]) => {
        checkSegment(req, segment);
        const request = req.state.pimRequests.get(id.toLowerCase());
        if (!request?.approval) throw notFound(`Approval '${id}' was not found.`);
        const decision = decideStage(
          req.state,
          request.approval,
          stageId,
          req.caller,
          objectBody(req, approvalStageType.name),
          req.now,
        );
        afterPimDecision(req.state, request, decision, req.now);
        return { status: 204 };
      });
  }
}
