import { type Stack, startStack } from '../tests/helpers/stack.js';
import { buttonTitles, type Card, cardText } from '../tests/helpers/teamsHarness.js';
import {
  ALEX,
  activate,
  eligibleList,
  fetchApprovalCard,
  MEGAN,
  openActivateForm,
  openForm,
  press,
  replyCard,
  search,
  submitForm,
} from '../tests/reliability/drive.js';
import { isMain, runAlone } from './lib/main.js';
import type { BenchResult, Figure } from './lib/results.js';

/**
 * Graph round trips per journey step, counted from the devtenant's request log (a `$batch` counts once): the bot and
 * the devtenant in this process, driven through the Teams-like harness as Alex (requester, activator) and Megan (his
 * manager, the approver). Work a step starts in the background is counted with that step (the log must be quiet for
 * 200 ms before the next step begins).
 */

/**
 * `refreshReads`: the issues count this step's own calls "plus the status card's own reads", so the app-only reads
 * that bring tracked cards up to date after the write are reported next to the figure, not in it.
 */
const STEPS = [
  { name: 'search', target: 1, refreshReads: false },
  // The package (app token, the admin read) and what the person holds (their token, one $batch) cannot share a
  // $batch; they run in parallel (issue 13 allows one round trip more for what the person already has).
  { name: 'details', target: 2, refreshReads: false },
  { name: 'form', target: 1, refreshReads: false },
  { name: 'submit', target: 1, refreshReads: true },
  { name: 'approve', target: 2, refreshReads: true },
  // The eligibility read, then one $batch; beside them (not after) the app-only read of the authentication context
  // names, at most once per 5 minutes per bot (issue 13: "Privileged access", not "c1").
  { name: 'eligible list', target: 3, refreshReads: false },
  { name: 'activate', target: 1, refreshReads: false },
  // Several at once (issue 16 item 2): 1 + ceil(N/20) for N = BULK_ITEMS (3): one $batch per 20 POSTs, the rules from
  // the list just read.
  { name: 'bulk activate', target: 2, refreshReads: false },
] as const;

const BULK_ITEMS = 3;

type StepName = (typeof STEPS)[number]['name'];

function callerKind(caller: string | null, requester?: string): string {
  if (caller?.startsWith('app:')) return 'app';
  return caller && caller === requester ? 'requester' : 'user';
}

interface Counted {
  roundTrips: number;
  /** Of those, app-only calls (the watcher's token): card refreshes after a user's write. */
  appCalls: number;
  /**
   * Of those, calls with the REQUESTER's token after another person's write: the requester's status card reading who
   * decided and why (Graph shows the requester only what it lets them read, so it is read as them).
   */
  requesterCalls: number;
  batchItems: number;
  calls: string[];
}

const PACKAGE = 'Finance Reports – Read';
const GROUP = 'Finance Admins';

async function quiet(stack: Stack): Promise<void> {
  let last = -1;
  for (let i = 0; i < 50; i++) {
    const n = (await stack.graphCalls()).length;
    if (n === last) return;
    last = n;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function counted<T>(
  stack: Stack,
  work: () => Promise<T>,
  requester?: string,
): Promise<{ value: T; counted: Counted }> {
  await quiet(stack);
  await stack.clearGraphLog();
  const value = await work();
  await quiet(stack);
  const log = await stack.graphCalls();
  const trips = log.filter((e) => !e.batchItem);
  return {
    value,
    counted: {
      roundTrips: trips.length,
      appCalls: trips.filter((e) => e.caller?.startsWith('app:')).length,
      requesterCalls: requester ? trips.filter((e) => e.caller === requester).length : 0,
      batchItems: log.length - trips.length,
      calls: trips.map((e) => `${e.method} ${e.path.split('?')[0]} (${callerKind(e.caller, requester)})`),
    },
  };
}

async function driveAll(stack: Stack, record: (step: StepName, c: Counted | Error) => void): Promise<void> {
  const { teams } = stack;
  await teams.install(MEGAN);
  const attempt = async <T>(step: StepName, work: () => Promise<T>, requester?: string): Promise<T | undefined> => {
    try {
      const { value, counted: c } = await counted(stack, work, requester);
      record(step, c);
      return value;
    } catch (err) {
      record(step, err instanceof Error ? err : new Error(String(err)));
      return undefined;
    }
  };
  const list = await attempt('search', () => search(teams, ALEX, 'finance reports'));
  if (list) await attempt('details', () => press(teams, ALEX, list, 'Details'));
  const form = list ? await attempt('form', () => openForm(teams, ALEX, list)) : undefined;
  const status = form
    ? await attempt('submit', async () =>
        replyCard(await submitForm(teams, ALEX, form, 'Quarter-end reporting for the board pack'), 'submit'),
      )
    : undefined;
  if (status) {
    const approval = await fetchApprovalCard(teams, MEGAN, ALEX.name, PACKAGE).catch((err: Error) => err);
    if (approval instanceof Error) record('approve', approval);
    else
      await attempt(
        'approve',
        () => press(teams, MEGAN, approval.card, 'Approve', {}, approval.activityId),
        ALEX.aadObjectId,
      );
  }
  const eligible = await attempt('eligible list', () => eligibleList(teams, ALEX));
  if (eligible) {
    const activateForm = await openActivateForm(teams, ALEX, eligible, GROUP).catch((err: Error) => err);
    if (activateForm instanceof Error) record('activate', activateForm);
    else
      await attempt('activate', async () => {
        const card = replyCard(await activate(teams, ALEX, activateForm, 'Month-end close run'), 'activate');
        if (buttonTitles(card).includes('Activate')) throw new Error('the activation form came back (not accepted)');
        return card;
      });
    const several = await bulkForm(teams).catch((err: Error) => err);
    if (several instanceof Error) record('bulk activate', several);
    else await attempt('bulk activate', () => bulkActivate(several, teams));
  }
}

/** The Activate several form from a fresh list (not counted: the list's reads are the 'eligible list' figure). */
async function bulkForm(teams: Stack['teams']): Promise<Card> {
  return press(teams, ALEX, await eligibleList(teams, ALEX), 'Activate several…');
}

/** The first BULK_ITEMS roles the form offers that need neither a ticket nor a stronger sign-in, sent together. */
async function bulkActivate(form: Card, teams: Stack['teams']): Promise<Card> {
  const picks = (form.body ?? []).find((el: Card) => el.id === 'picked') as
    | { choices: { title: string; value: string }[] }
    | undefined;
  const simple = (picks?.choices ?? []).filter((c) => !/ticket|sign-in/.test(c.title)).slice(0, BULK_ITEMS);
  if (simple.length < BULK_ITEMS) throw new Error(`the form offered ${simple.length} simple roles`);
  const inputs = { picked: simple.map((c) => c.value).join(','), duration: '60', justification: 'Month-end close run' };
  const card = await press(teams, ALEX, form, 'Activate selected', inputs);
  if (!cardText(card).includes(`of ${BULK_ITEMS} requested`)) throw new Error(`no result card: ${cardText(card)}`);
  return card;
}

export async function run(): Promise<BenchResult> {
  const stack = await startStack({ env: { LOG_LEVEL: 'warn' } });
  const results = new Map<StepName, Counted | Error>();
  try {
    await driveAll(stack, (step, c) => results.set(step, c));
  } finally {
    await stack.stop();
  }
  const figures: Figure[] = STEPS.map(({ name, target, refreshReads }) => {
    const r = results.get(name);
    if (!r || r instanceof Error) {
      return {
        name,
        value: null,
        unit: 'calls',
        target: { kind: 'max', value: target },
        note: r?.message ?? 'not reached',
      };
    }
    const refresh = refreshReads ? r.appCalls : 0;
    const requesterReads = refreshReads ? r.requesterCalls : 0;
    const notes = [
      ...(refresh ? [`+${refresh} app read${refresh > 1 ? 's' : ''} refreshing the tracked cards`] : []),
      ...(requesterReads ? [`+${requesterReads} read as the requester (who decided, for their status card)`] : []),
      ...(r.batchItems ? [`${r.batchItems} requests inside $batch`] : []),
    ];
    return {
      name,
      value: r.roundTrips - refresh - requesterReads,
      unit: 'calls',
      target: { kind: 'max', value: target },
      ...(notes.length ? { note: notes.join('; ') } : {}),
    };
  });
  return {
    name: 'roundTrips',
    method:
      'Graph round trips per step from the devtenant request log ($batch = 1), harness as Alex and Megan; writes count their own calls, the card refresh after them is noted',
    figures,
    details: Object.fromEntries([...results].map(([step, r]) => [step, r instanceof Error ? { error: r.message } : r])),
  };
}

if (isMain(import.meta.url)) runAlone(run);
