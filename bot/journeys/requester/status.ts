import { errorCard } from '../../../cards/errorCard.js';
import { type RequestStatusView, requestNotificationCard, requestStatusCard } from '../../../cards/requester/status.js';
import { Verbs } from '../../../cards/verbs.js';
import { hasDecisions, readDecisions } from '../../../services/entitlement/decisions.js';
import { CANCELABLE_STATES, eligibleRolesOf, FINAL_STATES } from '../../../services/entitlement/parse.js';
import {
  cancelRequest,
  getRequest,
  getRequestContext,
  getRequests,
  listMyRequests,
} from '../../../services/entitlement/requests.js';
import { GraphRequestError } from '../../../services/graph/errors.js';
import type { PackageDetails, RequestDecisions, RequestView } from '../../../services/model/entitlement.js';
import { type ActionScope, defineAction } from '../../actions/registry.js';
import { type CardJson, cardReply } from '../../invokeResponse.js';
import { type SubjectKind, subjectKey } from '../../proactive/subjects.js';
import type { TrackedCard, WatchSource } from '../../proactive/types.js';
import type { ActingUser, BotServices } from '../../services.js';
import { approverContext } from '../approver/context.js';
import { reconcileIntents } from './intent.js';
import { problemCard, userGraph } from './replies.js';
import { requestData } from './schemas.js';
import { RequesterStore, type SubmitIntent, type TrackRecord } from './store.js';

/**
 * The status card of a request (subject `request:<id>`, role `requester`): drawn from app-only reads so any journey
 * (the approver's, after a decision) can refresh it, kept current by the watcher, with a notification per change.
 */

export const REQUEST_SUBJECT = 'request';
export const REQUESTER_ROLE = 'requester';

export const requestSubject = (requestId: string) => subjectKey(REQUEST_SUBJECT, requestId);

/** What a status card shows changes only with these; relative times are refreshed with them. */
export function versionOf(request: RequestView): string {
  return [request.state, request.status, request.accessEndsAt ?? ''].join('|');
}

function contextFrom(details: PackageDetails, policyId?: string): TrackRecord['context'] {
  const policy =
    details.policies.find((p) => p.id === policyId) ??
    (details.policies.length === 1 ? details.policies[0] : undefined);
  const approvalStages = policy ? (policy.approvalRequired ? policy.stages : []) : undefined;
  return { ...(approvalStages ? { approvalStages } : {}), eligibleRoles: eligibleRolesOf(details.grants) };
}

export function statusView(
  app: BotServices,
  record: TrackRecord | undefined,
  request: RequestView,
  decisions?: RequestDecisions,
  zone?: string,
): RequestStatusView {
  const view: RequestStatusView = {
    request: {
      ...request,
      packageId: request.packageId || record?.packageId || '',
      packageName: request.packageName || record?.packageName || 'an access package',
      ...(request.renewal || record?.renewal ? { renewal: true } : {}),
    },
    now: app.clock.now().toISOString(),
    zone,
    approvalStages: record?.context?.approvalStages,
    eligibleRoles: record?.context?.eligibleRoles ?? [],
    refreshUserIds: record?.teamsId ? [record.teamsId] : undefined,
  };
  if (decisions) view.decisions = decisions;
  if (record?.canceledByRequester) view.canceledByRequester = true;
  return view;
}

interface Loaded {
  request: RequestView;
  record?: TrackRecord;
  decisions?: RequestDecisions;
}

/**
 * Who decided a tracked request and why, once its state says it was decided: read once with the REQUESTER's token
 * (their turn when they are the one acting, else their background token) and kept with the record. A refusal (403,
 * 404) is kept too; a read that could not be made now (no background token, Graph busy) is tried on the next render.
 */
async function withDecisions(app: BotServices, loaded: Loaded, actor?: ActingUser): Promise<Loaded> {
  const { request, record } = loaded;
  if (!record || request.kind === 'remove') return loaded;
  const stages = record.context?.approvalStages;
  if (!hasDecisions(request.state, stages ? stages.length > 0 : undefined)) return loaded;
  if (record.decisions) return { ...loaded, decisions: record.decisions };
  const requester =
    actor?.aadObjectId === record.userId
      ? userGraph(app, actor)
      : app.graph.forBackgroundUser({ aadObjectId: record.userId });
  try {
    const decisions = await readDecisions(requester, request.id);
    await new RequesterStore(app).updateTracked(request.id, { decisions });
    return { ...loaded, record: { ...record, decisions }, decisions };
  } catch (err) {
    app.log.debug({ requestId: request.id, reason: (err as Error)?.name }, 'could not read who decided a request');
    return { ...loaded, decisions: { kind: 'unreadable' } };
  }
}

/**
 * The request as the app reads it (the first time for a tracked request, with its context in the same `$batch`),
 * and who decided it, as the requester may read it.
 */
async function loadRequest(
  app: BotServices,
  requestId: string,
  record?: TrackRecord,
  actor?: ActingUser,
): Promise<Loaded> {
  return withDecisions(app, await loadRequestAndContext(app, requestId, record), actor);
}

async function loadRequestAndContext(app: BotServices, requestId: string, record?: TrackRecord): Promise<Loaded> {
  const appGraph = app.graph.forApp();
  if (!record || record.context) return { request: await getRequest(appGraph, requestId), record };
  const loaded = await getRequestContext(appGraph, {
    requestId,
    packageId: record.packageId || 'unknown',
    requesterId: record.userId,
  });
  if (!loaded.details) return { request: loaded.request, record };
  const context = contextFrom(loaded.details, record.policyId);
  await new RequesterStore(app).updateTracked(requestId, { context });
  return { request: loaded.request, record: { ...record, context } };
}

/** The requester's time zone as their client last sent it; only they see the status card. */
async function requesterZone(app: BotServices, record: Pick<TrackRecord, 'userId'> | undefined) {
  if (!record?.userId) return undefined;
  return (await app.proactive.conversations.get(record.userId).catch(() => undefined))?.timeZone;
}

function renderFor(view: RequestStatusView) {
  return (copy: TrackedCard): CardJson | undefined =>
    copy.role === REQUESTER_ROLE ? requestStatusCard(view) : undefined;
}

export function requestSubjectKind(app: BotServices): SubjectKind {
  return {
    kind: REQUEST_SUBJECT,
    async load(id) {
      const record = await new RequesterStore(app).tracked(id);
      try {
        const { request, record: withContext, decisions } = await loadRequest(app, id, record);
        const view = statusView(app, withContext, request, decisions, await requesterZone(app, withContext));
        return { version: versionOf(request), render: renderFor(view) };
      } catch (err) {
        if (err instanceof GraphRequestError && err.status === 404) return undefined;
        throw err;
      }
    },
  };
}

/**
 * The status card as the reply to a click, tracked as the copy that replaced the clicked card, and every other copy
 * of the same request brought up to date. The state it shows counts as told (no notification for it).
 */
export async function statusReply(scope: ActionScope, requestId: string): Promise<CardJson> {
  const { app, user, turn } = scope;
  const store = new RequesterStore(app);
  const { request, record, decisions } = await loadRequest(app, requestId, await store.tracked(requestId), user);
  const view = statusView(app, record, request, decisions, user.timeZone);
  const version = versionOf(request);
  const replyToId = turn.activity.replyToId;
  const subject = requestSubject(requestId);
  if (replyToId) {
    await app.proactive.registry.track({
      subject,
      userAadObjectId: user.aadObjectId,
      activityId: replyToId,
      conversationId: turn.activity.conversation?.id ?? '',
      role: REQUESTER_ROLE,
      version,
    });
  }
  const except = replyToId ? { userAadObjectId: user.aadObjectId, activityId: replyToId } : undefined;
  await app.proactive.registry.refreshAll(subject, version, renderFor(view), except);
  if (record)
    await store.updateTracked(requestId, { lastState: request.state, final: FINAL_STATES.has(request.state) });
  await store.rememberPackages(user.aadObjectId, [{ id: view.request.packageId, name: view.request.packageName }]);
  return requestStatusCard(view);
}

/**
 * The status card of a request adopted without a click (its submit's process died): the form card the submit came
 * from turns into it, or, when that card is not known, it arrives as a new message.
 */
export async function showAdopted(
  app: BotServices,
  intent: Pick<SubmitIntent, 'userId' | 'card'>,
  requestId: string,
): Promise<void> {
  const store = new RequesterStore(app);
  const { request, record, decisions } = await loadRequest(app, requestId, await store.tracked(requestId));
  const view = statusView(
    app,
    record,
    request,
    decisions,
    await requesterZone(app, record ?? { userId: intent.userId }),
  );
  const subject = requestSubject(requestId);
  const version = versionOf(request);
  if (intent.card) {
    const { activityId, conversationId } = intent.card;
    await app.proactive.registry.track({
      subject,
      userAadObjectId: intent.userId,
      activityId,
      conversationId,
      role: REQUESTER_ROLE,
      version: '',
    });
    await app.proactive.registry.refreshAll(subject, version, renderFor(view));
  } else {
    await app.proactive.notifier.notifyOnce(`${subject}:adopted`, intent.userId, requestStatusCard(view), {
      subject,
      role: REQUESTER_ROLE,
      version,
    });
  }
  if (record)
    await store.updateTracked(requestId, { lastState: request.state, final: FINAL_STATES.has(request.state) });
}

/** Starts tracking a request the user just created (or proved theirs), so its card stays current. */
export async function trackRequest(
  app: BotServices,
  user: ActingUser,
  request: RequestView,
  policyId?: string,
  made: { renewal?: boolean } = {},
): Promise<void> {
  await new RequesterStore(app).track({
    requestId: request.id,
    userId: user.aadObjectId,
    teamsId: user.teamsId,
    packageId: request.packageId,
    packageName: request.packageName,
    ...(policyId ? { policyId } : {}),
    ...(made.renewal ? { renewal: true } : {}),
    lastState: request.state,
    final: FINAL_STATES.has(request.state),
  });
}

function notYoursCard() {
  return errorCard({
    title: 'I cannot show this request here',
    message: 'It is not one of the requests I keep for you.',
    nextStep: 'Type **my requests** to see your requests.',
  });
}

export const refreshRequestAction = defineAction({
  verb: Verbs.refreshRequest,
  kind: 'updatesCard',
  data: requestData,
  async run(scope, { requestId }) {
    const record = await new RequesterStore(scope.app).tracked(requestId);
    if (!record || record.userId !== scope.user.aadObjectId) return cardReply(notYoursCard());
    try {
      return cardReply(await statusReply(scope, requestId));
    } catch (err) {
      return cardReply(problemCard(err, 'show this request', scope.app.log));
    }
  },
});

export const cancelRequestAction = defineAction({
  verb: Verbs.cancelRequest,
  kind: 'updatesCard',
  data: requestData,
  async run(scope, { requestId }) {
    const { app, user } = scope;
    try {
      const moved = await cancelOrMovedOn(scope, requestId);
      if (moved === 'notYours') return cardReply(notYoursCard());
      const store = new RequesterStore(app);
      if (!(await store.tracked(requestId)))
        await trackRequest(app, user, await getRequest(app.graph.forApp(), requestId));
      if (moved === 'canceled') await store.updateTracked(requestId, { canceledByRequester: true });
      return cardReply(await statusReply(scope, requestId));
    } catch (err) {
      return cardReply(problemCard(err, 'cancel this request', app.log));
    }
  },
});

/**
 * Cancels with the user's token, once the request is known to be theirs (a tracked record of theirs, or their own
 * list), so a forged id never reaches Graph as a write. A request that already moved on is not an error: the card
 * then refreshes to the current state.
 */
async function cancelOrMovedOn(scope: ActionScope, requestId: string): Promise<'canceled' | 'movedOn' | 'notYours'> {
  const { app, user } = scope;
  const record = await new RequesterStore(app).tracked(requestId);
  if (record && record.userId !== user.aadObjectId) return 'notYours';
  if (!record) {
    const mine = await listMyRequests(userGraph(app, user));
    if (!mine.some((r) => r.id === requestId)) return 'notYours';
  }
  try {
    await cancelRequest(userGraph(app, user), requestId);
    return 'canceled';
  } catch (err) {
    if (!(await noLongerCancelable(scope, requestId, err))) throw err;
  }
  return 'movedOn';
}

/** Graph refuses the cancel of a request that moved on with a bare `BadRequest`: its state, read again, tells. */
async function noLongerCancelable(scope: ActionScope, requestId: string, err: unknown): Promise<boolean> {
  if (!(err instanceof GraphRequestError) || (err.status !== 400 && err.status !== 409)) return false;
  try {
    const now = await getRequest(userGraph(scope.app, scope.user), requestId);
    return !CANCELABLE_STATES.has(now.state);
  } catch {
    return false;
  }
}

/**
 * Each tick: the tracked requests that may have moved are read in `$batch` GETs (20 per call); changed ones update and
 * notify. A request that waited for approval and is still in the approvals source's index of pending requests (listed
 * from Graph earlier in the same tick) has not moved and costs no call, so a tick's reads follow the changes.
 */
export function requestWatchSource(app: BotServices): WatchSource {
  return {
    name: 'requester.requests',
    async tick() {
      await reconcileIntents(app);
      const store = new RequesterStore(app);
      const open = await store.openTracked();
      if (open.length === 0) return;
      const waiting = await stillPendingApproval(app);
      const moving = open.filter((r) => !(r.lastState === 'pendingApproval' && waiting.has(r.requestId)));
      if (moving.length === 0) return;
      const current = await getRequests(
        app.graph.forApp(),
        moving.map((r) => r.requestId),
      );
      for (const record of moving) {
        try {
          await followUp(app, store, record, current.get(record.requestId));
        } catch (err) {
          app.log.warn({ err, requestId: record.requestId }, 'could not follow up a tracked request');
        }
      }
    },
  };
}

async function followUp(
  app: BotServices,
  store: RequesterStore,
  record: TrackRecord,
  current: RequestView | number | undefined,
): Promise<void> {
  if (current === 404) return store.updateTracked(record.requestId, { final: true });
  if (current === undefined || typeof current === 'number' || current.state === record.lastState) return;
  const {
    request,
    record: withContext,
    decisions,
  } = record.context
    ? await withDecisions(app, { request: current, record })
    : await loadRequest(app, record.requestId, record);
  const view = statusView(app, withContext, request, decisions, await requesterZone(app, withContext ?? record));
  const subject = requestSubject(record.requestId);
  // The batch already read the state, so refresh the copies directly instead of refreshSubject (which reads again).
  await app.proactive.registry.refreshAll(subject, versionOf(request), renderFor(view));
  await app.proactive.notifier.notifyOnce(`${subject}:${request.state}`, record.userId, requestNotificationCard(view));
  await store.updateTracked(record.requestId, { lastState: request.state, final: FINAL_STATES.has(request.state) });
}

/** Ids of the access package requests Graph listed as pending approval at this tick (the approvals source's index). */
async function stillPendingApproval(app: BotServices): Promise<Set<string>> {
  const index = await approverContext(app).store.pending();
  return new Set(
    Object.keys(index.requests)
      .filter((key) => key.startsWith('em:'))
      .map((key) => key.slice(3)),
  );
}
