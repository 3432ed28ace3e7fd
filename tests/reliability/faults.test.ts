import { describe, it } from 'vitest';
import { type Card, cardText, findAction, type TeamsUser } from '../helpers/teamsHarness.js';
import { ALEX, approvalCardFor, hasButton, MEGAN, replyCard, sayForCard } from './drive.js';
import { type FaultRule, isWrite, type LogEntry, type Rig, startRig } from './rig.js';

/**
 * Fault injection through the devtenant while people go through the three journeys: Alex requests "Finance Reports –
 * Read", Megan (his manager) approves it, Alex activates Finance Admins. About 20% of all Graph calls fail (429 with
 * Retry-After, 503, 2 s latency, connection reset, seeded), and each write is also hit on purpose with one of them.
 * A person who is told to try again does so (up to MAX_TRIES times, pressing the card's own retry button when it has
 * one). Each journey is judged on its own: it must complete in every round (20% faults are what retries are for);
 * every "try again" card must be true, that is Graph's state holds no write of any journey from that step (nor from
 * the moment it was shown until the person's next step); no card shows a raw error; no handler crashes; and Graph
 * (its request log and its state) holds each write once.
 *
 * Three rounds, each on its own bot and devtenant, run at once (they mostly wait on faults).
 */

const SEED = Number(process.env.FAULT_SEED ?? 20_250_610);
const MAX_TRIES = 6;
/** Each of the four kinds at this rate: 1 − (1 − 0.055)⁴ ≈ 20% of calls fail. */
const RATE = 0.055;

const EM = 'identityGovernance/entitlementManagement';
const PIM = 'identityGovernance/privilegedAccess/group';
const PACKAGE = 'Finance Reports – Read';
const PACKAGE_ID = '40000000-0000-4000-8000-000000000007';
const GROUP = 'Finance Admins';
const GROUP_ID = '20000000-0000-4000-8000-000000000011';

type WriteKind = 'request' | 'decision' | 'activation';
const WRITES: Record<WriteKind, { method: string; pattern: string; path: RegExp }> = {
  request: {
    method: 'POST',
    pattern: `${EM}/assignmentRequests$`,
    path: /\/entitlementManagement\/assignmentRequests$/,
  },
  decision: {
    method: 'PATCH',
    pattern: `${EM}/accessPackageAssignmentApprovals/[^/]+/stages/[^/?]+$`,
    path: /\/entitlementManagement\/accessPackageAssignmentApprovals\/[^/]+\/stages\/[^/?]+$/,
  },
  activation: {
    method: 'POST',
    pattern: `${PIM}/assignmentScheduleRequests$`,
    path: /\/privilegedAccess\/group\/assignmentScheduleRequests$/,
  },
};

type Hit = 'reset' | 'unavailable' | 'throttledThenSlow';

/** How each write is hit on purpose in each round (every kind of fault meets every write once over the rounds). */
const ROUNDS: Record<WriteKind, Hit>[] = [
  { request: 'reset', decision: 'unavailable', activation: 'throttledThenSlow' },
  { request: 'unavailable', decision: 'throttledThenSlow', activation: 'reset' },
  { request: 'throttledThenSlow', decision: 'reset', activation: 'unavailable' },
];

function rulesFor(round: Record<WriteKind, Hit>): FaultRule[] {
  const targeted = (Object.keys(WRITES) as WriteKind[]).flatMap((kind): FaultRule[] => {
    const { method, pattern } = WRITES[kind];
    const hit = round[kind];
    if (hit === 'reset') return [{ pathPattern: pattern, method, reset: true, count: 1 }];
    // One more 503 than the Graph client retries, so the person sees it.
    if (hit === 'unavailable') return [{ pathPattern: pattern, method, status: 503, count: 4 }];
    return [
      { pathPattern: pattern, method, status: 429, retryAfterSeconds: 1, count: 1 },
      { pathPattern: pattern, method, latencyMs: 2000, count: 1 },
    ];
  });
  return [
    ...targeted,
    { pathPattern: '.', status: 429, retryAfterSeconds: 1, probability: RATE },
    { pathPattern: '.', status: 503, probability: RATE },
    { pathPattern: '.', latencyMs: 2000, probability: RATE },
    { pathPattern: '.', reset: true, probability: RATE },
  ];
}

// ---------- a person who retries ----------

const RAW_ERROR =
  /\bat \S+\.(ts|js):\d+|(Type|Reference|Syntax|Range)Error|ECONN|ETIMEDOUT|socket hang up|fetch failed|node_modules|\[object Object\]|InternalServerError|ServiceUnavailable|TooManyRequests|GraphRequestError|\{"error"/;
const RETRY = /try again/i;
const CRASH = /Something went wrong on my side/;

type Journey = 'request' | 'approve' | 'activate';

/** Writes Graph holds for the three journeys: Alex's request, Megan's decision on it, Alex's activation. */
type Writes = Record<WriteKind, number>;

interface GiveUp {
  journey: Journey;
  step: string;
  /** The card's title and message. */
  said: string;
  /** Graph's writes just before the step, when its card was shown, and when the person took their next step. */
  before: Writes;
  shown: Writes;
  next?: Writes;
}

interface Journal {
  round: number;
  steps: string[];
  /** Every "try again" card the person was shown, with what Graph held around it. */
  giveUps: GiveUp[];
  /** Journeys still told to try again after MAX_TRIES. */
  unfinished: string[];
  /** Graph's writes at the last shown "try again" that has not been followed by a step yet. */
  pending?: GiveUp;
}

/** Reads the devtenant's state (in process) for what the three journeys wrote. */
function graphWrites(rig: Rig): Writes {
  const { state } = rig.devtenant;
  const requests = [...state.emRequests.values()].filter(
    (r) => r.requestorId === ALEX.aadObjectId && r.accessPackageId === PACKAGE_ID,
  );
  return {
    request: requests.length,
    decision: requests.flatMap((r) => r.approval?.stages ?? []).filter((s) => s.reviewResult !== 'NotReviewed').length,
    activation: [...state.pimRequests.values()].filter(
      (r) => r.principalId === ALEX.aadObjectId && r.groupId === GROUP_ID && r.action === 'selfActivate',
    ).length,
  };
}

/** Starts a step: closes the previous "try again" (nothing may land between it and this step). */
function beginStep(rig: Rig, j: Journal): Writes {
  const now = graphWrites(rig);
  if (j.pending) {
    j.pending.next = now;
    j.pending = undefined;
  }
  return now;
}

function toldToRetry(rig: Rig, j: Journal, journey: Journey, step: string, card: Card, before: Writes): void {
  const giveUp: GiveUp = {
    journey,
    step,
    said: cardText(card).split('\n').slice(0, 2).join(' / '),
    before,
    shown: graphWrites(rig),
  };
  j.giveUps.push(giveUp);
  j.pending = giveUp;
}

function plain(j: Journal, step: string, card: Card): Card {
  const text = cardText(card);
  j.steps.push(`${step}: ${text.split('\n').slice(0, 2).join(' / ')}`);
  const raw = RAW_ERROR.exec(JSON.stringify(card));
  if (raw) throw new Error(`round ${j.round}, ${step}: the card shows a raw error ("${raw[0]}"):\n${text}`);
  if (CRASH.test(text)) throw new Error(`round ${j.round}, ${step}: a handler crashed (internal error card):\n${text}`);
  return card;
}

function retryButton(card: Card): string | undefined {
  return ['Try again', 'Back to the form', 'Refresh'].find(
    (t) => findAction(card, t)?.action.type === 'Action.Execute',
  );
}

type Done<T> = (card: Card) => T | undefined | Promise<T | undefined>;

/** Types `text` until the answer is done, retrying while the bot says to try again. */
async function sayUntil<T>(
  rig: Rig,
  j: Journal,
  journey: Journey,
  user: TeamsUser,
  text: string,
  done: Done<T>,
): Promise<T | undefined> {
  for (let attempt = 1; attempt <= MAX_TRIES; attempt++) {
    const step = `"${text}" #${attempt}`;
    const before = beginStep(rig, j);
    const card = plain(j, step, await sayForCard(rig.teams, user, text));
    const result = await done(card);
    if (result !== undefined) return result;
    if (!RETRY.test(cardText(card))) {
      throw new Error(`round ${j.round}, "${text}": neither the answer nor "try again":\n${cardText(card)}`);
    }
    toldToRetry(rig, j, journey, step, card, before);
  }
  j.unfinished.push(`${journey} ("${text}")`);
  return undefined;
}

/**
 * Presses `title` on `base` until the answer is done. After a "try again" card the person presses that card's own
 * retry button when it has one (and then `title` again on the card it brings back), else `title` on the same card.
 */
async function pressUntil<T>(
  rig: Rig,
  j: Journal,
  journey: Journey,
  user: TeamsUser,
  base: Card,
  title: string,
  done: Done<T>,
  opts: { inputs?: Record<string, string>; replyToId?: string } = {},
): Promise<T | undefined> {
  let card = base;
  const press = async (on: Card, button: string, inputs: Record<string, string>, step: string) => {
    const before = beginStep(rig, j);
    const answer = plain(
      j,
      step,
      replyCard(await rig.teams.click(user, on, button, inputs, opts.replyToId), `round ${j.round} "${button}"`),
    );
    return { answer, before };
  };
  for (let attempt = 1; attempt <= MAX_TRIES; attempt++) {
    const step = `"${title}" #${attempt}`;
    const { answer, before } = await press(card, title, opts.inputs ?? {}, step);
    const result = await done(answer);
    if (result !== undefined) return result;
    if (!RETRY.test(cardText(answer))) {
      throw new Error(`round ${j.round}, "${title}": neither the result nor "try again":\n${cardText(answer)}`);
    }
    toldToRetry(rig, j, journey, step, answer, before);
    const retry = retryButton(answer);
    if (retry) {
      const retryStep = `"${retry}" after "${title}" #${attempt}`;
      const back = await press(answer, retry, {}, retryStep);
      const settled = await done(back.answer);
      if (settled !== undefined) return settled;
      if (RETRY.test(cardText(back.answer)) && !findAction(back.answer, title)) {
        toldToRetry(rig, j, journey, retryStep, back.answer, back.before);
      }
      if (findAction(back.answer, title)) card = back.answer;
    }
  }
  j.unfinished.push(`${journey} ("${title}")`);
  return undefined;
}

// ---------- the journeys ----------

interface Outcome {
  requested: boolean;
  approved: boolean;
  activated: boolean;
}

async function journeys(rig: Rig, j: Journal, justification: string): Promise<Outcome> {
  const outcome: Outcome = { requested: false, approved: false, activated: false };
  const { teams } = rig;
  await teams.install(MEGAN);

  // Requester: search → form → submit.
  const list = await sayUntil(rig, j, 'request', ALEX, 'request finance reports', (c) =>
    hasButton(c, 'Request') && cardText(c).includes(PACKAGE) ? c : undefined,
  );
  const form =
    list &&
    (await pressUntil(rig, j, 'request', ALEX, list, 'Request', (c) =>
      hasButton(c, 'Submit request') ? c : undefined,
    ));
  const status =
    form &&
    (await pressUntil(
      rig,
      j,
      'request',
      ALEX,
      form,
      'Submit request',
      (c) => (/Pending approval/.test(cardText(c)) ? c : undefined),
      {
        inputs: { 'p0.justification': justification },
      },
    ));
  outcome.requested = !!status;

  // Approver: "approvals" → Approve on the card for Alex's request.
  if (status) {
    const approval = await sayUntil(rig, j, 'approve', MEGAN, 'approvals', () =>
      approvalCardFor(teams, MEGAN, ALEX.name, PACKAGE),
    );
    const approved =
      approval &&
      (await pressUntil(
        rig,
        j,
        'approve',
        MEGAN,
        approval.card,
        'Approve',
        async (c) => {
          if (/Approved by you/.test(cardText(c))) return c;
          if (!/Still working on it/.test(cardText(c))) return undefined;
          // The decision finishes in the background and updates the card.
          return teams.waitFor(
            () => {
              const now = teams.currentCard(MEGAN, approval.activityId);
              return now && /Approved by you/.test(cardText(now)) ? now : undefined;
            },
            20_000,
            'the approval card to show the decision',
          );
        },
        { replyToId: approval.activityId },
      ));
    outcome.approved = !!approved;
  }

  // Activation: "activate" → Activate Finance Admins → Activate.
  const roles = await sayUntil(rig, j, 'activate', ALEX, 'activate', (c) =>
    hasButton(c, `Activate ${GROUP}`) ? c : undefined,
  );
  const activationForm =
    roles &&
    (await pressUntil(rig, j, 'activate', ALEX, roles, `Activate ${GROUP}`, (c) =>
      hasButton(c, 'Activate') ? c : undefined,
    ));
  const active =
    activationForm &&
    (await pressUntil(
      rig,
      j,
      'activate',
      ALEX,
      activationForm,
      'Activate',
      (c) => (/You are a member of \*\*Finance Admins\*\* until/.test(cardText(c)) ? c : undefined),
      { inputs: { justification } },
    ));
  outcome.activated = !!active;
  return outcome;
}

// ---------- what Graph holds ----------

/**
 * The "try again" cards that were not true: Graph holds a write (of any journey) from the step that showed it, or one
 * that landed after it was shown and before the person's next step (`finalWrites` closes the last one).
 */
function untrueGiveUps(j: Journal, finalWrites: Writes): string[] {
  const changed = (from: Writes, to: Writes) =>
    (Object.keys(from) as WriteKind[])
      .filter((k) => to[k] !== from[k])
      .map((k) => `${k} ${from[k]} → ${to[k]}`)
      .join(', ');
  return j.giveUps.flatMap((g) => {
    const what = `${g.journey} ${g.step} said "${g.said}"`;
    const during = changed(g.before, g.shown);
    const after = changed(g.shown, g.next ?? finalWrites);
    return [
      ...(during ? [`${what}, but Graph holds a write from that step (${during})`] : []),
      ...(after ? [`${what}, and a write landed before the next step (${after})`] : []),
    ];
  });
}

const story = (j: Journal) => `\n\nSteps (round ${j.round}):\n${j.steps.join('\n')}`;

function writeKind(e: LogEntry): WriteKind | 'other' {
  const path = e.path.split('?')[0];
  for (const kind of Object.keys(WRITES) as WriteKind[]) {
    if (WRITES[kind].method === e.method && WRITES[kind].path.test(path)) return kind;
  }
  return 'other';
}

/** A write the devtenant's handlers processed (a fault answers before that, with no caller). */
const reachedGraph = (e: LogEntry) => isWrite(e) && e.caller !== null;

describe('fault injection: 20% of Graph calls fail during request → approve → activate', () => {
  for (const [index, round] of ROUNDS.entries()) {
    const label = Object.entries(round)
      .map(([w, h]) => `${w}: ${h}`)
      .join(', ');
    it.concurrent(`round ${index + 1} (${label}): each journey completes, every "try again" is true, nothing written twice`, async ({
      expect,
    }) => {
      const rig = await startRig({ env: { LOG_LEVEL: 'info' } });
      const j: Journal = { round: index + 1, steps: [], giveUps: [], unfinished: [] };
      try {
        const started = Date.now();
        await rig.setFaults(rulesFor(round), SEED + index);
        const justification = `Quarter-end board pack, fault round ${index + 1}`;
        let outcome: Outcome;
        try {
          outcome = await journeys(rig, j, justification);
        } catch (err) {
          const lies = untrueGiveUps(j, graphWrites(rig));
          const also = lies.length ? `\n\nAlso, "try again" after a write that happened:\n${lies.join('\n')}` : '';
          throw new Error(`${(err as Error).message}${also}${story(j)}`);
        }
        await rig.clearFaults();
        await rig.settle(300);
        const log = await rig.graphLog();

        // Every "try again" was true (a person who is told nothing was sent sends it again), then each journey went
        // through on its own: retries are what 20% faults call for, not an excuse to stop.
        expect(untrueGiveUps(j, graphWrites(rig)), `"try again" cards after a write that happened${story(j)}`).toEqual(
          [],
        );
        expect(j.unfinished, `journeys still told to try again after ${MAX_TRIES} tries${story(j)}`).toEqual([]);
        expect(outcome, `every journey completed${story(j)}`).toEqual({
          requested: true,
          approved: true,
          activated: true,
        });

        // The faults really happened: every kind, at about the rate asked for.
        const faulted = log.filter((e) => e.caller === null);
        const slow = rig.exchanges.filter((x) => x.ms >= 1900).length;
        const kinds = {
          throttled: faulted.filter((e) => e.status === 429).length,
          unavailable: faulted.filter((e) => e.status === 503).length,
          reset: faulted.filter((e) => e.status === 0).length,
          slow,
        };
        for (const [kind, n] of Object.entries(kinds)) expect(n, `${kind} faults`).toBeGreaterThan(0);
        expect(faulted.length / log.filter((e) => !e.batchItem).length).toBeGreaterThan(0.1);

        // Nothing written twice: in the request log ...
        const writes = log.filter(reachedGraph);
        const count = (kind: WriteKind, accepted: boolean) =>
          writes.filter((e) => writeKind(e) === kind && e.status < 300 === accepted).length;
        expect(
          writes.filter((e) => writeKind(e) === 'other'),
          'other writes',
        ).toEqual([]);
        for (const kind of Object.keys(WRITES) as WriteKind[]) {
          expect(count(kind, true), `${kind} writes accepted by Graph`).toBe(1);
          expect(count(kind, false), `${kind} writes Graph refused (a second try of a done write)`).toBe(0);
        }
        // ... and in Graph's state.
        expect(graphWrites(rig)).toEqual({ request: 1, decision: 1, activation: 1 });
        const { state } = rig.devtenant;
        const request = [...state.emRequests.values()].find(
          (r) => r.requestorId === ALEX.aadObjectId && r.accessPackageId === PACKAGE_ID,
        );
        expect(request?.state).toBe('delivered');
        const stage = request?.approval?.stages[0];
        expect(stage?.reviewResult).toBe('Approved');
        expect(stage?.reviewedBy?.id).toBe(MEGAN.aadObjectId);
        expect(
          [...state.pimActivations.values()].filter(
            (a) => a.principalId === ALEX.aadObjectId && a.groupId === GROUP_ID,
          ),
        ).toHaveLength(1);

        // No handler crashed on a fault.
        const errors = rig.logs.filter((l) => /"level":"(error|fatal)"/.test(l));
        expect(errors, 'error log lines').toEqual([]);
        expect(await rig.healthz()).toBe(200);
        console.log(
          `faults round ${index + 1} (seed ${SEED + index}): ${log.filter((e) => !e.batchItem).length} Graph calls, ` +
            `${faulted.length} faulted (${JSON.stringify(kinds)}), ${j.giveUps.length} "try again" cards; ` +
            `${((Date.now() - started) / 1000).toFixed(1)} s\n  ` +
            j.giveUps.map((g) => `${g.journey} ${g.step}: ${g.said}`).join('\n  '),
        );
      } finally {
        await rig.stop();
      }
    }, 150_000);
  }
});
