import {
  type ActivationCardView,
  activationCard,
  activationNotificationCard,
} from '../../../cards/activation/activationCard.js';
import type { AdaptiveCard } from '../../../cards/elements.js';
import { loadRequestSnapshot, type RequestSnapshot } from '../../../services/pim/activate.js';
import type { CardJson } from '../../invokeResponse.js';
import { type LoadedSubject, refreshSubject, type SubjectKind, subjectKey } from '../../proactive/subjects.js';
import type { ActingUser, BotServices } from '../../services.js';
import { withDecisions } from './decisions.js';
import { type ActivationRecord, changeRecord, FINAL_PHASES, readRecord, stateOf } from './store.js';

/** Tracked activation cards: subject `activation:<requestId>`, one copy per card the person has of it. */

export const ACTIVATION_KIND = 'activation';

export const activationSubject = (requestId: string) => subjectKey(ACTIVATION_KIND, requestId.toLowerCase());

export function viewOf(
  app: BotServices,
  record: ActivationRecord,
  notice?: ActivationCardView['notice'],
): ActivationCardView {
  return {
    state: stateOf(record),
    now: app.clock.now().toISOString(),
    zone: record.timeZone,
    reminderMinutes: app.config.activationReminderMinutes,
    viewerTeamsId: record.teamsId,
    notice,
  };
}

export function renderRecord(app: BotServices, record: ActivationRecord, notice?: ActivationCardView['notice']) {
  return activationCard(viewOf(app, record, notice));
}

/**
 * A record made without a Teams id or time zone (found by the watcher, or kept from before they were stored) takes
 * them from the person's conversation with the bot, so their card still refreshes by itself and shows their zone.
 */
export async function withKnownTeamsId(app: BotServices, record: ActivationRecord): Promise<ActivationRecord> {
  if (record.teamsId && record.timeZone) return record;
  const conversation = await app.proactive.conversations.get(record.userAadObjectId).catch(() => undefined);
  if (!conversation) return record;
  return {
    ...record,
    ...(!record.teamsId && conversation.teamsUserId ? { teamsId: conversation.teamsUserId } : {}),
    ...(!record.timeZone && conversation.timeZone ? { timeZone: conversation.timeZone } : {}),
  };
}

/** What the card shows, as a fingerprint: a copy is only updated when this changes. */
export function versionOf(app: BotServices, record: ActivationRecord): string {
  return [
    record.phase,
    record.startDateTime ?? '',
    record.endDateTime ?? '',
    endingSoon(app, record) ? 'soon' : '',
    // Read once and never changed after: who decided shows up on the cards when it is read.
    record.decisions?.kind ?? '',
  ].join('|');
}

export function endingSoon(app: BotServices, record: ActivationRecord): boolean {
  if (record.phase !== 'active' || !record.endDateTime) return false;
  const left = Date.parse(record.endDateTime) - app.clock.now().getTime();
  return left <= app.config.activationReminderMinutes * 60_000;
}

/**
 * Reads the request (app-only, one `$batch`) and keeps the record in step with it; once an approver decided, who
 * decided is read for the requester (decisions.ts; `actor` when it is their own turn). Final records are not re-read.
 */
export async function syncRecord(
  app: BotServices,
  record: ActivationRecord,
  actor?: ActingUser,
): Promise<ActivationRecord> {
  if (FINAL_PHASES.has(record.phase)) return record;
  const snapshot = await loadRequestSnapshot(readerOf(app, record, actor), record.requestId, {
    groupId: record.groupId,
    principalId: record.userAadObjectId,
    directoryScopeId: record.directoryScopeId,
  });
  if (!snapshot) return (await changeRecord(app, record.requestId, () => ({ phase: 'failed' }))) ?? record;
  const patch = phasePatch(snapshot, record, app.clock.now().getTime());
  const synced = patch ? ((await changeRecord(app, record.requestId, () => patch)) ?? { ...record, ...patch }) : record;
  return withDecisions(app, synced, actor);
}

/**
 * Who reads the request: the app for a PIM group; for an Entra role the requester (their turn, else their background
 * token), since an app-only read of role requests needs a permission that can assign any directory role.
 */
function readerOf(app: BotServices, record: ActivationRecord, actor?: ActingUser) {
  if (record.directoryScopeId === undefined) return app.graph.forApp();
  return actor?.aadObjectId === record.userAadObjectId
    ? app.graph.forUser(actor)
    : app.graph.forBackgroundUser({ aadObjectId: record.userAadObjectId });
}

const CLOSED_STATUS: Record<string, ActivationRecord['phase']> = {
  denied: 'denied',
  admindenied: 'denied',
  canceled: 'canceled',
  timedout: 'expired',
  failed: 'failed',
  failedasresourceislocked: 'failed',
  invalid: 'failed',
};

/** Graph's request status plus the active instance, turned into what the card shows; undefined = unchanged. */
export function phasePatch(
  snapshot: RequestSnapshot,
  record: ActivationRecord,
  now: number,
): Partial<ActivationRecord> | undefined {
  const { request, instance } = snapshot;
  const status = request.status.toLowerCase();
  let patch: Partial<ActivationRecord> | undefined;
  if (status === 'pendingapproval' || status === 'pendingadmindecision') {
    patch = { phase: 'pendingApproval', approvalId: request.approvalId ?? request.requestId };
  } else if (CLOSED_STATUS[status]) patch = { phase: CLOSED_STATUS[status] };
  else if (instance) {
    patch = { phase: 'active', startDateTime: instance.startDateTime, endDateTime: instance.endDateTime };
  } else if (request.startDateTime && Date.parse(request.startDateTime) > now && status !== 'revoked') {
    patch = { phase: 'scheduled', startDateTime: request.startDateTime, endDateTime: request.endDateTime };
  } else if (record.phase === 'active' || status === 'revoked' || pastEnd(record, now)) {
    // The membership is gone: at its end time, or earlier when someone ended it elsewhere.
    const end =
      record.endDateTime && Date.parse(record.endDateTime) <= now ? record.endDateTime : new Date(now).toISOString();
    patch = { phase: 'ended', endDateTime: end };
  }
  // Otherwise Graph is still provisioning (approved a moment ago): keep what the card shows.
  if (!patch) return undefined;
  const changed = (Object.keys(patch) as (keyof ActivationRecord)[]).some((k) => patch[k] !== record[k]);
  return changed ? patch : undefined;
}

function pastEnd(record: ActivationRecord, now: number): boolean {
  return !!record.endDateTime && Date.parse(record.endDateTime) <= now;
}

/**
 * The subject as the watcher and the approver journey refresh it (never in the requester's own turn): when this read
 * is the one that finds the activation decided, the requester also gets a message saying so.
 */
export function activationKind(app: BotServices): SubjectKind {
  return {
    kind: ACTIVATION_KIND,
    async load(id: string): Promise<LoadedSubject | undefined> {
      const stored = await readRecord(app, id);
      if (!stored) return undefined;
      const record = await withKnownTeamsId(app, await syncRecord(app, stored));
      if (stored.phase === 'pendingApproval' && record.phase !== 'pendingApproval') await notifyDecided(app, record);
      const card: AdaptiveCard = renderRecord(app, record);
      return { version: versionOf(app, record), render: (): CardJson => card };
    },
  };
}

/** One message per outcome of an activation that waited for approval, drawn from the same view as its card. */
async function notifyDecided(app: BotServices, record: ActivationRecord): Promise<void> {
  try {
    const card = activationNotificationCard(viewOf(app, record));
    await app.proactive.notifier.notifyOnce(
      `activation/decided/${record.requestId}/${record.phase}`,
      record.userAadObjectId,
      card,
    );
  } catch (err) {
    app.log.warn({ err, requestId: record.requestId }, 'could not tell the requester how their activation was decided');
  }
}

/** Brings every copy of the activation's card up to date (except the one the current invoke answers). */
export async function refreshActivation(
  app: BotServices,
  requestId: string,
  except?: { userAadObjectId: string; activityId: string },
): Promise<number> {
  try {
    return await refreshSubject(app.subjects, app.proactive.registry, activationSubject(requestId), except);
  } catch (err) {
    app.log.warn({ err, requestId }, 'could not refresh the activation cards');
    return 0;
  }
}

/** Records that a card in the person's chat shows this activation, so it is kept current. */
export async function trackCopy(
  app: BotServices,
  record: ActivationRecord,
  where: { activityId?: string; conversationId?: string },
  role = 'requester',
): Promise<void> {
  if (!where.activityId || !where.conversationId) return;
  try {
    await app.proactive.registry.track({
      subject: activationSubject(record.requestId),
      userAadObjectId: record.userAadObjectId,
      activityId: where.activityId,
      conversationId: where.conversationId,
      role,
      version: versionOf(app, record),
    });
  } catch (err) {
    app.log.warn({ err, requestId: record.requestId }, 'could not track the activation card');
  }
}
