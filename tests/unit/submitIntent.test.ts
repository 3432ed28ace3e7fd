/**
 * Reconciling a submit's intent (bot/journeys/requester/intent.ts): which of the person's own requests is the one a
 * dead submit created, and what happens to the intent when Graph has none. Fixed clock, no wall-clock dependence.
 */
import { describe, expect, it } from 'vitest';
import {
  CLOCK_SKEW_MS,
  INTENT_WINDOW_MS,
  justificationHash,
  type MyRequest,
  matchIntent,
  reconcileIntent,
} from '../../bot/journeys/requester/intent.js';
import { RequesterStore, type SubmitIntent } from '../../bot/journeys/requester/store.js';
import type { BotServices } from '../../bot/services.js';
import { ManualClock } from '../../services/clock.js';
import type { GraphFacade } from '../../services/graph/client.js';
import { MemoryBotStorage } from '../../services/storage/memoryStorage.js';
import { captureLog } from '../proactive/helpers.js';

const AT = '2026-12-02T23:50:00.000Z';
const PKG = '40000000-0000-4000-8000-000000000007';
const OTHER_PKG = '40000000-0000-4000-8000-000000000001';
const ALEX = '10000000-0000-4000-8000-000000000001';
const FORM = 'f0000000-0000-4000-8000-000000000001';

const intent: SubmitIntent = {
  userId: ALEX,
  formId: FORM,
  packageId: PKG,
  packageName: 'Finance Reports – Read',
  policyId: '50000000-0000-4000-8000-000000000001',
  kind: 'add',
  justificationHash: justificationHash('Month-end close'),
  at: AT,
};

const minutes = (n: number) => new Date(Date.parse(AT) + n * 60_000).toISOString();

function request(id: string, over: Partial<MyRequest> = {}): MyRequest {
  return {
    id,
    kind: 'add',
    state: 'pendingApproval',
    status: 'PendingApproval',
    packageId: PKG,
    packageName: 'Finance Reports – Read',
    createdAt: minutes(0.01),
    justification: 'Month-end close',
    ...over,
  };
}

describe('matchIntent', () => {
  it('picks the request for the same package, kind and justification created after the intent', () => {
    const requests = [
      request('old', { createdAt: minutes(-60) }),
      request('other-package', { packageId: OTHER_PKG }),
      request('removal', { kind: 'remove' }),
      request('other-words', { justification: 'Something else' }),
      request('mine'),
    ];
    expect(matchIntent(intent, requests)?.id).toBe('mine');
  });

  it('finds nothing when only older or different requests exist', () => {
    expect(
      matchIntent(intent, [request('old', { createdAt: minutes(-60) }), request('x', { packageId: OTHER_PKG })]),
    ).toBeUndefined();
  });

  it('allows Graph a clock a little behind the bot, but not a request from before that', () => {
    const skewed = request('skewed', { createdAt: new Date(Date.parse(AT) - CLOCK_SKEW_MS + 1000).toISOString() });
    const before = request('before', { createdAt: new Date(Date.parse(AT) - CLOCK_SKEW_MS - 1000).toISOString() });
    expect(matchIntent(intent, [skewed])?.id).toBe('skewed');
    expect(matchIntent(intent, [before])).toBeUndefined();
  });

  it('takes the oldest candidate, skipping requests the bot already follows for another submit', () => {
    const first = request('first', { createdAt: minutes(0.1) });
    const later = request('later', { createdAt: minutes(0.5) });
    expect(matchIntent(intent, [later, first])?.id).toBe('first');
    expect(matchIntent(intent, [later, first], new Set(['first']))?.id).toBe('later');
  });

  it('matches the empty justification of a policy that asks for none', () => {
    const quiet = { ...intent, justificationHash: justificationHash(undefined) };
    expect(matchIntent(quiet, [request('typed'), request('empty', { justification: '' })])?.id).toBe('empty');
  });
});

describe('reconcileIntent', () => {
  function rig(requests: MyRequest[]) {
    const clock = new ManualClock(new Date(AT));
    const storage = new MemoryBotStorage();
    const { log } = captureLog();
    const app = { storage, clock, log } as unknown as BotServices;
    const graph = {
      list: async () =>
        requests.map((r) => ({
          id: r.id,
          requestType: 'userAdd',
          state: r.state,
          status: r.status,
          createdDateTime: r.createdAt,
          justification: r.justification,
          accessPackage: { id: r.packageId, displayName: r.packageName },
        })),
    } as unknown as GraphFacade;
    return { app, graph, clock, store: new RequesterStore(app) };
  }

  async function withForm(store: RequesterStore) {
    await store.createForm(ALEX, FORM, { packageId: PKG, packageName: intent.packageName, mode: 'new', policies: [] });
    expect((await store.claimForm(ALEX, FORM)).kind).toBe('claimed');
    const { at: _at, ...rest } = intent;
    await store.recordIntent(rest);
  }

  it('adopts the match: the form is done with that request, which is followed from now on', async () => {
    const { app, graph, store, clock } = rig([request('90000000-0000-4000-8000-0000000000aa')]);
    await withForm(store);
    clock.advance(1000);
    const result = await reconcileIntent(app, (await store.intent(ALEX, FORM)) as SubmitIntent, graph);
    expect(result.kind).toBe('adopted');
    expect(await store.claimState(ALEX, FORM, 'form')).toEqual({
      kind: 'done',
      requestId: '90000000-0000-4000-8000-0000000000aa',
    });
    expect((await store.tracked('90000000-0000-4000-8000-0000000000aa'))?.userId).toBe(ALEX);
    expect((await store.openTracked()).map((r) => r.requestId)).toEqual(['90000000-0000-4000-8000-0000000000aa']);
    expect(await store.intent(ALEX, FORM)).toBeUndefined();
  });

  it('keeps waiting while the POST may still be on its way, then drops the intent so the person can submit again', async () => {
    const { app, graph, store, clock } = rig([request('old', { createdAt: minutes(-60) })]);
    await withForm(store);
    const stored = (await store.intent(ALEX, FORM)) as SubmitIntent;
    clock.advance(INTENT_WINDOW_MS - 1000);
    expect((await reconcileIntent(app, stored, graph)).kind).toBe('waiting');
    expect(await store.intent(ALEX, FORM)).toBeDefined();
    expect((await store.claimForm(ALEX, FORM)).kind).toBe('busy');
    clock.advance(2000);
    expect((await reconcileIntent(app, stored, graph)).kind).toBe('nothingSent');
    expect(await store.intent(ALEX, FORM)).toBeUndefined();
    expect((await store.claimForm(ALEX, FORM)).kind).toBe('claimed');
  });

  it('does not adopt a request the bot already follows for another form', async () => {
    const taken = request('90000000-0000-4000-8000-0000000000bb');
    const { app, graph, store } = rig([taken]);
    await withForm(store);
    await store.track({
      requestId: taken.id,
      userId: ALEX,
      packageId: PKG,
      packageName: taken.packageName,
      lastState: taken.state,
      final: false,
    });
    expect((await reconcileIntent(app, (await store.intent(ALEX, FORM)) as SubmitIntent, graph)).kind).toBe('waiting');
  });

  it('dropping an old intent leaves the newer one of a click that is sending again', async () => {
    const { app, graph, store, clock } = rig([]);
    await withForm(store);
    const old = (await store.intent(ALEX, FORM)) as SubmitIntent;
    clock.advance(INTENT_WINDOW_MS + 1000);
    const { at: _at, ...rest } = intent;
    const newer = await store.recordIntent(rest);
    expect((await reconcileIntent(app, old, graph)).kind).toBe('nothingSent');
    expect((await store.intent(ALEX, FORM))?.at).toBe(newer.at);
  });
});
