import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actionTable } from '../../bot/actions/index.js';
import { checkActivity } from '../../bot/activityGuard.js';
import { jsonDepth, MAX_BODY_BYTES, MAX_JSON_DEPTH } from '../../bot/http/body.js';
import { allVerbs } from '../../cards/verbs.js';
import { checkCard } from '../helpers/cardCheck.js';
import { decideInMyAccess, graphAs } from '../helpers/devtenantGraph.js';
import { type Card, cardsIn, cardText, type TeamsUser, teamsUser } from '../helpers/teamsHarness.js';
import {
  ADAPTIVE_CARD,
  ALEX,
  activate,
  eligibleList,
  fetchApprovalCard,
  MEGAN,
  openActivateForm,
  openForm,
  press,
  search,
} from './drive.js';
import { isWrite, isWriteExchange, type Rig, startRig } from './rig.js';

/**
 * Fuzzing `/api/messages` over real HTTP (bot + devtenant + Teams-like connector on loopback, one stack for every
 * case): random and mutated activities and card-action payloads — wrong types, huge strings, unicode, missing
 * fields, other users' ids, unknown verbs, and the data of real cards the bot sent, mutated. Every id a payload
 * carries is forged for its sender (random, another person's, or the sender's own id altered), so Graph must never
 * see a write: the bot's own Graph exchanges are checked after every case and the devtenant's request log (with the
 * items of every `$batch`) after every case that called Graph. Reads are judged too: other people's requests carry
 * planted justifications and approver reasons, and no answer to an outsider (neither requester nor approver) may
 * contain them. Action data is also nested deeply (in the properties, and 40,000 levels deep as raw JSON): over HTTP
 * a body nested deeper than the edge's 64 levels is a 400 with that reason; in process, or within 64 levels, the
 * action registry answers with an error card at HTTP 200.
 *
 * Seeded and reproducible: FUZZ_SEED picks the seed (printed on failure), FUZZ_CASES the total number of cases
 * (default 10,000 when CI is set, 1,000 otherwise; 60% card actions, 35% other activities, 5% other invokes, plus
 * 20% outsider card actions for the read checks). Three in four card actions and messages, and every raw body and
 * other invoke, go through the real restify server (each property checks that at least 60% of its cases did); the
 * rest run in process through the server's own `/api/messages` handler after the body is read (rig.inProcess: the
 * same guard, EdgeAdapter, middleware and bot). Ids the bot generates itself (form ids, operation keys) differ per
 * run, so a counterexample names them by the card they came from.
 */

const SEED = Number(process.env.FUZZ_SEED ?? 20_250_609);
const TOTAL = Number(process.env.FUZZ_CASES ?? (process.env.CI ? 10_000 : 1_000));
/** Generous: a CI run of 10,000 cases takes 35 to 65 s on 2 shared cores; this only stops a hung case. */
const PROPERTY_TIMEOUT_MS = 240_000;
const RUNS = {
  cardActions: Math.ceil(TOTAL * 0.6),
  activities: Math.ceil(TOTAL * 0.35),
  otherInvokes: Math.ceil(TOTAL * 0.05),
  /** Extra: card actions by people who are neither requester nor approver, judged on what the answers show. */
  outsiderReads: Math.ceil(TOTAL * 0.2),
};

/** Three in four card actions and messages go over HTTP, the rest in process (the server's own handler). */
const overHttp = fc.nat(3).map((n) => n !== 0);
/** The least share of a property's cases that went over HTTP (most go through the real restify server). */
const MIN_HTTP_SHARE = 0.6;

const GUID = /[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}/g;
const seedId = (prefix: string, n: number) => `${prefix}-0000-4000-8000-${String(n).padStart(12, '0')}`;
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Every id of the demo tenant a card could carry. */
const SEED_IDS = [
  ...range(1, 18).map((n) => seedId('10000000', n)),
  ...[...range(1, 6), ...range(11, 18)].map((n) => seedId('20000000', n)),
  ...range(1, 12).map((n) => seedId('40000000', n)),
  ...[...range(1, 12), 17].map((n) => seedId('50000000', n)),
  ...range(1, 4).map((n) => seedId('80000000', n)),
  ...range(1, 3).map((n) => seedId('90000000', n)),
  ...range(1, 7).map((n) => seedId('a0000000', n)),
  seedId('b0000000', 1),
  seedId('c0000000', 1),
  'c0a70500-0000-4000-8000-000000000001',
];
/** Packages, policies and people are public: naming one grants nothing, so they stay unforged. */
const PUBLIC_ID = /^(10000000|40000000|50000000)-/;

const LYNNE = teamsUser('10000000-0000-4000-8000-000000000006', 'Lynne Robbins');
const ISAIAH = teamsUser('10000000-0000-4000-8000-000000000004', 'Isaiah Langer');
const NOBODY = teamsUser('f1111111-2222-4333-8444-555555555555', 'Not In The Tenant');

type SenderName = 'alex' | 'alexUpper' | 'megan' | 'lynne' | 'isaiah' | 'stranger' | 'noAad' | 'badAad' | 'noFrom';
const SENDERS: SenderName[] = [
  'alex',
  'alexUpper',
  'megan',
  'lynne',
  'isaiah',
  'stranger',
  'noAad',
  'badAad',
  'noFrom',
];

/**
 * What each sender may legitimately act on (their own requests, eligibilities, assignments, activations, and every
 * non-public id in the cards the bot sent them). These ids never reach the bot from that sender: they are forged.
 */
const SEED_OWNED: Record<string, string[]> = {
  alex: [
    ...range(11, 16).map((n) => seedId('20000000', n)),
    seedId('80000000', 1),
    seedId('80000000', 2),
    seedId('90000000', 3),
    ...range(1, 5).map((n) => seedId('a0000000', n)),
    seedId('c0000000', 1),
  ],
  isaiah: [seedId('90000000', 1)],
};

function ownerOf(sender: SenderName): string {
  return sender === 'alexUpper' ? 'alex' : sender;
}

function fromOf(sender: SenderName): Record<string, unknown> | undefined {
  const as = (u: TeamsUser, aad = u.aadObjectId) => ({ id: u.teamsId, name: u.name, aadObjectId: aad });
  switch (sender) {
    case 'alex':
      return as(ALEX);
    case 'alexUpper':
      return as(ALEX, ALEX.aadObjectId.toUpperCase());
    case 'megan':
      return as(MEGAN);
    case 'lynne':
      return as(LYNNE);
    case 'isaiah':
      return as(ISAIAH);
    case 'stranger':
      return as(NOBODY);
    case 'noAad':
      return { id: '29:no-aad', name: 'No Aad' };
    case 'badAad':
      return as(ALEX, `${ALEX.aadObjectId}' or 1 eq 1`.slice(0, 60));
    case 'noFrom':
      return undefined;
  }
}

/** The user whose personal chat the activity claims to come from (the Teams conversation of that person). */
function userOf(sender: SenderName): TeamsUser {
  const map: Record<string, TeamsUser> = { alex: ALEX, alexUpper: ALEX, megan: MEGAN, lynne: LYNNE, isaiah: ISAIAH };
  return map[sender] ?? NOBODY;
}

/** An owned id turned into a forged one of the same shape (the first hex digit changed: no seed id starts so). */
function forge(id: string): string {
  return `${id[0] === 'f' ? 'e' : 'f'}${id.slice(1)}`;
}

/** Replaces, anywhere in a value (keys too), every id the sender owns with a forged one. */
function unown(value: unknown, owned: ReadonlySet<string>): unknown {
  const fix = (s: string) => s.replace(GUID, (m) => (owned.has(m.toLowerCase()) ? forge(m) : m));
  if (typeof value === 'string') return fix(value);
  if (Array.isArray(value)) return value.map((v) => unown(v, owned));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [fix(k), unown(v, owned)]));
  }
  return value;
}

// ---------- what the bot really sent ----------

interface RealAction {
  owner: string;
  verb: string;
  data: Record<string, unknown>;
}

function executeActions(card: Card): { verb: string; data: Record<string, unknown> }[] {
  const found: { verb: string; data: Record<string, unknown> }[] = [];
  const inputs: Record<string, unknown> = {};
  const visit = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (node && typeof node === 'object') {
      const n = node as Record<string, unknown>;
      if (typeof n.type === 'string' && n.type.startsWith('Input.') && typeof n.id === 'string') {
        inputs[n.id] = n.value ?? '';
      }
      if (n.type === 'Action.Execute' && typeof n.verb === 'string') {
        found.push({ verb: n.verb, data: (n.data as Record<string, unknown>) ?? {} });
      }
      Object.values(n).forEach(visit);
    }
  };
  visit(card);
  return found.map((a) => ({ verb: a.verb, data: { ...a.data, ...inputs } }));
}

/** Drives the read-only parts of every journey as Alex and Megan and keeps the buttons of every card they got. */
async function collectRealActions(rig: Rig): Promise<RealAction[]> {
  const { teams } = rig;
  const replies: { owner: string; card: Card }[] = [];
  for (const [user, owner] of [
    [ALEX, 'alex'],
    [MEGAN, 'megan'],
  ] as const) {
    await teams.install(user);
    for (const text of ['help', 'catalog', 'my access', 'my requests', 'approvals', 'activate']) {
      await teams.say(user, text);
    }
    const list = await search(teams, user, 'finance reports');
    replies.push({ owner, card: await press(teams, user, list, 'Details') });
    replies.push({ owner, card: await openForm(teams, user, list) });
  }
  const roles = await eligibleList(teams, ALEX);
  for (const group of ['Security Operations', 'Finance Admins', 'Azure Subscription Owners']) {
    replies.push({ owner: 'alex', card: await openActivateForm(teams, ALEX, roles, group) });
  }
  const sent = teams.events
    .filter((e) => e.kind === 'send' || e.kind === 'update')
    .flatMap((e) =>
      cardsIn(e.activity).map((card) => ({
        owner: e.conversationId === teams.conversationId(ALEX) ? 'alex' : 'megan',
        card,
      })),
    );
  return [...sent, ...replies].flatMap(({ owner, card }) => executeActions(card).map((a) => ({ owner, ...a })));
}

// ---------- arbitraries ----------

const NASTY = [
  '',
  ' ',
  '\u0000',
  '\u202eevil',
  '👩‍👩‍👧‍👦🏳️‍🌈',
  'Z̷̛̠a̸l̵g̶o̴',
  '<script>alert(1)</script>',
  "x' or 1 eq 1",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal text is the point (a log4shell probe).
  '${jndi:ldap://x}',
  '{{TIME(2026-01-01T00:00:00Z)}}',
  '[click](javascript:alert(1))',
  '__proto__',
  'constructor',
  '%00%ff',
  '../../../etc/passwd',
  'NaN',
  '-1',
  '1e309',
  'null',
  '\r\n\r\n',
  '\\u0000',
  'em:90000000-0000-4000-8000-000000000001:1',
];

function textArb(): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }) },
    { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 60 }) },
    { weight: 2, arbitrary: fc.constantFrom(...NASTY) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.integer({ min: 900, max: 70_000 }), fc.constantFrom('x', 'é', '😀', ' ', '\u200b'))
        .map(([n, c]) => c.repeat(n)),
    },
  );
}

function idArb(pool: string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...pool) },
    { weight: 2, arbitrary: fc.uuid() },
    { weight: 1, arbitrary: fc.constantFrom(...pool).map((s) => s.toUpperCase()) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        'x'.repeat(36),
        '00000000-0000-0000-0000-000000000000',
        '{10000000-0000-4000-8000-000000000001}',
        '10000000-0000-4000-8000-00000000000',
        '10000000-0000-4000-8000-0000000000011',
        '10000000_0000_4000_8000_000000000001',
      ),
    },
  );
}

const KINDS = ['em', 'pim', 'EM', 'Pim', '', 'x'];
const ACCESS = ['member', 'owner', 'Member', 'OWNER', 'admin', ''];

/** Plausible key sets per verb (so many payloads pass the schema and reach the handler's own checks). */
function typedData(verb: string, id: fc.Arbitrary<string>, sig: fc.Arbitrary<string>, text: fc.Arbitrary<string>) {
  const kind = fc.constantFrom(...KINDS);
  const stage = fc.oneof(fc.integer({ min: -2, max: 25 }), fc.constantFrom('1', '2', '1.5', 'x', 1.5));
  const rec = (shape: Record<string, fc.Arbitrary<unknown>>) => fc.record(shape, { requiredKeys: [] });
  switch (verb) {
    case 'showDetails':
    case 'requestAgain':
      return rec({ packageId: id });
    case 'requestForm':
      return rec({ packageId: id, formId: id });
    case 'renew':
      return rec({ packageId: id, assignmentId: id });
    case 'submitRequest':
      return rec({
        formId: id,
        policyId: id,
        'p0.justification': text,
        'p1.justification': text,
        'p0.startDate': fc.constantFrom('2026-01-01', '1999-12-31', 'x', ''),
        'p0.endDate': fc.constantFrom('2027-01-01', '2025-01-01', 'x', ''),
        [`p0.q:${seedId('60000000', 1)}`]: text,
      });
    case 'cancelRequest':
    case 'refreshRequest':
    case 'refreshActivation':
      return rec({ requestId: id });
    case 'deactivate':
    case 'extend':
    case 'cancelActivation':
      return rec({
        requestId: id,
        list: fc.oneof(
          rec({ page: fc.oneof(fc.integer({ min: -1, max: 250 }), fc.constant('2')), filter: text }),
          text,
        ),
      });
    case 'giveUp':
      return rec({ assignmentId: id });
    case 'confirmGiveUp':
      return rec({ assignmentId: id, actionId: id });
    case 'showMore':
      return rec({ searchId: id, page: fc.oneof(fc.integer({ min: -1, max: 250 }), fc.constant('2')) });
    case 'approve':
    case 'deny':
      return rec({ kind, id, stage, op: id, sig, reason: text });
    case 'approveAll':
    case 'reviewApproveAll':
      return rec({
        items: fc.array(
          fc.tuple(kind, id, stage).map(([k, i, s]) => `${k}:${i}:${s}`),
          { maxLength: 22 },
        ),
        op: id,
        sig,
        ...(verb === 'reviewApproveAll' ? { page: fc.oneof(fc.integer({ min: -1, max: 600 }), fc.constant('1')) } : {}),
      });
    case 'refreshApproval':
      return rec({ kind, id });
    case 'remindApprovers':
      return rec({ requestId: id, kind });
    case 'activateList':
      return rec({ filter: text });
    case 'activateForm':
      return rec({ groupId: id, accessId: fc.constantFrom(...ACCESS), here: fc.boolean() });
    case 'activate':
      return rec({
        groupId: id,
        accessId: fc.constantFrom(...ACCESS),
        op: id,
        duration: fc.constantFrom('30', '60', '480', '99999', '0', '-5', '1.5', 'x', ''),
        justification: text,
        ticketNumber: text,
        ticketSystem: text,
        startDate: fc.constantFrom('2026-01-01', '2099-12-31', '2026-13-45', 'x', ''),
        startTime: fc.constantFrom('12:00', '25:61', '00:00:00', 'x', ''),
      });
    default:
      return rec({});
  }
}

/** Any JSON-ish value a key could carry: ids, text, numbers, wrong types, nesting. */
function valueArb(id: fc.Arbitrary<string>, sig: fc.Arbitrary<string>, text: fc.Arbitrary<string>) {
  return fc.oneof(
    { weight: 3, arbitrary: id },
    { weight: 3, arbitrary: text },
    { weight: 1, arbitrary: sig },
    { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null)) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
    { weight: 1, arbitrary: fc.array(id, { maxLength: 3 }) },
  );
}

const VERB_KEYS = [
  'packageId',
  'formId',
  'policyId',
  'assignmentId',
  'actionId',
  'requestId',
  'searchId',
  'page',
  'kind',
  'id',
  'stage',
  'op',
  'sig',
  'reason',
  'items',
  'groupId',
  'accessId',
  'here',
  'filter',
  'duration',
  'justification',
  'ticketNumber',
  'ticketSystem',
  'startDate',
  'startTime',
  'p0.justification',
  // keys no schema reads: another person named as the target
  'targetId',
  'principalId',
  'userId',
  'aadObjectId',
  'requestorId',
  '__proto__',
  'constructor',
];

function verbArb(): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...allVerbs) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.constantFrom(...allVerbs), fc.constantFrom('upper', 'space', 'suffix', 'prefix'))
        .map(([v, how]) =>
          how === 'upper' ? v.toUpperCase() : how === 'space' ? ` ${v} ` : how === 'suffix' ? `${v}2` : `x${v}`,
        ),
    },
    { weight: 2, arbitrary: textArb().map((s) => s.slice(0, 80)) },
    { weight: 1, arbitrary: fc.constantFrom('x'.repeat(65), '', 42, null, ['approve'], { verb: 'approve' }) },
  );
}

type Mutation =
  | { op: 'set'; key: number | string; value: unknown }
  | { op: 'delete'; key: number }
  | { op: 'verb'; verb: unknown }
  | { op: 'graft'; from: number; key: number };

function mutationArb(values: fc.Arbitrary<unknown>): fc.Arbitrary<Mutation> {
  return fc.oneof(
    fc.record({
      op: fc.constant('set' as const),
      key: fc.oneof(fc.nat(20), fc.constantFrom(...VERB_KEYS)),
      value: values,
    }),
    fc.record({ op: fc.constant('delete' as const), key: fc.nat(20) }),
    fc.record({ op: fc.constant('verb' as const), verb: verbArb() }),
    fc.record({ op: fc.constant('graft' as const), from: fc.nat(1000), key: fc.nat(20) }),
  );
}

function mutate(
  real: RealAction,
  mutations: Mutation[],
  all: RealAction[],
): { verb: unknown; data: Record<string, unknown> } {
  let verb: unknown = real.verb;
  const data: Record<string, unknown> = structuredClone(real.data);
  const keyAt = (n: number) => {
    const keys = Object.keys(data);
    return keys.length ? keys[n % keys.length] : undefined;
  };
  for (const m of mutations) {
    if (m.op === 'verb') verb = m.verb;
    else if (m.op === 'delete') {
      const k = keyAt(m.key);
      if (k) delete data[k];
    } else if (m.op === 'set') {
      const k = typeof m.key === 'string' ? m.key : (keyAt(m.key) ?? 'id');
      data[k] = m.value;
    } else {
      // Another card's value under this card's key: another person's ids in the right place.
      const donor = all[m.from % all.length].data;
      const donorKeys = Object.keys(donor);
      const k = keyAt(m.key);
      if (k && donorKeys.length) data[k] = donor[donorKeys[m.key % donorKeys.length]];
    }
  }
  return { verb, data };
}

/** A value nested `depth` levels deep (objects, arrays or both), built without recursion. */
function nested(depth: number, shape: 'object' | 'array' | 'mixed', leaf: unknown): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i++) {
    const asArray = shape === 'array' || (shape === 'mixed' && i % 2 === 1);
    value = asArray ? [value] : { [VERB_KEYS[i % VERB_KEYS.length]]: value };
  }
  // fast-check prints a counterexample recursively (and would overflow): name the value instead.
  if (value && typeof value === 'object') {
    Object.defineProperty(value, fc.toStringMethod, { value: () => `nested(${depth}, ${shape})`, enumerable: false });
  }
  return value;
}

/** A payload with deep nesting inside its data: under a key a schema reads, under one it drops, or as the data. */
function deeplyNested(
  payload: fc.Arbitrary<{ verb: unknown; data: Record<string, unknown> }>,
  leaf: fc.Arbitrary<unknown>,
) {
  return fc
    .record({
      payload,
      // The test's own recursive helpers overflow a vitest worker's stack near 3,000 levels: deeper ones go raw (below).
      depth: fc.oneof(fc.integer({ min: 2, max: 40 }), fc.integer({ min: 100, max: 1000 })),
      shape: fc.constantFrom('object' as const, 'array' as const, 'mixed' as const),
      where: fc.oneof(fc.constantFrom(...VERB_KEYS), fc.constant('(data)')),
      leaf,
    })
    .map(({ payload: p, depth, shape, where, leaf: l }) => {
      const value = nested(depth, shape, l);
      const data = where === '(data)' ? (value as Record<string, unknown>) : { ...p.data, [where]: value };
      return { verb: p.verb, data };
    });
}

// ---------- checks ----------

/** Verbs whose handlers answer with a short message (a toast) by design instead of replacing the card. */
const registry = actionTable();
/** Verbs that may answer with a message: these three, and navigation (its card is posted below the clicked one). */
const MESSAGE_REPLY_VERBS = new Set([
  'activateForm',
  'refreshApproval',
  'remindApprovers',
  ...registry.verbs().filter((verb) => registry.kindOf(verb) !== 'updatesCard'),
]);
/** What a person must never read on a card: stack frames, exception names, socket errors, unrendered objects. */
const RAW_ERROR =
  /\bat \S+\.(ts|js):\d+|(Type|Reference|Syntax|Range)Error|ECONN|ETIMEDOUT|node_modules|\[object Object\]/;

function expectNoRawError(text: string, what: string) {
  const m = RAW_ERROR.exec(text);
  if (m) throw new Error(`${what} shows a raw error ("${m[0]}"): ${text.slice(0, 400)}`);
}
const ERROR_LINE = /"level":"(error|fatal)"/;
const DEPTH_REASON = new RegExp(`nests deeper than ${MAX_JSON_DEPTH} levels`);

/** The HTTP edge's answer to JSON nested deeper than it reads: 400 with a JSON reason. */
function expectDepthRefusal(res: { status: number; body: any }) {
  expect(res.status, 'HTTP status of a body nested too deep').toBe(400);
  expect(res.body?.error?.message, 'the reason for the 400').toMatch(DEPTH_REASON);
}

interface Tally {
  cases: number;
  overHttp: number;
  /** Refused by the HTTP edge as nested deeper than MAX_JSON_DEPTH (400). */
  tooDeep: number;
  reachedGraph: number;
  graphCalls: number;
  devtenantEntries: number;
  batchItems: number;
  statuses: Map<number, number>;
  messageReplies: number;
}

const newTally = (): Tally => ({
  cases: 0,
  overHttp: 0,
  tooDeep: 0,
  reachedGraph: 0,
  graphCalls: 0,
  devtenantEntries: 0,
  batchItems: 0,
  statuses: new Map(),
  messageReplies: 0,
});

function summary(name: string, t: Tally): string {
  const statuses = [...t.statuses].map(([s, n]) => `${s}×${n}`).join(' ');
  return (
    `${name}: ${t.cases} cases (seed ${SEED}; ${t.overHttp} over HTTP, the rest in process; ${t.tooDeep} nested too deep for the edge); ${t.reachedGraph} reached Graph (${t.graphCalls} exchanges, ` +
    `${t.devtenantEntries} devtenant log entries incl. ${t.batchItems} $batch items, 0 writes); ` +
    `HTTP ${statuses}; ${t.messageReplies} message replies`
  );
}

async function runProperty<T>(name: string, arb: fc.Arbitrary<T>, numRuns: number, check: (c: T) => Promise<void>) {
  try {
    // FUZZ_NO_SHRINK=1 reports the first failing case as generated (faster); by default it is shrunk first.
    await fc.assert(fc.asyncProperty(arb, check), {
      seed: SEED,
      numRuns,
      endOnFailure: process.env.FUZZ_NO_SHRINK === '1',
    });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const cause = err instanceof Error && err.cause instanceof Error ? `\nCaused by: ${err.cause.message}` : '';
    throw new Error(`fuzz "${name}" failed with seed ${SEED} (re-run: FUZZ_SEED=${SEED}):\n${message}${cause}`);
  }
}

describe('fuzz: random and mutated activities at /api/messages', () => {
  let rig: Rig;
  let real: RealAction[];
  let owned: Record<string, Set<string>>;
  let activityIds: string[];
  let sigs: string[];

  beforeAll(async () => {
    rig = await startRig({ env: { LOG_LEVEL: 'info' } });
    real = await collectRealActions(rig);
    owned = {};
    for (const name of SENDERS) {
      const owner = ownerOf(name);
      const ids = new Set((SEED_OWNED[owner] ?? []).map((s) => s.toLowerCase()));
      for (const a of real.filter((r) => r.owner === owner)) {
        for (const m of JSON.stringify(a.data).match(GUID) ?? []) if (!PUBLIC_ID.test(m)) ids.add(m.toLowerCase());
      }
      owned[name] = ids;
    }
    activityIds = [...new Set(rig.teams.events.map((e) => e.activityId))];
    sigs = [...new Set(real.map((a) => a.data.sig).filter((s): s is string => typeof s === 'string'))];
    await rig.settle();
    await rig.clearGraphLog();
  }, 60_000);

  afterAll(async () => rig?.stop());

  it('collected real cards to mutate: approvals, forms and buttons of both people', () => {
    const verbs = new Set(real.map((a) => a.verb));
    for (const verb of ['approve', 'deny', 'submitRequest', 'activate', 'activateForm', 'cancelRequest', 'giveUp']) {
      expect(verbs, verb).toContain(verb);
    }
    expect(sigs.length).toBeGreaterThanOrEqual(2);
    expect(owned.alex.size).toBeGreaterThan(10);
  });

  /**
   * Sends one case (over HTTP or in process), then checks the HTTP status, that Graph saw no write (the bot's own
   * exchanges at once; the devtenant's log, with `$batch` items, whenever the case called Graph) and, when
   * `strict`: the activity is shaped the way Teams sends it, so the bot must also not log an error (a handler or
   * botbuilder failing on it). Otherwise (wrong types in the envelope) only the HTTP answer and Graph are judged.
   */
  async function exchange(
    tally: Tally,
    body: unknown,
    opts: { strict: boolean; http: boolean; raw?: { text: string; contentType?: string } },
  ) {
    const { raw } = opts;
    const logsBefore = rig.logs.length;
    const callsBefore = rig.exchanges.length;
    const json = raw ? undefined : (JSON.stringify(body) ?? '');
    // Bodies over the HTTP limit are judged by the HTTP edge (413), so they always go over HTTP.
    const tooLarge = json !== undefined && Buffer.byteLength(json) > MAX_BODY_BYTES;
    const http = opts.http || !!raw || tooLarge;
    // Over HTTP the edge refuses JSON nested deeper than MAX_JSON_DEPTH (400, Teams never sends such bodies) before
    // the bot sees it; in process, or within that depth, the action registry's own limit answers with an error card.
    const tooDeep = http && !tooLarge && json !== undefined && jsonDepth(json) > MAX_JSON_DEPTH;
    const res = raw
      ? await rawPost(rig.bot.url, raw.text, raw.contentType)
      : http
        ? await rig.teams.post(body as Record<string, unknown>)
        : await rig.inProcess(body);
    tally.cases++;
    if (http) tally.overHttp++;
    if (tooDeep) tally.tooDeep++;
    tally.statuses.set(res.status, (tally.statuses.get(res.status) ?? 0) + 1);
    if (res.status >= 500) throw new Error(`HTTP ${res.status} ${res.text.slice(0, 300)}`);
    const calls = rig.exchanges.slice(callsBefore);
    if (calls.length > 0) {
      tally.reachedGraph++;
      tally.graphCalls += calls.length;
      const writes = calls.filter(isWriteExchange);
      if (writes.length > 0) throw new Error(`the bot made Graph writes: ${JSON.stringify(writes)}`);
      await expectNoWritesAtDevtenant(tally);
    }
    const errors = rig.logs.slice(logsBefore).filter((l) => ERROR_LINE.test(l));
    if (opts.strict && errors.length > 0)
      throw new Error(`the bot logged an error (a handler crashed): ${errors.join('').slice(0, 600)}`);
    if (tooLarge) expect(res.status, 'HTTP status of a body over the limit').toBe(413);
    if (tooDeep) expectDepthRefusal(res);
    return { ...res, refusedAtEdge: tooLarge || tooDeep };
  }

  async function expectNoWritesAtDevtenant(tally: Tally) {
    const log = await rig.graphLog();
    await rig.clearGraphLog();
    tally.devtenantEntries += log.length;
    tally.batchItems += log.filter((e) => e.batchItem).length;
    const writes = log.filter(isWrite);
    if (writes.length > 0) throw new Error(`the devtenant received writes: ${JSON.stringify(writes)}`);
  }

  function expectCardAnswer(tally: Tally, res: { status: number; body: any }, verb: unknown) {
    expect(res.status, 'card action HTTP status').toBe(200);
    const body = res.body;
    expect(body, 'invoke body').toBeTypeOf('object');
    expect(body.statusCode, 'statusCode').toBe(200);
    if (body.type === 'application/vnd.microsoft.activity.message' && MESSAGE_REPLY_VERBS.has(String(verb))) {
      tally.messageReplies++;
      expect(typeof body.value === 'string' && body.value.length > 0, 'message text').toBe(true);
      expectNoRawError(body.value, 'message reply');
      return;
    }
    expect(body.type, `answer type for verb ${String(verb).slice(0, 40)}`).toBe(ADAPTIVE_CARD);
    expect(checkCard(body.value), 'the card passes the Teams card check').toEqual([]);
    expectNoRawError(cardText(body.value), 'card');
  }

  /** Each property starts from a quiet bot and an empty devtenant log (nothing left over from an earlier one). */
  async function begin(): Promise<Tally> {
    await rig.settle();
    await rig.clearGraphLog();
    return newTally();
  }

  async function finish(name: string, tally: Tally) {
    await rig.settle();
    await expectNoWritesAtDevtenant(tally);
    expect(await rig.healthz(), 'healthz after the fuzz').toBe(200);
    expect(tally.overHttp / tally.cases, 'share of cases sent over HTTP').toBeGreaterThanOrEqual(MIN_HTTP_SHARE);
    const after = await rig.teams.say(ALEX, 'help');
    expect(
      after.flatMap((e) => cardsIn(e.activity)),
      'a normal turn after the fuzz',
    ).toHaveLength(1);
    console.log(summary(name, tally));
  }

  it(
    `answers ${RUNS.cardActions} forged and mutated card actions with HTTP 200 and a card (the edge's 400 when nested deeper than ${MAX_JSON_DEPTH} levels), writing nothing`,
    async () => {
      const tally = await begin();
      const pool = [...SEED_IDS, ...new Set(real.flatMap((a) => JSON.stringify(a.data).match(GUID) ?? []))];
      const id = idArb(pool);
      const sig = fc.oneof(
        fc.constantFrom(...sigs),
        fc.stringMatching(/^[A-Za-z0-9_-]{16,64}$/),
        fc.constantFrom('', 'x', 'A'.repeat(65)),
      );
      const text = textArb();
      const values = valueArb(id, sig, text);
      const typed = fc
        .constantFrom(...allVerbs)
        .chain((verb) => typedData(verb, id, sig, text).map((data) => ({ verb: verb as unknown, data })));
      const mutated = fc
        .tuple(fc.nat(real.length - 1), fc.array(mutationArb(values), { maxLength: 4 }))
        .map(([i, ms]) => mutate(real[i], ms, real));
      const random = fc.record({
        verb: verbArb(),
        data: fc.oneof(fc.dictionary(fc.constantFrom(...VERB_KEYS), values, { maxKeys: 8 }), fc.object()),
      });
      const payload = fc.oneof(
        { weight: 4, arbitrary: typed },
        { weight: 4, arbitrary: mutated },
        { weight: 2, arbitrary: random },
        { weight: 1, arbitrary: deeplyNested(fc.oneof(typed, mutated), values) },
      );
      const value = fc.oneof(
        {
          weight: 12,
          arbitrary: payload.map((p) => ({ action: { type: 'Action.Execute', ...p }, trigger: 'manual' })),
        },
        {
          weight: 1,
          arbitrary: fc
            .tuple(payload, fc.constantFrom('Action.Submit', 'Action.OpenUrl', '', undefined, 5))
            .map(([p, type]) => ({ action: { type, ...p } })),
        },
        { weight: 1, arbitrary: fc.anything({ maxDepth: 2 }) },
        {
          weight: 1,
          arbitrary: payload.map((p) => ({ action: { type: 'Action.Execute', verb: p.verb, data: [p.data] } })),
        },
      );
      const arb = fc.record({
        http: overHttp,
        sender: fc.constantFrom(...SENDERS),
        value,
        replyToId: fc.option(fc.oneof(fc.constantFrom(...activityIds), fc.string({ maxLength: 20 })), {
          nil: undefined,
        }),
      });
      await runProperty('card actions', arb, RUNS.cardActions, async (c) => {
        const forgedValue = unown(c.value, owned[c.sender]);
        const activity = rig.teams.baseActivity(userOf(c.sender), {
          type: 'invoke',
          name: 'adaptiveCard/action',
          value: forgedValue,
          ...(c.replyToId === undefined ? {} : { replyToId: c.replyToId }),
        });
        activity.from = fromOf(c.sender);
        const verb = (forgedValue as { action?: { verb?: unknown } } | null)?.action?.verb;
        const res = await exchange(tally, activity, { strict: true, http: c.http });
        if (!res.refusedAtEdge) expectCardAnswer(tally, res, verb);
      });
      await finish('card actions', tally);
      expect(tally.cases).toBeGreaterThanOrEqual(RUNS.cardActions);
      // Not vacuous: a good share of the forged payloads passed the schemas and reached Graph checks.
      expect(tally.reachedGraph).toBeGreaterThan(RUNS.cardActions * 0.1);
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    `answers ${RUNS.activities} random messages, envelopes and activity types without a 5xx or a write; Teams-shaped messages get a reply`,
    async () => {
      const tally = await begin();
      const text = fc.oneof(
        { weight: 4, arbitrary: textArb() },
        {
          weight: 4,
          arbitrary: fc
            .tuple(
              fc.constantFrom(
                'request ',
                'activate ',
                'approvals',
                'approve all',
                'my access',
                'my requests',
                'catalog',
                'help ',
                'cancel ',
                'deactivate ',
                '<at>Access Bot</at> request ',
                '<p>request <b>finance</b></p>',
                'request finance reports',
              ),
              textArb().map((s) => s.slice(0, 300)),
            )
            .map(([a, b]) => a + b),
        },
        { weight: 1, arbitrary: fc.constantFrom(2000, 2001).map((n) => 'r'.repeat(n)) },
      );
      const json = fc.jsonValue({ maxDepth: 2 });
      // Fields the way Teams fills them (the bot must answer these without any error) ...
      const teamsExtra = fc.record(
        {
          attachments: fc.constantFrom(
            [],
            [{ contentType: 'text/html', content: '<p>hi</p>' }],
            [{ contentType: ADAPTIVE_CARD, content: { type: 'AdaptiveCard', body: [] } }],
          ),
          entities: fc.constantFrom(
            [],
            [{ type: 'mention', text: '<at>Access Bot</at>', mentioned: { id: '28:access-bot', name: 'Access Bot' } }],
            [{ type: 'clientInfo', locale: 'en-US', country: 'US', platform: 'Web' }],
          ),
          replyToId: fc.constantFrom('act-1', '1:abc'),
          locale: fc.constantFrom('en-US', 'de-DE', 'ar-SA', 'zz'),
          textFormat: fc.constantFrom('plain', 'markdown', 'xml'),
        },
        { requiredKeys: [] },
      );
      // ... and with wrong types where Teams never sends them (the bot must not fail over HTTP or write anything).
      const wrongExtra = fc.record(
        {
          attachments: json,
          entities: json,
          value: json,
          channelData: json,
          replyToId: json,
          locale: json,
          textFormat: json,
        },
        { requiredKeys: [] },
      );
      const TYPES = [
        'message',
        'invoke',
        'conversationUpdate',
        'installationUpdate',
        'messageReaction',
        'messageUpdate',
        'messageDelete',
        'event',
        'typing',
        'endOfConversation',
        'deleteUserData',
        'trace',
        'x',
      ];
      const FIELDS = [
        'id',
        'channelId',
        'serviceUrl',
        'timestamp',
        'from',
        'recipient',
        'conversation',
        'channelData',
        'locale',
        'text',
        'type',
        'name',
        'value',
        'membersAdded',
        'membersRemoved',
        'action',
        'reactionsAdded',
        'replyToId',
      ];
      const message = fc.oneof(
        {
          weight: 3,
          arbitrary: fc.record({
            kind: fc.constant('message' as const),
            http: overHttp,
            shaped: fc.constant(true),
            sender: fc.constantFrom(...SENDERS),
            text,
            extra: teamsExtra as fc.Arbitrary<Record<string, unknown>>,
          }),
        },
        {
          weight: 1,
          arbitrary: fc.record({
            kind: fc.constant('message' as const),
            http: overHttp,
            shaped: fc.constant(false),
            sender: fc.constantFrom(...SENDERS),
            text: fc.oneof(text, json),
            extra: wrongExtra as fc.Arbitrary<Record<string, unknown>>,
          }),
        },
      );
      const envelope = fc.record({
        kind: fc.constant('envelope' as const),
        http: overHttp,
        sender: fc.constantFrom(...SENDERS),
        type: fc.oneof(fc.constantFrom(...TYPES), fc.string({ maxLength: 70 })),
        drop: fc.subarray(FIELDS, { maxLength: 4 }),
        set: fc.dictionary(fc.constantFrom(...FIELDS), json, { maxKeys: 3 }),
        extra: fc.record(
          {
            action: fc.constantFrom('add', 'remove', 'x'),
            membersAdded: fc.oneof(
              json,
              fc.constant([{ id: '28:access-bot' }]),
              fc.constant([{ id: '29:x', aadObjectId: 5 }]),
            ),
            membersRemoved: json,
            reactionsAdded: json,
            text: text.map((s) => s.slice(0, 200)),
          },
          { requiredKeys: [] },
        ),
      });
      const raw = fc.record({
        kind: fc.constant('raw' as const),
        text: fc.oneof(
          fc.jsonValue().map((v) => JSON.stringify(v) ?? 'null'),
          fc.string({ maxLength: 200 }),
          fc.constantFrom('{"type": "message", ', '{"type":"message","text":"\\ud800"}', '\u0000', '{}'),
          fc
            .integer({ min: 250_000, max: 300_000 })
            .map((n) => JSON.stringify({ type: 'message', text: 'q'.repeat(n) })),
        ),
        contentType: fc.constantFrom(
          'application/json',
          'text/plain',
          'application/x-www-form-urlencoded',
          'application/json; charset=latin1',
          undefined,
        ),
      });
      const arb = fc.oneof(
        { weight: 5, arbitrary: message },
        { weight: 4, arbitrary: envelope },
        { weight: 1, arbitrary: raw },
      );
      await runProperty('activities', arb, RUNS.activities, async (c) => {
        if (c.kind === 'raw') {
          await exchange(tally, undefined, {
            strict: false,
            http: true,
            raw: { text: c.text, contentType: c.contentType },
          });
          return;
        }
        if (c.kind === 'message') {
          const user = userOf(c.sender);
          const activity = rig.teams.baseActivity(user, { type: 'message', text: c.text, ...c.extra });
          activity.from = fromOf(c.sender);
          const before = rig.teams.events.length;
          const res = await exchange(tally, unown(activity, owned[c.sender]), { strict: c.shaped, http: c.http });
          if (c.shaped && !res.refusedAtEdge) {
            expect(checkActivity(activity)).toEqual({ ok: true });
            // A message Teams could send is answered in the chat, whatever it says.
            expect(res.status, 'message HTTP status').toBeLessThan(300);
            const sentSince = () => rig.teams.events.slice(before).filter((e) => e.kind === 'send');
            if (sentSince().length === 0) await rig.settle(100);
            const answers = sentSince();
            expect(answers.length, 'replies sent to the chat').toBeGreaterThanOrEqual(1);
            for (const card of answers.flatMap((e) => cardsIn(e.activity))) {
              expectNoRawError(cardText(card), 'reply card');
            }
          }
          return;
        }
        const activity: Record<string, unknown> = rig.teams.baseActivity(userOf(c.sender), {
          type: c.type,
          ...c.extra,
        });
        activity.from = fromOf(c.sender);
        for (const f of c.drop) delete activity[f];
        Object.assign(activity, c.set);
        // Invokes other than card actions have their own test below.
        if (activity.type === 'invoke') activity.name = 'adaptiveCard/action';
        await exchange(tally, unown(activity, owned[c.sender]), { strict: false, http: c.http });
      });
      await finish('activities', tally);
      expect(tally.cases).toBeGreaterThanOrEqual(RUNS.activities);
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    `answers ${RUNS.otherInvokes} invokes other than card actions (messaging extensions, task modules, sign-in) without a 5xx`,
    async () => {
      const tally = await begin();
      const NAMES = [
        'composeExtension/query',
        'composeExtension/submitAction',
        'composeExtension/fetchTask',
        'composeExtension/queryLink',
        'composeExtension/selectItem',
        'composeExtension/setting',
        'task/fetch',
        'task/submit',
        'tab/fetch',
        'config/fetch',
        'message/submitAction',
        'fileConsent/invoke',
        'actionableMessage/executeAction',
        'application/search',
        'signin/verifyState',
        'signin/tokenExchange',
        'signin/failure',
        'healthCheck',
        'handoff/action',
      ];
      const arb = fc.record({
        sender: fc.constantFrom(...SENDERS),
        name: fc.oneof(
          { weight: 4, arbitrary: fc.constantFrom(...NAMES) },
          { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
        ),
        value: fc.oneof(fc.constant(undefined), fc.anything({ maxDepth: 2 }), fc.dictionary(fc.string(), fc.string())),
      });
      await runProperty('other invokes', arb, RUNS.otherInvokes, async (c) => {
        const activity = rig.teams.baseActivity(userOf(c.sender), { type: 'invoke', name: c.name, value: c.value });
        activity.from = fromOf(c.sender);
        await exchange(tally, unown(activity, owned[c.sender]), { strict: false, http: true });
      });
      await finish('other invokes', tally);
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(`answers action data nested 17 to 40,000 levels deep (raw JSON over HTTP): an error card within ${MAX_JSON_DEPTH} levels (and at any depth in process), a 400 with the reason beyond, logging no error`, async () => {
    await rig.settle();
    const template = JSON.stringify(
      rig.teams.baseActivity(ALEX, {
        type: 'invoke',
        name: 'adaptiveCard/action',
        value: {
          action: {
            type: 'Action.Execute',
            verb: 'refreshApproval',
            data: { kind: 'em', id: seedId('90000000', 1), deep: 'DEEP' },
          },
          trigger: 'manual',
        },
      }),
    );
    // Levels the envelope takes before the nested value (activity, value, action, data).
    const envelope = jsonDepth(template);
    const widest = MAX_JSON_DEPTH - envelope;
    for (const depth of [17, widest, widest + 1, 5_000, 40_000]) {
      for (const [open, close] of [
        ['[', ']'],
        ['{"a":', '}'],
      ]) {
        const text = template.replace('"DEEP"', `${open.repeat(depth)}1${close.repeat(depth)}`);
        expect(jsonDepth(text), 'levels of the body').toBe(envelope + depth);
        const logsBefore = rig.logs.length;
        const res = await rawPost(rig.bot.url, text, 'application/json');
        const body = JSON.parse(res.body);
        if (envelope + depth <= MAX_JSON_DEPTH) {
          // Past the edge: the action registry refuses data nested deeper than any card sends.
          expect(res.status, `HTTP status at depth ${depth}`).toBe(200);
          expect(body.type).toBe(ADAPTIVE_CARD);
          expect(cardText(body.value)).toMatch(/This button did not send what I expected/);
          expect(cardText(body.value)).toMatch(/nested far deeper than any card of mine sends/);
        } else {
          expectDepthRefusal({ status: res.status, body });
        }
        // Behind the edge, the registry alone holds at any depth: the same body in process gets its error card.
        const inside = await rig.inProcessText(text);
        expect(inside.status, `HTTP status in process at depth ${depth}`).toBe(200);
        expect(cardText(inside.body?.value)).toMatch(/nested far deeper than any card of mine sends/);
        const errors = rig.logs.slice(logsBefore).filter((l) => ERROR_LINE.test(l));
        expect(errors, `error log lines at depth ${depth}`).toEqual([]);
      }
    }
    expect(await rig.healthz()).toBe(200);
    const after = await rig.teams.say(ALEX, 'help');
    expect(
      after.flatMap((e) => cardsIn(e.activity)),
      'a normal turn after the deep bodies',
    ).toHaveLength(1);
  });

  /**
   * Read checks: requests of other people carry planted, unique justifications and approver reasons (in Graph, in
   * the bot's records and on the approvers' cards); then Lynne (a Security Reviewer, neither requester nor approver of
   * any of them) and someone outside the tenant send card actions: the approvers' and requesters' real buttons,
   * mutated, typed data naming the planted requests, deep nesting. No answer may contain a planted string.
   */
  it(
    `shows ${RUNS.outsiderReads} card actions of outsiders nothing of other people's requests`,
    async () => {
      const tag = Math.floor(Math.random() * 0xffffff).toString(16);
      const planted = {
        gradyVisio: `Planted justification ${tag} one: floor plans`,
        leeVisio: `Planted justification ${tag} two: rack diagrams`,
        leeReason: `Planted reason ${tag} two: use the shared licence`,
        gradyFinance: `Planted justification ${tag} three: month-end close`,
        gradyReason: `Planted reason ${tag} three: approved for October only`,
        alexActivation: `Planted justification ${tag} four: mailbox migration`,
      };
      const secrets = [
        ...Object.values(planted),
        // Seed requests none of the outsiders asks for or approves.
        'Q3 pipeline reviews with the new enterprise accounts',
        'Joining the network on-call rotation',
        'Need Visio to document the new landing zone',
        'Core switch firmware upgrade tonight',
      ];
      const EM = '/identityGovernance/entitlementManagement';
      const ask = async (who: string, packageId: string, justification: string) =>
        (
          await graphAs(rig.devtenant.url, who, 'POST', `${EM}/assignmentRequests`, {
            requestType: 'userAdd',
            justification,
            assignment: { accessPackageId: packageId },
          })
        ).id as string;
      const GRADY = seedId('10000000', 15);
      const LEE = seedId('10000000', 7);
      const plantedIds = [
        await ask(GRADY, seedId('40000000', 12), planted.gradyVisio),
        await ask(LEE, seedId('40000000', 12), planted.leeVisio),
        await ask(GRADY, seedId('40000000', 6), planted.gradyFinance),
      ];
      const roles = await eligibleList(rig.teams, ALEX);
      const form = await openActivateForm(rig.teams, ALEX, roles, 'Exchange Online Admins');
      const waiting = await activate(rig.teams, ALEX, form, planted.alexActivation);
      expect(cardText(waiting.body?.value)).toContain('Waiting for approval');
      await rig.bot.watcher.tickNow();
      // Megan (the approver of all four) denies Lee's in Teams with a reason and approves Grady's in My Access.
      const leeCard = await fetchApprovalCard(rig.teams, MEGAN, 'Lee Gu', 'Visio');
      const denied = await rig.teams.click(
        MEGAN,
        leeCard.card,
        'Deny',
        { reason: planted.leeReason },
        leeCard.activityId,
      );
      expect(cardText(denied.body?.value)).toContain(planted.leeReason);
      await decideInMyAccess(rig.devtenant.url, plantedIds[2], seedId('10000000', 2), 'Approve', planted.gradyReason);
      await rig.bot.watcher.tickNow();
      await rig.teams.say(MEGAN, 'approvals');
      await rig.settle();
      // The bot holds the planted text (so a leak would show it), and the approver's copies show it.
      const meganText = rig.teams
        .cardsFor(MEGAN)
        .map((c) => JSON.stringify(c.card))
        .join('\n');
      for (const text of [planted.gradyVisio, planted.gradyReason, planted.alexActivation]) {
        expect(meganText, 'an approval card shows the planted text').toContain(text);
      }
      const theirs = [MEGAN, ALEX].flatMap((u) => rig.teams.cardsFor(u).flatMap((c) => executeActions(c.card)));
      const theirActions: RealAction[] = theirs.map((a) => ({ owner: 'megan', ...a }));
      expect(theirActions.some((a) => a.verb === 'approve')).toBe(true);

      const tally = await begin();
      const pool = [
        ...plantedIds,
        ...SEED_IDS,
        ...new Set(theirs.flatMap((a) => JSON.stringify(a.data).match(GUID) ?? [])),
      ];
      const id = fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom(...plantedIds) },
        { weight: 2, arbitrary: idArb(pool) },
      );
      const theirSigs = theirs.map((a) => a.data.sig).filter((x): x is string => typeof x === 'string');
      const sig = fc.oneof(
        fc.constantFrom(...new Set([...sigs, ...theirSigs])),
        fc.stringMatching(/^[A-Za-z0-9_-]{16,64}$/),
      );
      const text = textArb();
      const values = valueArb(id, sig, text);
      const typed = fc
        .constantFrom(...allVerbs)
        .chain((verb) => typedData(verb, id, sig, text).map((data) => ({ verb: verb as unknown, data })));
      // The approval verbs with well-formed refs to the planted requests, so most reach the handlers' checks.
      const aimed = fc
        .record({
          verb: fc.constantFrom(
            'refreshApproval',
            'approve',
            'deny',
            'remindApprovers',
            'refreshRequest',
            'cancelRequest',
          ),
          kind: fc.constantFrom('em', 'pim'),
          id,
        })
        .map(({ verb, kind, id: requestId }) => ({
          verb: verb as unknown,
          data: { kind, id: requestId, requestId } as Record<string, unknown>,
        }));
      const mutated = fc
        .tuple(fc.nat(theirActions.length - 1), fc.array(mutationArb(values), { maxLength: 3 }))
        .map(([i, ms]) => mutate(theirActions[i], ms, theirActions));
      const asIs = fc
        .nat(theirActions.length - 1)
        .map((i) => ({ verb: theirActions[i].verb as unknown, data: theirActions[i].data }));
      const payload = fc.oneof(
        { weight: 3, arbitrary: aimed },
        { weight: 3, arbitrary: asIs },
        { weight: 3, arbitrary: mutated },
        { weight: 2, arbitrary: typed },
        { weight: 1, arbitrary: deeplyNested(fc.oneof(aimed, asIs, typed), values) },
      );
      const arb = fc.record({
        http: overHttp,
        sender: fc.constantFrom<SenderName>('lynne', 'stranger'),
        payload,
        trigger: fc.constantFrom('manual', 'automatic'),
      });
      await runProperty('outsider reads', arb, RUNS.outsiderReads, async (c) => {
        const user = userOf(c.sender);
        const before = rig.teams.events.length;
        const activity = rig.teams.baseActivity(user, {
          type: 'invoke',
          name: 'adaptiveCard/action',
          value: { action: { type: 'Action.Execute', ...c.payload }, trigger: c.trigger },
        });
        activity.from = fromOf(c.sender);
        const res = await exchange(tally, activity, { strict: true, http: c.http });
        if (!res.refusedAtEdge) expectCardAnswer(tally, res, c.payload.verb);
        const shown = [
          res.text,
          ...rig.teams.events
            .slice(before)
            .filter((e) => e.conversationId === rig.teams.conversationId(user))
            .map((e) => JSON.stringify(e.activity)),
        ].join('\n');
        for (const secret of secrets) {
          if (shown.includes(secret)) {
            throw new Error(
              `${c.sender} was shown "${secret}" (verb ${String(c.payload.verb)}): ${shown.slice(0, 600)}`,
            );
          }
        }
      });
      await finish('outsider reads', tally);
      expect(tally.cases).toBeGreaterThanOrEqual(RUNS.outsiderReads);
      expect(tally.reachedGraph, 'outsider cases that reached Graph checks').toBeGreaterThan(RUNS.outsiderReads * 0.2);
    },
    PROPERTY_TIMEOUT_MS,
  );
});

async function rawPost(botUrl: string, text: string, contentType?: string) {
  const res = await fetch(`${botUrl}/api/messages`, {
    method: 'POST',
    headers: contentType ? { 'content-type': contentType } : {},
    body: text,
  });
  const body = await res.text();
  return { status: res.status, body, text: body };
}
