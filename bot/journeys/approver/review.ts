import { approvalsPage, bulkRefOf } from '../../../cards/approver/listCards.js';
import { Verbs } from '../../../cards/verbs.js';
import type { PendingApprovalItem } from '../../../services/model/approvals.js';
import { defineAction } from '../../actions/registry.js';
import { cardReply } from '../../invokeResponse.js';
import { approverContext } from './context.js';
import { tamperedCard } from './decisions.js';
import { pendingFor, summaryCard, trackDrawn } from './listing.js';
import { MAX_BULK, parseBulkRef, reviewBulkData } from './schemas.js';

/**
 * "Approve all shown" asks before it approves, and asks about what waits now, not what the card showed: the open
 * requests are read again with the clicker's own token, and the question names only those of the card's requests
 * that still wait at the stage it showed ("Approve these 2 requests? (1 was decided since this card was drawn)").
 * The answer is the summary as it stands now, with the question in it; "Yes" approves exactly what it names.
 */
export const reviewApproveAllAction = defineAction({
  verb: Verbs.reviewApproveAll,
  kind: 'updatesCard',
  data: reviewBulkData,
  async run(scope, data) {
    const { app, user } = scope;
    const signer = await approverContext(app).signer();
    if (!signer.verifyBulk(data, 'review')) return cardReply(tamperedCard());
    const pending = await pendingFor(app, user);
    if ('error' in pending) return cardReply(pending.error);
    const open = new Map(pending.items.map((i) => [bulkRefOf(i.state), i]));
    const shown = data.items.map(parseBulkRef).map((r) => `${r.kind}:${r.id}:${r.stage}`);
    const still = shown
      .map((ref) => open.get(ref))
      .filter((i): i is PendingApprovalItem => !!i && !i.needsReason)
      .slice(0, MAX_BULK);
    const refs = still.map((i) => bulkRefOf(i.state));
    const page = approvalsPage(pending.items, data.page).page.index;
    const card = await summaryCard(app, user, pending, page, {
      confirm: { items: still, binding: signer.bindMany(refs), decidedSince: shown.length - still.length },
    });
    const replyToId = scope.turn.activity.replyToId;
    if (replyToId) await trackDrawn(app, scope, replyToId, pending, page);
    app.log.info({ shown: shown.length, open: still.length }, 'approve all shown: asked');
    return cardReply(card);
  },
});
