import type { StagePlan } from '../../services/model/approvals.js';
import { type CardElement, plainText, textBlock, truncate } from '../elements.js';

/** "Who approves" on the approval card: the kinds of approver the policy names, and what the bot did when it could not find them. */

const MAX_KINDS_CHARS = 300;

const orList = (words: string[]) => plainText(truncate(words.join(' or '), MAX_KINDS_CHARS));

/** The policy's approvers of the stage in words, e.g. "a member of Finance Approvers or the requester's manager". */
export function whoApprovesText(plan: StagePlan | undefined): string | undefined {
  return plan?.approverKinds?.length ? orList(plan.approverKinds) : undefined;
}

/** Says so when some of the policy's approvers could not be turned into people, and whether fallback approvers were asked. */
export function unresolvedApproversNote(plan: StagePlan | undefined): CardElement[] {
  const unresolved = plan?.unresolvedKinds ?? [];
  if (!plan || unresolved.length === 0) return [];
  const text = plan.usesFallback
    ? `The bot could not find who is ${orList(unresolved)}, so the policy's fallback approvers were asked, as Microsoft Entra does.`
    : `The bot cannot tell who is ${orList(unresolved)}: they decide in My Access and get no card here.`;
  return [textBlock(text, { isSubtle: true, spacing: 'small' })];
}
