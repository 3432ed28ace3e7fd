import type { AdaptiveCardInvokeResponse } from 'botbuilder';
import type { ActivationCardView } from '../../../cards/activation/activationCard.js';
import type { AdaptiveCard } from '../../../cards/elements.js';
import { errorCard } from '../../../cards/errorCard.js';
import { Verbs } from '../../../cards/verbs.js';
import { loadRequestSnapshot } from '../../../services/pim/activate.js';
import { cardReply } from '../../invokeResponse.js';
import type { ActingUser, BotServices } from '../../services.js';
import { bulkAfterClick } from './bulkResults.js';
import { activationContext } from './context.js';
import { listAfterClick } from './listing.js';
import type { ListPlace } from './schemas.js';
import { type ActivationRecord, readRecord, saveRecord } from './store.js';
import { phasePatch, renderRecord } from './subject.js';

/**
 * What the clicks on one activation share (Deactivate, Extend, Cancel), from its card or from the activate list:
 * whose activation it is, and the card the click answers with.
 */

export type Notice = NonNullable<ActivationCardView['notice']>;

/**
 * What a click on one activation came to: a card of its own (not yours, a step-up sign-in, an error with a way on), or
 * the activation as it now stands with a line about the click (`notice`; `done` is the list row's line for a click
 * that did what it said, where the activation card's own title says it).
 */
export type ClickAnswer = { card: AdaptiveCard } | { record: ActivationRecord; notice?: Notice; done?: string };

/**
 * The activation card in place of the clicked one; for a click in the activate list, that list drawn again; on the
 * result card of several activations, that card again with the row changed.
 */
export async function answerClick(
  app: BotServices,
  user: ActingUser,
  answer: ClickAnswer,
  list?: ListPlace,
  bulk?: string,
): Promise<AdaptiveCardInvokeResponse> {
  if ('card' in answer) return cardReply(answer.card);
  if (bulk) {
    // What the click did is done: a result card that cannot be redrawn now falls back to the activation's own card.
    const again = await bulkAfterClick(app, user, bulk, answer.record, answer.notice).catch((err) => {
      app.log.warn({ err }, 'could not redraw the result of several activations');
      return undefined;
    });
    if (again) return cardReply(again);
  }
  if (!list) return cardReply(renderRecord(app, answer.record, answer.notice));
  const { record, notice } = answer;
  const row = { groupId: record.groupId, accessId: record.accessId, directoryScopeId: record.directoryScopeId };
  const text = notice?.text ?? answer.done ?? '';
  return cardReply(
    await listAfterClick(app, user, list, text ? { ...row, text, tone: notice?.tone ?? 'good' } : undefined),
  );
}

/**
 * The record of a request that belongs to this person. A card for an activation made elsewhere (e.g. in the Entra
 * portal) has no record yet: it is made from Graph, after checking the request is this person's.
 */
export async function ownRecord(
  app: BotServices,
  user: ActingUser,
  requestId: string,
): Promise<ActivationRecord | undefined> {
  const known = await readRecord(app, requestId);
  if (known) return known.userAadObjectId === user.aadObjectId ? known : undefined;
  const snapshot = await loadRequestSnapshot(app.graph.forApp(), requestId).catch(() => undefined);
  const request = snapshot?.request;
  if (!request || request.principalId.toLowerCase() !== user.aadObjectId) return undefined;
  const role = await activationContext(app)
    .eligibleRole(user, request.groupId, request.accessId)
    .catch(() => undefined);
  const made: Omit<ActivationRecord, 'updatedAt'> = {
    requestId: request.requestId.toLowerCase(),
    userAadObjectId: user.aadObjectId,
    tenantId: user.tenantId,
    teamsId: user.teamsId,
    ...(user.timeZone ? { timeZone: user.timeZone } : {}),
    groupId: request.groupId,
    groupName: role?.group.displayName ?? `Group ${request.groupId}`,
    accessId: request.accessId,
    phase: 'ended',
    startDateTime: request.startDateTime,
    endDateTime: request.endDateTime,
    durationMinutes: request.durationMinutes,
    approvers: role?.policy?.approvers ?? [],
  };
  // Active, waiting, scheduled or closed as Graph says; "ended" when none of those (the membership is gone).
  return saveRecord(app, { ...made, ...phasePatch(snapshot, { ...made, updatedAt: '' }, app.clock.now().getTime()) });
}

export function except(user: ActingUser, activityId?: string) {
  return activityId ? { userAadObjectId: user.aadObjectId, activityId } : undefined;
}

export function notYoursCard(): AdaptiveCard {
  return errorCard({
    title: 'I can not find this activation for you',
    message: 'This card is about an activation that is not yours, or that I do not know.',
    nextStep: 'Type **activate** to see your roles and what is active now.',
    retry: { title: 'Show my roles', verb: Verbs.activateList },
  });
}
