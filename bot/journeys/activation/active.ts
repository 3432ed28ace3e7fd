import type { AdaptiveCardInvokeResponse } from 'botbuilder';
import type { ActivationCardView } from '../../../cards/activation/activationCard.js';
import { timeText } from '../../../cards/activation/format.js';
import type { AdaptiveCard } from '../../../cards/elements.js';
import { errorCard } from '../../../cards/errorCard.js';
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
import { requestData } from './schemas.js';
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
import { refreshActivation, renderRecord, syncRecord } from './subject.js';

/** Deactivate, Extend and the card refresh of an activation the person has. */

/** Microsoft Entra does not end an activation within five minutes of its start (GRAPH-API.md §5, §6.10). */
export const MIN_ACTIVE_MS = 5 * 60_000;

type Notice = NonNullable<ActivationCardView['notice']>;

/** The person's own activation, brought up to date; or the card that says why there is nothing to act on. */
async function activeRecordOf(
  app: BotServices,
  user: ActingUser,
  requestId: string,
): Promise<{ current: ActivationRecord } | { reply: AdaptiveCardInvokeResponse }> {
  const record = await ownRecord(app, user, requestId);
  if (!record) return { reply: cardReply(notYoursCard()) };
  const current = await syncRecord(app, record);
  if (current.phase !== 'active') return { reply: cardReply(renderRecord(app, current, notActive())) };
  return { current };
}

export const deactivateAction = defineAction({
  verb: Verbs.deactivate,
  kind: 'updatesCard',
  data: requestData,
  async run({ turn, user, app }, { requestId }) {
    const found = await activeRecordOf(app, user, requestId);
    if ('reply' in found) return found.reply;
    const { current } = found;
    const tooSoon = tooSoonToEnd(app, current);
    if (tooSoon) return cardReply(renderRecord(app, current, tooSoon));
    const claimKey = `activation/deactivate/${current.requestId}`;
    if (!(await claimOnce(app, claimKey))) {
      await waitForClaim(app, claimKey);
      return cardReply(renderRecord(app, (await readRecord(app, requestId)) ?? current));
    }
    try {
      await deactivate(app, user, current);
    } catch (err) {
      await releaseClaim(app, claimKey);
      return cardReply(await afterFailedDeactivation(app, current, err));
    }
    const ended = await markDeactivated(app, current);
    await completeClaim(app, claimKey, { state: 'done', requestId: current.requestId });
    await refreshActivation(app, current.requestId, except(user, turn.activity.replyToId));
    return cardReply(renderRecord(app, ended));
  },
});

export const extendAction = defineAction({
  verb: Verbs.extend,
  kind: 'updatesCard',
  data: requestData,
  async run({ turn, user, app }, { requestId }) {
    const found = await activeRecordOf(app, user, requestId);
    if ('reply' in found) return found.reply;
    const { current } = found;
    const plan = await extensionPlan(app, user, current);
    if ('refusal' in plan) return cardReply(renderRecord(app, current, plan.refusal));
    const claimKey = `activation/extend/${current.requestId}`;
    if (!(await claimOnce(app, claimKey))) return cardReply(await repeatedExtendCard(app, claimKey, current));
    const place = { activityId: turn.activity.replyToId, conversationId: turn.activity.conversation?.id };
    return cardReply(await extend(app, user, current, plan, place, claimKey));
  },
});

export const refreshActivationAction = defineAction({
  verb: Verbs.refreshActivation,
  kind: 'updatesCard',
  data: requestData,
  async run({ user, app }, { requestId }) {
    const record = await ownRecord(app, user, requestId);
    if (!record) return cardReply(notYoursCard());
    return cardReply(renderRecord(app, await syncRecord(app, record, user)));
  },
});

/**
 * The record of a request that belongs to this person. A card for an activation made elsewhere (e.g. in the Entra
 * portal) has no record yet: it is made from Graph, after checking the request is this person's.
 */
async function ownRecord(app: BotServices, user: ActingUser, requestId: string): Promise<ActivationRecord | undefined> {
  const known = await readRecord(app, requestId);
  if (known) return known.userAadObjectId === user.aadObjectId ? known : undefined;
  const snapshot = await loadRequestSnapshot(app.graph.forApp(), requestId).catch(() => undefined);
  const request = snapshot?.request;
  if (!request || request.principalId.toLowerCase() !== user.aadObjectId) return undefined;
  const role = await activationContext(app)
    .eligibleRole(user, request.groupId, request.accessId)
    .catch(() => undefined);
  return saveRecord(app, {
    requestId: request.requestId.toLowerCase(),
    userAadObjectId: user.aadObjectId,
    tenantId: user.tenantId,
    teamsId: user.teamsId,
    ...(user.timeZone ? { timeZone: user.timeZone } : {}),
    groupId: request.groupId,
    groupName: role?.group.displayName ?? `Group ${request.groupId}`,
    accessId: request.accessId,
    phase: snapshot.instance ? 'active' : 'ended',
    startDateTime: snapshot.instance?.startDateTime ?? request.startDateTime,
    endDateTime: snapshot.instance?.endDateTime ?? request.endDateTime,
    durationMinutes: request.durationMinutes,
    approvers: role?.policy?.approvers ?? [],
  });
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

async function afterFailedDeactivation(app: BotServices, record: ActivationRecord, err: unknown) {
  const error: DomainError = toDomainError(err, { action: `deactivate ${record.groupName}` });
  if (error.graphCode === 'RoleAssignmentDoesNotExist') {
    // Already over (ended elsewhere or a moment ago): the card says so instead of showing an error.
    const ended = await changeRecord(app, record.requestId, () => ({
      phase: 'ended',
      endDateTime: app.clock.now().toISOString(),
    }));
    return renderRecord(app, ended ?? record, notActive());
  }
  return renderRecord(app, record, { tone: 'attention', text: `${error.userMessage} ${error.nextStep}` });
}

function except(user: ActingUser, activityId?: string) {
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
): Promise<AdaptiveCard> {
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
    return result.card;
  }
  await markDeactivated(app, record);
  await refreshActivation(app, record.requestId, except(user, place.activityId));
  if (result.error?.kind === 'stepUp') return result.card;
  return errorCard({
    title: `I ended the old activation of ${record.groupName} but could not start a new one`,
    message: result.error?.userMessage ?? 'The new activation was refused.',
    nextStep: result.error?.nextStep ?? 'Select Activate again.',
    retry: {
      title: 'Activate again',
      verb: Verbs.activateForm,
      data: { groupId: record.groupId, accessId: record.accessId, here: true },
    },
  });
}

async function repeatedExtendCard(app: BotServices, claimKey: string, record: ActivationRecord) {
  const claim = await waitForClaim(app, claimKey);
  const next = claim?.requestId ? await readRecord(app, claim.requestId) : undefined;
  return next ? renderRecord(app, next) : renderRecord(app, (await readRecord(app, record.requestId)) ?? record);
}

function notYoursCard(): AdaptiveCard {
  return errorCard({
    title: 'I can not find this activation for you',
    message: 'This card is about an activation that is not yours, or that I do not know.',
    nextStep: 'Type **activate** to see your roles and what is active now.',
    retry: { title: 'Show my roles', verb: Verbs.activateList },
  });
}
