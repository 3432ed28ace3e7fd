import type { TurnContext } from 'botbuilder';
import { approvalsPage, approvalsSummaryCard } from '../../../cards/approver/listCards.js';
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
import { MAX_BULK, pageData } from './schemas.js';

/**
 * "approvals": what waits for me right now, oldest first, a page at a time: a summary of the page (with "Approve all
 * shown" for that page only, Previous and Next) and one card for each request on it.
 */

export const approvalsCommand: TextCommand = {
  name: 'approvals',
  match: prefixMatcher('approvals', 'my approvals', 'pending approvals', 'approve'),
  async run(scope) {
    const result = await pendingFor(scope.app, scope.user);
    if ('error' in result) {
      await sendCard(scope.turn, result.error);
      return;
    }
    await sendCard(scope.turn, await summaryCard(scope.app, result, 0));
    await sendItemCards(scope.app, scope.turn, scope.user, result, 0);
  },
};

export const listApprovalsAction = defineAction({
  verb: Verbs.listApprovals,
  kind: 'pagedList',
  // The menu buttons carry no data (page 0); Previous, Next and Refresh carry the page. Other keys are dropped.
  data: pageData,
  async run(scope: ActionScope, { page }) {
    const result = await pendingFor(scope.app, scope.user);
    if ('error' in result) return cardReply(result.error);
    const summary = await summaryCard(scope.app, result, page);
    await sendItemCards(scope.app, scope.turn, scope.user, result, page);
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

async function summaryCard(app: BotServices, pending: MyPending, page: number): Promise<AdaptiveCard> {
  const shown = approvalsPage(pending.items, page);
  const bulkRefs = shown.items
    .filter((i) => !i.needsReason)
    .slice(0, MAX_BULK)
    .map((i) => `${i.state.details.kind}:${i.state.details.id}:${i.state.currentStage}`);
  const signer = await approverContext(app).signer();
  return approvalsSummaryCard({
    items: pending.items,
    page: shown.page.index,
    now: app.clock.now().toISOString(),
    unavailable: pending.unavailable,
    bulk: bulkRefs.length > 0 ? { refs: bulkRefs, binding: signer.bindMany(bulkRefs) } : undefined,
  });
}

/** One card per approval on the page, each tracked as this approver's copy (so it changes when anyone decides). */
async function sendItemCards(
  app: BotServices,
  turn: TurnContext,
  user: ActingUser,
  pending: MyPending,
  page: number,
): Promise<void> {
  const ctx = approverContext(app);
  const signer = await ctx.signer();
  const now = app.clock.now();
  for (const record of approvalsPage(pending.records, page).items) {
    const { state } = record;
    // Every record here came from Graph's list of approvals waiting for this user.
    const card = renderApproval(state, user.aadObjectId, {
      now,
      signer,
      refreshUserIds: [user.teamsId],
      listedForViewer: true,
    });
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
