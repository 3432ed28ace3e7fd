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
import { openStageOf, openStagesOf } from './stages.js';
import { RequesterStore, type SubmitIntent, type TrackRecord } from './store.js';

/**
 * The status card of a request (subject `request:<id>`, role `requester`): drawn from app-only reads so any journey
 * (the approver's, after a decision) can refresh it, kept current by the watcher, with a notification per change.
 */

export const REQUEST_SUBJECT = 'request';
export const REQUESTER_ROLE = 'requester';

export const requestSubject = (requestId: string) => subjectKey(REQUEST_SUBJECT, requestId);

/** What a status card shows changes only with these and the open stage; relative times are refreshed with them. */
export function versionOf(request: RequestView, openStage?: number): string {
  const parts = [request.state, request.status, request.accessEndsAt ?? ''];
  return (openStage ?? 1) > 1 ? [...parts, `stage${openStage}`].join('|') : parts.join('|');
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
  openStage?: number,
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
  if (openStage && openStage > 1 && request.state === 'pendingApproval') view.openStage = openStage;
  if (record?.canceledByRequester) view.canceledByRequester = true;
  return view;
}

interface Loaded {
  request: RequestView;
  record?: TrackRecord;
  decisions?: RequestDecisions;
  /** While it waits for approval: the open stage, when an earlier one was approved. */
  openStage?: number;
}

/**
 * Who decided a tracked request and why, read with the REQUESTER's token (their turn when they are the one acting,
 * else their background token) and kept with the record: once its state says it was decided, and while it waits, once
 * per stage the approvals watcher saw approved (so an unchanged request costs no read). A refusal (403, 404) is kept
 * too; a read that could not be made now (no background token, Graph busy) is tried on the next render.
 */
async function withDecisions(app: BotServices, loaded: Loaded, actor?: ActingUser): Promise<Loaded> {
  const { request, record } = loaded;
  if (!record || request.kind === 'remove') return loaded;
  if (request.state === 'pendingApproval') return withStageDecisions(app, loaded, record, actor);
  const stages = record.context?.approvalStages;
  if (!hasDecisions(request.state, stages ? stages.length > 0 : undefined)) return loaded;
  if (record.decisions && record.decisionsStage === undefined) return { ...loaded, decisions: record.decisions };
  try {
    const decisions = await readDecisions(requesterGraph(app, record, actor), request.id);
    await new RequesterStore(app).updateTracked(request.id, { decisions, decisionsStage: undefined });
    return { ...loaded, record: { ...record, decisions, decisionsStage: undefined }, decisions };
  } catch (err) {
    app.log.debug({ requestId: request.id, reason: (err as Error)?.name }, 'could not read who decided a request');
    return { ...loaded, decisions: { kind: 'unreadable' } };
  }
}

/** The stages decided so far of a request still waiting, once the watcher saw a stage approved. */
async function withStageDecisions(
  app: BotServices,
  loaded: Loaded,
  record: TrackRecord,
  actor?: ActingUser,
): Promise<Loaded> {
  const openStage = await openStageOf(app, loaded.request.id);
  if (!openStage || openStage <= 1) return loaded;
  if (record.decisions && record.decisionsStage === openStage) {
    return { ...loaded, decisions: record.decisions, openStage };
  }
  try {
    const decisions = await readDecisions(requesterGraph(app, record, actor), loaded.request.id);
    await new RequesterStore(app).updateTracked(loaded.request.id, { decisions, decisionsStage: openStage });
    return { ...loaded, record: { ...record, decisions, decisionsStage: openStage }, decisions, openStage };
  } catch (err) {
    app.log.debug({ requestId: loaded.request.id, reason: (err as Error)?.name }, 'could not read the decided stages');
    return { ...loaded, decisions: { kind: 'unreadable' }, openStage };
  }
}

function requesterGraph(app: BotServices, record: TrackRecord, actor?: ActingUser) {
  return actor?.aadObjectId === record.userId
    ? userGraph(app, actor)
    : app.graph.forBackgroundUser({ aadObjectId: record.userId });
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
        const loaded = await loadRequest(app, id, record);
        const { request, record: withContext, decisions, openStage } = loaded;
        const zone = await requesterZone(app, withContext);
        const view = statusView(app, withContext, request, decisions, zone, openStage);
        return { version: versionOf(request, openStage), render: renderFor(view) };
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
  const loaded = await loadRequest(app, requestId, await store.tracked(requestId), user);
  const { request, record, decisions, openStage } = loaded;
  const view = statusView(app, record, request, decisions, user.timeZone, openStage);
  const version = versionOf(request, openStage);
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
  if (record) await store.updateTracked(requestId, told(request, openStage));
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
  const { request, record, decisions, openStage } = await loadRequest(app, requestId, await store.tracked(requestId));
  const zone = await requesterZone(app, record ?? { userId: intent.userId });
  const view = statusView(app, record, request, decisions, zone, openStage);
  const subject = requestSubject(requestId);
  const version = versionOf(request, openStage);
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
  if (record) await store.updateTracked(requestId, told(request, openStage));
}

/** What the requester has now been told about a request: its state and the open approval stage. */
function told(request: RequestView, openStage?: number): Pick<TrackRecord, 'lastState' | 'final' | 'lastStage'> {
  return { lastState: request.state, final: FINAL_STATES.has(request.state), lastStage: openStage ?? 1 };
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
 * from Graph earlier in the same tick) has not moved and costs no call, so a tick's reads follow the changes; one whose
 * open stage moved on there (the approvals source's record) tells its requester who approved the stage before.
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
      const isWaiting = (r: TrackRecord) => r.lastState === 'pendingApproval' && waiting.has(r.requestId);
      await followStages(app, store, open.filter(isWaiting));
      const moving = open.filter((r) => !isWaiting(r));
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
  const loaded = record.context
    ? await withDecisions(app, { request: current, record })
    : await loadRequest(app, record.requestId, record);
  await tellRequester(app, store, record, loaded, loaded.request.state);
}

/** Redraws the copies of a request's card (the state is read already) and sends one notification per `change`. */
async function tellRequester(
  app: BotServices,
  store: RequesterStore,
  record: TrackRecord,
  loaded: Loaded,
  change: string,
): Promise<void> {
  const { request, record: withContext, decisions, openStage } = loaded;
  const zone = await requesterZone(app, withContext ?? record);
  const view = statusView(app, withContext, request, decisions, zone, openStage);
  const subject = requestSubject(record.requestId);
  // The state was read already, so refresh the copies directly instead of refreshSubject (which reads again).
  await app.proactive.registry.refreshAll(subject, versionOf(request, openStage), renderFor(view));
  if (isNews(record.lastState, change)) {
    await app.proactive.notifier.notifyOnce(`${subject}:${change}`, record.userId, requestNotificationCard(view));
  }
  await store.updateTracked(record.requestId, told(request, openStage));
}

/**
 * Entra's own first steps after a submit (to waiting for approval, or straight to setting up) decide nothing: the card
 * the person just saw changes in place, without a message. Timing alone decides whether the submit's reply already
 * shows them, so a message for them would come some times and not others.
 */
const FIRST_STEPS: ReadonlySet<string> = new Set(['pendingApproval', 'delivering']);

function isNews(toldState: string | undefined, change: string): boolean {
  return !(toldState === 'submitted' && FIRST_STEPS.has(change));
}

/**
 * Requests still waiting whose open stage moved on since the requester was told (the approvals source's records, no
 * Graph read): the card and a notification say who approved the stage before, read with the requester's token.
 */
async function followStages(app: BotServices, store: RequesterStore, waiting: TrackRecord[]): Promise<void> {
  if (waiting.length === 0) return;
  const stages = await openStagesOf(
    app,
    waiting.map((r) => r.requestId),
  );
  for (const record of waiting) {
    const openStage = stages.get(record.requestId) ?? 1;
    if (openStage <= (record.lastStage ?? 1)) continue;
    try {
      const loaded = await loadRequest(app, record.requestId, record);
      // Decided since the approvals source listed it: the next tick reports the new state instead.
      if (loaded.request.state !== 'pendingApproval') continue;
      await tellRequester(app, store, record, loaded, `stage${loaded.openStage ?? 1}`);
    } catch (err) {
      app.log.warn({ err, requestId: record.requestId }, 'could not tell a requester that a stage was approved');
    }
  }
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
