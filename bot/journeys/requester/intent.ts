import { createHash } from 'node:crypto';
import { SignInRequiredError } from '../../../services/auth/tokens.js';
import { getRequest, listMyRequestsWithJustification } from '../../../services/entitlement/requests.js';
import type { GraphFacade } from '../../../services/graph/client.js';
import type { RequestView } from '../../../services/model/entitlement.js';
import type { BotServices } from '../../services.js';
import { showAdopted, trackRequest } from './status.js';
import { RequesterStore, STALE_CLAIM_MS, type SubmitIntent } from './store.js';

/**
 * A submit writes its intent before the POST. When the process dies before it records the request Graph created,
 * the intent is reconciled (on the next click with the clicker's token, or by the watcher, which only reads the
 * person's own requests) and the matching request is adopted: the form's submit is marked done and the status card
 * and notifications follow it. With no match once the POST would long have returned, the intent is dropped and the
 * person may submit again.
 */

/** How far Graph's createdDateTime may be behind the bot's clock and still count as "after the intent". */
export const CLOCK_SKEW_MS = 5 * 60_000;
/** A POST still unanswered after this long is dead (the same window as a stale submit claim). */
export const INTENT_WINDOW_MS = STALE_CLAIM_MS;
/** The watcher leaves intents this young to the submit that may still be running in some process. */
export const BACKGROUND_GRACE_MS = 5_000;
/** An intent nobody could check (no token for the person in the background) is forgotten after a day. */
const MAX_INTENT_AGE_MS = 24 * 3_600_000;

export type MyRequest = RequestView & { justification: string };

export function justificationHash(text: string | undefined): string {
  return createHash('sha256')
    .update((text ?? '').trim())
    .digest('hex');
}

/**
 * The request the intent's POST created, among the person's own requests: same package and kind, sent with the same
 * justification, created after the intent (allowing for clock skew), not one the bot already follows for another
 * submit. The oldest such request wins: a later one came from another click or from My Access. Graph's request does
 * not name its policy before an assignment exists, so the policy cannot be compared here.
 */
export function matchIntent(
  intent: SubmitIntent,
  requests: MyRequest[],
  taken: ReadonlySet<string> = new Set(),
): MyRequest | undefined {
  const after = Date.parse(intent.at) - CLOCK_SKEW_MS;
  const created = (r: MyRequest) => (r.createdAt ? Date.parse(r.createdAt) : Number.POSITIVE_INFINITY);
  return requests
    .filter(
      (r) =>
        r.packageId === intent.packageId &&
        r.kind === intent.kind &&
        !taken.has(r.id) &&
        created(r) >= after &&
        (intent.justificationHash === undefined || justificationHash(r.justification) === intent.justificationHash),
    )
    .sort((a, b) => created(a) - created(b))[0];
}

export type Reconciled =
  | { kind: 'adopted'; request: RequestView }
  /** No match yet, and the POST may still be on its way. */
  | { kind: 'waiting' }
  /** No match once the POST would have returned: the intent is dropped, nothing was created. */
  | { kind: 'nothingSent' };

/** Reads the person's own requests (with `graph`, their token) and adopts the intent's request if Graph has it. */
export async function reconcileIntent(app: BotServices, intent: SubmitIntent, graph: GraphFacade): Promise<Reconciled> {
  const store = new RequesterStore(app);
  const mine = (await listMyRequestsWithJustification(graph)).filter((r) => r.packageId === intent.packageId);
  const taken = new Set<string>();
  for (const r of mine) if (await store.tracked(r.id)) taken.add(r.id);
  const match = matchIntent(intent, mine, taken);
  if (match) {
    await adopt(app, intent, match);
    return { kind: 'adopted', request: match };
  }
  if (app.clock.now().getTime() - Date.parse(intent.at) <= INTENT_WINDOW_MS) return { kind: 'waiting' };
  await store.dropIntent(intent.userId, intent.formId, intent.at);
  app.log.info({ formId: intent.formId }, 'submit intent dropped: Graph has no matching request');
  return { kind: 'nothingSent' };
}

async function adopt(app: BotServices, intent: SubmitIntent, request: RequestView): Promise<void> {
  const store = new RequesterStore(app);
  await store.finishForm(intent.userId, intent.formId, { state: 'done', requestId: request.id });
  await trackRequest(
    app,
    userOf(intent),
    { ...request, packageName: request.packageName || intent.packageName },
    intent.policyId,
  );
  await store.dropIntent(intent.userId, intent.formId, intent.at);
  app.log.info({ formId: intent.formId, requestId: request.id }, 'submit intent reconciled: request adopted');
}

const userOf = (intent: SubmitIntent) => ({ aadObjectId: intent.userId, teamsId: intent.teamsId ?? '' });

/**
 * The watcher's pass over intents left behind: read-only towards Graph (the person's own requests, or the request by
 * id with the app token); the only writes are to the bot's storage and the person's chat.
 */
export async function reconcileIntents(app: BotServices): Promise<void> {
  const store = new RequesterStore(app);
  const now = app.clock.now().getTime();
  for (const intent of await store.intents()) {
    const age = now - Date.parse(intent.at);
    if (!(age >= BACKGROUND_GRACE_MS)) continue;
    try {
      const form = await store.form(intent.userId, intent.formId);
      if (!form) {
        await store.dropIntent(intent.userId, intent.formId);
        continue;
      }
      if (form.submit?.state === 'done' && form.submit.requestId) {
        await finishRecorded(app, intent, form.submit.requestId);
        continue;
      }
      // The person's own requests, read with their background token (they signed in before / talked to the bot).
      const graph = app.graph.forBackgroundUser({ aadObjectId: intent.userId });
      const result = await reconcileIntent(app, intent, graph);
      if (result.kind === 'adopted') await showAdopted(app, intent, result.request.id);
    } catch (err) {
      if (age > MAX_INTENT_AGE_MS) await store.dropIntent(intent.userId, intent.formId, intent.at);
      // Without a token for the person in the background this repeats every tick: the next click settles it.
      if (err instanceof SignInRequiredError)
        app.log.debug({ formId: intent.formId }, 'no token to reconcile a submit');
      else app.log.info({ formId: intent.formId, reason: (err as Error)?.name }, 'could not reconcile a submit yet');
    }
  }
}

/** The submit recorded its request but died before following it: follow it now. */
async function finishRecorded(app: BotServices, intent: SubmitIntent, requestId: string): Promise<void> {
  const store = new RequesterStore(app);
  if (!(await store.tracked(requestId))) {
    await trackRequest(app, userOf(intent), await getRequest(app.graph.forApp(), requestId), intent.policyId);
    await showAdopted(app, intent, requestId);
  }
  await store.dropIntent(intent.userId, intent.formId, intent.at);
}
