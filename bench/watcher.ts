import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RequesterStore } from '../bot/journeys/requester/store.js';
import { advanceSubmitted } from '../devtenant/entitlement-engine.js';
import { startDevtenant } from '../devtenant/index.js';
import type { EmRequest } from '../devtenant/model.js';
import type { TenantState } from '../devtenant/state.js';
import { ApprovalStore } from '../services/approvals/store.js';
import { systemClock } from '../services/clock.js';
import { createLogger } from '../services/log.js';
import { createStorage } from '../services/storage/index.js';
import { MemoryBotStorage } from '../services/storage/memoryStorage.js';
import { BENCH_DIR, spawnReady } from './lib/child.js';
import { isMain, runAlone } from './lib/main.js';
import type { BenchResult, Figure } from './lib/results.js';

/**
 * Watcher: one steady-state tick over N tracked access package requests (pending approval), 1% of which changed since
 * the last tick. The devtenant (this process) holds the N requests; the bot runs in a child process on SQLite. The 1%
 * that will change are onboarded by a real first tick (approval records, cards queued for their approvers); the other
 * 99% then join as requests the bot already tracks (requester storage written in the journey's own format, the
 * approvals source's index of pending requests), a settling tick runs, the 1% are denied, and the measured tick runs:
 * Graph round trips, CPU and wall time, peak RSS. (Onboarding a whole backlog at once is a first-run cost, not a tick.)
 */

const SIZES = (process.env.BENCH_WATCHER_SIZES ?? '1000,10000,100000').split(',').map(Number);
const CHANGED_SHARE = 0.01;
/** A size whose first (unmeasured) tick takes longer than this is reported without its measured tick. */
const FIRST_TICK_BUDGET_MS = 90_000;
const TARGET_SIZE = 10_000;
const TARGETS = { cpuMs: 2000, rssMb: 150 };

const PACKAGE_ID = '40000000-0000-4000-8000-000000000007';
const PACKAGE_NAME = 'Finance Reports – Read';
const POLICY_ID = '50000000-0000-4000-8000-000000000007';
/** Seeded people whose manager exists, so every request has an approver. */
const REQUESTORS = Array.from(
  { length: 15 },
  (_, i) => `10000000-0000-4000-8000-0000000000${String(i + 1).padStart(2, '0')}`,
);

function requestId(i: number): string {
  return `b1000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
}

/** Pending-approval requests `from` ≤ i < `to` in the devtenant, opened the way the devtenant opens its own. */
function addRequests(state: TenantState, from: number, to: number): void {
  const now = state.now();
  for (let i = from; i < to; i++) {
    const requestor = REQUESTORS[i % REQUESTORS.length];
    const request: EmRequest = {
      id: requestId(i),
      requestType: 'userAdd',
      state: 'submitted',
      status: 'Accepted',
      requestorId: requestor,
      targetId: requestor,
      accessPackageId: PACKAGE_ID,
      policyId: POLICY_ID,
      assignmentId: null,
      justification: 'Quarterly reporting',
      answers: [],
      schedule: null,
      createdDateTime: now - 60_000,
      completedDateTime: null,
      approval: null,
    };
    state.emRequests.set(request.id, request);
    advanceSubmitted(state, request, now - 60_000);
  }
}

/** Denies the first `changed` requests (the ones whose approval the bot onboarded for real). */
function denySome(state: TenantState, changed: number): void {
  for (let k = 0; k < changed; k++) {
    const request = state.emRequests.get(requestId(k));
    if (!request) continue;
    request.state = 'denied';
    request.status = 'Denied';
    request.completedDateTime = state.now();
  }
}

/**
 * Marks requests `from` ≤ i < `to` as already known to the approvals source (its index of pending requests, with no
 * check due), as a running bot would have them after it onboarded them on an earlier tick.
 */
async function markKnown(file: string, state: TenantState, from: number, to: number): Promise<void> {
  const storage = await createStorage(`sqlite:${file}`, {}, createLogger('silent'));
  try {
    const store = new ApprovalStore(storage, createLogger('silent'));
    await store.updatePending((current) => {
      const requests = { ...current.requests };
      for (let i = from; i < to; i++) {
        const id = requestId(i);
        requests[`em:${id}`] = { status: state.emRequests.get(id)?.status ?? 'PendingApproval', checkAt: 'never' };
      }
      return { requests };
    });
  } finally {
    await storage.close?.();
  }
}

/**
 * Writes N tracked requests into the bot's SQLite file. The first is tracked through RequesterStore (the journey's own
 * code decides keys and shape); the rest are copies of what it wrote with the request id replaced.
 */
async function seedBotStorage(file: string, from: number, to: number): Promise<void> {
  const log = createLogger('silent');
  const template = new MemoryBotStorage();
  const templateId = requestId(0);
  await new RequesterStore({ storage: template, log, clock: systemClock }).track({
    requestId: templateId,
    userId: REQUESTORS[0],
    teamsId: `29:${REQUESTORS[0]}`,
    packageId: PACKAGE_ID,
    packageName: PACKAGE_NAME,
    policyId: POLICY_ID,
    lastState: 'pendingApproval',
    final: false,
    context: { approvalStages: [{ approvers: ['your manager'] }], eligibleRoles: [] },
  });
  const keys = await template.keys('');
  const written = await template.read(keys);
  const templates = keys.map((key) => {
    const { eTag: _eTag, ...value } = written[key] as Record<string, unknown>;
    return { key, value: JSON.stringify(value) };
  });
  const storage = await createStorage(`sqlite:${file}`, {}, log);
  try {
    const CHUNK = 2000;
    for (let start = from; start < to; start += CHUNK) {
      const batch: Record<string, unknown> = {};
      for (let i = start; i < Math.min(to, start + CHUNK); i++) {
        const id = requestId(i);
        const requestor = REQUESTORS[i % REQUESTORS.length];
        for (const t of templates) {
          batch[t.key.replace(templateId, id)] = JSON.parse(
            t.value.replaceAll(templateId, id).replaceAll(REQUESTORS[0], requestor),
          );
        }
      }
      await storage.write(batch);
    }
  } finally {
    await storage.close?.();
  }
}

interface TickFigures {
  wallMs: number;
  cpuMs: number;
  graphCalls: number;
  batchCalls: number;
  byRoute: Record<string, number>;
  sources: { name: string; ok: boolean; ms: number }[];
  error?: string;
}

interface SizeResult {
  size: number;
  changed: number;
  firstTick?: TickFigures;
  /** The tick after the rest joined: nothing changed, so it should cost little. */
  settleTick?: TickFigures;
  tick?: TickFigures;
  peakRssMb?: number;
  /** Resident set size just before the measured tick (the process with its storage and caches warm). */
  rssBeforeMb?: number;
  skipped?: string;
}

async function measureSize(n: number): Promise<SizeResult> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-watcher-'));
  const devtenant = await startDevtenant({ port: 0, timing: { submittedToNextMs: 0, deliveringToDeliveredMs: 0 } });
  const changed = Math.max(1, Math.round(n * CHANGED_SHARE));
  try {
    // The share that will change is onboarded for real by a first tick (records, approval cards queued for the
    // approvers); the rest joins as requests the bot already knows, so the measured tick is a steady-state one.
    addRequests(devtenant.state, 0, changed);
    const file = join(dir, 'bot.db');
    await seedBotStorage(file, 0, changed);
    const child = await spawnReady(`${BENCH_DIR}lib/watcherChild.ts`, {
      env: { STORAGE: `sqlite:${file}`, GRAPH_BASE_URL: devtenant.url },
    });
    try {
      const first = await withBudget(child.ask('tick'), FIRST_TICK_BUDGET_MS);
      if (!first) return { size: n, changed: 0, skipped: `first tick took over ${FIRST_TICK_BUDGET_MS / 1000} s` };
      addRequests(devtenant.state, changed, n);
      await seedBotStorage(file, changed, n);
      await markKnown(file, devtenant.state, changed, n);
      const settle = JSON.parse(await child.ask('tick')) as TickFigures;
      denySome(devtenant.state, changed);
      await child.ask('resetpeak');
      const rssBeforeMb = Number(await child.ask('rssnow')) / 1024 / 1024;
      const tick = JSON.parse(await child.ask('tick')) as TickFigures;
      const peakRssMb = (await child.peakRssBytes()) / 1024 / 1024;
      return { size: n, changed, firstTick: JSON.parse(first), settleTick: settle, tick, peakRssMb, rssBeforeMb };
    } finally {
      await child.stop();
    }
  } finally {
    await devtenant.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function withBudget<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function figuresFor(r: SizeResult): Figure[] {
  const at = `${r.size.toLocaleString('en-US')} items`;
  const atTarget = r.size === TARGET_SIZE;
  if (!r.tick) return [{ name: `${at}: tick`, value: null, unit: '', note: r.skipped }];
  const failed = r.tick.sources.filter((s) => !s.ok).map((s) => s.name);
  return [
    {
      name: `${at}: Graph calls`,
      value: r.tick.graphCalls,
      unit: '',
      note: `${r.changed} changed; ${r.tick.batchCalls} of them $batch${failed.length ? `; FAILED: ${failed.join(', ')}` : ''}`,
    },
    {
      name: `${at}: CPU`,
      value: r.tick.cpuMs,
      unit: 'ms',
      ...(atTarget ? { target: { kind: 'max' as const, value: TARGETS.cpuMs } } : {}),
    },
    { name: `${at}: wall`, value: r.tick.wallMs, unit: 'ms' },
    {
      name: `${at}: peak RSS`,
      value: r.peakRssMb ?? null,
      unit: 'MB',
      ...(atTarget ? { target: { kind: 'max' as const, value: TARGETS.rssMb } } : {}),
    },
    {
      name: `${at}: RSS added by the tick`,
      value: r.peakRssMb !== undefined && r.rssBeforeMb !== undefined ? r.peakRssMb - r.rssBeforeMb : null,
      unit: 'MB',
      note: r.rssBeforeMb !== undefined ? `${Math.round(r.rssBeforeMb)} MB before it` : undefined,
    },
  ];
}

export async function run(): Promise<BenchResult> {
  const results: SizeResult[] = [];
  for (const size of SIZES) results.push(await measureSize(size));
  return {
    name: 'watcher',
    method:
      'one steady-state tick over N tracked pending requests with 1% denied since the last tick; bot in a child process with SQLite, devtenant in this one',
    figures: [...results.flatMap(figuresFor), ...proportionality(results)],
    details: results,
  };
}

/** Calls per changed item between sizes: flat when calls follow the changes, growing with N when they follow N. */
function proportionality(results: SizeResult[]): Figure[] {
  const measured = results.filter((r) => r.tick);
  if (measured.length < 2) return [];
  const first = measured[0];
  const last = measured[measured.length - 1];
  const growth = last.tick!.graphCalls / first.tick!.graphCalls / (last.changed / first.changed);
  return [
    {
      name: `calls growth ÷ changes growth (${first.size}→${last.size})`,
      value: growth,
      unit: '×',
      target: { kind: 'max', value: 1.5 },
      note: '1 = calls proportional to changes',
    },
  ];
}

if (isMain(import.meta.url)) runAlone(run);
