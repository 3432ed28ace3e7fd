import { stagesKnown } from '../../../cards/requester/decisions.js';
import type { RequestOutcome } from '../../../cards/requester/mine.js';
import { hasDecisions, readManyDecisions } from '../../../services/entitlement/decisions.js';
import type { RequestDecisions, RequestView } from '../../../services/model/entitlement.js';
import type { ActingUser, BotServices } from '../../services.js';
import { userGraph } from './replies.js';
import { openStagesOf } from './stages.js';
import { RequesterStore, type TrackRecord } from './store.js';

/**
 * Who decided the requests a `my requests` page shows, read in the person's own turn with their own token: what the
 * bot kept for a tracked request, else one `$batch` of the requests' approvals. A denial Graph will not explain to
 * them reads "decided in My Access"; an approved request whose policy may have needed no approval shows nothing. A
 * request still waiting shows the stages approved so far once the approvals watcher saw a later stage open.
 */
export async function outcomesOf(
  app: BotServices,
  user: ActingUser,
  requests: RequestView[],
): Promise<Record<string, RequestOutcome>> {
  const store = new RequesterStore(app);
  const waiting = requests.filter((r) => r.kind !== 'remove' && r.state === 'pendingApproval');
  const openStages = new Map(
    [
      ...(await openStagesOf(
        app,
        waiting.map((r) => r.id),
      )),
    ].filter(([, stage]) => stage > 1),
  );
  const decided = requests.filter(
    (r) => r.kind !== 'remove' && (hasDecisions(r.state, undefined) || openStages.has(r.id)),
  );
  const records = new Map<string, TrackRecord | undefined>(
    await Promise.all(decided.map(async (r) => [r.id, await store.tracked(r.id)] as const)),
  );
  const approvalRequired = (r: RequestView): boolean | undefined => {
    const stages = records.get(r.id)?.context?.approvalStages;
    return stages ? stages.length > 0 : undefined;
  };
  const wanted = decided.filter((r) => openStages.has(r.id) || hasDecisions(r.state, approvalRequired(r)));
  /** What the bot kept, when it was read at the same point (the same open stage, or once decided). */
  const kept = (r: RequestView) => {
    const record = records.get(r.id);
    return record?.decisions && record.decisionsStage === openStages.get(r.id) ? record.decisions : undefined;
  };
  const toRead = wanted.filter((r) => !kept(r)).map((r) => r.id);
  const read = await readManyDecisions(userGraph(app, user), toRead).catch((err: unknown) => {
    app.log.debug({ reason: (err as Error)?.name }, 'could not read who decided the listed requests');
    return new Map<string, RequestDecisions>();
  });
  const out: Record<string, RequestOutcome> = {};
  for (const r of wanted) {
    const record = records.get(r.id);
    const openStage = openStages.get(r.id);
    const decisions = kept(r) ?? read.get(r.id) ?? { kind: 'unreadable' };
    // Without knowing the policy, an unreadable approval of an approved request may mean there was none to read.
    const known = approvalRequired(r) !== undefined || r.state === 'denied' || openStage !== undefined;
    if (!known && (decisions.kind === 'unreadable' || decisions.stages.length === 0)) continue;
    out[r.id] = {
      decisions,
      stages: stagesKnown(record?.context?.approvalStages),
      ...(openStage ? { openStage } : {}),
    };
    if (record && !kept(r) && read.has(r.id)) {
      await store.updateTracked(r.id, { decisions, decisionsStage: openStage });
    }
  }
  return out;
}
