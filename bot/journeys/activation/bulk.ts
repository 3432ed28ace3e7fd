import { randomUUID } from 'node:crypto';
import {
  type BulkResultRow,
  type BulkStepUp,
  bulkFormCard,
  MAX_BULK_ITEMS,
  type PickableRole,
  pickKey,
} from '../../../cards/activation/bulkCard.js';
import { roleTitle } from '../../../cards/activation/format.js';
import type { AdaptiveCard } from '../../../cards/elements.js';
import { messageCard } from '../../../cards/messageCard.js';
import { Verbs } from '../../../cards/verbs.js';
import { toDomainError } from '../../../services/graph/errors.js';
import type { EligibleRole } from '../../../services/model/pim.js';
import { type BatchedActivation, requestActivations } from '../../../services/pim/activate.js';
import { durationChoices } from '../../../services/pim/durations.js';
import {
  type ActivationInput,
  checkActivationInput,
  MIN_ACTIVATION_MINUTES,
} from '../../../services/pim/validation.js';
import { defineAction } from '../../actions/registry.js';
import { cardReply } from '../../invokeResponse.js';
import type { ActingUser, BotServices } from '../../services.js';
import { startRoleApproval } from '../approver/roleApprovals.js';
import {
  type ActivationTarget,
  answerOf,
  graphProblemCard,
  recordOf,
  storedStepUpItem,
  targetOf,
  watchGroupApprovals,
} from './activating.js';
import { rememberAnswers, rememberedAnswers, sharedAnswer } from './answers.js';
import { bulkOnView, keepBulkResult } from './bulkResults.js';
import { activationContext } from './context.js';
import { MAX_SAVED_SETS, type SavedSet, savedSet, savedSets, saveSet, setNameSchema } from './savedSets.js';
import { type ActivateSeveralData, activateSeveralData, bulkRunData, listData, savedSetData } from './schemas.js';
import { createStepUp } from './stepUpState.js';
import { type ActivationRecord, claimOnce, completeClaim, opKey, readRecord, saveRecord } from './store.js';

/**
 * "Activate several…" (issue 16, item 2): one form for several eligible groups and Entra roles, one `$batch` of
 * selfActivate requests with the person's token, one card with each item's outcome. Each sent item gets the same
 * activation record as a single activation, so the watcher, Deactivate and Cancel work for it.
 */

const PICK =
  /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\|(member|owner)\|(\/|\/administrativeunits\/[0-9a-f-]{36})?$/;

function pickable(roles: EligibleRole[]): PickableRole[] {
  return roles.filter((r): r is PickableRole => !r.active && !r.pending && !!r.policy);
}

function bulkForm(
  roles: PickableRole[],
  extra: {
    op?: string;
    values?: Partial<ActivateSeveralData>;
    problems?: string[];
    fromSet?: { name: string; gone: string[] };
  } = {},
): AdaptiveCard {
  const longest = Math.max(...roles.map((r) => r.policy.maximumMinutes));
  const durations = durationChoices(longest);
  return bulkFormCard({
    roles,
    durations,
    defaultMinutes: durations.includes(60) ? 60 : longest,
    op: extra.op ?? randomUUID(),
    values: extra.values,
    problems: extra.problems,
    fromSet: extra.fromSet,
  });
}

function nothingToActivateCard(): AdaptiveCard {
  return messageCard({
    title: 'Nothing to activate together',
    text: 'None of your eligible roles can be activated right now: they are active, waiting, or their rules could not be read.',
    tone: 'warning',
    actions: [],
  });
}

export const activateSeveralFormAction = defineAction({
  verb: Verbs.activateSeveralForm,
  kind: 'updatesCard',
  data: listData,
  async run({ user, app }) {
    let roles: PickableRole[];
    try {
      roles = pickable(await activationContext(app).eligibleRoles(user));
    } catch (err) {
      return cardReply(graphProblemCard(toDomainError(err, { action: 'read your eligible roles' })));
    }
    return cardReply(roles.length === 0 ? nothingToActivateCard() : bulkForm(roles));
  },
});

export const activateSeveralAction = defineAction({
  verb: Verbs.activateSeveral,
  kind: 'updatesCard',
  data: activateSeveralData,
  async run({ user, app, turn }, data) {
    let roles: PickableRole[];
    let all: EligibleRole[];
    try {
      // As the single form: the list of the last few minutes (ROLES_TTL_MS; a write forgets it), so the sends stay
      // within 1 + ceil(N/20) round trips. A fresh read is two more; Graph authorises every item anyway.
      all = await activationContext(app).eligibleRoles(user);
      roles = pickable(all);
    } catch (err) {
      return cardReply(graphProblemCard(toDomainError(err, { action: 'read your eligible roles' })));
    }
    if (roles.length === 0) return cardReply(nothingToActivateCard());
    const picked = readPicked(data.picked, all);
    const minutes = /^\d{1,5}$/.test(data.duration ?? '') ? Number(data.duration) : Number.NaN;
    const problems = [...picked.problems];
    if (!(minutes >= MIN_ACTIVATION_MINUTES))
      problems.push(`Choose a duration of at least ${MIN_ACTIVATION_MINUTES} minutes.`);
    const saveAs = await saveAsProblem(app, user, data.saveAs);
    if (saveAs.problem) problems.push(saveAs.problem);
    if (problems.length > 0) return cardReply(bulkForm(roles, { op: data.op, values: data, problems }));
    if (saveAs.name) await saveSet(app, user.aadObjectId, { name: saveAs.name, picks: picked.roles.map(savedPick) });
    const claimKey = opKey(user.aadObjectId, data.op);
    if (!(await claimOnce(app, claimKey))) return cardReply(alreadySentCard());
    const run = { op: data.op, activityId: turn.activity.replyToId };
    const result = await activateAll(app, user, picked.roles, { ...inputOf(data), durationMinutes: minutes }, run);
    const sent = result.rows.filter((r) => r.outcome !== 'notSent').map((r) => r.role);
    await rememberAnswers(app, user.aadObjectId, sent, answerOf(inputOf(data)));
    await completeClaim(app, claimKey, { state: 'done' });
    return cardReply(await keepBulkResult(app, user, data.op, result.rows, result.stepUps));
  },
});

/** Teams shows the result card again: its rows as the activations stand now (records only, no Graph call). */
export const refreshBulkResultAction = defineAction({
  verb: Verbs.refreshBulkResult,
  kind: 'updatesCard',
  data: bulkRunData,
  async run({ user, app }, { op }) {
    const own = async (requestId: string) => {
      const record = await readRecord(app, requestId);
      return record?.userAadObjectId === user.aadObjectId ? record : undefined;
    };
    const card = await bulkOnView(app, user, op, own);
    return cardReply(card ?? noLongerKeptCard());
  },
});

function noLongerKeptCard(): AdaptiveCard {
  return messageCard({
    title: 'Activate several: an earlier result',
    text: 'I no longer keep this result. Type **activate** to see where each of your roles stands.',
    tone: 'default',
    actions: [],
  });
}

/** The "Save this pick as" name checked: empty is fine (nothing saved); a new name needs a free place. */
async function saveAsProblem(
  app: BotServices,
  user: ActingUser,
  raw: string | undefined,
): Promise<{ name?: string; problem?: string }> {
  if (!raw?.trim()) return {};
  const parsed = setNameSchema.safeParse(raw);
  if (!parsed.success) return { problem: `The set name ${parsed.error.issues[0]?.message ?? 'is not valid'}.` };
  const sets = await savedSets(app, user.aadObjectId);
  const isNew = !sets.some((s) => s.name.toLowerCase() === parsed.data.toLowerCase());
  if (isNew && sets.length >= MAX_SAVED_SETS) {
    return { problem: `You have ${MAX_SAVED_SETS} saved sets already: remove one first, or leave the name empty.` };
  }
  return { name: parsed.data };
}

/**
 * `activate <set name>`: the form with the set's items picked; items no longer pickable are named and left out.
 */
export async function savedSetForm(app: BotServices, user: ActingUser, set: SavedSet): Promise<AdaptiveCard> {
  let all: EligibleRole[];
  try {
    all = await activationContext(app).eligibleRoles(user);
  } catch (err) {
    return graphProblemCard(toDomainError(err, { action: 'read your eligible roles' }));
  }
  const roles = pickable(all);
  if (roles.length === 0) return nothingToActivateCard();
  const byKey = new Map(roles.map((r) => [pickKey(r), r]));
  const kept = set.picks.filter((p) => byKey.has(p.key)).map((p) => p.key);
  const gone = set.picks.filter((p) => !byKey.has(p.key)).map((p) => goneName(p, all));
  const answer = sharedAnswer(await rememberedAnswers(app, user.aadObjectId), kept);
  return bulkForm(roles, { values: { ...answer, picked: kept.join(',') }, fromSet: { name: set.name, gone } });
}

function savedPick(role: EligibleRole): SavedSet['picks'][number] {
  return { key: pickKey(role), name: roleTitle(role.accessId, role.group.displayName, role.directoryScope) };
}

/** A left-out item: still listed but active or waiting now, or no longer eligible at all. */
function goneName(pick: SavedSet['picks'][number], all: EligibleRole[]): string {
  const listed = all.some((r) => pickKey(r) === pick.key);
  return `${pick.name} (${listed ? 'active or waiting now' : 'no longer eligible'})`;
}

export const activateSavedSetAction = defineAction({
  verb: Verbs.activateSavedSet,
  kind: 'updatesCard',
  data: savedSetData,
  async run({ user, app }, data) {
    const set = await savedSet(app, user.aadObjectId, data.name);
    if (!set) {
      return cardReply(
        messageCard({
          title: 'That set is gone',
          text: 'You have no saved set by that name any more. Type **activate** to see your roles.',
          tone: 'warning',
          actions: [],
        }),
      );
    }
    return cardReply(await savedSetForm(app, user, set));
  },
});

function inputOf(data: ActivateSeveralData): Omit<ActivationInput, 'durationMinutes'> {
  return {
    justification: data.justification?.trim() || undefined,
    ticketNumber: data.ticketNumber?.trim() || undefined,
    ticketSystem: data.ticketSystem?.trim() || undefined,
  };
}

/** The picked values, each one of the person's eligible roles; anything else is a problem shown on the form. */
function readPicked(raw: string | undefined, roles: EligibleRole[]): { roles: EligibleRole[]; problems: string[] } {
  const keys = [
    ...new Set(
      (raw ?? '')
        .split(',')
        .map((k) => k.trim().toLowerCase())
        .filter(Boolean),
    ),
  ];
  if (keys.length === 0) return { roles: [], problems: ['Pick at least one role to activate.'] };
  if (keys.length > MAX_BULK_ITEMS) {
    return { roles: [], problems: [`Pick at most ${MAX_BULK_ITEMS} at once (you picked ${keys.length}).`] };
  }
  const byKey = new Map(roles.map((r) => [pickKey(r), r]));
  const found = keys.filter((k) => PICK.test(k) && byKey.has(k)).map((k) => byKey.get(k) as EligibleRole);
  const unknown = keys.length - found.length;
  return unknown > 0
    ? {
        roles: [],
        problems: [
          `${unknown} of the picked roles ${unknown === 1 ? 'is' : 'are'} not (any more) among your eligible roles.`,
        ],
      }
    : { roles: found, problems: [] };
}

/**
 * Checks every picked role against its own policy (the duration capped to its maximum, not refused), sends those
 * that pass in one `$batch`, and answers one row per role.
 */
async function activateAll(
  app: BotServices,
  user: ActingUser,
  roles: EligibleRole[],
  input: ActivationInput,
  run: BulkRun,
): Promise<{ rows: BulkResultRow[]; stepUps: BulkStepUp[] }> {
  const now = app.clock.now();
  const rows = new Map<string, BulkResultRow>();
  const toSend: (BatchedActivation & { target: ActivationTarget })[] = [];
  for (const role of roles) {
    const key = pickKey(role);
    if (role.active || role.pending) {
      rows.set(key, { role, outcome: 'notSent', detail: 'It is already active or waiting for approval.' });
      continue;
    }
    if (!role.policy) {
      rows.set(key, { role, outcome: 'notSent', detail: 'Its rules could not be read just now.' });
      continue;
    }
    const durationMinutes = Math.min(input.durationMinutes, role.policy.maximumMinutes);
    const own = { ...input, durationMinutes };
    const problems = checkActivationInput(role.policy, own, {
      now,
      eligibleUntil: role.eligibleUntil,
      noun: role.directoryScope ? 'role' : 'group',
    });
    if (problems.length > 0) {
      rows.set(key, { role, outcome: 'notSent', detail: problems.map((p) => p.message).join(' ') });
      continue;
    }
    const capped = durationMinutes < input.durationMinutes ? { cappedToMinutes: durationMinutes } : {};
    rows.set(key, { role, outcome: 'refused', ...capped });
    toSend.push({ key, target: targetOf(role), input: own });
  }
  const stepUps: StepUpItem[] = [];
  const answers = await requestActivations(app.graph.forUser(user), user.aadObjectId, toSend, now);
  if (answers.length > 0) activationContext(app).forget(user);
  for (const [i, answer] of answers.entries()) {
    const sent = toSend[i];
    const row = rows.get(answer.key) as BulkResultRow;
    if ('error' in answer) {
      const { error } = answer;
      if (error.kind === 'stepUp') stepUps.push({ ...sent, claims: error.claims ?? '' });
      app.log.info({ kind: error.kind, code: error.graphCode }, 'one of several activations refused');
      rows.set(answer.key, {
        ...row,
        outcome: error.kind === 'stepUp' ? 'stepUp' : 'refused',
        detail: error.kind === 'stepUp' ? undefined : error.userMessage,
      });
      continue;
    }
    const record = await saveRecord(app, recordOf(app, user, sent.target, sent.input, answer.outcome));
    if (record.phase === 'pendingApproval' && sent.target.directoryScopeId === undefined) {
      await watchGroupApprovals(app, sent.target.groupId);
    } else if (record.phase === 'pendingApproval') {
      await startRoleApproval(app, user, record.requestId);
    }
    app.log.info({ requestId: record.requestId, status: answer.outcome.status }, 'activation requested (several)');
    rows.set(answer.key, { ...row, ...rowOf(record) });
  }
  return {
    rows: roles.map((r) => rows.get(pickKey(r)) as BulkResultRow),
    stepUps: await signInsFor(app, user, stepUps, run),
  };
}

type StepUpItem = BatchedActivation & { target: ActivationTarget; claims: string };

/** One step-up sign-in per distinct claims challenge; after it, every item that asked for those claims is sent. */
/** The run of "Activate several": its form id, and the result card (the clicked form) when Teams said which. */
interface BulkRun {
  op: string;
  activityId?: string;
}

async function signInsFor(
  app: BotServices,
  user: ActingUser,
  items: StepUpItem[],
  run: BulkRun,
): Promise<BulkStepUp[]> {
  const byClaims = new Map<string, StepUpItem[]>();
  for (const item of items) byClaims.set(item.claims, [...(byClaims.get(item.claims) ?? []), item]);
  const signIns: BulkStepUp[] = [];
  for (const [claims, [first, ...rest]] of byClaims) {
    const state = await createStepUp(app, {
      user: { aadObjectId: user.aadObjectId, tenantId: user.tenantId, name: user.name, teamsId: user.teamsId },
      claims: claims || undefined,
      ...storedStepUpItem(first.target, first.input),
      alsoTargets: rest.map((r) => storedStepUpItem(r.target, r.input)),
      ...(run.activityId ? { bulk: { op: run.op, activityId: run.activityId } } : {}),
    });
    signIns.push({
      names: [first, ...rest].map((i) => i.target.groupName),
      keys: [first, ...rest].map((i) => i.key),
      signInUrl: `${activationContext(app).publicUrl()}/auth/stepup?state=${encodeURIComponent(state)}`,
    });
  }
  if (signIns.length > 0) app.log.info({ signIns: signIns.length }, 'several activations need a step-up sign-in');
  return signIns;
}

function rowOf(record: ActivationRecord): Pick<BulkResultRow, 'outcome' | 'requestId' | 'detail'> {
  const requestId = record.requestId;
  if (record.phase === 'active' || record.phase === 'scheduled' || record.phase === 'pendingApproval') {
    return { outcome: record.phase, requestId, detail: undefined };
  }
  return { outcome: 'refused', requestId, detail: `Microsoft Entra answered: ${record.phase}.` };
}

function alreadySentCard(): AdaptiveCard {
  return messageCard({
    title: 'Already sent',
    text: 'These activations were sent with your first click. Type **activate** to see where each one stands.',
    tone: 'warning',
    actions: [],
  });
}
