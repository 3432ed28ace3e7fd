import { z } from 'zod';
import {
  type BulkOutcomeKind,
  type BulkResultRow,
  type BulkStepUp,
  bulkResultCard,
  pickKey,
} from '../../../cards/activation/bulkCard.js';
import type { AdaptiveCard } from '../../../cards/elements.js';
import type { ActivationPhase } from '../../../services/model/pim.js';
import { readItem, UNCHANGED, updateItem } from '../../proactive/storeItem.js';
import type { BotServices } from '../../services.js';
import type { Notice } from './clicked.js';
import type { ActivationRecord } from './store.js';

/**
 * The result card of "Activate several" stays the place to act on each item: its rows are kept per person (the last
 * few runs, `activation/bulk/{aadObjectId}`), so a Deactivate or Cancel on one row draws the same card again with that
 * row changed and the others as they were. Role names and outcomes only; no justification.
 */

const KEEP_RUNS = 10;
/** Each run's step-up sign-in link works this long (stepUpState.ts); the redrawn card drops it after. */
const STEP_UP_MS = 10 * 60_000;

const rowSchema = z.object({
  role: z.object({
    accessId: z.enum(['member', 'owner']),
    directoryScope: z.object({ id: z.string().max(200), displayName: z.string().max(300).optional() }).optional(),
    group: z.object({ id: z.string().max(100), displayName: z.string().max(300) }),
  }),
  outcome: z.enum([
    'active',
    'scheduled',
    'pendingApproval',
    'stepUp',
    'notSent',
    'refused',
    'deactivated',
    'canceled',
    'over',
  ]),
  detail: z.string().max(2000).optional(),
  cappedToMinutes: z.number().int().positive().optional(),
  requestId: z.string().max(100).optional(),
});

const runSchema = z.object({
  op: z.string().max(100),
  at: z.string().max(40),
  rows: z.array(rowSchema).max(50),
  stepUps: z
    .array(
      z.object({
        names: z.array(z.string().max(300)).max(50),
        signInUrl: z.string().max(4000),
        keys: z.array(z.string().max(200)).max(50).optional(),
      }),
    )
    .max(20),
});
const runsSchema = z.object({ runs: z.array(runSchema).max(KEEP_RUNS) });

type Run = z.infer<typeof runSchema>;

const runsKey = (user: string) => `activation/bulk/${user}`;

/** Whose runs: their Entra object id, and their Teams id for the card's refresh on view. */
export interface RunOwner {
  aadObjectId: string;
  teamsId?: string;
}

const viewers = (owner: RunOwner) => (owner.teamsId ? [owner.teamsId] : undefined);

/** Keeps a run's result (the newest KEEP_RUNS per person) and answers its card. */
export async function keepBulkResult(
  app: BotServices,
  owner: RunOwner,
  op: string,
  rows: BulkResultRow[],
  stepUps: BulkStepUp[],
): Promise<AdaptiveCard> {
  const run: Run = { op, at: app.clock.now().toISOString(), rows, stepUps };
  await updateItem(app.storage, runsKey(owner.aadObjectId), runsSchema, app.log, (current) => ({
    runs: [run, ...(current?.runs ?? []).filter((r) => r.op !== op)].slice(0, KEEP_RUNS),
  })).catch((err) => app.log.warn({ err }, 'could not keep the result of several activations'));
  return bulkResultCard(rows, stepUps, op, viewers(owner));
}

/**
 * The result card of run `op` again, the row of this activation showing where it stands now (and the click's notice);
 * undefined when the run is no longer kept (the caller answers with the activation's own card).
 */
export async function bulkAfterClick(
  app: BotServices,
  owner: RunOwner,
  op: string,
  record: ActivationRecord,
  notice?: Notice,
): Promise<AdaptiveCard | undefined> {
  const stored = await updateItem(app.storage, runsKey(owner.aadObjectId), runsSchema, app.log, (current) => {
    const runs = current?.runs ?? [];
    if (!runs.some((r) => r.op === op)) return UNCHANGED;
    return {
      runs: runs.map((r) => (r.op === op ? { ...r, rows: r.rows.map((row) => rowAfter(row, record, notice)) } : r)),
    };
  });
  const changed = stored?.runs.find((r) => r.op === op);
  return changed ? drawRun(app, owner, changed) : undefined;
}

function drawRun(app: BotServices, owner: RunOwner, run: Run): AdaptiveCard {
  const fresh = app.clock.now().getTime() - Date.parse(run.at) < STEP_UP_MS;
  return bulkResultCard(run.rows, fresh ? run.stepUps : [], run.op, viewers(owner));
}

/**
 * The result card as Teams shows it again (refresh on view): each row that could change by itself (waiting, scheduled,
 * active) as its activation record now stands, kept current by the watcher, so this costs no Graph call. Undefined
 * when the run is no longer kept.
 */
export async function bulkOnView(
  app: BotServices,
  owner: RunOwner,
  op: string,
  records: (requestId: string) => Promise<ActivationRecord | undefined>,
): Promise<AdaptiveCard | undefined> {
  const key = runsKey(owner.aadObjectId);
  const run = (await readItem(app.storage, key, runsSchema, app.log))?.value.runs.find((r) => r.op === op);
  if (!run) return undefined;
  const now = new Map<string, ActivationRecord>();
  for (const row of run.rows) {
    if (!row.requestId || !RUNNING.has(row.outcome)) continue;
    const record = await records(row.requestId);
    if (record) now.set(row.requestId.toLowerCase(), record);
  }
  if (now.size === 0) return drawRun(app, owner, run);
  const stored = await updateItem(app.storage, key, runsSchema, app.log, (current) => ({
    runs: (current?.runs ?? []).map((r) =>
      r.op === op
        ? {
            ...r,
            rows: r.rows.map((row) => {
              const record =
                row.requestId && RUNNING.has(row.outcome) ? now.get(row.requestId.toLowerCase()) : undefined;
              return record ? rowNow(row, record) : row;
            }),
          }
        : r,
    ),
  })).catch(() => undefined);
  const redrawn = stored?.runs.find((r) => r.op === op);
  return drawRun(app, owner, redrawn ?? run);
}

const RUNNING: ReadonlySet<BulkOutcomeKind> = new Set(['active', 'scheduled', 'pendingApproval']);

/** What one item sent after a step-up sign-in came to: its activation, or why Graph refused it. */
export interface AfterStepUp {
  key: string;
  record?: ActivationRecord;
  refused?: string;
}

/**
 * After the step-up sign-in of a run: its items' rows say where each now stands and the sign-in they waited for is
 * gone; undefined when the run is no longer kept.
 */
export async function bulkAfterStepUp(
  app: BotServices,
  owner: RunOwner,
  op: string,
  sent: AfterStepUp[],
): Promise<AdaptiveCard | undefined> {
  const byKey = new Map(sent.map((s) => [s.key, s]));
  const stored = await updateItem(app.storage, runsKey(owner.aadObjectId), runsSchema, app.log, (current) => {
    const runs = current?.runs ?? [];
    if (!runs.some((r) => r.op === op)) return UNCHANGED;
    const changed = (run: Run): Run => ({
      ...run,
      rows: run.rows.map((row) => {
        const item = byKey.get(pickKey(row.role));
        if (!item) return row;
        if (!item.record) return { ...row, outcome: 'refused', detail: item.refused };
        return rowNow({ ...row, requestId: item.record.requestId }, item.record);
      }),
      stepUps: run.stepUps.filter((s) => !s.keys?.some((k) => byKey.has(k))),
    });
    return { runs: runs.map((r) => (r.op === op ? changed(r) : r)) };
  });
  const run = stored?.runs.find((r) => r.op === op);
  return run ? bulkResultCard(run.rows, run.stepUps, op, viewers(owner)) : undefined;
}

const OUTCOME_OF: Partial<Record<ActivationPhase, BulkOutcomeKind>> = {
  active: 'active',
  extended: 'active',
  scheduled: 'scheduled',
  pendingApproval: 'pendingApproval',
  deactivated: 'deactivated',
  canceled: 'canceled',
};

function rowAfter(row: BulkResultRow, record: ActivationRecord, notice?: Notice): BulkResultRow {
  return row.requestId?.toLowerCase() === record.requestId.toLowerCase() ? rowNow(row, record, notice) : row;
}

const STILL_ELIGIBLE = 'You are still eligible: activate it again when you need it.';

/** The row as the activation now stands: the click's own line when it says something the outcome does not. */
function rowNow(row: BulkResultRow, record: ActivationRecord, notice?: Notice): BulkResultRow {
  const outcome = OUTCOME_OF[record.phase] ?? 'over';
  if (outcome === 'deactivated' || outcome === 'canceled') {
    return { ...row, outcome, detail: notice && notice.tone !== 'good' ? notice.text : STILL_ELIGIBLE };
  }
  return { ...row, outcome, detail: notice?.text ?? (outcome === 'over' ? overText(record.phase) : undefined) };
}

function overText(phase: ActivationPhase): string {
  const texts: Partial<Record<ActivationPhase, string>> = {
    ended: 'It has ended.',
    denied: 'An approver denied it.',
    expired: 'No approver decided in time, so the request expired.',
    failed: 'Microsoft Entra could not activate it.',
  };
  return texts[phase] ?? 'It is no longer active.';
}
