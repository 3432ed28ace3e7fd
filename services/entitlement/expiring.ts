import type { AccessPackageAssignment } from '@microsoft/microsoft-graph-types';
import type { GraphFacade } from '../graph/client.js';
import type { AssignmentView } from '../model/entitlement.js';
import { EM } from './catalog.js';
import { toAssignmentView } from './parse.js';

/** An assignment that ends soon, with the person it belongs to. */
export interface ExpiringAssignment {
  assignment: AssignmentView;
  userId: string;
}

const EXPAND = 'target,accessPackage($select=id,displayName),assignmentPolicy';
const enc = encodeURIComponent;

/**
 * Delivered assignments of the whole tenant that end before `until` (app-only read, paged; GRAPH-API.md §4.9). Graph
 * filters assignments on `state` but not on the schedule's end date (UNCONFIRMED either way), so the end date is
 * checked here; the sweep that calls this runs every few hours, not every tick.
 */
export async function listEndingAssignments(
  app: GraphFacade,
  until: Date,
  maxPages = 500,
): Promise<ExpiringAssignment[]> {
  const raw = await app.list<AccessPackageAssignment>(`${EM}/assignments`, {
    query: { $filter: "state eq 'delivered'", $expand: EXPAND },
    maxPages,
  });
  const ending: ExpiringAssignment[] = [];
  for (const item of raw) {
    const assignment = toAssignmentView(item);
    const userId = (item.target?.objectId ?? '').toLowerCase();
    if (!userId || !assignment.endsAt || Date.parse(assignment.endsAt) > until.getTime()) continue;
    ending.push({ assignment, userId });
  }
  return ending;
}

/** The current state of a few assignments in `$batch` calls (app). An assignment Graph could not return maps to its status. */
export async function getAssignments(app: GraphFacade, ids: string[]): Promise<Map<string, AssignmentView | number>> {
  const results = await app.batch(
    ids.map((id) => ({ id, method: 'GET' as const, url: `${EM}/assignments/${enc(id)}?$expand=${EXPAND}` })),
  );
  return new Map(
    results.map((r) => [
      r.id,
      r.status >= 200 && r.status < 300 ? toAssignmentView(r.body as AccessPackageAssignment) : r.status,
    ]),
  );
}
