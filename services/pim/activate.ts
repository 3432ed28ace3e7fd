import type { PrivilegedAccessGroupAssignmentScheduleRequest } from '@microsoft/microsoft-graph-types';
import type { GraphFacade } from '../graph/client.js';
import { type DomainError, toDomainError } from '../graph/errors.js';
import type { GroupAccess } from '../model/pim.js';
import { ROLE_MANAGEMENT } from './directoryRoles.js';
import { isoDuration, requestedWindow } from './durations.js';
import { batchItemError } from './listParts.js';
import { PIM_GROUP } from './roles.js';
import type { ActivationInput } from './validation.js';

/**
 * Writes of PIM for Groups and PIM for Microsoft Entra roles (`directoryScopeId` set), always with the acting user's
 * own token (GRAPH-API.md §6.3, §6.4; devtenant/README.md "PIM for Microsoft Entra roles").
 */

const REQUESTS = `${PIM_GROUP}/assignmentScheduleRequests`;

export interface RoleTarget {
  /** The group, or for a Microsoft Entra role its role definition. */
  groupId: string;
  accessId: GroupAccess;
  /** For messages ("activate Finance Admins"). */
  groupName: string;
  /** Set for a Microsoft Entra role: `/` or `/administrativeUnits/{id}`. */
  directoryScopeId?: string;
}

const ROLE_REQUESTS = `${ROLE_MANAGEMENT}/roleAssignmentScheduleRequests`;

/** Where the target's requests live: PIM for Groups, or PIM for Microsoft Entra roles. */
function requestsOf(target: { directoryScopeId?: string }): string {
  return target.directoryScopeId === undefined ? REQUESTS : ROLE_REQUESTS;
}

/** Who and what a request is for: `groupId` + `accessId`, or `roleDefinitionId` + `directoryScopeId`. */
function subjectOf(principalId: string, target: RoleTarget) {
  return target.directoryScopeId === undefined
    ? { accessId: target.accessId, principalId, groupId: target.groupId }
    : { principalId, roleDefinitionId: target.groupId, directoryScopeId: target.directoryScopeId };
}

/** A selfActivate/selfDeactivate request as Graph answered it, reduced to what the bot acts on. */
export interface PimRequestOutcome {
  requestId: string;
  /** Graph's PascalCase status (`Provisioned`, `PendingApproval`, `Granted`, …). */
  status: string;
  startDateTime?: string;
  endDateTime?: string;
  durationMinutes?: number;
  /** The approval that decides it (GRAPH-API.md §5.4); Graph may fill it even when no approval was needed. */
  approvalId?: string;
}

type ScheduleRequest = PrivilegedAccessGroupAssignmentScheduleRequest;

/** `now` is the bot's clock: a start without a custom time means "now". */
export function activationBody(principalId: string, target: RoleTarget, input: ActivationInput, now: Date) {
  const justification = input.justification?.trim();
  const ticketNumber = input.ticketNumber?.trim();
  return {
    ...subjectOf(principalId, target),
    action: 'selfActivate',
    scheduleInfo: {
      startDateTime: (input.startDateTime ?? now).toISOString(),
      expiration: { type: 'afterDuration', duration: isoDuration(input.durationMinutes) },
    },
    ...(justification ? { justification } : {}),
    ...(ticketNumber ? { ticketInfo: { ticketNumber, ticketSystem: input.ticketSystem?.trim() || null } } : {}),
  };
}

/** One activation of several, as sent in a `$batch`: `key` names it in the answer. */
export interface BatchedActivation {
  key: string;
  target: RoleTarget;
  input: ActivationInput;
}

export type BatchedOutcome = { key: string; outcome: PimRequestOutcome } | { key: string; error: DomainError };

/**
 * Several selfActivate POSTs with the person's own token, sent together: one `$batch` per 20 (the facade splits and
 * retries throttled items once). Each item's answer is its own: an outcome, or the DomainError it would have had alone.
 */
export async function requestActivations(
  facade: GraphFacade,
  principalId: string,
  items: BatchedActivation[],
  now: Date,
): Promise<BatchedOutcome[]> {
  if (items.length === 0) return [];
  const answers = await facade.batch(
    items.map((item, i) => ({
      id: String(i + 1),
      method: 'POST' as const,
      url: requestsOf(item.target),
      body: activationBody(principalId, item.target, item.input, now),
    })),
  );
  return items.map((item, i) => {
    const answer = answers[i];
    const action = `activate ${item.target.groupName}`;
    if (answer && answer.status < 300) {
      try {
        return { key: item.key, outcome: outcomeOf(answer.body as ScheduleRequest) };
      } catch (err) {
        return { key: item.key, error: toDomainError(err, { action }) };
      }
    }
    const error = batchItemError(answer, requestsOf(item.target), 'POST');
    return { key: item.key, error: toDomainError(error, { action }) };
  });
}

/** POST selfActivate: one round trip. Failures come back as DomainError (policy rule, step-up, conflict, …). */
export async function requestActivation(
  facade: GraphFacade,
  principalId: string,
  target: RoleTarget,
  input: ActivationInput,
  now: Date,
): Promise<PimRequestOutcome> {
  try {
    const created = await facade.post<ScheduleRequest>(
      requestsOf(target),
      activationBody(principalId, target, input, now),
    );
    return outcomeOf(created);
  } catch (err) {
    throw toDomainError(err, { action: `activate ${target.groupName}` });
  }
}

/**
 * POST .../assignmentScheduleRequests/{id}/cancel (GRAPH-API.md §6.5; no body, 204) with the person's own token. Graph
 * answers 400 to a request that is no longer cancellable (approved, denied, started); the caller re-reads it.
 */
export async function cancelActivationRequest(
  facade: GraphFacade,
  requestId: string,
  target: Pick<RoleTarget, 'groupName' | 'directoryScopeId'>,
) {
  const groupName = target.groupName;
  try {
    await facade.post(`${requestsOf(target)}/${encodeURIComponent(requestId)}/cancel`, undefined);
  } catch (err) {
    throw toDomainError(err, { action: `cancel your request for ${groupName}` });
  }
}

/** POST selfDeactivate. `activatedAt` lets the "too soon" error say from when it becomes possible. */
export async function requestDeactivation(
  facade: GraphFacade,
  principalId: string,
  target: RoleTarget,
  activatedAt?: Date,
): Promise<PimRequestOutcome> {
  try {
    const created = await facade.post<ScheduleRequest>(requestsOf(target), {
      ...subjectOf(principalId, target),
      action: 'selfDeactivate',
      justification: 'Deactivated from Access Bot in Microsoft Teams.',
    });
    return outcomeOf(created);
  } catch (err) {
    throw toDomainError(err, { action: `deactivate ${target.groupName}`, activatedAt });
  }
}

export function outcomeOf(request: ScheduleRequest | undefined): PimRequestOutcome {
  if (!request?.id) throw new Error('Graph answered the activation request without an id.');
  return {
    requestId: request.id,
    status: normaliseStatus(request.status),
    ...requestedWindow(request.scheduleInfo),
    ...(request.approvalId ? { approvalId: request.approvalId } : {}),
  };
}

/** Graph documents PascalCase statuses; compare case-insensitively and keep one spelling. */
function normaliseStatus(status: string | null | undefined): string {
  const known = [
    'Canceled',
    'Denied',
    'Failed',
    'Granted',
    'PendingAdminDecision',
    'PendingApproval',
    'PendingProvisioning',
    'PendingScheduleCreation',
    'Provisioned',
    'Revoked',
    'ScheduleCreated',
    'TimedOut',
  ];
  return known.find((k) => k.toLowerCase() === (status ?? '').toLowerCase()) ?? status ?? 'Unknown';
}

export interface RequestSnapshot {
  request: PimRequestOutcome & { groupId: string; accessId: GroupAccess; principalId: string };
  /** The membership or role assignment it produced, while it lasts. */
  instance?: { startDateTime?: string; endDateTime?: string };
}

/** A group or Entra role request as read back: the fields both kinds share, and each kind's own. */
type AnyRequest = ScheduleRequest & { roleDefinitionId?: string | null; directoryScopeId?: string | null };
type AnyInstance = { startDateTime?: string | null; endDateTime?: string | null } & {
  assignmentScheduleId?: string | null;
  roleAssignmentScheduleId?: string | null;
};

/**
 * One request and the active instance it produced (the watcher and card refreshes): one `$batch` when the group (or
 * role) and principal are known, else two calls. Groups are read with the app's token; an Entra role
 * (`known.directoryScopeId`) with the requester's.
 */
export async function loadRequestSnapshot(
  app: GraphFacade,
  requestId: string,
  known?: { groupId: string; principalId: string; directoryScopeId?: string },
): Promise<RequestSnapshot | undefined> {
  const role = known?.directoryScopeId !== undefined;
  const requestUrl = `${role ? ROLE_REQUESTS : REQUESTS}/${encodeURIComponent(requestId)}`;
  // Entra role requests are read with the requester's own token (an app would need RoleAssignmentSchedule.ReadWrite
  // .Directory, which can assign any role): their own activations, matched by schedule id below.
  const instancesUrl = (groupId: string, principalId: string) =>
    role
      ? `${ROLE_MANAGEMENT}/roleAssignmentScheduleInstances/filterByCurrentUser(on='principal')?$filter=${encodeURIComponent(`roleDefinitionId eq '${groupId}'`)}`
      : `${PIM_GROUP}/assignmentScheduleInstances?$filter=${encodeURIComponent(`groupId eq '${groupId}' and principalId eq '${principalId}'`)}`;
  let request: AnyRequest | undefined;
  let instances: AnyInstance[] = [];
  if (known) {
    const [r, i] = await app.batch([
      { id: 'request', method: 'GET', url: requestUrl },
      { id: 'instances', method: 'GET', url: instancesUrl(known.groupId, known.principalId) },
    ]);
    if (r.status === 404) return undefined;
    if (r.status >= 300)
      throw toDomainError(batchItemError(r, `${role ? ROLE_REQUESTS : REQUESTS}/{id}`), {
        action: 'read the activation',
      });
    request = r.body as AnyRequest;
    instances = i.status < 300 ? ((i.body as { value?: typeof instances }).value ?? []) : [];
  } else {
    request = await app.get<AnyRequest>(requestUrl);
    if (request?.groupId && request.principalId) {
      instances = await app.list(instancesUrl(request.groupId, request.principalId));
    }
  }
  return snapshotOf(request, instances);
}

function snapshotOf(request: AnyRequest | undefined, instances: AnyInstance[]): RequestSnapshot | undefined {
  const groupId = request?.groupId ?? request?.roleDefinitionId;
  if (!request || !groupId || !request.principalId) return undefined;
  const accessId = (request.accessId ?? 'member').toLowerCase() === 'owner' ? 'owner' : 'member';
  const target = request.targetScheduleId?.toLowerCase();
  const instance = instances.find(
    (i) => target && (i.assignmentScheduleId ?? i.roleAssignmentScheduleId)?.toLowerCase() === target,
  );
  return {
    request: { ...outcomeOf(request), groupId, accessId, principalId: request.principalId },
    instance: instance
      ? { startDateTime: instance.startDateTime ?? undefined, endDateTime: instance.endDateTime ?? undefined }
      : undefined,
  };
}
