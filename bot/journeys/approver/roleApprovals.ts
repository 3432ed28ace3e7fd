import { loadDetailsById } from '../../../services/approvals/details.js';
import {
  followRoleRequests,
  notifyOpenStage,
  planApprovers,
  rememberRoleApprovers,
} from '../../../services/approvals/watch.js';
import type { ActingUser, BotServices } from '../../services.js';
import { approverContext, freshRecord, keepRecord } from './context.js';
import { notifyApprovers, withinBudget } from './fanout.js';

/**
 * ROLE_APPROVALS_BETA: an Entra role activation that a person just submitted through the bot waits for approval.
 * Its approval record is made at once with the REQUESTER's token (the app may not read role requests or role
 * policies; README), the watcher follows it from now on, and its approvers get the card right away. Off: nothing.
 */
export async function startRoleApproval(app: BotServices, requester: ActingUser, requestId: string): Promise<void> {
  const ctx = approverContext(app);
  if (!ctx.settings.roleApprovals) return;
  const id = requestId.toLowerCase();
  const now = app.clock.now();
  try {
    const details = await loadDetailsById(
      {
        app: app.graph.forApp(),
        user: app.graph.forUser(requester),
        log: app.log,
        pimPolicies: ctx.pimPolicies,
        now,
      },
      [{ kind: 'role', id }],
    );
    const found = details.get(`role:${id}`);
    if (!found) {
      app.log.warn({ kind: 'role', request: id }, 'could not read a role activation waiting for approval');
      return;
    }
    const record = await keepRecord(app, freshRecord(found, now));
    await followRoleRequests(ctx.store, [id]);
    await rememberRoleApprovers(ctx.store, planApprovers(record));
    const cards = notifyOpenStage(ctx, { notify: (r, people) => notifyApprovers(app, r, people) }, record, now);
    // The requester's click is answered in time; cards still going out finish in the background (or next tick).
    await withinBudget(app, cards);
  } catch (err) {
    app.log.warn({ err, kind: 'role', request: id }, 'could not start the approval of a role activation');
  }
}
