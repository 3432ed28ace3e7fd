import { GraphRequestError } from '../graph/errors.js';
import type { ApprovalKind } from '../model/approvals.js';

/**
 * Where a PIM approval keeps its stages. The v1.0 metadata has `assignmentApprovals/{id}/stages`; the v1.0 docs page
 * for updating a stage shows `/steps/` (GRAPH-API.md 6.9). `stages` is used; when a tenant answers 400 or 404 for it,
 * `steps` is tried once, and whichever works is kept for the life of the bot. Access package approvals use `stages`,
 * beta Entra role approvals `steps`.
 */
export type StageSegment = 'stages' | 'steps';

export class StageSegments {
  private pim: StageSegment = 'stages';
  /** A call with the current segment worked: a later 400/404 is about the request, not the segment. */
  private settled = false;

  of(kind: ApprovalKind): StageSegment {
    // Beta role approvals have `steps` only (approval-list-steps, approvalstep-update).
    if (kind === 'role') return 'steps';
    return kind === 'pim' ? this.pim : 'stages';
  }

  get known(): boolean {
    return this.settled;
  }

  /** Runs `call` with the segment; before one has worked, a 400/404 tries the other segment once. */
  async use<T>(kind: ApprovalKind, call: (segment: StageSegment) => Promise<T>): Promise<T> {
    if (kind !== 'pim') return call(this.of(kind));
    const first = this.pim;
    try {
      const result = await call(first);
      this.settled = true;
      return result;
    } catch (err) {
      if (this.settled || !segmentRefused(err)) throw err;
      const other: StageSegment = first === 'stages' ? 'steps' : 'stages';
      let result: T;
      try {
        result = await call(other);
      } catch {
        throw err;
      }
      this.pim = other;
      this.settled = true;
      return result;
    }
  }
}

function segmentRefused(err: unknown): boolean {
  return err instanceof GraphRequestError && (err.status === 400 || err.status === 404);
}
