import type { Logger } from '../../services/log.js';
import type { ConversationStore } from './conversations.js';
import type { StorageNotifier } from './notifier.js';
import type { PendingQueue } from './pending.js';
import type { WatchSource } from './types.js';
import { eachIsolated } from './watcher.js';

/** An emptied queue is deleted this long after it emptied (see PendingQueue.deleteIfLongEmpty). */
const EMPTY_QUEUE_GRACE_MS = 5 * 60 * 1000;

/**
 * Sends queued cards to people who became reachable. Their reference arriving normally triggers the delivery at once;
 * this catches what that missed (a crash, a failure, another instance saving the reference).
 */
export function pendingDeliveriesSource(parts: {
  pending: PendingQueue;
  conversations: ConversationStore;
  notifier: StorageNotifier;
  log: Logger;
}): WatchSource {
  const { pending, conversations, notifier, log } = parts;
  return {
    name: 'pending-deliveries',
    async tick() {
      const users = await pending.users();
      await eachIsolated(
        users,
        async (user) => {
          if ((await pending.list(user)).length === 0) {
            await pending.deleteIfLongEmpty(user, EMPTY_QUEUE_GRACE_MS);
            return;
          }
          if (await conversations.get(user)) await notifier.deliverPending(user);
        },
        log,
        'pending delivery',
      );
    },
  };
}
