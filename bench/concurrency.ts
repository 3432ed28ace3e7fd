import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { SeedData } from '../devtenant/index.js';
import { type Stack, startStack } from '../tests/helpers/stack.js';
import { buttonTitles, cardText, type TeamsUser, teamsUser } from '../tests/helpers/teamsHarness.js';
import {
  activate,
  eligibleList,
  fetchApprovalCard,
  openActivateForm,
  openForm,
  press,
  replyCard,
  search,
  submitForm,
} from '../tests/reliability/drive.js';
import { isMain, runAlone } from './lib/main.js';
import type { BenchResult } from './lib/results.js';
import { summarize } from './lib/stats.js';

/**
 * Concurrency: N people (default 200) each walk the whole seed story at the same moment, through the Teams-like
 * harness over HTTP: find "Finance Month-end Close (JIT)" → request with a justification → their own manager (one
 * more simulated person each) approves on the approval card → delivered as an eligible member of Finance Admins →
 * activate for an hour. Measures completion time and errors, and counts the Graph writes in the devtenant's log:
 * each story must write exactly one request, one approval decision and one activation.
 */

const USERS = Number(process.env.BENCH_CONCURRENCY_USERS ?? 200);
const PACKAGE = 'Finance Month-end Close (JIT)';
const GROUP = 'Finance Admins';
const EM = '/v1.0/identityGovernance/entitlementManagement';

interface Story {
  requester: TeamsUser;
  manager: TeamsUser;
}

const pad = (n: number) => String(n).padStart(12, '0');

/** The demo tenant plus N requesters, each with a manager of their own (who approves the package request). */
function seedWith(stories: Story[]): SeedData {
  const file = path.resolve(import.meta.dirname, '../devtenant/seed/demo.json');
  const seed = JSON.parse(readFileSync(file, 'utf8'));
  for (const [i, { requester, manager }] of stories.entries()) {
    const person = (u: TeamsUser, managerId: string | null, title: string) => ({
      id: u.aadObjectId,
      displayName: u.name,
      givenName: u.name.split(' ')[0],
      surname: u.name.split(' ').slice(1).join(' '),
      mail: `load${i}-${title}@contoso.example`,
      userPrincipalName: `load${i}-${title}@contoso.example`,
      jobTitle: title === 'mgr' ? 'Finance Manager' : 'Financial Analyst',
      department: 'Finance',
      managerId,
    });
    seed.users.push(person(manager, null, 'mgr'), person(requester, manager.aadObjectId, 'analyst'));
  }
  return seed;
}

function storiesOf(n: number): Story[] {
  return Array.from({ length: n }, (_, i) => ({
    requester: teamsUser(`e1000000-0000-4000-8000-${pad(i)}`, `Load Analyst ${i}`),
    manager: teamsUser(`e2000000-0000-4000-8000-${pad(i)}`, `Load Manager ${i}`),
  }));
}

async function walk(stack: Stack, { requester, manager }: Story): Promise<void> {
  const { teams } = stack;
  const list = await search(teams, requester, 'month-end close');
  const form = await openForm(teams, requester, list);
  const status = replyCard(await submitForm(teams, requester, form, 'Month-end close cover'), 'submit');
  if (!/Pending approval/.test(cardText(status))) throw new Error(`status card: ${cardText(status).slice(0, 120)}`);
  const approval = await fetchApprovalCard(teams, manager, requester.name, PACKAGE);
  const decided = await press(teams, manager, approval.card, 'Approve', {}, approval.activityId);
  if (!/Approved/.test(cardText(decided))) throw new Error(`approval card: ${cardText(decided).slice(0, 120)}`);
  const eligible = await eligibleList(teams, requester);
  const activateForm = await openActivateForm(teams, requester, eligible, GROUP);
  const active = replyCard(await activate(teams, requester, activateForm, 'Month-end close run'), 'activate');
  if (buttonTitles(active).includes('Activate') || !/until/.test(cardText(active))) {
    throw new Error(`activation card: ${cardText(active).slice(0, 120)}`);
  }
}

type LogEntry = Awaited<ReturnType<Stack['graphCalls']>>[number];

/** Graph writes per caller and kind, from the devtenant's log (a write inside a $batch counts as itself). */
function writes(log: LogEntry[]) {
  const kinds: Record<string, RegExp> = {
    request: new RegExp(`^${EM}/assignmentRequests$`),
    decision: new RegExp(`^${EM}/accessPackageAssignmentApprovals/[^/]+/stages/[^/]+$`),
    activation: /^\/(v1\.0|beta)\/identityGovernance\/privilegedAccess\/group\/assignmentScheduleRequests$/,
  };
  const perCaller = new Map<string, number>();
  const totals: Record<string, number> = { request: 0, decision: 0, activation: 0 };
  for (const e of log) {
    if (e.method === 'GET' || e.status >= 400) continue;
    const pathOnly = e.path.split('?')[0];
    const kind = Object.keys(kinds).find((k) => kinds[k].test(pathOnly));
    if (!kind) continue;
    totals[kind]++;
    const key = `${kind} ${e.caller}`;
    perCaller.set(key, (perCaller.get(key) ?? 0) + 1);
  }
  const duplicates = [...perCaller.values()].filter((n) => n > 1).reduce((sum, n) => sum + n - 1, 0);
  return { totals, duplicates };
}

export async function run(): Promise<BenchResult> {
  const stories = storiesOf(USERS);
  const stack = await startStack({ devtenant: { seed: seedWith(stories) }, env: { LOG_LEVEL: 'warn' } });
  try {
    await stack.clearGraphLog();
    const started = performance.now();
    const times: number[] = [];
    const outcomes = await Promise.allSettled(
      stories.map(async (story) => {
        const t0 = performance.now();
        await walk(stack, story);
        times.push(performance.now() - t0);
      }),
    );
    const wallMs = performance.now() - started;
    const errors = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    const { totals, duplicates } = writes(await stack.graphCalls());
    const story = summarize(times);
    return {
      name: 'concurrency',
      method: `${USERS} people at once, each: search → request → own manager approves → activate (harness over HTTP, bot and devtenant in one process)`,
      figures: [
        { name: 'all stories done', value: wallMs, unit: 'ms' },
        { name: 'one story p50', value: story.p50, unit: 'ms' },
        { name: 'one story p99', value: story.p99, unit: 'ms' },
        { name: 'stories failed', value: errors.length, unit: '', target: { kind: 'equal', value: 0 } },
        { name: 'duplicate Graph writes', value: duplicates, unit: '', target: { kind: 'equal', value: 0 } },
        {
          name: 'requests / decisions / activations written',
          value: totals.request + totals.decision + totals.activation,
          unit: '',
          target: { kind: 'equal', value: 3 * USERS },
          note: `${totals.request} / ${totals.decision} / ${totals.activation}`,
        },
      ],
      details: {
        totals,
        errors: errors.slice(0, 5).map((e) => (e.reason instanceof Error ? e.reason.message : String(e.reason))),
      },
    };
  } finally {
    await stack.stop();
  }
}

if (isMain(import.meta.url)) runAlone(run);
