import { utcPlain } from '../../../cards/approver/format.js';
import { daysText } from '../../../cards/time.js';
import { Verbs } from '../../../cards/verbs.js';
import { readApproval } from '../../../services/approvals/decide.js';
import type { ApprovalJson } from '../../../services/approvals/graphShapes.js';
import { claimReminder } from '../../../services/approvals/reminders.js';
import { applyStages, stagesOf } from '../../../services/approvals/stages.js';
import type { ApprovalRecord } from '../../../services/approvals/store.js';
import { SignInRequiredError, StepUpRequiredError } from '../../../services/auth/tokens.js';
import { GraphRequestError } from '../../../services/graph/errors.js';
import type { ApprovalState } from '../../../services/model/approvals.js';
import { type ActionScope, defineAction } from '../../actions/registry.js';
import { cardReply, messageReply } from '../../invokeResponse.js';
import { approverContext, findRecord, keepRecord } from './context.js';
import { notApproverCard } from './decisions.js';
import { notifyApprovers, publishChange, withinBudget } from './fanout.js';
import { renderApproval, versionOf } from './render.js';
import { approvalRef, remindData } from './schemas.js';
import { couldNotCheckCard, mayViewRecord, notYourApprovalCard, withReader } from './viewers.js';

/**
 * `refreshApproval`: the Universal Actions refresh (and manual refresh) of an approval card. While the request waits,
 * the viewer's own read of the stages brings the card (and every other copy) up to date; a decided request costs no
 * call for someone already shown to belong to it. Anyone else gets the record only after their own read succeeds.
 */
export const refreshApprovalAction = defineAction({
  verb: Verbs.refreshApproval,
  kind: 'updatesCard',
  data: approvalRef,
  async run(scope, data) {
    const { app, user } = scope;
    const found = await findRecord(app, data.kind, data.id);
    // An id Graph does not have gets the answer an outsider gets: anyone can send any id.
    if (!found) return cardReply(notYourApprovalCard());
    const known = mayViewRecord(found.record, user.aadObjectId);
    // Stored for someone in the record's people now; for anyone else only once their own read succeeds (liveState).
    const record = found.stored || !known ? found.record : await keepRecord(app, found.record);
    let state = record.state;
    if (!state.outcome || !known) {
      const live = await liveState(scope, record, known);
      if (live === 'notVisible') {
        const requester = record.state.details.requester.id === user.aadObjectId;
        if (!requester) return cardReply(known ? notApproverCard() : notYourApprovalCard());
      } else if (live === 'failed') {
        if (!known) return cardReply(couldNotCheckCard(data));
      } else if (versionOf(live) !== versionOf(state)) {
        state = live;
        await withinBudget(app, publishChange(app, state));
      }
    }
    const signer = await approverContext(app).signer();
    return cardReply(
      renderApproval(state, user.aadObjectId, {
        now: app.clock.now(),
        zone: user.timeZone,
        signer,
        refreshUserIds: [user.teamsId],
      }),
    );
  },
});

/**
 * The approval as the viewer's own token reads it (stored, with the viewer remembered as a reader), `notVisible`
 * when Graph refuses it to them (403, or 404 for an approval they may not see) and `failed` when the read failed.
 */
async function liveState(
  scope: ActionScope,
  record: ApprovalRecord,
  known: boolean,
): Promise<ApprovalState | 'notVisible' | 'failed'> {
  const { app, user } = scope;
  const { kind, id } = record.state.details;
  let approval: ApprovalJson;
  try {
    approval = await readApproval(approverContext(app).segments, app.graph.forUser(user), kind, id);
  } catch (err) {
    if (!known && (err instanceof SignInRequiredError || err instanceof StepUpRequiredError)) throw err;
    if (err instanceof GraphRequestError && (err.status === 403 || err.status === 404)) return 'notVisible';
    app.log.info({ err, kind, request: id }, 'could not re-read an approval for a card refresh');
    return 'failed';
  }
  const now = app.clock.now().toISOString();
  const stages = stagesOf(approval);
  const updated = await approverContext(app).store.updateRecord(kind, id, (current) => {
    const base = current ?? record;
    const state = applyStages(base.state, stages, now);
    const changed = versionOf(state) !== versionOf(base.state);
    const read = withReader(base, user.aadObjectId);
    if (!changed && !read) return undefined;
    return { ...(read ?? base), state, updatedAt: now };
  });
  return updated?.state ?? applyStages(record.state, stages, now);
}

/**
 * `remindApprovers` (the button on the requester's status card, data `{requestId}`): once per day per request, the
 * approvers of the open stage get the approval card again with a reminder line. Answers with a short message, so the
 * requester's card stays as it is.
 */
export const remindApproversAction = defineAction({
  verb: Verbs.remindApprovers,
  kind: 'updatesCard',
  data: remindData,
  async run(scope, data) {
    const { app, user } = scope;
    const ctx = approverContext(app);
    const found = await findRecord(app, data.kind, data.requestId);
    // Anyone can send any id: someone else gets one answer whether or not it exists, and nothing is stored for them.
    if (!found || found.record.state.details.requester.id !== user.aadObjectId.toLowerCase()) {
      return messageReply(refusal({ ok: false, reason: 'notRequester' }, app.clock.now()));
    }
    const record = found.stored ? found.record : await keepRecord(app, found.record);
    const now = app.clock.now();
    const claim = await claimReminder(ctx.store, record, user.aadObjectId, now, ctx.settings.reminderGapHours);
    if (!claim.ok) return messageReply(refusal(claim, now, user.timeZone));
    const stamp = now.toISOString().slice(0, 10);
    const reached = await notifyApprovers(app, record, claim.approvers, { reminderStamp: stamp });
    app.log.info({ kind: data.kind, request: data.requestId, reminded: reached.length }, 'approvers reminded');
    const names = claim.approvers.filter((p) => reached.includes(p.id)).map((p) => p.displayName);
    if (names.length === 0) return messageReply('I could not reach the approvers right now; I will try again later.');
    return messageReply(`I reminded ${joinNames(names)}. You can remind them again tomorrow.`);
  },
});

function refusal(
  claim: Exclude<Awaited<ReturnType<typeof claimReminder>>, { ok: true }>,
  now: Date,
  zone?: string,
): string {
  switch (claim.reason) {
    case 'tooSoon':
      // A plain message (no DATE/TIME functions render there): the day in the person's zone, the time in UTC words.
      return `You already reminded the approvers today. You can remind them again ${daysText(claim.nextAt, { now: now.toISOString(), zone }) ?? 'later'} (${utcPlain(claim.nextAt)}).`;
    case 'notRequester':
      return 'Only the person who made the request can remind its approvers.';
    case 'notPending':
      return 'This request no longer waits for approval.';
    default:
      return 'I do not know who approves this request, so I cannot remind anyone.';
  }
}

function joinNames(names: string[]): string {
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}
