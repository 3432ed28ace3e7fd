import type { ApprovalState, ViewerPosition } from '../model/approvals.js';
import { approversOf } from './watch.js';

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
