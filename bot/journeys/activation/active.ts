import type { AdaptiveCardInvokeResponse } from 'botbuilder';
import type { ActivationCardView } from '../../../cards/activation/activationCard.js';
import { roleOf, timeText } from '../../../cards/activation/format.js';
import type { AdaptiveCard } from '../../../cards/elements.js';
import { errorCard } from '../../../cards/errorCard.js';
import { datedMomentText } from '../../../cards/time.js';
import { Verbs } from '../../../cards/verbs.js';
import { type DomainError, toDomainError } from '../../../services/graph/errors.js';
import type { ActivationPolicy } from '../../../services/model/pim.js';
import { loadRequestSnapshot, requestDeactivation } from '../../../services/pim/activate.js';
import { type ActivationInput, checkActivationInput } from '../../../services/pim/validation.js';
import { defineAction } from '../../actions/registry.js';
import { cardReply } from '../../invokeResponse.js';
import type { ActingUser, BotServices } from '../../services.js';
import { type CardPlace, submitActivation, targetOf } from './activating.js';
import { activationContext } from './context.js';
import { listAfterClick } from './listing.js';
import { type ListPlace, requestData } from './schemas.js';
import {
  type ActivationRecord,
  changeRecord,
  claimOnce,
  completeClaim,
  readRecord,
  releaseClaim,
  saveRecord,
  waitForClaim,
} from './store.js';
import { phasePatch, refreshActivation, renderRecord, syncRecord } from './subject.js';

/** Deactivate, Extend and the card refresh of an activation the person has, from its card or from the activate list. */

/** Microsoft Entra does not end an activation within five minutes of its start (GRAPH-API.md §5, §6.10). */
export const MIN_ACTIVE_MS = 5 * 60_000;

export type Notice = NonNullable<ActivationCardView['notice']>;

/**
 * What a click on one activation came to: a card of its own (not yours, a step-up sign-in, an error with a way on), or
 * the activation as it now stands with a line about the click (`notice`; `done` is the list row's line for a click
 * that did what it said, where the activation card's own title says it).
 */
export type ClickAnswer = { card: AdaptiveCard } | { record: ActivationRecord; notice?: Notice; done?: string };

/** The activation card in place of the clicked one, or, for a click in the activate list, that list drawn again. */
export async function answerClick(
  app: BotServices,
  user: ActingUser,
  answer: ClickAnswer,
  list?: ListPlace,
): Promise<AdaptiveCardInvokeResponse> {
  if ('card' in answer) return cardReply(answer.card);
  if (!list) return cardReply(renderRecord(app, answer.record, answer.notice));
  const { record, notice } = answer;
  const row = { groupId: record.groupId, accessId: record.accessId };
  const text = notice?.text ?? answer.done ?? '';
  return cardReply(
    await listAfterClick(app, user, list, text ? { ...row, text, tone: notice?.tone ?? 'good' } : undefined),
  );
}

/** The person's own activation, brought up to date; or why there is nothing to act on. */
async function activeRecordOf(
  app: BotServices,
  user: ActingUser,
  requestId: string,
): Promise<{ current: ActivationRecord } | { answer: ClickAnswer }> {
  const record = await ownRecord(app, user, requestId);
  if (!record) return { answer: { card: notYoursCard() } };
  const current = await syncRecord(app, record);
  if (current.phase !== 'active') return { answer: { record: current, notice: notActive() } };
  return { current };
}

export const deactivateAction = defineAction({
  verb: Verbs.deactivate,
  kind: 'updatesCard',
  data: requestData,
  async run({ turn, user, app }, { requestId, list }) {
    return answerClick(app, user, await deactivateOnce(app, user, requestId, turn.activity.replyToId), list);
  },
});

async function deactivateOnce(
  app: BotServices,
  user: ActingUser,
  requestId: string,
  clickedActivityId?: string,
): Promise<ClickAnswer> {
  const found = await activeRecordOf(app, user, requestId);
  if ('answer' in found) return found.answer;
  const { current } = found;
  const tooSoon = tooSoonToEnd(app, current);
  if (tooSoon) return { record: current, notice: tooSoon };
  const done = `Deactivated: you are no longer ${roleOf(current.accessId, current.groupName)}.`;
  const claimKey = `activation/deactivate/${current.requestId}`;
  if (!(await claimOnce(app, claimKey))) {
    await waitForClaim(app, claimKey);
    return { record: (await readRecord(app, requestId)) ?? current, done };
  }
  try {
    await deactivate(app, user, current);
  } catch (err) {
    await releaseClaim(app, claimKey);
    return afterFailedDeactivation(app, current, err);
  }
  const ended = await markDeactivated(app, current);
  await completeClaim(app, claimKey, { state: 'done', requestId: current.requestId });
  await refreshActivation(app, current.requestId, except(user, clickedActivityId));
  return { record: ended, done };
}

export const extendAction = defineAction({
  verb: Verbs.extend,
  kind: 'updatesCard',
  data: requestData,
  async run({ turn, user, app }, { requestId, list }) {
    // From the list, the new activation's card is not the list: nothing there is tracked as that activation's card.
    const place = {
      activityId: list ? undefined : turn.activity.replyToId,
      conversationId: turn.activity.conversation?.id,
    };
    return answerClick(app, user, await extendOnce(app, user, requestId, place), list);
  },
});

async function extendOnce(app: BotServices, user: ActingUser, requestId: string, place: CardPlace) {
  const found = await activeRecordOf(app, user, requestId);
  if ('answer' in found) return found.answer;
  const { current } = found;
  const plan = await extensionPlan(app, user, current);
  if ('refusal' in plan) return { record: current, notice: plan.refusal };
  const claimKey = `activation/extend/${current.requestId}`;
  if (!(await claimOnce(app, claimKey))) return repeatedExtend(app, claimKey, current);
  return extend(app, user, current, plan, place, claimKey);
}

export const refreshActivationAction = defineAction({
  verb: Verbs.refreshActivation,
  kind: 'updatesCard',
  data: requestData,
  async run({ user, app }, { requestId }) {
    const record = await ownRecord(app, user, requestId);
    if (!record) return cardReply(notYoursCard());
    return cardReply(renderRecord(app, await syncRecord(app, record)));
  },
});

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

function tooSoonToEnd(app: BotServices, record: ActivationRecord): Notice | undefined {
  const started = record.startDateTime ? Date.parse(record.startDateTime) : Number.NaN;
  const now = app.clock.now();
  if (Number.isNaN(started) || now.getTime() - started >= MIN_ACTIVE_MS) return undefined;
  const from = new Date(started + MIN_ACTIVE_MS).toISOString();
  return {
    tone: 'attention',
    text: `Not yet: Microsoft Entra does not end an activation in its first 5 minutes. You can deactivate from ${timeText(from, now.toISOString(), record.timeZone)}.`,
  };
}

function notActive(): Notice {
  return { tone: 'warning', text: 'This activation is not active any more, so there is nothing to change.' };
}

async function deactivate(app: BotServices, user: ActingUser, record: ActivationRecord): Promise<void> {
  await requestDeactivation(
    app.graph.forUser(user),
    user.aadObjectId,
    { groupId: record.groupId, accessId: record.accessId, groupName: record.groupName },
    record.startDateTime ? new Date(record.startDateTime) : undefined,
  );
  activationContext(app).forget(user);
  app.log.info({ requestId: record.requestId }, 'activation deactivated');
}

async function markDeactivated(app: BotServices, record: ActivationRecord): Promise<ActivationRecord> {
  const at = app.clock.now().toISOString();
  const patch = { phase: 'deactivated' as const, deactivatedAt: at };
  return (await changeRecord(app, record.requestId, () => patch)) ?? { ...record, ...patch };
}

async function afterFailedDeactivation(app: BotServices, record: ActivationRecord, err: unknown): Promise<ClickAnswer> {
  const error: DomainError = toDomainError(err, { action: `deactivate ${record.groupName}` });
  if (error.graphCode === 'RoleAssignmentDoesNotExist') {
    // Already over (ended elsewhere or a moment ago): the card says so instead of showing an error.
    const ended = await changeRecord(app, record.requestId, () => ({
      phase: 'ended',
      endDateTime: app.clock.now().toISOString(),
    }));
    return { record: ended ?? record, notice: notActive() };
  }
  return { record, notice: { tone: 'attention', text: `${error.userMessage} ${error.nextStep}` } };
}

export function except(user: ActingUser, activityId?: string) {
  return activityId ? { userAadObjectId: user.aadObjectId, activityId } : undefined;
}

// ---------- Extend: PIM for Groups has no self-extend, so it is "end this one, start a new one" ----------

interface ExtensionPlan {
  policy: ActivationPolicy;
  input: ActivationInput;
  target: ReturnType<typeof targetOf>;
}

async function extensionPlan(
  app: BotServices,
  user: ActingUser,
  record: ActivationRecord,
): Promise<ExtensionPlan | { refusal: Notice }> {
  const refuse = (text: string) => ({ refusal: { tone: 'attention' as const, text } });
  let role: Awaited<ReturnType<ReturnType<typeof activationContext>['eligibleRole']>>;
  try {
    role = await activationContext(app).eligibleRole(user, record.groupId, record.accessId);
  } catch (err) {
    return refuse(toDomainError(err, { action: 'read the group policy' }).userMessage);
  }
  if (!role) return refuse('Your eligibility for this group has ended, so the activation cannot be extended.');
  const policy = role.policy;
  if (!policy) return refuse('I could not read the group policy just now; try again in a minute.');
  if (policy.approvalRequired) {
    return refuse(
      `I can't extend this: ${record.groupName} needs an approval for every activation, and a new request would leave you without access until someone approves it. When it ends, select Activate again.`,
    );
  }
  const tooSoon = tooSoonToEnd(app, record);
  if (tooSoon) return { refusal: tooSoon };
  const input: ActivationInput = {
    durationMinutes: Math.min(record.durationMinutes ?? policy.maximumMinutes, policy.maximumMinutes),
    justification: record.justification,
    ticketNumber: record.ticketNumber,
    ticketSystem: record.ticketSystem,
  };
  const problems = checkActivationInput(policy, input, { now: app.clock.now() });
  if (problems.length > 0) {
    return refuse(
      `I can't extend this one for you: ${problems.map((p) => p.message).join(' ')} When it ends, select Activate again and fill in the form.`,
    );
  }
  return { policy, input, target: targetOf(role) };
}

async function extend(
  app: BotServices,
  user: ActingUser,
  record: ActivationRecord,
  plan: ExtensionPlan,
  place: CardPlace,
  claimKey: string,
): Promise<ClickAnswer> {
  try {
    await deactivate(app, user, record);
  } catch (err) {
    await releaseClaim(app, claimKey);
    return afterFailedDeactivation(app, record, err);
  }
  const result = await submitActivation(app, user, plan.target, plan.input, place, claimKey);
  if (result.record) {
    const next = result.record;
    await changeRecord(app, record.requestId, () => ({
      phase: 'extended',
      extendedBy: { requestId: next.requestId, endDateTime: next.endDateTime },
    }));
    await refreshActivation(app, record.requestId, except(user, place.activityId));
    app.log.info({ from: record.requestId, to: next.requestId }, 'activation extended');
    return { record: next, done: extendedText(next) };
  }
  await markDeactivated(app, record);
  await refreshActivation(app, record.requestId, except(user, place.activityId));
  if (result.error?.kind === 'stepUp') return { card: result.card };
  return {
    card: errorCard({
      title: `I ended the old activation of ${record.groupName} but could not start a new one`,
      message: result.error?.userMessage ?? 'The new activation was refused.',
      nextStep: result.error?.nextStep ?? 'Select Activate again.',
      retry: {
        title: 'Activate again',
        verb: Verbs.activateForm,
        data: { groupId: record.groupId, accessId: record.accessId, here: true },
      },
    }),
  };
}

function extendedText(next: ActivationRecord): string {
  const until = next.endDateTime ? ` until ${datedMomentText(next.endDateTime)}` : '';
  return `Extended: you are ${roleOf(next.accessId, next.groupName)}${until}.`;
}

async function repeatedExtend(app: BotServices, claimKey: string, record: ActivationRecord): Promise<ClickAnswer> {
  const claim = await waitForClaim(app, claimKey);
  const next = claim?.requestId ? await readRecord(app, claim.requestId) : undefined;
  if (next) return { record: next, done: extendedText(next) };
  return { record: (await readRecord(app, record.requestId)) ?? record };
}

export function notYoursCard(): AdaptiveCard {
  return errorCard({
    title: 'I can not find this activation for you',
    message: 'This card is about an activation that is not yours, or that I do not know.',
    nextStep: 'Type **activate** to see your roles and what is active now.',
    retry: { title: 'Show my roles', verb: Verbs.activateList },
  });
}
