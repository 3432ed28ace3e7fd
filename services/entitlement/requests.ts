import type {
  AccessPackage,
  AccessPackageAssignment,
  AccessPackageAssignmentRequest,
  AccessPackageAssignmentRequestRequirements,
  User,
} from '@microsoft/microsoft-graph-types';
import type { BatchItemResult, GraphFacade } from '../graph/client.js';
import { GraphRequestError } from '../graph/errors.js';
import type { AssignmentView, PackageDetails, RequestRequirements, RequestView } from '../model/entitlement.js';
import { EM } from './catalog.js';
import { toAssignmentView, toPackageDetails, toRequestView, toRequirements } from './parse.js';
import type { UserAddBody } from './requestForm.js';

const REQUEST_EXPAND = 'accessPackage($select=id,displayName),assignment';
const PACKAGE_EXPAND = 'resourceRoleScopes($expand=role($expand=resource),scope),assignmentPolicies';

const enc = encodeURIComponent;

/** What each applicable policy asks (one element per policy the caller may use; empty = may not request). */
export async function getRequirements(
  user: GraphFacade,
  packageId: string,
  locale: string,
): Promise<RequestRequirements[]> {
  const body = await user.post<{ value?: AccessPackageAssignmentRequestRequirements[] }>(
    `${EM}/accessPackages/${enc(packageId)}/getApplicablePolicyRequirements`,
    undefined,
  );
  return (body?.value ?? []).map((r) => toRequirements(r, locale)).filter((r) => r.policyId !== '');
}

/** POST assignmentRequests with the user's token; the answer is the new request (usually still `submitted`). */
export async function createRequest(
  user: GraphFacade,
  body: UserAddBody | UserRemoveBody,
  fallbackPackage: { id: string; name: string },
): Promise<RequestView> {
  const created = await user.post<AccessPackageAssignmentRequest>(`${EM}/assignmentRequests`, body);
  if (!created?.id) throw new Error('Graph answered the request without an id.');
  return toRequestView(created, fallbackPackage);
}

export interface UserRemoveBody {
  requestType: 'userRemove';
  assignment: { id: string };
}

export function userRemoveBody(assignmentId: string): UserRemoveBody {
  return { requestType: 'userRemove', assignment: { id: assignmentId } };
}

export async function cancelRequest(user: GraphFacade, requestId: string): Promise<void> {
  await user.post(`${EM}/assignmentRequests/${enc(requestId)}/cancel`, undefined);
}

/** The user's own requests, newest first. `$expand` on the function is UNCONFIRMED: a 400 falls back to the plain list. */
export async function listMyRequests(user: GraphFacade): Promise<RequestView[]> {
  const path = `${EM}/assignmentRequests/filterByCurrentUser(on='target')`;
  const raw = await listWithOptionalExpand<AccessPackageAssignmentRequest>(user, path, REQUEST_EXPAND);
  return raw.map((r) => toRequestView(r)).sort(newestFirst);
}

/** The user's own requests with the justification each was sent with (to tell a submit's request from others). */
export async function listMyRequestsWithJustification(
  user: GraphFacade,
): Promise<(RequestView & { justification: string })[]> {
  const path = `${EM}/assignmentRequests/filterByCurrentUser(on='target')`;
  const raw = await listWithOptionalExpand<AccessPackageAssignmentRequest>(user, path, REQUEST_EXPAND);
  return raw.map((r) => ({ ...toRequestView(r), justification: r.justification ?? '' })).sort(newestFirst);
}

/** The user's access package assignments (current and ended). */
export async function listMyAssignments(user: GraphFacade): Promise<AssignmentView[]> {
  const path = `${EM}/assignments/filterByCurrentUser(on='target')`;
  const raw = await listWithOptionalExpand<AccessPackageAssignment>(user, path, 'accessPackage,assignmentPolicy');
  return raw.map(toAssignmentView);
}

async function listWithOptionalExpand<T>(user: GraphFacade, path: string, expand: string): Promise<T[]> {
  try {
    return await user.list<T>(path, { query: { $expand: expand } });
  } catch (err) {
    if (!(err instanceof GraphRequestError) || err.status !== 400) throw err;
    return user.list<T>(path);
  }
}

function newestFirst(a: RequestView, b: RequestView): number {
  return (b.createdAt ?? '').localeCompare(a.createdAt ?? '');
}

export function requestUrl(requestId: string): string {
  return `${EM}/assignmentRequests/${enc(requestId)}?$expand=${REQUEST_EXPAND}`;
}

/** One request as the app reads it (the watcher and card refreshes; GRAPH-API.md §4.6). */
export async function getRequest(app: GraphFacade, requestId: string): Promise<RequestView> {
  const raw = await app.get<AccessPackageAssignmentRequest>(`${EM}/assignmentRequests/${enc(requestId)}`, {
    query: { $expand: REQUEST_EXPAND },
  });
  return toRequestView(raw);
}

/** Many requests in `$batch` calls of 20 (app reads). A request Graph could not return maps to its HTTP status. */
export async function getRequests(app: GraphFacade, requestIds: string[]): Promise<Map<string, RequestView | number>> {
  const results = await app.batch(requestIds.map((id) => ({ id, method: 'GET' as const, url: requestUrl(id) })));
  return new Map(
    results.map((r) => [
      r.id,
      r.status >= 200 && r.status < 300 ? toRequestView(r.body as AccessPackageAssignmentRequest) : r.status,
    ]),
  );
}

export interface RequestContext {
  request: RequestView;
  /** The package's grants and policies (undefined when Graph would not return them). */
  details?: PackageDetails;
  managerName?: string;
}

/**
 * The request plus what its status card needs once (who approves, which eligible roles it grants), in one `$batch`
 * round trip made as the app: the request, its package with policies and role scopes, the requester's manager.
 */
export async function getRequestContext(
  app: GraphFacade,
  ids: { requestId: string; packageId: string; requesterId: string },
): Promise<RequestContext> {
  const results = await app.batch([
    { id: 'request', method: 'GET', url: requestUrl(ids.requestId) },
    {
      id: 'package',
      method: 'GET',
      url: `${EM}/accessPackages/${enc(ids.packageId)}?$select=id,displayName&$expand=${PACKAGE_EXPAND}`,
    },
    { id: 'manager', method: 'GET', url: `/users/${enc(ids.requesterId)}/manager?$select=id,displayName` },
  ]);
  const [request, pkg, manager] = results;
  if (!isOk(request)) throw batchItemError(request, 'GET', requestUrl(ids.requestId));
  const managerName = isOk(manager) ? (manager.body as User).displayName || undefined : undefined;
  const context: RequestContext = { request: toRequestView(request.body as AccessPackageAssignmentRequest) };
  if (managerName) context.managerName = managerName;
  if (isOk(pkg)) context.details = toPackageDetails(pkg.body as AccessPackage, managerName);
  return context;
}

function isOk(result: BatchItemResult | undefined): result is BatchItemResult {
  return !!result && result.status >= 200 && result.status < 300;
}

function batchItemError(result: BatchItemResult | undefined, method: string, path: string): GraphRequestError {
  const body = (result?.body ?? {}) as { error?: { code?: string; message?: string } };
  return new GraphRequestError({
    status: result?.status ?? 502,
    code: body.error?.code,
    graphMessage: body.error?.message,
    method,
    path: path.split('?')[0],
  });
}
