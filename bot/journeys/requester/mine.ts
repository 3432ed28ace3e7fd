import { randomUUID } from 'node:crypto';
import type { RowNotice } from '../../../cards/activation/listCard.js';
import { errorCard } from '../../../cards/errorCard.js';
import { pageOf } from '../../../cards/paging.js';
import {
  giveUpConfirmCard,
  MY_REQUESTS_PAGE_SIZE,
  type MyAccessView,
  myAccessCard,
  myRequestsCard,
} from '../../../cards/requester/mine.js';
import { Verbs } from '../../../cards/verbs.js';
import { CANCELABLE_STATES } from '../../../services/entitlement/parse.js';
import {
  createRequest,
  listMyAssignments,
  listMyRequests,
  userRemoveBody,
} from '../../../services/entitlement/requests.js';
import { GraphRequestError } from '../../../services/graph/errors.js';
import type { AssignmentView, RequestView } from '../../../services/model/entitlement.js';
import { type ActionScope, defineAction } from '../../actions/registry.js';
import { sendCard } from '../../cardSender.js';
import { prefixMatcher, type TextCommand } from '../../commands/table.js';
import { type CardJson, cardReply } from '../../invokeResponse.js';
import type { ActingUser, BotServices } from '../../services.js';
import { activeRolesSections, deactivateFromMyAccess } from '../activation/index.js';
import { earlierAttemptFailedCard, stillSendingCard, waitForResult } from './form.js';
import { outcomesOf } from './outcomes.js';
import { problemCard, userGraph } from './replies.js';
import { assignmentData, confirmGiveUpData, deactivateInMyAccessData, pageData } from './schemas.js';
import { statusReply, trackRequest } from './status.js';
import { RequesterStore } from './store.js';

/**
 * `my requests` (one Graph call), `my access` (the package assignments, with the activation journey's active group
 * memberships read in parallel), and giving access up (`userRemove`, after a confirmation).
 */

const CURRENT = new Set<AssignmentView['state']>(['delivered', 'delivering', 'partiallyDelivered']);

interface Who {
  app: BotServices;
  user: ActingUser;
}

/** Pending first (newest first), then the most recent others. */
function forCard(requests: RequestView[]): RequestView[] {
  const pending = requests.filter((r) => CANCELABLE_STATES.has(r.state));
  const others = requests.filter((r) => !CANCELABLE_STATES.has(r.state));
  return [...pending, ...others];
}

async function myRequests({ app, user }: Who, page = 0): Promise<CardJson> {
  try {
    const store = new RequesterStore(app);
    const requests = forCard(await listMyRequests(userGraph(app, user)));
    const shown = pageOf(requests, page, MY_REQUESTS_PAGE_SIZE).items;
    const [decisions, renewals] = await Promise.all([outcomesOf(app, user, shown), renewalsOf(store, shown)]);
    const view = {
      requests: requests.map((r) => (renewals.has(r.id) ? { ...r, renewal: true } : r)),
      page,
      now: app.clock.now().toISOString(),
      decisions,
    };
    await store.rememberPackages(
      user.aadObjectId,
      shown.map((r) => ({ id: r.packageId, name: r.packageName })),
    );
    return myRequestsCard(view);
  } catch (err) {
    return problemCard(err, 'list your requests', app.log, { title: 'Try again', verb: Verbs.myRequests });
  }
}

/** Ids of the shown requests the bot made through Renew (Graph sends a renewal as a plain `userAdd`). */
async function renewalsOf(store: RequesterStore, shown: RequestView[]): Promise<Set<string>> {
  const adds = shown.filter((r) => r.kind === 'add' && !r.renewal);
  const records = await Promise.all(adds.map((r) => store.tracked(r.id)));
  return new Set(records.filter((r) => r?.renewal).map((r) => r?.requestId ?? ''));
}

/**
 * The access-package part of `my access` for this user (one Graph call), soonest end first. Exported so another
 * journey can compose its own sections (active group memberships) into the same card with `myAccessSection`.
 */
export async function loadMyAccessView({ app, user }: Who): Promise<MyAccessView> {
  const graph = userGraph(app, user);
  const [all, upcoming] = await Promise.all([listMyAssignments(graph), scheduledRequests(app, graph)]);
  const assignments = all
    .filter((a) => CURRENT.has(a.state))
    .sort((a, b) => (a.endsAt ?? '9999').localeCompare(b.endsAt ?? '9999'));
  await new RequesterStore(app).rememberPackages(
    user.aadObjectId,
    [...upcoming, ...assignments].map((a) => ({ id: a.packageId, name: a.packageName })),
  );
  return { assignments, upcoming, now: app.clock.now().toISOString() };
}

/**
 * Access that starts later is a request Graph holds as `scheduled` until its start (no assignment yet): read in the
 * same moment as the assignments; if it cannot be read, `my access` shows the assignments alone.
 */
async function scheduledRequests(app: BotServices, graph: ReturnType<typeof userGraph>): Promise<RequestView[]> {
  try {
    return (await listMyRequests(graph))
      .filter((r) => r.state === 'scheduled' && r.kind !== 'remove')
      .sort((a, b) => (a.startsAt ?? '').localeCompare(b.startsAt ?? ''));
  } catch (err) {
    app.log.debug({ reason: (err as Error)?.name }, 'could not read the requests that start later');
    return [];
  }
}

/**
 * The whole `my access` card: the package assignments and the active PIM group memberships/ownerships, read at the
 * same time (neither waits for the other). The section handles its own Graph failures (it says it could not read
 * them), so a failing PIM read never hides the packages; a failing package read fails the card as before.
 */
async function myAccessReply(
  { app, user }: Who,
  known?: MyAccessView,
  page = 0,
  notice?: RowNotice,
): Promise<CardJson> {
  const [view, roles] = await Promise.all([
    known ?? loadMyAccessView({ app, user }),
    activeRolesSections(app, user, { page, notice }),
  ]);
  return myAccessCard({ ...view, page }, roles);
}

async function myAccess(who: Who, page = 0, notice?: RowNotice): Promise<CardJson> {
  try {
    return await myAccessReply(who, undefined, page, notice);
  } catch (err) {
    return problemCard(err, 'list your access', who.app.log, { title: 'Try again', verb: Verbs.myAccess });
  }
}

export const myRequestsCommand: TextCommand = {
  name: 'myRequests',
  match: prefixMatcher('my requests', 'my request', 'requests'),
  async run({ turn, user, app }) {
    await sendCard(turn, await myRequests({ app, user }));
  },
};

export const myAccessCommand: TextCommand = {
  name: 'myAccess',
  match: (text) => (/^(my access|my assignments|what do i have|my packages)$/i.test(text) ? '' : undefined),
  async run({ turn, user, app }) {
    await sendCard(turn, await myAccess({ app, user }));
  },
};

export const myRequestsAction = defineAction({
  verb: Verbs.myRequests,
  kind: 'pagedList',
  data: pageData,
  run: async ({ app, user }, { page }) => cardReply(await myRequests({ app, user }, page)),
});

export const myAccessAction = defineAction({
  verb: Verbs.myAccess,
  kind: 'pagedList',
  data: pageData,
  run: async ({ app, user }, { page }) => cardReply(await myAccess({ app, user }, page)),
});

/**
 * Deactivate in `my access` (a group membership or an Entra role): the activation journey ends it, and the answer is
 * `my access` drawn again at its page with what happened by the row, so the list stays where the person was.
 */
export const deactivateInMyAccessAction = defineAction({
  verb: Verbs.deactivateInMyAccess,
  kind: 'updatesCard',
  data: deactivateInMyAccessData,
  async run({ turn, app, user }, { requestId, page }) {
    const answer = await deactivateFromMyAccess(app, user, requestId, turn.activity.replyToId);
    if ('card' in answer) return cardReply(answer.card);
    return cardReply(await myAccess({ app, user }, page, answer.notice));
  },
});

/** "Give up access": re-reads the user's assignments (a stale card refreshes instead), then asks to confirm. */
export const giveUpAction = defineAction({
  verb: Verbs.giveUp,
  kind: 'updatesCard',
  data: assignmentData,
  async run({ app, user }, { assignmentId }) {
    try {
      const view = await loadMyAccessView({ app, user });
      const assignment = view.assignments.find((a) => a.id === assignmentId && a.state === 'delivered');
      if (!assignment) return cardReply(await myAccessReply({ app, user }, view));
      if (!assignment.canGiveUp) return cardReply(cannotGiveUpCard());
      const actionId = randomUUID();
      await new RequesterStore(app).createAction(user.aadObjectId, actionId, {
        kind: 'giveUp',
        assignmentId,
        packageId: assignment.packageId,
        packageName: assignment.packageName,
      });
      return cardReply(giveUpConfirmCard({ assignment, actionId }));
    } catch (err) {
      return cardReply(problemCard(err, 'give up this access', app.log));
    }
  },
});

function cannotGiveUpCard() {
  return errorCard({
    title: 'You cannot give this access up yourself',
    message: "The access package's policy does not let people remove their own access.",
    nextStep: 'Ask your admin or the access package manager to remove it.',
  });
}

function expiredConfirmationCard() {
  return errorCard({
    title: 'This confirmation is no longer valid',
    message: 'Nothing was changed.',
    nextStep: 'Type **my access** and choose Give up access again.',
  });
}

export const confirmGiveUpAction = defineAction({
  verb: Verbs.confirmGiveUp,
  kind: 'updatesCard',
  data: confirmGiveUpData,
  async run(scope, { assignmentId, actionId }) {
    const { app, user } = scope;
    const store = new RequesterStore(app);
    const action = await store.action(user.aadObjectId, actionId);
    if (!action || action.assignmentId !== assignmentId) return cardReply(expiredConfirmationCard());
    try {
      const claim = await store.claimAction(user.aadObjectId, actionId);
      if (claim.kind === 'claimed') return cardReply(await removeAccess(scope, action, actionId));
      const result = await waitForResult(claim, () => store.claimState(user.aadObjectId, actionId, 'action'));
      if (result.kind === 'done') return cardReply(await statusReply(scope, result.requestId));
      if (result.kind === 'failed') {
        return cardReply(earlierAttemptFailedCard({ verb: Verbs.confirmGiveUp, data: { assignmentId, actionId } }));
      }
      return cardReply(result.kind === 'missing' ? expiredConfirmationCard() : stillSendingCard());
    } catch (err) {
      return cardReply(problemCard(err, `give up ${action.packageName}`, app.log));
    }
  },
});

async function removeAccess(
  scope: ActionScope,
  action: { assignmentId: string; packageId: string; packageName: string },
  actionId: string,
): Promise<CardJson> {
  const { app, user } = scope;
  const store = new RequesterStore(app);
  try {
    const created = await createRequest(userGraph(app, user), userRemoveBody(action.assignmentId), {
      id: action.packageId,
      name: action.packageName,
    });
    await store.finishAction(user.aadObjectId, actionId, { state: 'done', requestId: created.id });
    await trackRequest(app, user, created);
    return statusReply(scope, created.id);
  } catch (err) {
    await store.finishAction(user.aadObjectId, actionId, { state: 'failed' });
    // The access already ended (or was removed elsewhere): show what the user has now instead.
    if (err instanceof GraphRequestError && err.status === 404) return myAccessReply(scope);
    throw err;
  }
}
