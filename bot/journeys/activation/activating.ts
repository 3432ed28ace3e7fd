import { randomUUID } from 'node:crypto';
import { scopeText } from '../../../cards/activation/format.js';
import { type ActivationFormView, activationFormCard, type FormValues } from '../../../cards/activation/formCard.js';
import { formData } from '../../../cards/activation/listCard.js';
import { stepUpCard } from '../../../cards/activation/stepUpCard.js';
import { type AdaptiveCard, isInputDate, isInputTime } from '../../../cards/elements.js';
import { errorCard } from '../../../cards/errorCard.js';
import { messageCard } from '../../../cards/messageCard.js';
import { readersToday, zonedToUtc } from '../../../cards/time.js';
import { Verbs } from '../../../cards/verbs.js';
import { type DomainError, toDomainError } from '../../../services/graph/errors.js';
import type { ActivationPolicy, EligibleRole, GroupAccess } from '../../../services/model/pim.js';
import { type PimRequestOutcome, requestActivation } from '../../../services/pim/activate.js';
import { durationChoices } from '../../../services/pim/durations.js';
import { type ActivationInput, checkActivationInput, type InputProblem } from '../../../services/pim/validation.js';
import { defineAction } from '../../actions/registry.js';
import { cardReply } from '../../invokeResponse.js';
import type { ActingUser, BotServices } from '../../services.js';
import { approverContext } from '../approver/context.js';
import { rememberPimGroup } from '../approver/index.js';
import { startRoleApproval } from '../approver/roleApprovals.js';
import { rememberAnswers, rememberedAnswer } from './answers.js';
import { activationContext } from './context.js';
import { type ActivateData, activateData } from './schemas.js';
import { createStepUp, readStepUp, STEP_UP_MINUTES, type StepUpState } from './stepUpState.js';
import {
  type ActivationRecord,
  claimOnce,
  completeClaim,
  lastChoice,
  opKey,
  readRecord,
  releaseClaim,
  rememberChoice,
  saveRecord,
  waitForClaim,
} from './store.js';
import { renderRecord, trackCopy } from './subject.js';

/** The activation form and its Activate button (issue #8), with the step-up hand-off (issue #4). */

export interface ActivationTarget {
  /** The group, or for a Microsoft Entra role its role definition. */
  groupId: string;
  groupName: string;
  accessId: GroupAccess;
  /** Set for a Microsoft Entra role: its directory scope and, for an administrative unit, the unit's name. */
  directoryScopeId?: string;
  scopeName?: string;
  approvers: string[];
  authenticationContext?: string;
}

/** Where the card showing the result lives, so it can be tracked and updated later. */
export interface CardPlace {
  activityId?: string;
  conversationId?: string;
}

export function targetOf(role: EligibleRole): ActivationTarget {
  return {
    groupId: role.group.id,
    groupName: role.group.displayName,
    accessId: role.accessId,
    ...scopeOf(role),
    approvers: role.policy?.approvers ?? [],
    authenticationContext: role.policy?.authenticationContext,
  };
}

/** The record and target fields of an Entra role's scope; nothing for a group. */
export function scopeOf(role: Pick<EligibleRole, 'directoryScope'>): { directoryScopeId?: string; scopeName?: string } {
  const scope = role.directoryScope;
  if (!scope) return {};
  return scope.displayName
    ? { directoryScopeId: scope.id, scopeName: scope.displayName }
    : { directoryScopeId: scope.id };
}

/** A target's or record's scope as the cards and the list see it. */
export function directoryScopeOf(x: { directoryScopeId?: string; scopeName?: string }) {
  if (x.directoryScopeId === undefined) return undefined;
  return x.scopeName ? { id: x.directoryScopeId, displayName: x.scopeName } : { id: x.directoryScopeId };
}

export async function formFor(
  app: BotServices,
  user: ActingUser,
  role: EligibleRole & { policy: ActivationPolicy },
  extra: { op?: string; values?: FormValues; problems?: string[]; fieldProblems?: StartProblems } = {},
): Promise<AdaptiveCard> {
  const durations = durationChoices(role.policy.maximumMinutes);
  const remembered = await lastChoice(app, user.aadObjectId, {
    groupId: role.group.id,
    accessId: role.accessId,
    directoryScopeId: role.directoryScope?.id,
  });
  return activationFormCard({
    role,
    policy: role.policy,
    durations,
    defaultMinutes: remembered && durations.includes(remembered) ? remembered : role.policy.maximumMinutes,
    op: extra.op ?? randomUUID(),
    now: app.clock.now().toISOString(),
    zone: user.timeZone,
    values: extra.values ?? (await rememberedAnswer(app, user.aadObjectId, role)),
    problems: extra.problems,
    fieldProblems: extra.fieldProblems,
  });
}

export function answerOf(input: Omit<ActivationInput, 'durationMinutes'>) {
  return { justification: input.justification, ticketNumber: input.ticketNumber, ticketSystem: input.ticketSystem };
}

export const activateAction = defineAction({
  verb: Verbs.activate,
  kind: 'updatesCard',
  data: activateData,
  async run({ turn, user, app }, data) {
    const context = activationContext(app);
    let role: EligibleRole | undefined;
    try {
      role = await context.eligibleRole(user, data.groupId, data.accessId, data.directoryScopeId);
    } catch (err) {
      return cardReply(graphProblemCard(toDomainError(err, { action: 'read your eligible roles' }), data));
    }
    if (!role) return cardReply(notEligibleCard());
    const place = { activityId: turn.activity.replyToId, conversationId: turn.activity.conversation?.id };
    if (role.active || role.pending) {
      const current = await currentRoleCard(app, user, role);
      if (current.record) await trackCopy(app, current.record, place);
      return cardReply(current.card);
    }
    if (!role.policy) return cardReply(policyUnreadableCard(role));
    const withPolicy = { ...role, policy: role.policy };
    const { input, problems, fieldProblems } = readInput(app, withPolicy, data, user.timeZone);
    if (problems.length > 0 || Object.keys(fieldProblems).length > 0) {
      const values = valuesOf(data);
      return cardReply(await formFor(app, user, withPolicy, { op: data.op, values, problems, fieldProblems }));
    }
    const claimKey = opKey(user.aadObjectId, data.op);
    if (!(await claimOnce(app, claimKey))) return cardReply(await repeatedClickCard(app, claimKey));
    await rememberChoice(app, user.aadObjectId, data, input.durationMinutes);
    await rememberAnswers(app, user.aadObjectId, [role], answerOf(input));
    return cardReply((await submitActivation(app, user, targetOf(role), input, place, claimKey)).card);
  },
});

function valuesOf(data: ActivateData): FormValues {
  const { duration, justification, ticketNumber, ticketSystem, startDate, startTime } = data;
  return { duration, justification, ticketNumber, ticketSystem, startDate, startTime };
}

function readInput(
  app: BotServices,
  role: EligibleRole & { policy: ActivationPolicy },
  data: ActivateData,
  zone?: string,
): { input: ActivationInput; problems: string[]; fieldProblems: StartProblems } {
  const now = app.clock.now();
  const start = startOf(data, now, zone);
  const input: ActivationInput = {
    durationMinutes: /^\d{1,5}$/.test(data.duration ?? '') ? Number(data.duration) : Number.NaN,
    justification: data.justification?.trim() || undefined,
    ticketNumber: data.ticketNumber?.trim() || undefined,
    ticketSystem: data.ticketSystem?.trim() || undefined,
    startDateTime: start.date,
  };
  const checked: InputProblem[] = checkActivationInput(role.policy, input, {
    now,
    eligibleUntil: role.eligibleUntil,
    noun: role.directoryScope ? 'role' : 'group',
  });
  return { input, problems: checked.map((p) => p.message), fieldProblems: start.problems ?? {} };
}

type StartProblems = NonNullable<ActivationFormView['fieldProblems']>;

/**
 * Input.Date gives `YYYY-MM-DD` and Input.Time `HH:MM` (some clients add `:SS`), both read in the person's zone when
 * the bot knows it, else as UTC (the form says which); Graph gets the UTC moment.
 * Anything else (typed by hand on a client without pickers, or forged) is an error beside that input.
 */
function startOf(data: ActivateData, now: Date, zone?: string): { date?: Date; problems?: StartProblems } {
  const date = data.startDate?.trim();
  const time = data.startTime?.trim().replace(/^(\d{2}:\d{2}):[0-5]\d$/, '$1');
  if (!date && !time) return {};
  const problems: StartProblems = {};
  if (date && !isInputDate(date)) problems.startDate = 'Not a date: choose a day (YYYY-MM-DD).';
  if (time && !isInputTime(time)) problems.startTime = 'Not a time: choose one between 00:00 and 23:59 (HH:MM).';
  else if (!time) problems.startTime = 'Choose a start time too, or leave both empty to start now.';
  if (Object.keys(problems).length > 0) return { problems };
  const day = date ?? readersToday({ now: now.toISOString(), zone });
  const parsed = new Date(zonedToUtc(day, time ?? '', zone) ?? Number.NaN);
  // A start within a minute of now is "now": Graph then starts it at once.
  return parsed.getTime() - now.getTime() < 60_000 && parsed.getTime() >= now.getTime() - 60_000
    ? {}
    : { date: parsed };
}

/**
 * POSTs selfActivate with the person's own token and turns the answer into the card to show: the activation card
 * (tracked), the step-up card, or an explained error. Used by the form, the step-up callback and Extend.
 */
export async function submitActivation(
  app: BotServices,
  user: ActingUser,
  target: ActivationTarget,
  input: ActivationInput,
  place: CardPlace,
  claimKey?: string,
): Promise<{ card: AdaptiveCard; record?: ActivationRecord; error?: DomainError }> {
  const context = activationContext(app);
  try {
    const outcome = await requestActivation(app.graph.forUser(user), user.aadObjectId, target, input, app.clock.now());
    context.forget(user);
    const record = await saveRecord(app, recordOf(app, user, target, input, outcome));
    if (claimKey) await completeClaim(app, claimKey, { state: 'done', requestId: record.requestId });
    // The watcher looks for PIM approvals group by group: from now on this group is one, so approvers get a card.
    // Entra role approvals are beta-only: approver cards for them only with ROLE_APPROVALS_BETA (README).
    if (record.phase === 'pendingApproval' && target.directoryScopeId === undefined) {
      await watchGroupApprovals(app, target.groupId);
    } else if (record.phase === 'pendingApproval') {
      await startRoleApproval(app, user, record.requestId);
    }
    await trackCopy(app, record, place);
    app.log.info({ requestId: record.requestId, status: outcome.status }, 'activation requested');
    return { card: renderRecord(app, record), record };
  } catch (err) {
    const error = toDomainError(err, { action: `activate ${target.groupName}` });
    if (error.kind === 'stepUp') {
      const { state, card } = await startStepUp(app, user, target, input, place, error.claims, claimKey);
      if (claimKey) await completeClaim(app, claimKey, { state: 'stepUp', stepUpState: state });
      return { card, error };
    }
    if (claimKey) await releaseClaim(app, claimKey);
    app.log.info({ kind: error.kind, code: error.graphCode, rules: error.rules }, 'activation refused');
    // Graph enforced a rule the cached policy did not show (it changed since): "Try again" must read it again.
    if (error.kind === 'policyRule') context.forget(user);
    if (error.kind === 'conflict') {
      context.forget(user);
      return { card: await conflictCard(app, user, target, error, place), error };
    }
    return { card: activationErrorCard(target, error), error };
  }
}

export async function watchGroupApprovals(app: BotServices, groupId: string): Promise<void> {
  try {
    await rememberPimGroup(approverContext(app).store, groupId);
  } catch (err) {
    app.log.warn({ err }, 'could not add the group to those whose approvals are watched');
  }
}

export function recordOf(
  app: BotServices,
  user: ActingUser,
  target: ActivationTarget,
  input: ActivationInput,
  outcome: PimRequestOutcome,
): Omit<ActivationRecord, 'updatedAt'> {
  const phase = phaseOf(outcome, app.clock.now().getTime());
  return {
    requestId: outcome.requestId.toLowerCase(),
    userAadObjectId: user.aadObjectId,
    tenantId: user.tenantId,
    teamsId: user.teamsId,
    ...(user.timeZone ? { timeZone: user.timeZone } : {}),
    groupId: target.groupId,
    groupName: target.groupName,
    accessId: target.accessId,
    ...(target.directoryScopeId !== undefined ? { directoryScopeId: target.directoryScopeId } : {}),
    ...(target.scopeName ? { scopeName: target.scopeName } : {}),
    phase,
    ...(phase === 'pendingApproval' ? { approvalId: outcome.approvalId ?? outcome.requestId } : {}),
    startDateTime: outcome.startDateTime,
    endDateTime: outcome.endDateTime,
    durationMinutes: outcome.durationMinutes ?? input.durationMinutes,
    justification: input.justification,
    ticketNumber: input.ticketNumber,
    ticketSystem: input.ticketSystem,
    approvers: target.approvers,
  };
}

function phaseOf(outcome: PimRequestOutcome, now: number): ActivationRecord['phase'] {
  const status = outcome.status.toLowerCase();
  if (status === 'pendingapproval' || status === 'pendingadmindecision') return 'pendingApproval';
  if (status === 'denied') return 'denied';
  if (status === 'canceled') return 'canceled';
  if (status === 'failed') return 'failed';
  if (outcome.startDateTime && Date.parse(outcome.startDateTime) > now + 60_000) return 'scheduled';
  return 'active';
}

async function startStepUp(
  app: BotServices,
  user: ActingUser,
  target: ActivationTarget,
  input: ActivationInput,
  place: CardPlace,
  claims: string | undefined,
  claimKey?: string,
): Promise<{ state: string; card: AdaptiveCard }> {
  const state = await createStepUp(app, {
    user: { aadObjectId: user.aadObjectId, tenantId: user.tenantId, name: user.name, teamsId: user.teamsId },
    claims: claims || undefined,
    ...storedStepUpItem(target, input),
    activityId: place.activityId,
    conversationId: place.conversationId,
    claimKey,
  });
  app.log.info({ group: target.groupId, acrs: !!claims }, 'activation needs a step-up sign-in');
  return { state, card: await stepUpCardFor(app, state, target, claims) };
}

/** What a step-up state keeps of one activation waiting for the sign-in. */
export function storedStepUpItem(target: ActivationTarget, input: ActivationInput) {
  return {
    target: {
      groupId: target.groupId,
      groupName: target.groupName,
      accessId: target.accessId,
      ...(target.directoryScopeId !== undefined ? { directoryScopeId: target.directoryScopeId } : {}),
      ...(target.scopeName ? { scopeName: target.scopeName } : {}),
      approvers: target.approvers,
    },
    input: { ...input, startDateTime: input.startDateTime?.toISOString() },
  };
}

/** The step-up card, naming the authentication context Graph asked for as the tenant names it (else its id). */
export async function stepUpCardFor(
  app: BotServices,
  state: string,
  target: Pick<ActivationTarget, 'groupName' | 'accessId' | 'authenticationContext' | 'directoryScopeId' | 'scopeName'>,
  claims?: string,
): Promise<AdaptiveCard> {
  const context = activationContext(app);
  const authenticationContext = acrsOf(claims) ?? target.authenticationContext;
  const directoryScope = directoryScopeOf(target);
  return stepUpCard({
    groupName: target.groupName,
    accessId: target.accessId,
    ...(directoryScope ? { directoryScope } : {}),
    signInUrl: `${context.publicUrl()}/auth/stepup?state=${encodeURIComponent(state)}`,
    authenticationContext,
    authenticationContextName: await context.contextNames.nameOf(authenticationContext),
    portalUrl:
      app.config.authMode === 'entra'
        ? `https://portal.azure.com/#view/Microsoft_Azure_PIMCommon/ActivationMenuBlade/~/${directoryScope ? 'aadmigratedroles' : 'aadgroup'}`
        : undefined,
    linkMinutes: STEP_UP_MINUTES,
  });
}

/** `{"access_token":{"acrs":{"essential":true,"value":"c1"}}}` → `c1`. */
export function acrsOf(claims?: string): string | undefined {
  if (!claims) return undefined;
  try {
    const acrs = (JSON.parse(claims) as { access_token?: { acrs?: { value?: unknown; values?: unknown } } })
      ?.access_token?.acrs;
    const value = acrs?.value ?? (Array.isArray(acrs?.values) ? acrs.values[0] : undefined);
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The second click on the same form: the first one's result (or a note that it is still on its way). */
async function repeatedClickCard(app: BotServices, claimKey: string): Promise<AdaptiveCard> {
  const claim = await waitForClaim(app, claimKey);
  if (claim?.state === 'done' && claim.requestId) {
    const record = await readRecord(app, claim.requestId);
    if (record) return renderRecord(app, record);
  }
  if (claim?.state === 'stepUp' && claim.stepUpState) {
    const pending: StepUpState | undefined = await readStepUp(app, claim.stepUpState);
    if (pending) return await stepUpCardFor(app, claim.stepUpState, pending.target, pending.claims);
  }
  return messageCard({
    title: 'Already on its way',
    text: 'I am still sending this activation to Microsoft Entra; this card shows the result in a moment.',
    tone: 'warning',
    actions: [],
  });
}

/** Graph says the role is already active or pending: show where it stands instead of an error. */
async function conflictCard(
  app: BotServices,
  user: ActingUser,
  target: ActivationTarget,
  error: DomainError,
  place: CardPlace,
): Promise<AdaptiveCard> {
  try {
    const role = await activationContext(app).eligibleRole(
      user,
      target.groupId,
      target.accessId,
      target.directoryScopeId,
    );
    if (role && (role.active || role.pending)) {
      const current = await currentRoleCard(app, user, role);
      if (current.record) await trackCopy(app, current.record, place);
      return current.card;
    }
  } catch (err) {
    app.log.warn({ err }, 'could not re-read the roles after a conflict');
  }
  return activationErrorCard(target, error);
}

/**
 * The card for a role that is already active or waiting for approval, from the bot's record of that request (or one
 * made now from what Graph listed, so Deactivate works for activations made elsewhere). The caller tracks the copy.
 */
export async function currentRoleCard(
  app: BotServices,
  user: ActingUser,
  role: EligibleRole,
): Promise<{ card: AdaptiveCard; record?: ActivationRecord }> {
  const requestId = role.active?.requestId ?? role.pending?.requestId;
  const notice = { text: 'This role is already active or waiting for approval.', tone: 'warning' as const };
  if (!requestId) {
    const what = role.directoryScope
      ? `${role.group.displayName} (${scopeText(role.directoryScope)})`
      : `${role.accessId === 'owner' ? 'an owner' : 'a member'} of ${role.group.displayName}`;
    const card = messageCard({
      title: `You are already ${what}`,
      text: 'This is a standing assignment, not a just-in-time activation, so there is nothing to activate.',
      tone: 'good',
    });
    return { card };
  }
  const known = await readRecord(app, requestId);
  const record =
    known && known.userAadObjectId === user.aadObjectId
      ? known
      : await saveRecord(app, {
          requestId: requestId.toLowerCase(),
          userAadObjectId: user.aadObjectId,
          tenantId: user.tenantId,
          teamsId: user.teamsId,
          ...(user.timeZone ? { timeZone: user.timeZone } : {}),
          groupId: role.group.id,
          groupName: role.group.displayName,
          accessId: role.accessId,
          ...scopeOf(role),
          phase: role.active ? 'active' : (role.pending?.phase ?? 'pendingApproval'),
          ...(role.active ? {} : { approvalId: requestId }),
          startDateTime: role.active?.startDateTime ?? role.pending?.startDateTime,
          endDateTime: role.active?.endDateTime ?? role.pending?.endDateTime,
          durationMinutes: role.pending?.durationMinutes,
          approvers: role.policy?.approvers ?? [],
        });
  return { card: renderRecord(app, record, notice), record };
}

/** The data that opens the form of this target again, in place. */
export function targetFormData(target: Pick<ActivationTarget, 'groupId' | 'accessId' | 'directoryScopeId'>) {
  const directoryScope = directoryScopeOf(target);
  return formData({
    group: { id: target.groupId },
    accessId: target.accessId,
    ...(directoryScope ? { directoryScope } : {}),
  });
}

export function activationErrorCard(
  target: Pick<ActivationTarget, 'groupId' | 'groupName' | 'accessId' | 'directoryScopeId'>,
  error: DomainError,
) {
  return errorCard({
    title: `I could not activate ${target.groupName}`,
    message: error.userMessage,
    nextStep: error.nextStep,
    retry: {
      title: 'Try again',
      verb: Verbs.activateForm,
      data: targetFormData(target),
    },
  });
}

export function notEligibleCard(): AdaptiveCard {
  return errorCard({
    title: 'You are not eligible for this role',
    message:
      'Microsoft Entra does not list an eligible membership or ownership of this group for you (any more). The card may be out of date, or the eligibility ended.',
    nextStep: 'Type **activate** to see the roles you can activate now.',
    retry: { title: 'Show my roles', verb: Verbs.activateList },
  });
}

export function policyUnreadableCard(role: EligibleRole): AdaptiveCard {
  return errorCard({
    title: `I could not read the rules of ${role.group.displayName}`,
    message: 'Without the group policy I cannot tell what activating needs.',
    nextStep: 'Try again in a minute.',
    retry: {
      title: 'Try again',
      verb: Verbs.activateForm,
      data: formData(role),
    },
  });
}

/**
 * The roles could not be read. "Try again" reopens the role's form in place when one was being opened or sent (the
 * list verb would post a new card below and leave this one), else the list.
 */
export function graphProblemCard(
  error: DomainError,
  role?: Pick<ActivationTarget, 'groupId' | 'accessId' | 'directoryScopeId'>,
): AdaptiveCard {
  return errorCard({
    title: 'I could not read your eligible roles',
    message: error.userMessage,
    nextStep: error.nextStep,
    retry: role
      ? {
          title: 'Try again',
          verb: Verbs.activateForm,
          data: targetFormData(role),
        }
      : { title: 'Try again', verb: Verbs.activateList },
  });
}
