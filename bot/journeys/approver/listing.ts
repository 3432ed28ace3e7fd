import type { TurnContext } from 'botbuilder';
import {
  type ApprovalsSummaryView,
  approvalsPage,
  approvalsSummaryCard,
  bulkRefOf,
} from '../../../cards/approver/listCards.js';
import type { AdaptiveCard } from '../../../cards/elements.js';
import { errorCard } from '../../../cards/errorCard.js';
import { Verbs } from '../../../cards/verbs.js';
import { listMyPending, type MyPending } from '../../../services/approvals/pending.js';
import type { ApprovalRecord } from '../../../services/approvals/store.js';
import { markShown } from '../../../services/approvals/watch.js';
import { toDomainError } from '../../../services/graph/errors.js';
import { type ActionScope, defineAction } from '../../actions/registry.js';
import { sendCard } from '../../cardSender.js';
import { prefixMatcher, type TextCommand } from '../../commands/table.js';
import { cardReply } from '../../invokeResponse.js';
import type { ActingUser, BotServices } from '../../services.js';
import { approverContext } from './context.js';
import { publishChange, withinBudget } from './fanout.js';
import { APPROVER_ROLE, approvalSubject, renderApproval, versionOf } from './render.js';
import { MAX_BULK, pageData } from './schemas.js';
import { trackSummary } from './summaries.js';

/**
 * "approvals": what waits for me right now, oldest first, a page at a time: a summary of the page (with "Approve all
 * shown" for that page only, Previous and Next) and, for each request on it whose card is not in this chat yet, its
 * card. A request's card already in the chat stays the one place to decide it (kept current, never posted twice);
 * the summary says where the cards are and is redrawn whenever one of its requests is decided (summaries.ts).
 */

export const approvalsCommand: TextCommand = {
  name: 'approvals',
  match: prefixMatcher('approvals', 'my approvals', 'pending approvals', 'approve'),
  async run(scope) {
    const { app, turn, user } = scope;
    const result = await pendingFor(app, user);
    if ('error' in result) {
      await sendCard(turn, result.error);
      return;
    }
    const cards = await placeOfCards(app, user, result, 0);
    const activityId = await sendCard(turn, await summaryCard(app, user, result, 0, { cards: cards.counts }));
    if (activityId) await trackDrawn(app, scope, activityId, result, 0);
    await sendItemCards(app, turn, user, cards.missing);
  },
};

export const listApprovalsAction = defineAction({
  verb: Verbs.listApprovals,
  kind: 'pagedList',
  // The menu buttons carry no data (page 0); Previous, Next and Refresh carry the page. Other keys are dropped.
  data: pageData,
  async run(scope: ActionScope, { page }) {
    const { app, user } = scope;
    const result = await pendingFor(app, user);
    if ('error' in result) return cardReply(result.error);
    const cards = await placeOfCards(app, user, result, page);
    const summary = await summaryCard(app, user, result, page, { cards: cards.counts });
    const replyToId = scope.turn.activity.replyToId;
    if (replyToId) await trackDrawn(app, scope, replyToId, result, page);
    await sendItemCards(app, scope.turn, user, cards.missing);
    return cardReply(summary);
  },
});

export async function pendingFor(app: BotServices, user: ActingUser): Promise<MyPending | { error: AdaptiveCard }> {
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
      roleApprovals: ctx.settings.roleApprovals,
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

/** The summary of `page`; `extra` adds where the cards are, what was decided since, or the bulk question. */
export async function summaryCard(
  app: BotServices,
  user: ActingUser,
  pending: MyPending,
  page: number,
  extra: Pick<ApprovalsSummaryView, 'cards' | 'decided' | 'confirm'> = {},
): Promise<AdaptiveCard> {
  const shown = approvalsPage(pending.items, page);
  const bulkRefs = shown.items
    .filter((i) => !i.needsReason)
    .slice(0, MAX_BULK)
    .map((i) => bulkRefOf(i.state));
  const signer = await approverContext(app).signer();
  return approvalsSummaryCard({
    items: pending.items,
    page: shown.page.index,
    now: app.clock.now().toISOString(),
    viewerId: user.aadObjectId,
    unavailable: pending.unavailable,
    bulk: bulkRefs.length > 0 ? { refs: bulkRefs, binding: signer.bindMany(bulkRefs, 'review') } : undefined,
    ...extra,
  });
}

/** Tracks the summary now in `activityId` so it is redrawn whenever one of the requests it lists is decided. */
export async function trackDrawn(
  app: BotServices,
  scope: Pick<ActionScope, 'user' | 'turn'>,
  activityId: string,
  pending: MyPending,
  page: number,
): Promise<void> {
  try {
    await trackSummary(app, {
      userAadObjectId: scope.user.aadObjectId,
      activityId,
      conversationId: scope.turn.activity.conversation?.id ?? '',
      states: pending.records.map((r) => r.state),
      page: approvalsPage(pending.items, page).page.index,
      unavailable: pending.unavailable,
    });
  } catch (err) {
    // The summary is right now; only its later redraws are lost.
    app.log.warn({ err }, 'could not track an approvals summary');
  }
}

/**
 * Which requests on the page already have this approver's card in the chat (they stay the place to decide, brought
 * up to date when the listing read something newer) and which still need one.
 */
async function placeOfCards(
  app: BotServices,
  user: ActingUser,
  pending: MyPending,
  page: number,
): Promise<{ missing: ApprovalRecord[]; counts: { above: number; below: number } }> {
  const missing: ApprovalRecord[] = [];
  const outdated: ApprovalRecord[] = [];
  const me = user.aadObjectId.toLowerCase();
  for (const record of approvalsPage(pending.records, page).items) {
    const { kind, id } = record.state.details;
    const mine = (await app.proactive.registry.copies(approvalSubject(kind, id))).filter(
      (c) => c.role === APPROVER_ROLE && c.userAadObjectId.toLowerCase() === me,
    );
    if (mine.length === 0) missing.push(record);
    else if (mine.some((c) => c.version !== versionOf(record.state))) outdated.push(record);
  }
  if (outdated.length > 0) {
    await withinBudget(
      app,
      (async () => {
        for (const record of outdated) await publishChange(app, record.state);
      })(),
    );
  }
  const onPage = approvalsPage(pending.records, page).items.length;
  return { missing, counts: { above: onPage - missing.length, below: missing.length } };
}

/** One card for each request that has none in the chat, each tracked as this approver's copy. */
async function sendItemCards(
  app: BotServices,
  turn: TurnContext,
  user: ActingUser,
  records: readonly ApprovalRecord[],
): Promise<void> {
  const ctx = approverContext(app);
  const signer = await ctx.signer();
  const now = app.clock.now();
  for (const record of records) {
    const { state } = record;
    // Every record here came from Graph's list of approvals waiting for this user.
    const card = renderApproval(state, user.aadObjectId, {
      now,
      zone: user.timeZone,
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
