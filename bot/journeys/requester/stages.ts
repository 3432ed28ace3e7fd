import type { BotServices } from '../../services.js';
import { approverContext } from '../approver/context.js';

/**
 * Which approval stage of a waiting access package request is open, as the approvals watcher last saw it (its own
 * store: no Graph call). Above 1, the stages before it were approved, and the requester's card says so. Undefined when
 * the watcher has no open record for the request.
 */
export async function openStagesOf(app: BotServices, requestIds: string[]): Promise<Map<string, number>> {
  const records = await approverContext(app).store.records(requestIds.map((id) => ({ kind: 'em' as const, id })));
  const out = new Map<string, number>();
  for (const id of requestIds) {
    const record = records.get(`em:${id.toLowerCase()}`);
    if (record && !record.state.outcome) out.set(id, record.state.currentStage);
  }
  return out;
}

export async function openStageOf(app: BotServices, requestId: string): Promise<number | undefined> {
  return (await openStagesOf(app, [requestId])).get(requestId);
}
