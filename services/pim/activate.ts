import type {
  PrivilegedAccessGroupAssignmentScheduleInstance,
  PrivilegedAccessGroupAssignmentScheduleRequest,
} from '@microsoft/microsoft-graph-types';
import type { BatchItemResult, GraphFacade } from '../graph/client.js';
import { GraphRequestError, toDomainError } from '../graph/errors.js';
import type { GroupAccess } from '../model/pim.js';
import { isoDuration, requestedWindow } from './durations.js';
import { PIM_GROUP } from './roles.js';
import type { ActivationInput } from './validation.js';

/** Writes of PIM for Groups, always with the acting user's own token (GRAPH-API.md §6.3, §6.4). */

const REQUESTS = `${PIM_GROUP}/assignmentScheduleRequests`;

export interface RoleTarget {
  groupId: string;
  accessId: GroupAccess;
  /** For messages ("activate Finance Admins"). */
  groupName: string;
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
    accessId: target.accessId,
    principalId,
    groupId: target.groupId,
    action: 'selfActivate',
    scheduleInfo: {
      startDateTime: (input.startDateTime ?? now).toISOString(),
      expiration: { type: 'afterDuration', duration: isoDuration(input.durationMinutes) },
    },
    ...(justification ? { justification } : {}),
    ...(ticketNumber ? { ticketInfo: { ticketNumber, ticketSystem: input.ticketSystem?.trim() || null } } : {}),
  };
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
    const created = await facade.post<ScheduleRequest>(REQUESTS, activationBody(principalId, target, input, now));
    return outcomeOf(created);
  } catch (err) {
    throw toDomainError(err, { action: `activate ${target.groupName}` });
  }
}

/**
 * POST .../assignmentScheduleRequests/{id}/cancel (GRAPH-API.md §6.5; no body, 204) with the person's own token. Graph
 * answers 400 to a request that is no longer cancellable (approved, denied, started); the caller re-reads it.
 */
export async function cancelActivationRequest(facade: GraphFacade, requestId: string, groupName: string) {
  try {
    await facade.post(`${REQUESTS}/${encodeURIComponent(requestId)}/cancel`, undefined);
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
    const created = await facade.post<ScheduleRequest>(REQUESTS, {
      accessId: target.accessId,
      principalId,
      groupId: target.groupId,
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
  /** The membership it produced, while it lasts. */
  instance?: { startDateTime?: string; endDateTime?: string };
}

/**
 * One request and the active instance it produced, read with the app's token (the watcher and card refreshes): one
 * `$batch` when the group and principal are known, else two calls.
 */
export async function loadRequestSnapshot(
  app: GraphFacade,
  requestId: string,
  known?: { groupId: string; principalId: string },
): Promise<RequestSnapshot | undefined> {
  const requestUrl = `${REQUESTS}/${encodeURIComponent(requestId)}`;
  const instancesUrl = (groupId: string, principalId: string) =>
    `${PIM_GROUP}/assignmentScheduleInstances?$filter=${encodeURIComponent(`groupId eq '${groupId}' and principalId eq '${principalId}'`)}`;
  let request: ScheduleRequest | undefined;
  let instances: PrivilegedAccessGroupAssignmentScheduleInstance[] = [];
  if (known) {
    const [r, i] = await app.batch([
      { id: 'request', method: 'GET', url: requestUrl },
      { id: 'instances', method: 'GET', url: instancesUrl(known.groupId, known.principalId) },
    ]);
    if (r.status === 404) return undefined;
    if (r.status >= 300) throw toDomainError(batchItemError(r), { action: 'read the activation' });
    request = r.body as ScheduleRequest;
    instances = i.status < 300 ? ((i.body as { value?: typeof instances }).value ?? []) : [];
  } else {
    request = await app.get<ScheduleRequest>(requestUrl);
    if (request?.groupId && request.principalId) {
      instances = await app.list(instancesUrl(request.groupId, request.principalId));
    }
  }
  return snapshotOf(request, instances);
}

function snapshotOf(
  request: ScheduleRequest | undefined,
  instances: PrivilegedAccessGroupAssignmentScheduleInstance[],
): RequestSnapshot | undefined {
  if (!request?.groupId || !request.principalId) return undefined;
  const accessId = (request.accessId ?? 'member').toLowerCase() === 'owner' ? 'owner' : 'member';
  const instance = instances.find(
    (i) => request.targetScheduleId && i.assignmentScheduleId?.toLowerCase() === request.targetScheduleId.toLowerCase(),
  );
  return {
    request: { ...outcomeOf(request), groupId: request.groupId, accessId, principalId: request.principalId },
    instance: instance
      ? { startDateTime: instance.startDateTime ?? undefined, endDateTime: instance.endDateTime ?? undefined }
      : undefined,
  };
}

function batchItemError(item: BatchItemResult): GraphRequestError {
  const error = (item.body as { error?: { code?: string; message?: string } } | null)?.error;
  return new GraphRequestError({
    status: item.status,
    code: error?.code,
    graphMessage: error?.message,
    method: 'GET',
    path: `${REQUESTS}/{id}`,
  });
}
