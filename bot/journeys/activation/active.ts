import { roleOf, timeText } from '../../../cards/activation/format.js';
import { errorCard } from '../../../cards/errorCard.js';
import { datedMomentText } from '../../../cards/time.js';
import { Verbs } from '../../../cards/verbs.js';
import { type DomainError, toDomainError } from '../../../services/graph/errors.js';
import type { ActivationPolicy } from '../../../services/model/pim.js';
import { requestDeactivation } from '../../../services/pim/activate.js';
import { type ActivationInput, checkActivationInput } from '../../../services/pim/validation.js';
import { defineAction } from '../../actions/registry.js';
import { cardReply } from '../../invokeResponse.js';
import type { ActingUser, BotServices } from '../../services.js';
import { type CardPlace, directoryScopeOf, submitActivation, targetFormData, targetOf } from './activating.js';
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
import { refreshActivation, renderRecord, syncRecord } from './subject.js';

/** Deactivate, Extend and the card refresh of an activation the person has, from its card or from the activate list. */

/** Microsoft Entra does not end an activation within five minutes of its start (GRAPH-API.md §5, §6.10). */
export const MIN_ACTIVE_MS = 5 * 60_000;

/** The person's own activation, brought up to date; or why there is nothing to act on. */
async function activeRecordOf(
  app: BotServices,
  user: ActingUser,
  requestId: string,
): Promise<{ current: ActivationRecord } | { answer: ClickAnswer }> {
  const record = await ownRecord(app, user, requestId);
  if (!record) return { answer: { card: notYoursCard() } };
  const current = await syncRecord(app, record, user);
  if (current.phase !== 'active') return { answer: { record: current, notice: notActive() } };
  return { current };
}

export const deactivateAction = defineAction({
  verb: Verbs.deactivate,
  kind: 'updatesCard',
  data: requestData,
  async run({ turn, user, app }, { requestId, list, bulk }) {
    return answerClick(app, user, await deactivateOnce(app, user, requestId, turn.activity.replyToId), list, bulk);
  },
});

/** Ends the person's activation once (a repeated click waits for the first); what it came to, for any card. */
export async function deactivateOnce(
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
  const done = `Deactivated: you are no longer ${roleOf(current.accessId, current.groupName, directoryScopeOf(current))}.`;
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
    return cardReply(renderRecord(app, await syncRecord(app, record, user)));
  },
});

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
    {
      groupId: record.groupId,
      accessId: record.accessId,
      groupName: record.groupName,
      directoryScopeId: record.directoryScopeId,
    },
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
    role = await activationContext(app).eligibleRole(user, record.groupId, record.accessId, record.directoryScopeId);
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
  const problems = checkActivationInput(policy, input, {
    now: app.clock.now(),
    noun: record.directoryScopeId === undefined ? 'group' : 'role',
  });
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
        data: targetFormData(record),
      },
    }),
  };
}

function extendedText(next: ActivationRecord): string {
  const until = next.endDateTime ? ` until ${datedMomentText(next.endDateTime)}` : '';
  return `Extended: you are ${roleOf(next.accessId, next.groupName, directoryScopeOf(next))}${until}.`;
}

async function repeatedExtend(app: BotServices, claimKey: string, record: ActivationRecord): Promise<ClickAnswer> {
  const claim = await waitForClaim(app, claimKey);
  const next = claim?.requestId ? await readRecord(app, claim.requestId) : undefined;
  if (next) return { record: next, done: extendedText(next) };
  return { record: (await readRecord(app, record.requestId)) ?? record };
}
