import type { RequestDecisions, StageDecisionView } from '../../services/model/entitlement.js';
import { plainText, truncate } from '../elements.js';
import { approversText } from './details.js';

/**
 * Who decided a request and why, in the requester's words: "Denied by Megan Bowen: “Talk to Lee first”", stage by
 * stage for a multi-stage approval ("Stage 1 approved by … · Stage 2 denied by …"). Only what the requester's own
 * Graph read returned is shown; without it, where it was decided. Access package requests and PIM activations alike.
 */

export const DECIDED_IN_MY_ACCESS = 'Decided in My Access: I cannot see who decided or why.';
export const DECIDED_IN_PIM_PORTAL = 'Graph shows who decides a PIM activation, and why, only to its approvers.';

/** Where the decisions of a kind of request are made, for the lines that cannot name who decided. */
export interface DecisionPlace {
  /** "in My Access": after "approved" when Graph did not say by whom. */
  where: string;
  /** The line when the approval could not be read at all. */
  unreadable: string;
}

export const MY_ACCESS: DecisionPlace = { where: 'in My Access', unreadable: DECIDED_IN_MY_ACCESS };
export const PIM_PORTAL: DecisionPlace = { where: 'in the PIM portal', unreadable: DECIDED_IN_PIM_PORTAL };

const RESULT_WORDS: Record<StageDecisionView['result'], string> = {
  approved: 'approved',
  denied: 'denied',
  expired: 'nobody decided in time',
};

function stageLine(
  d: StageDecisionView,
  numbered: boolean,
  maxReason: number,
  hidden: boolean,
  place: DecisionPlace,
): string {
  if (hidden && d.result !== 'expired') {
    const text = `${numbered ? `Stage ${d.stage} ` : ''}${RESULT_WORDS[d.result]} (the policy does not show who decided)`;
    return text.charAt(0).toUpperCase() + text.slice(1);
  }
  const what =
    d.result === 'expired'
      ? RESULT_WORDS.expired
      : `${RESULT_WORDS[d.result]} ${d.by ? `by ${plainText(d.by)}` : place.where}`;
  const line = numbered ? `Stage ${d.stage} ${what}` : what;
  const reason = d.reason ? `: “${plainText(truncate(d.reason, maxReason))}”` : '';
  const text = `${line}${reason}`;
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** What the bot knows of the policy's stages: how many, and which keep the approver from the requester. */
export interface StagesKnown {
  count: number;
  /** 1-based numbers of stages whose policy says `approverInformationVisibility: notVisible`. */
  hidden?: readonly number[];
  /** Who approves each stage, as the policy names them (display names). */
  approvers?: readonly (readonly string[])[];
}

/**
 * One line per decided stage; "Stage N" only when the policy (or Graph) has more than one stage. An unreadable
 * approval, or one that lists no decision, is one line saying where it was decided (My Access, the PIM portal). A stage the policy keeps
 * from the requester shows neither who decided nor why, even when Graph returned them.
 */
export function decisionLines(
  decisions: RequestDecisions,
  stages: StagesKnown,
  maxReason = 400,
  place: DecisionPlace = MY_ACCESS,
): string[] {
  if (decisions.kind === 'unreadable' || decisions.stages.length === 0) return [place.unreadable];
  const numbered = Math.max(stages.count, ...decisions.stages.map((s) => s.stage)) > 1;
  const hidden = new Set(stages.hidden ?? []);
  return decisions.stages.map((d) => stageLine(d, numbered, maxReason, hidden.has(d.stage), place));
}

/** The same on one line, for the notification and `my requests`. */
export function decisionSummary(
  decisions: RequestDecisions,
  stages: StagesKnown,
  maxReason = 200,
  place: DecisionPlace = MY_ACCESS,
): string {
  return decisionLines(decisions, stages, maxReason, place).join(' · ');
}

/** The policy's stages as the status card and `my requests` know them. */
export function stagesKnown(
  stages: readonly { approvers?: readonly string[]; approverHidden?: boolean }[] | undefined,
): StagesKnown {
  const list = stages ?? [];
  return {
    count: list.length,
    hidden: list.flatMap((s, i) => (s.approverHidden ? [i + 1] : [])),
    approvers: list.map((s) => s.approvers ?? []),
  };
}

/**
 * A request still waiting at `openStage` (the stages before it approved): one line per decided stage, then the one
 * that waits, "Stage 2: waiting for Lynne Robbins or Miriam Graham since …". `since` writes the moment the stage
 * opened (the card's own time words). When Graph would not show the requester the decisions, the decided stages are
 * counted without names.
 */
export function progressLines(
  decisions: RequestDecisions,
  stages: StagesKnown,
  openStage: number,
  since: (iso: string) => string,
  maxReason = 400,
): string[] {
  const known = { ...stages, count: Math.max(stages.count, openStage) };
  const decided = decisions.kind === 'read' ? decisions.stages.filter((d) => d.stage < openStage) : [];
  const lines =
    decided.length > 0
      ? decisionLines({ kind: 'read', stages: decided }, known, maxReason)
      : [`${openStage > 2 ? `Stages 1 to ${openStage - 1}` : 'Stage 1'} approved: I cannot see who decided or why.`];
  const opened = decided.find((d) => d.stage === openStage - 1)?.at;
  return [...lines, waitingLine(known, openStage, opened ? since(opened) : undefined)];
}

function waitingLine(stages: StagesKnown, openStage: number, since: string | undefined): string {
  const approvers = stages.approvers?.[openStage - 1] ?? [];
  const hidden = (stages.hidden ?? []).includes(openStage);
  const who = approvers.length > 0 && !hidden ? `waiting for ${approversText(approvers)}` : 'waiting for approval';
  return `Stage ${openStage}: ${who}${since ? ` since ${since}` : ''}`;
}
