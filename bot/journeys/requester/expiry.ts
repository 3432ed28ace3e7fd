import { z } from 'zod';
import { expiryReminderCard } from '../../../cards/requester/expiry.js';
import {
  type ExpiringAssignment,
  getAssignments,
  listEndingAssignments,
} from '../../../services/entitlement/expiring.js';
import type { AssignmentView } from '../../../services/model/entitlement.js';
import { readItem, UNCHANGED, updateItem } from '../../proactive/storeItem.js';
import type { WatchSource } from '../../proactive/types.js';
import type { BotServices } from '../../services.js';

/**
 * Reminders before an access package assignment ends (by default 14 days and 1 day before), with Renew where the
 * policy allows it. Graph has no change feed for assignments, so a sweep lists the tenant's delivered assignments every
 * few hours (app-only) and keeps only those ending within the reminder window, in `requester/expiry/<assignmentId>`.
 * Between sweeps a tick costs no Graph call unless a reminder is due; due ones are re-read in one `$batch` first, so
 * a renewed or removed assignment is never reminded of.
 */

const DAY_MS = 86_400_000;
const RECORD_PREFIX = 'requester/expiry/';
const SWEEP_KEY = 'requester/expirySweep';

const recordSchema = z.object({
  userId: z.string(),
  packageId: z.string(),
  packageName: z.string(),
  endsAt: z.string(),
  canRenew: z.boolean(),
  /** Reminder days already sent for this end date. */
  reminded: z.array(z.number()),
});
type ExpiryRecord = z.infer<typeof recordSchema>;

const sweepSchema = z.object({ at: z.string(), retryAt: z.string().optional() });
/** After a failed sweep (Graph down or throttling), the next try waits this long instead of coming every tick. */
const SWEEP_RETRY_MS = 10 * 60_000;

export function expiryWatchSource(app: BotServices): WatchSource {
  return {
    name: 'requester.expiry',
    async tick(now: Date) {
      const days = app.config.expiryReminderDays;
      if (days.length === 0) return;
      if (await sweepDue(app, now)) {
        try {
          await sweep(app, now, Math.max(...days));
        } catch (err) {
          await markSweepFailed(app, now);
          throw err;
        }
      }
      await remindDue(app, now, days);
    },
  };
}

async function sweepDue(app: BotServices, now: Date): Promise<boolean> {
  const last = (await readItem(app.storage, SWEEP_KEY, sweepSchema, app.log))?.value;
  if (last?.retryAt && Date.parse(last.retryAt) > now.getTime()) return false;
  const at = last ? Date.parse(last.at) : Number.NaN;
  // Never swept, an unreadable time, or one in the future (the clock moved back): sweep now.
  if (!(at <= now.getTime())) return true;
  return now.getTime() - at >= app.config.expirySweepHours * 3_600_000;
}

async function markSweepFailed(app: BotServices, now: Date): Promise<void> {
  await updateItem(app.storage, SWEEP_KEY, sweepSchema, app.log, (current) => ({
    at: current?.at ?? new Date(0).toISOString(),
    retryAt: new Date(now.getTime() + SWEEP_RETRY_MS).toISOString(),
  }));
}

/** Brings the records in line with Graph: new ones added, changed end dates reset, gone ones dropped. */
async function sweep(app: BotServices, now: Date, windowDays: number): Promise<void> {
  const ending = await listEndingAssignments(
    app.graph.forApp(),
    new Date(now.getTime() + windowDays * DAY_MS + 3_600_000),
  );
  const seen = new Set<string>();
  for (const item of ending) {
    if (Date.parse(item.assignment.endsAt ?? '') <= now.getTime()) continue;
    seen.add(item.assignment.id);
    await upsert(app, item);
  }
  const known = await app.storage.keys(RECORD_PREFIX);
  const gone = known.filter((key) => !seen.has(key.slice(RECORD_PREFIX.length)));
  if (gone.length) await app.storage.delete(gone);
  await app.storage.write({ [SWEEP_KEY]: { at: now.toISOString(), eTag: '*' } });
  app.log.info({ ending: seen.size, dropped: gone.length }, 'assignment expiry sweep');
}

async function upsert(app: BotServices, { assignment, userId }: ExpiringAssignment): Promise<void> {
  await updateItem(app.storage, RECORD_PREFIX + assignment.id, recordSchema, app.log, (current) => {
    const fresh: ExpiryRecord = {
      userId,
      packageId: assignment.packageId,
      packageName: assignment.packageName,
      endsAt: assignment.endsAt ?? '',
      canRenew: assignment.canRenew,
      reminded: current && sameInstant(current.endsAt, assignment.endsAt) ? current.reminded : [],
    };
    return current && JSON.stringify(current) === JSON.stringify(fresh) ? UNCHANGED : fresh;
  });
}

/** The reminder (in days) a record is due for now: the closest threshold crossed and not yet sent. */
function dueReminder(record: ExpiryRecord, now: Date, days: readonly number[]): number | undefined {
  const left = Date.parse(record.endsAt) - now.getTime();
  const crossed = days.filter((d) => left <= d * DAY_MS);
  if (crossed.length === 0) return undefined;
  const closest = Math.min(...crossed);
  return record.reminded.includes(closest) ? undefined : closest;
}

async function remindDue(app: BotServices, now: Date, days: readonly number[]): Promise<void> {
  const due: { id: string; record: ExpiryRecord; day: number }[] = [];
  for (const key of await app.storage.keys(RECORD_PREFIX)) {
    const record = (await readItem(app.storage, key, recordSchema, app.log))?.value;
    const id = key.slice(RECORD_PREFIX.length);
    if (!record || !(Date.parse(record.endsAt) > now.getTime())) {
      await app.storage.delete([key]);
      continue;
    }
    const day = dueReminder(record, now, days);
    if (day !== undefined) due.push({ id, record, day });
  }
  if (due.length === 0) return;
  const current = await getAssignments(
    app.graph.forApp(),
    due.map((d) => d.id),
  );
  for (const { id, record, day } of due) {
    try {
      await remindOne(app, now, days, id, record, day, current.get(id));
    } catch (err) {
      app.log.warn({ err, assignmentId: id }, 'could not send an expiry reminder');
    }
  }
}

async function remindOne(
  app: BotServices,
  now: Date,
  days: readonly number[],
  id: string,
  record: ExpiryRecord,
  day: number,
  current: AssignmentView | number | undefined,
): Promise<void> {
  if (current === undefined || typeof current === 'number') {
    if (current === 404) await app.storage.delete([RECORD_PREFIX + id]);
    return;
  }
  if (current.state !== 'delivered' || !current.endsAt) {
    await app.storage.delete([RECORD_PREFIX + id]);
    return;
  }
  if (!sameInstant(current.endsAt, record.endsAt)) {
    // Renewed or shortened since the sweep: follow the new end date (a later tick reminds if it is still due).
    await upsert(app, { assignment: current, userId: record.userId });
    return;
  }
  const card = expiryReminderCard({
    assignment: {
      ...current,
      id,
      packageId: current.packageId || record.packageId,
      packageName: current.packageName || record.packageName,
    },
    now: now.toISOString(),
  });
  const outcome = await app.proactive.notifier.notifyOnce(`expiry/${id}/${record.endsAt}/${day}d`, record.userId, card);
  // Every threshold already crossed counts as told: a person first seen 3 days out gets one reminder, not two.
  const told = days.filter((d) => d >= day);
  await updateItem(app.storage, RECORD_PREFIX + id, recordSchema, app.log, (stored) =>
    stored ? { ...stored, reminded: [...new Set([...stored.reminded, ...told])] } : UNCHANGED,
  );
  app.log.info({ assignmentId: id, day, outcome }, 'assignment expiry reminder');
}

function sameInstant(a: string | undefined, b: string | undefined): boolean {
  return Date.parse(a ?? '') === Date.parse(b ?? '');
}
