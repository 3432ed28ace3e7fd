import type { ApprovalOutcome, ApprovalState, PersonRef, StageDecision, StageResult } from '../model/approvals.js';
import { type ApprovalJson, reviewerOf, type StageJson, sameEnum } from './graphShapes.js';

/** Approval stages as the approver's own read shows them (GRAPH-API.md 3.9, 4.11), and what they mean for the state. */

export interface StageInfo {
  id: string;
  /** 1-based, in the order Graph lists them (completed stages first). */
  index: number;
  status: 'InProgress' | 'Completed' | 'Expired' | 'Initializing' | 'Other';
  assignedToMe: boolean;
  result?: StageResult;
  by?: PersonRef;
  at?: string;
  reason?: string;
}

const STATUSES = ['InProgress', 'Completed', 'Expired', 'Initializing'] as const;

export function stagesOf(approval: ApprovalJson | undefined): StageInfo[] {
  return (approval?.stages ?? approval?.steps ?? [])
    .filter((s): s is StageJson & { id: string } => typeof s?.id === 'string')
    .map((s, i) => ({
      id: s.id,
      index: i + 1,
      status: STATUSES.find((v) => sameEnum(s.status, v)) ?? 'Other',
      assignedToMe: s.assignedToMe === true,
      result: sameEnum(s.reviewResult, 'Approved')
        ? 'Approved'
        : sameEnum(s.reviewResult, 'Denied')
          ? 'Denied'
          : undefined,
      by: reviewerOf(s),
      at: s.reviewedDateTime ?? undefined,
      reason: s.justification || undefined,
    }));
}

export type StagePick =
  | { kind: 'mine'; stage: StageInfo }
  | { kind: 'notMine'; stage: StageInfo }
  | { kind: 'closed'; last?: StageInfo };

/** The stage that is in progress and assigned to the caller (GRAPH-API.md 4.11), or why there is none. */
export function pickMyStage(stages: StageInfo[]): StagePick {
  const open = stages.filter((s) => s.status === 'InProgress');
  const mine = open.find((s) => s.assignedToMe);
  if (mine) return { kind: 'mine', stage: mine };
  if (open.length > 0) return { kind: 'notMine', stage: open[0] };
  return { kind: 'closed', last: stages.at(-1) };
}

/**
 * The state after what Graph's stages say: decisions so far, which stage waits, and the outcome once no stage is
 * open. `now` starts the clock of a stage that opens after an approval.
 */
export function applyStages(state: ApprovalState, stages: StageInfo[], now: string): ApprovalState {
  if (stages.length === 0) return state;
  const decisions: StageDecision[] = stages
    .filter((s) => s.result)
    .map((s) => ({ stage: s.index, result: s.result as StageResult, by: s.by, at: s.at, reason: s.reason }));
  const open = stages.find((s) => s.status === 'InProgress');
  if (open) {
    const moved = open.index !== state.currentStage;
    return {
      ...state,
      decisions,
      currentStage: open.index,
      stageId: open.id,
      stageStartedAt: moved ? (decisions.at(-1)?.at ?? now) : state.stageStartedAt,
      escalated: moved ? false : state.escalated,
      outcome: undefined,
    };
  }
  const last = stages[stages.length - 1];
  const stageCount = Math.max(state.details.stages.length, stages.length);
  if (last.result === 'Approved' && last.index < stageCount) {
    return {
      ...state,
      decisions,
      currentStage: last.index + 1,
      stageId: undefined,
      stageStartedAt: last.at ?? now,
      escalated: false,
      outcome: undefined,
    };
  }
  return { ...state, decisions, currentStage: last.index, stageId: last.id, outcome: outcomeOf(last) };
}

function outcomeOf(last: StageInfo): ApprovalOutcome {
  if (last.result === 'Approved') return { kind: 'approved', by: last.by, at: last.at, reason: last.reason };
  if (last.result === 'Denied') return { kind: 'denied', by: last.by, at: last.at, reason: last.reason };
  if (last.status === 'Expired') return { kind: 'expired', at: last.at };
  return { kind: 'closed' };
}

/** A stage list with one stage decided by `by` now (what Graph will show after our PATCH succeeded). */
export function withDecision(
  stages: StageInfo[],
  stageId: string,
  result: StageResult,
  by: PersonRef,
  at: string,
  reason?: string,
): StageInfo[] {
  return stages.map((s) =>
    s.id === stageId
      ? { ...s, status: 'Completed', assignedToMe: true, result, by, at, reason: reason || undefined }
      : s,
  );
}
