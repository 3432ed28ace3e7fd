import type { ApprovalRecord } from '../../../services/approvals/store.js';
import { notifyOpenStage } from '../../../services/approvals/watch.js';
import type { ApprovalState, PersonRef } from '../../../services/model/approvals.js';
import { redrawnBy } from '../../proactive/redrawn.js';
import { refreshSubject } from '../../proactive/subjects.js';
import type { BotServices } from '../../services.js';
import { approverContext } from './context.js';
import { APPROVER_ROLE, approvalSubject, renderApproval, requesterSubject, versionOf } from './render.js';
import { copyKey, redrawnSummaries } from './summaries.js';

/** After anything changed an approval: every copy of its card, the requester's card and the next stage's approvers. */

type Except = { userAadObjectId: string; activityId: string };

/** Teams ids (29:…) of people the bot has talked to, for the cards' auto-refresh lists. */
export async function teamsIdsOf(app: BotServices, userIds: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const [id, reader] of await readersOf(app, userIds)) if (reader.teamsId) out.set(id, reader.teamsId);
  return out;
}

/** Teams id and time zone (as their client last sent it) of each person the bot has talked to. */
export async function readersOf(
  app: BotServices,
  userIds: string[],
): Promise<Map<string, { teamsId?: string; zone?: string }>> {
  const out = new Map<string, { teamsId?: string; zone?: string }>();
  for (const id of new Set(userIds)) {
    const ref = await app.proactive.conversations.get(id).catch(() => undefined);
    if (ref) out.set(id, { teamsId: ref.teamsUserId || undefined, zone: ref.timeZone });
  }
  return out;
}

/**
 * Redraws every approver's copy (except the one the current click answers), every "approvals" summary that lists
 * the request, and the requester's card.
 */
export async function publishChange(app: BotServices, state: ApprovalState, except?: Except): Promise<void> {
  const { kind, id } = state.details;
  const subjects = [approvalSubject(kind, id), requesterSubject(kind, id)];
  const redrawn = await redrawnBy(app.proactive.registry, subjects, () => redrawCopies(app, state, except));
  // The clicked copy shows the change too: the invoke's answer replaces it.
  const redrawnFor = [
    ...new Set([...(except ? [except.userAadObjectId] : []), ...redrawn].map((u) => u.toLowerCase())),
  ];
  app.log.info(changeShown(state, redrawnFor), 'approval change shown');
}

async function redrawCopies(app: BotServices, state: ApprovalState, except?: Except): Promise<void> {
  const { kind, id } = state.details;
  const subject = approvalSubject(kind, id);
  const registry = app.proactive.registry;
  const signer = await approverContext(app).signer();
  const copies = await registry.copies(subject);
  const readers = await readersOf(
    app,
    copies.map((c) => c.userAadObjectId),
  );
  const now = app.clock.now();
  const version = versionOf(state);
  const stale = copies.filter((c) => c.version !== version && !(except && copyKey(c) === copyKey(except)));
  const summaries = await redrawnSummaries(app, stale, state);
  await registry.refreshAll(
    subject,
    version,
    (copy) =>
      copy.role === APPROVER_ROLE
        ? renderApproval(state, copy.userAadObjectId, {
            now,
            signer,
            refreshUserIds: idList(readers.get(copy.userAadObjectId)?.teamsId),
            zone: readers.get(copy.userAadObjectId)?.zone,
          })
        : summaries.get(copyKey(copy)),
    except,
  );
  try {
    await refreshSubject(app.subjects, registry, requesterSubject(kind, id));
  } catch (err) {
    app.log.warn({ err, kind, request: id }, "could not refresh the requester's card");
  }
}

/** One log line per change: what happened (ids and results only, never reasons) and whose cards show it. */
function changeShown(state: ApprovalState, redrawnFor: string[]) {
  const { kind, id, requester, target } = state.details;
  const decision = state.decisions.at(-1);
  return {
    kind,
    request: id,
    requester: requester.id,
    target: target.kind === 'em' ? target.packageId : target.kind === 'pim' ? target.groupId : target.roleDefinitionId,
    stage: state.currentStage,
    ...(state.outcome ? { outcome: state.outcome.kind } : {}),
    ...(decision ? { result: decision.result, stageDecided: decision.stage } : {}),
    ...((state.outcome?.by ?? decision?.by) ? { decidedBy: (state.outcome?.by ?? decision?.by)?.id } : {}),
    redrawnFor,
  };
}

/**
 * Sends the approval card to each person once per stage (`approval:<kind>:<id>:stage<n>:<user>`), tracked so it stays
 * current. Returns who has it now (or has it queued until they open the bot).
 */
export async function notifyApprovers(
  app: BotServices,
  record: ApprovalRecord,
  people: PersonRef[],
  options: { reminderStamp?: string } = {},
): Promise<string[]> {
  const { state } = record;
  const { kind, id } = state.details;
  const signer = await approverContext(app).signer();
  const readers = await readersOf(
    app,
    people.map((p) => p.id),
  );
  const now = app.clock.now();
  const reached: string[] = [];
  for (const person of people) {
    const card = renderApproval(state, person.id, {
      now,
      signer,
      refreshUserIds: idList(readers.get(person.id)?.teamsId),
      zone: readers.get(person.id)?.zone,
      reminder: !!options.reminderStamp,
    });
    const key = options.reminderStamp
      ? `approval-reminder:${kind}:${id}:${options.reminderStamp}:${person.id}`
      : `approval:${kind}:${id}:stage${state.currentStage}:${person.id}`;
    try {
      const track = { subject: approvalSubject(kind, id), role: APPROVER_ROLE, version: versionOf(state) };
      await app.proactive.notifier.notifyOnce(key, person.id, card, track);
      reached.push(person.id);
    } catch (err) {
      app.log.warn({ err, kind, request: id }, 'could not send an approval card; the watcher tries again');
    }
  }
  return reached;
}

/** Cards for the approvers of a stage that just opened (a stage approved here, or noticed by the watcher). */
export async function notifyNextStage(app: BotServices, kind: ApprovalRecord['state']['details']['kind'], id: string) {
  const ctx = approverContext(app);
  const record = await ctx.store.record(kind, id);
  if (!record) return 0;
  return notifyOpenStage(ctx, { notify: (r, people) => notifyApprovers(app, r, people) }, record, app.clock.now());
}

/**
 * Runs follow-up work (other copies, notifications) while a click waits at most `budgetMs`, then lets it finish in the
 * background, so the invoke is answered within Teams' time limit even when the connector is slow.
 */
export async function withinBudget(app: BotServices, work: Promise<unknown>, budgetMs = 2500): Promise<void> {
  const guarded = work.catch((err: unknown) => app.log.warn({ err }, 'approval follow-up failed'));
  let timer: NodeJS.Timeout | undefined;
  const budget = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, budgetMs);
    timer.unref();
  });
  await Promise.race([guarded, budget]);
  clearTimeout(timer);
}

function idList(id: string | undefined): string[] | undefined {
  return id ? [id] : undefined;
}
