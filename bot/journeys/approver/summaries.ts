import { z } from 'zod';
import { approvalsPage, approvalsSummaryCard, bulkRefOf } from '../../../cards/approver/listCards.js';
import type { AdaptiveCard } from '../../../cards/elements.js';
import { needsReason } from '../../../services/approvals/pending.js';
import type { ApprovalKind, ApprovalState } from '../../../services/model/approvals.js';
import { readItem, UNCHANGED, updateItem } from '../../proactive/storeItem.js';
import type { TrackedCard } from '../../proactive/types.js';
import type { BotServices } from '../../services.js';
import { approverContext } from './context.js';
import { approvalSubject, versionOf } from './render.js';
import { parseBulkRef } from './schemas.js';

/**
 * The "approvals" summary stays true: each summary in a chat is tracked as a copy (role `summary`) of every approval
 * it lists, so whatever redraws an approval's cards (a click here, the watcher noticing My Access or another
 * approver) redraws the summary too, from the stored records: the count, the rows and "Approve all shown" then name
 * only what still waits. What each summary listed when drawn is kept per person (`approvalSummaries/<user>`).
 */

export const SUMMARY_ROLE = 'summary';

/** Summaries kept up to date per person: the newest ones (an older one keeps what it last showed). */
const MAX_SUMMARIES = 5;
/** Requests one summary follows (far more than anyone's queue; beyond it the count would stop following). */
const MAX_FOLLOWED = 200;

const snapshotSchema = z.object({
  activityId: z.string().min(1),
  /** `<kind>:<requestId>:<stage>` of every request that waited when the summary was drawn, oldest first. */
  refs: z.array(z.string()).max(MAX_FOLLOWED),
  page: z.number().int().min(0),
  unavailable: z.array(z.string()),
  drawnAt: z.string(),
});

const docSchema = z.object({ summaries: z.array(snapshotSchema) });

type Snapshot = z.infer<typeof snapshotSchema>;

const keyOf = (userId: string) => `approvalSummaries/${userId.toLowerCase()}`;

export interface DrawnSummary {
  userAadObjectId: string;
  activityId: string;
  conversationId: string;
  /** What waited (oldest first) when the summary was drawn. */
  states: ApprovalState[];
  page: number;
  unavailable: readonly string[];
}

/** Remembers what the summary in `activityId` lists and tracks it as a copy of each of those approvals. */
export async function trackSummary(app: BotServices, drawn: DrawnSummary): Promise<void> {
  const states = drawn.states.slice(0, MAX_FOLLOWED);
  const snapshot: Snapshot = {
    activityId: drawn.activityId,
    refs: states.map(bulkRefOf),
    page: drawn.page,
    unavailable: [...drawn.unavailable],
    drawnAt: app.clock.now().toISOString(),
  };
  await updateItem(app.storage, keyOf(drawn.userAadObjectId), docSchema, app.log, (current) => ({
    summaries: [...(current?.summaries ?? []).filter((s) => s.activityId !== drawn.activityId), snapshot].slice(
      -MAX_SUMMARIES,
    ),
  }));
  for (const state of states) {
    await app.proactive.registry.track({
      subject: approvalSubject(state.details.kind, state.details.id),
      userAadObjectId: drawn.userAadObjectId.toLowerCase(),
      activityId: drawn.activityId,
      conversationId: drawn.conversationId,
      role: SUMMARY_ROLE,
      version: versionOf(state),
    });
  }
}

/** The activity shows something else now (the bulk result): it is no longer redrawn as a summary. */
export async function forgetSummary(app: BotServices, userId: string, activityId: string): Promise<void> {
  await updateItem(app.storage, keyOf(userId), docSchema, app.log, (current) =>
    current?.summaries.some((s) => s.activityId === activityId)
      ? { summaries: current.summaries.filter((s) => s.activityId !== activityId) }
      : UNCHANGED,
  );
}

/**
 * The summary cards to draw for the `summary` copies among `copies`, keyed by `copyKey`, with `changed` as the
 * latest state of the approval that changed (the store may not hold it yet). Copies of forgotten summaries get none.
 */
export async function redrawnSummaries(
  app: BotServices,
  copies: readonly TrackedCard[],
  changed: ApprovalState,
): Promise<Map<string, AdaptiveCard>> {
  const cards = new Map<string, AdaptiveCard>();
  const summaries = copies.filter((c) => c.role === SUMMARY_ROLE);
  if (summaries.length === 0) return cards;
  const signer = await approverContext(app).signer();
  const now = app.clock.now().toISOString();
  for (const copy of summaries) {
    const doc = await readItem(app.storage, keyOf(copy.userAadObjectId), docSchema, app.log);
    const snapshot = doc?.value.summaries.find((s) => s.activityId === copy.activityId);
    if (!snapshot) continue;
    const { open, decided } = await whatStillWaits(app, snapshot.refs, changed);
    const items = open.map((state) => ({ state, needsReason: needsReason(state) }));
    const refs = approvalsPage(items, snapshot.page)
      .items.filter((i) => !i.needsReason)
      .map((i) => bulkRefOf(i.state));
    cards.set(
      copyKey(copy),
      approvalsSummaryCard({
        items,
        page: snapshot.page,
        now,
        viewerId: copy.userAadObjectId,
        unavailable: snapshot.unavailable,
        decided,
        bulk: refs.length > 0 ? { refs, binding: signer.bindMany(refs, 'review') } : undefined,
      }),
    );
  }
  return cards;
}

export function copyKey(copy: { userAadObjectId: string; activityId: string }): string {
  return `${copy.userAadObjectId.toLowerCase()}/${copy.activityId}`;
}

/**
 * Of the requests a summary listed, those still at the stage it showed and undecided (`open`), and the others
 * (`decided`), from the stored records.
 */
async function whatStillWaits(
  app: BotServices,
  refs: readonly string[],
  changed: ApprovalState,
): Promise<{ open: ApprovalState[]; decided: ApprovalState[] }> {
  const parsed = refs.map(parseBulkRef);
  const records = await approverContext(app).store.records(parsed.map(({ kind, id }) => ({ kind, id })));
  const changedKey = keyFor(changed.details.kind, changed.details.id);
  const open: ApprovalState[] = [];
  const decided: ApprovalState[] = [];
  for (const ref of parsed) {
    const key = keyFor(ref.kind, ref.id);
    const state = key === changedKey ? changed : records.get(key)?.state;
    if (!state) continue;
    if (!state.outcome && state.currentStage === ref.stage) open.push(state);
    else decided.push(state);
  }
  return { open, decided };
}

const keyFor = (kind: ApprovalKind, id: string) => `${kind}:${id.toLowerCase()}`;
