import type { ApprovalState, PersonRef } from '../model/approvals.js';
import type { ApprovalRecord, ApprovalStore } from './store.js';
import { approversOf } from './watch.js';

/** "Remind approvers" (once per day per request, by its requester) and the daily digest of what still waits. */

export type ReminderClaim =
  | { ok: true; approvers: PersonRef[] }
  | { ok: false; reason: 'tooSoon'; nextAt: string }
  | {
      ok: false;
      reason: 'notRequester' | 'notPending' | 'noApprovers';
    };

export async function claimReminder(
  store: ApprovalStore,
  record: ApprovalRecord,
  userId: string,
  now: Date,
  gapHours: number,
): Promise<ReminderClaim> {
  const { details, outcome } = record.state;
  if (details.requester.id !== userId.toLowerCase()) return { ok: false, reason: 'notRequester' };
  if (outcome) return { ok: false, reason: 'notPending' };
  const approvers = approversOf(record);
  if (approvers.length === 0) return { ok: false, reason: 'noApprovers' };
  const gapMs = gapHours * 3600_000;
  for (let attempt = 0; attempt < 3; attempt++) {
    const seen = await store.reminder(details.kind, details.id);
    const last = seen ? Date.parse(seen.value.at) : Number.NaN;
    if (!Number.isNaN(last) && now.getTime() - last < gapMs) {
      return { ok: false, reason: 'tooSoon', nextAt: new Date(last + gapMs).toISOString() };
    }
    if (await store.recordReminder(details.kind, details.id, seen, { at: now.toISOString(), by: userId })) {
      return { ok: true, approvers };
    }
  }
  return { ok: false, reason: 'tooSoon', nextAt: new Date(now.getTime() + gapMs).toISOString() };
}

/** Digest period number for `now` (periods start at the Unix epoch, so 24 h periods start at midnight UTC). */
export function digestPeriod(now: Date, hours: number): number {
  return Math.floor(now.getTime() / (hours * 3600_000));
}

/** For each approver, the pending approvals that have waited for them at least `minWaitMs`, oldest first. */
export function digestsByApprover(
  records: ApprovalRecord[],
  now: Date,
  minWaitMs: number,
): Map<string, ApprovalState[]> {
  const out = new Map<string, ApprovalState[]>();
  const ordered = [...records].sort((a, b) =>
    (a.state.stageStartedAt ?? '').localeCompare(b.state.stageStartedAt ?? ''),
  );
  for (const record of ordered) {
    const since = Date.parse(record.state.stageStartedAt ?? record.state.details.requestedAt ?? '');
    if (record.state.outcome || Number.isNaN(since) || now.getTime() - since < minWaitMs) continue;
    for (const approver of approversOf(record)) {
      const list = out.get(approver.id) ?? [];
      list.push(record.state);
      out.set(approver.id, list);
    }
  }
  return out;
}
