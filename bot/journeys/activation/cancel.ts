import { Verbs } from '../../../cards/verbs.js';
import { toDomainError } from '../../../services/graph/errors.js';
import { cancelActivationRequest } from '../../../services/pim/activate.js';
import { defineAction } from '../../actions/registry.js';
import type { ActingUser, BotServices } from '../../services.js';
import { answerClick, type ClickAnswer, except, type Notice, notYoursCard, ownRecord } from './clicked.js';
import { activationContext } from './context.js';
import { requestData } from './schemas.js';
import {
  type ActivationRecord,
  changeRecord,
  claimOnce,
  completeClaim,
  readRecord,
  releaseClaim,
  waitForClaim,
} from './store.js';
import { refreshActivation, syncRecord } from './subject.js';

/**
 * Cancel of an activation that has not started (waiting for approval, or accepted for a later start), from its card
 * or from the activate list: PIM's cancel with the person's own token (GRAPH-API.md §6.5). Afterwards the role is
 * eligible again; every other copy of the activation card, and the approvers' cards, follow through the watcher.
 */

const CANCELED: Notice = {
  tone: 'good',
  text: 'Request canceled. You are still eligible: activate it again whenever you need it.',
};

export const cancelActivationAction = defineAction({
  verb: Verbs.cancelActivation,
  kind: 'updatesCard',
  data: requestData,
  async run({ turn, user, app }, { requestId, list, bulk }) {
    return answerClick(app, user, await cancelOnce(app, user, requestId, turn.activity.replyToId), list, bulk);
  },
});

async function cancelOnce(
  app: BotServices,
  user: ActingUser,
  requestId: string,
  clickedActivityId?: string,
): Promise<ClickAnswer> {
  const record = await ownRecord(app, user, requestId);
  if (!record) return { card: notYoursCard() };
  // A record the bot already knows is over (denied, ended, canceled) needs no write to say so.
  if (record.phase !== 'pendingApproval' && record.phase !== 'scheduled') {
    return { record, notice: notCancellable(record) };
  }
  const claimKey = `activation/cancel/${record.requestId}`;
  if (!(await claimOnce(app, claimKey))) {
    await waitForClaim(app, claimKey);
    return { record: (await readRecord(app, record.requestId)) ?? record, notice: CANCELED };
  }
  try {
    await cancelActivationRequest(app.graph.forUser(user), record.requestId, record);
  } catch (err) {
    await releaseClaim(app, claimKey);
    const error = toDomainError(err, { action: `cancel your request for ${record.groupName}` });
    if (error.status !== 400 && error.status !== 404) {
      return { record, notice: { tone: 'attention', text: `${error.userMessage} ${error.nextStep}` } };
    }
    // No longer cancellable (approved, started, denied, canceled elsewhere): say where it stands now.
    app.log.info({ requestId: record.requestId, code: error.graphCode }, 'activation request not cancellable');
    const current = await syncRecord(app, record, user).catch(() => record);
    activationContext(app).forget(user);
    await refreshActivation(app, record.requestId, except(user, clickedActivityId));
    return { record: current, notice: notCancellable(current) };
  }
  const canceled = (await changeRecord(app, record.requestId, () => ({ phase: 'canceled' }))) ?? {
    ...record,
    phase: 'canceled' as const,
  };
  await completeClaim(app, claimKey, { state: 'done', requestId: record.requestId });
  activationContext(app).forget(user);
  await refreshActivation(app, record.requestId, except(user, clickedActivityId));
  app.log.info({ requestId: record.requestId }, 'activation request canceled');
  return { record: canceled, notice: CANCELED };
}

function notCancellable(record: ActivationRecord): Notice {
  const texts: Partial<Record<ActivationRecord['phase'], string>> = {
    active: 'Too late to cancel: it was approved and has started. Deactivate it if you no longer need it.',
    denied: 'Nothing to cancel: an approver denied this request.',
    canceled: 'This request was already canceled.',
    expired: 'Nothing to cancel: no approver decided in time, so the request expired.',
  };
  return { tone: 'warning', text: texts[record.phase] ?? 'This request can no longer be canceled.' };
}
