import { digestCard } from '../../../cards/approver/listCards.js';
import { Verbs } from '../../../cards/verbs.js';
import { digestPeriod, digestsByApprover } from '../../../services/approvals/reminders.js';
import { watchApprovals } from '../../../services/approvals/watch.js';
import { type ApprovalState, approvalKindOf } from '../../../services/model/approvals.js';
import { defineAction } from '../../actions/registry.js';
import { type CardJson, cardReply } from '../../invokeResponse.js';
import type { LoadedSubject, SubjectKind } from '../../proactive/subjects.js';
import type { WatchSource } from '../../proactive/types.js';
import type { BotServices } from '../../services.js';
import { approverContext } from './context.js';
import { notifyApprovers, publishChange, readersOf } from './fanout.js';
import { APPROVAL_SUBJECT, APPROVER_ROLE, renderApproval, versionOf } from './render.js';
import { pageData } from './schemas.js';

/** The approval subject kind and the watcher sources (new and changed approvals, the daily digest). */

export function approvalSubjectKind(app: BotServices): SubjectKind {
  return {
    kind: APPROVAL_SUBJECT,
    async load(key): Promise<LoadedSubject | undefined> {
      const [text, id] = key.split(':');
      const kind = approvalKindOf(text);
      if (!kind || !id) return undefined;
      const ctx = approverContext(app);
      const record = await ctx.store.record(kind, id);
      if (!record) return undefined;
      const signer = await ctx.signer();
      const copies = await app.proactive.registry.copies(`${APPROVAL_SUBJECT}:${key}`);
      const readers = await readersOf(
        app,
        copies.map((c) => c.userAadObjectId),
      );
      const now = app.clock.now();
      return {
        version: versionOf(record.state),
        render: (copy): CardJson | undefined => {
          if (copy.role !== APPROVER_ROLE) return undefined;
          const reader = readers.get(copy.userAadObjectId);
          return renderApproval(record.state, copy.userAadObjectId, {
            now,
            signer,
            refreshUserIds: reader?.teamsId ? [reader.teamsId] : undefined,
            zone: reader?.zone,
          });
        },
      };
    },
  };
}

export function approvalWatchSource(app: BotServices): WatchSource {
  return {
    name: 'approvals',
    // Runs first: its index of what waits for approval spares the requester source a read per tracked request.
    order: -1,
    async tick(now) {
      const ctx = approverContext(app);
      const summary = await watchApprovals(
        {
          graph: app.graph,
          store: ctx.store,
          log: app.log,
          pimPolicies: ctx.pimPolicies,
          settings: ctx.settings,
          segments: ctx.segments,
        },
        {
          notify: (record, people) => notifyApprovers(app, record, people),
          changed: (record) => publishChange(app, record.state),
        },
        now,
      );
      if (summary.added || summary.closed || summary.moved || summary.notified)
        app.log.info(summary, 'approvals watched');
    },
  };
}

/** Below this wait a request is too fresh for the digest: its card just arrived. */
const DIGEST_MIN_WAIT_MS = 3600_000;

export function approvalDigestSource(app: BotServices): WatchSource {
  return {
    name: 'approvalDigest',
    async tick(now) {
      const ctx = approverContext(app);
      const hours = ctx.settings.digestHours;
      if (!(hours > 0)) return;
      const period = digestPeriod(now, hours);
      const claim = await ctx.store.claimDigestPeriod(period);
      if (!claim.claimed || claim.first) return;
      let sent = 0;
      for (const [approverId, items] of await digests(app, now)) {
        const card = digestCard({ items, now: now.toISOString() });
        try {
          const outcome = await app.proactive.notifier.notifyOnce(
            `approval-digest:${period}:${approverId}`,
            approverId,
            card,
          );
          if (outcome === 'sent') sent++;
        } catch (err) {
          app.log.warn({ err }, 'could not send an approval digest');
        }
      }
      if (sent > 0) app.log.info({ sent, period }, 'approval digests sent');
    },
  };
}

/** For each approver, what has waited for them long enough to be in the digest, oldest first (from the store). */
async function digests(app: BotServices, now: Date): Promise<Map<string, ApprovalState[]>> {
  const ctx = approverContext(app);
  const keys = Object.keys((await ctx.store.pending()).requests).map((key) => {
    const [kind, id] = key.split(':');
    return { kind: approvalKindOf(kind) ?? 'em', id };
  });
  const records = [...(await ctx.store.records(keys)).values()];
  const hours = ctx.settings.digestHours > 0 ? ctx.settings.digestHours : 24;
  const minWait = Math.min(DIGEST_MIN_WAIT_MS, (hours * 3600_000) / 2);
  return digestsByApprover(records, now, minWait);
}

/** Previous / Next on the digest: the clicker's own digest as it stands now, at that page. */
export const approvalDigestAction = defineAction({
  verb: Verbs.approvalDigest,
  kind: 'pagedList',
  data: pageData,
  async run({ app, user }, { page }) {
    const now = app.clock.now();
    const items = (await digests(app, now)).get(user.aadObjectId) ?? [];
    return cardReply(digestCard({ items, page, now: now.toISOString() }));
  },
});
