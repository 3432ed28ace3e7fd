import type { AccessPackageAssignment, AccessPackageAssignmentRequest } from '@microsoft/microsoft-graph-types';
import type { GraphFacade } from '../graph/client.js';
import type { AssignmentView, PackageHolding, RequestView } from '../model/entitlement.js';
import { EM } from './catalog.js';
import { toAssignmentView, toRequestView } from './parse.js';

/**
 * What the signed-in person already holds or waits for, per access package: their own assignments and requests
 * (`filterByCurrentUser(on='target')`, GRAPH-API.md §4.5 and §4.9) read with their token in ONE `$batch`, so a search
 * or a details card costs one round trip more, whatever the number of results.
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
  for (const r of requests) {
    if (r.packageId && r.kind === 'add' && WAITING.has(r.state))
      out.set(r.packageId, { kind: 'waiting', requestId: r.id });
  }
  for (const a of assignments) {
    if (!a.packageId || !HELD.has(a.state)) continue;
    const known = out.get(a.packageId);
    if (known?.kind === 'held' && (known.assignment.endsAt === undefined || lastsLonger(known.assignment, a))) continue;
    out.set(a.packageId, { kind: 'held', assignment: a });
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
  const [assignments, requests] = await user.batch([
    { id: 'assignments', method: 'GET', url: ASSIGNMENTS },
    { id: 'requests', method: 'GET', url: REQUESTS },
  ]);
  if (!ok(assignments) || !ok(requests)) return undefined;
  return holdingsOf(
    valuesOf<AccessPackageAssignment>(assignments.body).map(toAssignmentView),
    valuesOf<AccessPackageAssignmentRequest>(requests.body).map((r) => toRequestView(r)),
  );
}

const ok = (r: { status: number } | undefined): r is { status: number; body: unknown } =>
  r !== undefined && r.status >= 200 && r.status < 300;

function valuesOf<T>(body: unknown): T[] {
  const value = (body as { value?: unknown } | null)?.value;
  return Array.isArray(value) ? (value as T[]) : [];
}
