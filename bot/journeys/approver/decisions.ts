import type { AdaptiveCardInvokeResponse } from 'botbuilder';
import type { NoticeTone } from '../../../cards/approver/approvalCard.js';
import { agoWithDate } from '../../../cards/approver/format.js';
import { type BulkLine, bulkResultCard } from '../../../cards/approver/listCards.js';
import { errorCard } from '../../../cards/errorCard.js';
import { Verbs } from '../../../cards/verbs.js';
import { approveMany, type BulkItem, type DecisionOutcome, decide } from '../../../services/approvals/decide.js';
import type { ApprovalRecord } from '../../../services/approvals/store.js';
import { SignInRequiredError, StepUpRequiredError } from '../../../services/auth/tokens.js';
import { toDomainError } from '../../../services/graph/errors.js';
import type { ApprovalState, PersonRef } from '../../../services/model/approvals.js';
import { type ActionScope, defineAction } from '../../actions/registry.js';
import { cardReply } from '../../invokeResponse.js';
import { approverContext, decisionDeps, ensureRecord } from './context.js';
import { notifyNextStage, publishChange, withinBudget } from './fanout.js';
import { APPROVER_ROLE, approvalSubject, renderApproval, versionOf } from './render.js';
import { bulkData, type DecisionData, decisionData, parseBulkRef } from './schemas.js';
import { forgetSummary } from './summaries.js';
import { mayViewRecord, notYourApprovalCard } from './viewers.js';

/** Approve, Deny and "Approve all shown": the approver's own token decides; every copy of the card follows. */

export const approveAction = defineAction({
  verb: Verbs.approve,
  kind: 'updatesCard',
  data: decisionData,
  run: (scope, data) => decideFromCard(scope, data, 'Approve'),
});

export const denyAction = defineAction({
  verb: Verbs.deny,
  kind: 'updatesCard',
  data: decisionData,
  run: (scope, data) => decideFromCard(scope, data, 'Deny'),
});

async function decideFromCard(
  scope: ActionScope,
  data: DecisionData,
  decision: 'Approve' | 'Deny',
): Promise<AdaptiveCardInvokeResponse> {
  const { app, user } = scope;
  const signer = await approverContext(app).signer();
  if (!signer.verifyDecision(data)) return cardReply(tamperedCard());
  const record = await ensureRecord(app, data.kind, data.id);
  if (!record) return cardReply(goneCard());
  const me = meOf(scope);
  const outcome = await decide(
    decisionDeps(app),
    app.graph.forUser(user),
    me,
    record,
    { kind: data.kind, id: data.id, decision, reason: data.reason?.trim() || undefined, cardStage: data.stage },
    data.op,
  );
  app.log.info({ verb: decision, kind: data.kind, request: data.id, outcome: outcome.kind }, 'approval click');
  return cardReply(await replyFor(scope, record, outcome));
}

function meOf(scope: ActionScope): PersonRef {
  return { id: scope.user.aadObjectId, displayName: scope.user.name || 'You' };
}

/** The card that replaces the clicked one, after doing whatever else the outcome calls for. */
async function replyFor(scope: ActionScope, record: ApprovalRecord, outcome: DecisionOutcome) {
  const { app } = scope;
  const { kind, id } = record.state.details;
  switch (outcome.kind) {
    case 'recorded':
      await afterChange(scope, outcome.state, true);
      return drawFor(scope, outcome.state);
    case 'repeat':
      if (!mayViewRecord(record, scope.user.aadObjectId)) return notYourApprovalCard();
      return drawFor(scope, (await approverContext(app).store.record(kind, id))?.state ?? record.state);
    case 'alreadyDecided': {
      const state = outcome.state ?? (await approverContext(app).store.record(kind, id))?.state ?? record.state;
      if (outcome.state) await afterChange(scope, state, false);
      return drawFor(scope, state, { tone: 'warning', text: alreadyDecidedText(outcome, scope) });
    }
    case 'inProgress':
      // Also answered before any read of the clicker's (their own click still running): nothing of the record then.
      if (!mayViewRecord(record, scope.user.aadObjectId)) return beingRecordedCard();
      return drawFor(scope, record.state, {
        tone: 'warning',
        text:
          outcome.by.id === scope.user.aadObjectId
            ? 'Your decision is being recorded. Give it a moment, then refresh.'
            : `${outcome.by.displayName} is recording a decision on this request right now.`,
      });
    case 'notYourStage':
    case 'movedOn':
      await afterChange(scope, outcome.state, false);
      return drawFor(scope, outcome.state, {
        tone: 'warning',
        text:
          outcome.kind === 'movedOn'
            ? `This request moved on to stage ${outcome.stage} since this card was drawn. Check it and decide again.`
            : `This request is at stage ${outcome.stage} now, which is not yours to decide.`,
      });
    case 'reasonRequired':
      return drawFor(scope, record.state, {
        tone: 'attention',
        text: 'This stage needs a reason for the decision. Type one and choose again; nothing was recorded.',
      });
    case 'notApprover':
      return notApproverCard();
    case 'ownRequest':
      return errorCard({
        title: 'You cannot decide your own request',
        message: 'Approvers are not able to approve their own requests. Nothing was changed.',
        nextStep: 'Another approver decides it; your status card shows when they do.',
      });
    case 'notFound':
      return goneCard();
    default:
      return errorCard({
        title: 'Nothing was recorded',
        message: outcome.error.userMessage,
        nextStep: outcome.error.nextStep,
      });
  }
}

/** The reader is "you", never their own name. */
function whoDecided(by: PersonRef, viewerId: string): string {
  return by.id.toLowerCase() === viewerId.toLowerCase() ? 'you' : by.displayName;
}

function alreadyDecidedText(outcome: Extract<DecisionOutcome, { kind: 'alreadyDecided' }>, scope: ActionScope): string {
  const who = outcome.by ? whoDecided(outcome.by, scope.user.aadObjectId) : 'someone else';
  if (outcome.result === 'Expired') return 'This request expired before anyone decided; your click changed nothing.';
  const when = agoWithDate(outcome.at, scope.app.clock.now().toISOString());
  return `Already decided by ${who}${when ? ` ${when}` : ''}; your click changed nothing.`;
}

/** The card for the clicker (tracked as their copy) plus every other copy, the requester's card and the next stage. */
async function afterChange(scope: ActionScope, state: ApprovalState, opensNext: boolean): Promise<void> {
  const { app, user, turn } = scope;
  const { kind, id } = state.details;
  const replyToId = turn.activity.replyToId;
  if (replyToId) {
    await app.proactive.registry.track({
      subject: approvalSubject(kind, id),
      userAadObjectId: user.aadObjectId,
      activityId: replyToId,
      conversationId: turn.activity.conversation?.id ?? '',
      role: APPROVER_ROLE,
      version: versionOf(state),
    });
  }
  const except = replyToId ? { userAadObjectId: user.aadObjectId, activityId: replyToId } : undefined;
  const work = (async () => {
    await publishChange(app, state, except);
    if (opensNext && !state.outcome) await notifyNextStage(app, kind, id);
  })();
  await withinBudget(app, work);
}

async function drawFor(scope: ActionScope, state: ApprovalState, notice?: { tone: NoticeTone; text: string }) {
  const signer = await approverContext(scope.app).signer();
  return renderApproval(state, scope.user.aadObjectId, {
    now: scope.app.clock.now(),
    zone: scope.user.timeZone,
    signer,
    refreshUserIds: [scope.user.teamsId],
    notice,
  });
}

export function notApproverCard() {
  return errorCard({
    title: 'You are not an approver of this request',
    message: 'Only the approvers the access policy names can decide it. Nothing was changed.',
    nextStep: 'If you think you should decide requests like this one, ask the owner of the access package or group.',
  });
}

function beingRecordedCard() {
  return errorCard({
    title: 'A decision is being recorded',
    message: 'A click on this card is still being handled.',
    nextStep: 'Give it a moment, then type **approvals**.',
    retry: { title: 'Show my approvals', verb: Verbs.listApprovals },
  });
}

export function tamperedCard() {
  return errorCard({
    title: 'This card was changed or is out of date',
    message: 'Its buttons do not match the request they were made for, so I did nothing.',
    nextStep: 'Type **approvals** to get fresh cards for what waits for you.',
    retry: { title: 'Show my approvals', verb: Verbs.listApprovals },
  });
}

function goneCard() {
  return errorCard({
    title: 'This request is no longer there',
    message: 'It may have expired or been removed, so there is nothing to decide.',
    nextStep: 'Type **approvals** to see what still waits for you.',
    retry: { title: 'Show my approvals', verb: Verbs.listApprovals },
  });
}

export const approveAllAction = defineAction({
  verb: Verbs.approveAll,
  kind: 'updatesCard',
  data: bulkData,
  async run(scope, data) {
    const { app } = scope;
    const signer = await approverContext(app).signer();
    if (!signer.verifyBulk(data)) return cardReply(tamperedCard());
    const items: BulkItem[] = [];
    for (const ref of data.items.map(parseBulkRef)) {
      const record = await ensureRecord(app, ref.kind, ref.id);
      if (record) items.push({ record, cardStage: ref.stage });
    }
    let outcomes: Awaited<ReturnType<typeof approveMany>>;
    try {
      outcomes = await approveMany(decisionDeps(app), app.graph.forUser(scope.user), meOf(scope), items, data.op);
    } catch (err) {
      // The batch as a whole failed (token refused, Graph down): nothing was decided; say so and how to go on.
      if (err instanceof SignInRequiredError || err instanceof StepUpRequiredError) throw err;
      const problem = toDomainError(err, { action: 'approve these requests' });
      app.log.info({ kind: problem.kind, status: problem.status, graphCode: problem.graphCode }, 'approve all failed');
      return cardReply(
        errorCard({
          title: 'Nothing was approved',
          message: problem.userMessage,
          nextStep: problem.nextStep,
          retry: { title: 'Show my approvals', verb: Verbs.listApprovals },
        }),
      );
    }
    if (outcomes === 'repeat' || outcomes === 'inProgress') {
      return cardReply(
        errorCard({
          title: outcomes === 'repeat' ? 'Already done' : 'Still working on it',
          message:
            outcomes === 'repeat'
              ? 'These requests were approved with this button already.'
              : 'Your approvals are being recorded right now.',
          retry: { title: 'Show my approvals', verb: Verbs.listApprovals },
        }),
      );
    }
    const lines: BulkLine[] = outcomes.map(({ item, outcome }) => lineOf(item, outcome, scope.user.aadObjectId));
    // The result replaces the summary the button was on: that activity is not redrawn as a summary any more.
    const replyToId = scope.turn.activity.replyToId;
    if (replyToId) await forgetSummary(app, scope.user.aadObjectId, replyToId);
    const changed = outcomes.flatMap(({ outcome }) =>
      outcome.kind === 'recorded' || (outcome.kind === 'alreadyDecided' && outcome.state) ? [outcome] : [],
    );
    await withinBudget(
      app,
      (async () => {
        for (const o of changed) {
          const state = o.state as ApprovalState;
          await publishChange(app, state);
          if (o.kind === 'recorded' && !state.outcome) await notifyNextStage(app, state.details.kind, state.details.id);
        }
      })(),
    );
    app.log.info({ approved: lines.filter((l) => l.approved).length, asked: items.length }, 'approve all shown');
    return cardReply(bulkResultCard(lines, scope.user.aadObjectId));
  },
});

/** Outcomes reached without the clicker's own read of the approval succeeding: they prove nothing about the clicker. */
const UNPROVEN: ReadonlySet<DecisionOutcome['kind']> = new Set(['notApprover', 'notFound', 'failed', 'inProgress']);

function lineOf(item: BulkItem, outcome: DecisionOutcome, viewerId: string): BulkLine {
  const hidden = UNPROVEN.has(outcome.kind) && !mayViewRecord(item.record, viewerId);
  const state = hidden ? undefined : 'state' in outcome && outcome.state ? outcome.state : item.record.state;
  if (outcome.kind === 'recorded') return { state, approved: true };
  const notes: Partial<Record<DecisionOutcome['kind'], string>> = {
    reasonRequired: 'needs a reason; decide it on its own card',
    notApprover: 'you are not an approver of it',
    ownRequest: 'your own request',
    movedOn: 'moved on to another stage; check its card',
    notYourStage: 'waits for another stage',
    inProgress: 'someone is deciding it right now',
    notFound: 'no longer there',
    failed: 'Microsoft Graph did not accept it; try its own card',
  };
  const by = outcome.kind === 'alreadyDecided' && outcome.by ? ` by ${whoDecided(outcome.by, viewerId)}` : '';
  return { state, approved: false, note: notes[outcome.kind] ?? `already decided${by}` };
}
