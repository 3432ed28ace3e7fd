import type { TurnContext } from 'botbuilder';
import { z } from 'zod';
import { approvalsSummaryCard } from '../../../cards/approver/listCards.js';
import type { AdaptiveCard } from '../../../cards/elements.js';
import { errorCard } from '../../../cards/errorCard.js';
import { Verbs } from '../../../cards/verbs.js';
import { listMyPending, type MyPending } from '../../../services/approvals/pending.js';
import { markShown } from '../../../services/approvals/watch.js';
import { toDomainError } from '../../../services/graph/errors.js';
import { type ActionScope, defineAction } from '../../actions/registry.js';
import { sendCard } from '../../cardSender.js';
import { prefixMatcher, type TextCommand } from '../../commands/table.js';
import { cardReply } from '../../invokeResponse.js';
import type { ActingUser, BotServices } from '../../services.js';
import { approverContext } from './context.js';
import { APPROVER_ROLE, approvalSubject, renderApproval, versionOf } from './render.js';
import { MAX_BULK } from './schemas.js';

/** "approvals": what waits for me right now, oldest first, one card each, plus a summary with "Approve all shown". */

/** At most this many approval cards are sent for one "approvals" (the summary says how many more wait). */
export const MAX_SHOWN = 10;

export const approvalsCommand: TextCommand = {
  name: 'approvals',
  match: prefixMatcher('approvals', 'my approvals', 'pending approvals', 'approve'),
  async run(scope) {
    const result = await pendingFor(scope.app, scope.user);
    if ('error' in result) {
      await sendCard(scope.turn, result.error);
      return;
    }
    await sendCard(scope.turn, await summaryCard(scope.app, result));
    await sendItemCards(scope.app, scope.turn, scope.user, result);
  },
};

export const listApprovalsAction = defineAction({
  verb: Verbs.listApprovals,
  // The menu and summary buttons carry no data; anything Teams merges in is dropped.
  data: z.object({}),
  async run(scope: ActionScope) {
    const result = await pendingFor(scope.app, scope.user);
    if ('error' in result) return cardReply(result.error);
    const summary = await summaryCard(scope.app, result);
    await sendItemCards(scope.app, scope.turn, scope.user, result);
    return cardReply(summary);
  },
});

async function pendingFor(app: BotServices, user: ActingUser): Promise<MyPending | { error: AdaptiveCard }> {
  const ctx = approverContext(app);
  try {
    return await listMyPending({
      graph: app.graph,
      user,
      store: ctx.store,
      log: app.log,
      pimPolicies: ctx.pimPolicies,
      now: app.clock.now(),
      segments: ctx.segments,
    });
  } catch (err) {
    const error = toDomainError(err, { action: 'list the requests waiting for you' });
    app.log.warn({ err }, 'listing pending approvals failed');
    return {
      error: errorCard({
        title: 'I could not list your approvals',
        message: error.userMessage,
        nextStep: error.nextStep,
        retry: { title: 'Try again', verb: Verbs.listApprovals },
      }),
    };
  }
}

async function summaryCard(app: BotServices, pending: MyPending): Promise<AdaptiveCard> {
  const shown = pending.items.slice(0, MAX_SHOWN);
  const bulkRefs = shown
    .filter((i) => !i.needsReason)
    .slice(0, MAX_BULK)
    .map((i) => `${i.state.details.kind}:${i.state.details.id}:${i.state.currentStage}`);
  const signer = await approverContext(app).signer();
  return approvalsSummaryCard({
    items: shown,
    total: pending.items.length,
    now: app.clock.now().toISOString(),
    unavailable: pending.unavailable,
    bulk: bulkRefs.length > 0 ? { refs: bulkRefs, binding: signer.bindMany(bulkRefs) } : undefined,
  });
}

/** One card per pending approval, each tracked as this approver's copy (so it changes when anyone decides). */
async function sendItemCards(app: BotServices, turn: TurnContext, user: ActingUser, pending: MyPending): Promise<void> {
  const ctx = approverContext(app);
  const signer = await ctx.signer();
  const now = app.clock.now();
  for (const record of pending.records.slice(0, MAX_SHOWN)) {
    const { state } = record;
    const card = renderApproval(state, user.aadObjectId, { now, signer, refreshUserIds: [user.teamsId] });
    const activityId = await sendCard(turn, card);
    if (!activityId) continue;
    await app.proactive.registry.track({
      subject: approvalSubject(state.details.kind, state.details.id),
      userAadObjectId: user.aadObjectId,
      activityId,
      conversationId: turn.activity.conversation?.id ?? '',
      role: APPROVER_ROLE,
      version: versionOf(state),
    });
    // The watcher need not send this approver the same card again for this stage.
    await markShown(ctx.store, record, state.currentStage, [user.aadObjectId], now);
  }
}
