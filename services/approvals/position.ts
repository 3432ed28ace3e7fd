import type { ApprovalState, PersonRef, StageDecision } from '../model/approvals.js';
import { approversOf } from './watch.js';

/** Where one viewer stands on an approval: can they decide now, did they decide an earlier stage, who else can. */
export interface ViewerPosition {
  canDecide: boolean;
  isRequester: boolean;
  /** The viewer's own decision on an earlier stage (or this one), if any. */
  ownDecision?: StageDecision;
  /** Everyone who can decide the open stage now, the viewer excluded. */
  others: PersonRef[];
}

export function positionOf(state: ApprovalState, viewerId: string): ViewerPosition {
  const viewer = viewerId.toLowerCase();
  const deciders = approversOf({ state });
  return {
    canDecide: !state.outcome && deciders.some((p) => p.id === viewer),
    isRequester: state.details.requester.id === viewer,
    ownDecision: [...state.decisions].reverse().find((d) => d.by?.id === viewer),
    others: deciders.filter((p) => p.id !== viewer),
  };
}
