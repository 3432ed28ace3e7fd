import type {
  AccessPackage,
  AccessPackageAssignment,
  AccessPackageAssignmentRequest,
} from '@microsoft/microsoft-graph-types';
import type { BatchItemResult, GraphFacade } from '../graph/client.js';
import { GraphRequestError } from '../graph/errors.js';
import type { AssignmentView, PackageHolding, RequestView } from '../model/entitlement.js';
import { EM, listRequestablePackagesUnexpanded, REQUESTABLE_URL, type RequestablePackages } from './catalog.js';
import { toAssignmentView, toPackageSummary, toRequestView } from './parse.js';

/**
 * What the signed-in person already holds or waits for, per access package: their own assignments and requests
 * (`filterByCurrentUser(on='target')`, GRAPH-API.md §4.5 and §4.9) read with their token in ONE `$batch`, whatever
 * the number of results. A search puts the package list in the same `$batch` and stays at one round trip.
 */

const ASSIGNMENTS = `${EM}/assignments/filterByCurrentUser(on='target')?$expand=accessPackage($select=id,displayName),assignmentPolicy`;
const REQUESTS = `${EM}/assignmentRequests/filterByCurrentUser(on='target')?$expand=accessPackage($select=id,displayName)`;

const HELD = new Set<AssignmentView['state']>(['delivered', 'delivering', 'partiallyDelivered']);
/** A request still before its decision: the person waits for approval. */
const WAITING = new Set<RequestView['state']>(['submitted', 'pendingApproval']);

export type Holdings = ReadonlyMap<string, PackageHolding>;

/**
 * Held access wins over a waiting request (a renewal waits while the person still has the package); of several
 * assignments of one package the one lasting longest counts.
 */
export function holdingsOf(assignments: AssignmentView[], requests: RequestView[]): Map<string, PackageHolding> {
  const out = new Map<string, PackageHolding>();
  const waiting = new Map<string, string>();
  for (const r of requests) {
    if (r.packageId && r.kind === 'add' && WAITING.has(r.state)) {
      out.set(r.packageId, { kind: 'waiting', requestId: r.id });
      waiting.set(r.packageId, r.id);
    }
  }
  for (const a of assignments) {
    if (!a.packageId || !HELD.has(a.state)) continue;
    const known = out.get(a.packageId);
    if (known?.kind === 'held' && (known.assignment.endsAt === undefined || lastsLonger(known.assignment, a))) continue;
    // A renewal is a userAdd for a package the person holds (GRAPH-API.md §4.4).
    const renewalRequestId = waiting.get(a.packageId);
    out.set(a.packageId, { kind: 'held', assignment: a, ...(renewalRequestId ? { renewalRequestId } : {}) });
  }
  return out;
}

function lastsLonger(a: AssignmentView, b: AssignmentView): boolean {
  return b.endsAt !== undefined && Date.parse(a.endsAt ?? '') >= Date.parse(b.endsAt);
}

/**
 * The person's holdings, or undefined when Graph would not list them now (the cards then show the packages as
 * before rather than guess). Never throws for a Graph refusal of either list.
 */
export async function readHoldings(user: GraphFacade): Promise<Holdings | undefined> {
  const [assignments, requests] = await user.batch(HOLDINGS_BATCH);
  return holdingsFrom(assignments, requests);
}

const HOLDINGS_BATCH = [
  { id: 'assignments', method: 'GET' as const, url: ASSIGNMENTS },
  { id: 'requests', method: 'GET' as const, url: REQUESTS },
];

/**
 * The packages the person may request and their holdings, in one `$batch` (their token). A refused package list
 * fails as the plain list would; a 400 (the `$expand` GRAPH-API.md §4.1 marks UNCONFIRMED) falls back to the list
 * without it. Holdings Graph would not list leave `holdings` undefined.
 */
export async function readRequestableWithHoldings(
  user: GraphFacade,
): Promise<{ list: RequestablePackages; holdings: Holdings | undefined }> {
  const [packages, assignments, requests]: (BatchItemResult | undefined)[] = await user.batch([
    { id: 'packages', method: 'GET', url: REQUESTABLE_URL },
    ...HOLDINGS_BATCH,
  ]);
  const holdings = holdingsFrom(assignments, requests);
  if (packages && ok(packages)) {
    return {
      list: { packages: valuesOf<AccessPackage>(packages.body).map(toPackageSummary), expanded: true },
      holdings,
    };
  }
  if (packages?.status === 400) return { list: await listRequestablePackagesUnexpanded(user), holdings };
  throw itemError(packages);
}

function itemError(result: BatchItemResult | undefined): GraphRequestError {
  const body = (result?.body ?? {}) as { error?: { code?: string; message?: string } };
  return new GraphRequestError({
    status: result?.status ?? 502,
    code: body.error?.code,
    graphMessage: body.error?.message,
    retryAfterSeconds: Number(result?.headers?.['retry-after'] ?? result?.headers?.['Retry-After']) || undefined,
    method: 'GET',
    path: REQUESTABLE_URL.split('?')[0],
  });
}

function holdingsFrom(
  assignments: BatchItemResult | undefined,
  requests: BatchItemResult | undefined,
): Holdings | undefined {
  if (!assignments || !requests || !ok(assignments) || !ok(requests)) return undefined;
  return holdingsOf(
    valuesOf<AccessPackageAssignment>(assignments.body).map(toAssignmentView),
    valuesOf<AccessPackageAssignmentRequest>(requests.body).map((r) => toRequestView(r)),
  );
}

function ok(r: BatchItemResult): boolean {
  return r.status >= 200 && r.status < 300;
}

function valuesOf<T>(body: unknown): T[] {
  const value = (body as { value?: unknown } | null)?.value;
  return Array.isArray(value) ? (value as T[]) : [];
}
