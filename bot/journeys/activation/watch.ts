import { readItem } from '../../proactive/storeItem.js';
import type { WatchSource } from '../../proactive/types.js';
import type { BotServices } from '../../services.js';
import { decisionsStillWanted, withDecisions } from './decisions.js';
import { type ActivationRecord, changeRecord, FINAL_PHASES, RECORD_PREFIX, recordSchema } from './store.js';
import {
  activationSubject,
  refreshActivation,
  renderRecord,
  syncRecord,
  versionOf,
  withKnownTeamsId,
} from './subject.js';

/**
 * The watcher's view of tracked activations, each tick: waiting ones are re-read (approved, denied, started); active
 * ones cost nothing until the reminder time (a reminder message with Extend and Deactivate, and every card shows
 * them) and the end time (every card turns to "ended at …"). Finished ones are dropped after a week.
 */

const FORGET_AFTER_MS = 7 * 24 * 3600_000;

export function activationWatchSource(app: BotServices): WatchSource {
  return {
    name: 'activation',
    async tick(now: Date) {
      const keys = await app.storage.keys(RECORD_PREFIX);
      for (const key of keys) {
        try {
          await watchOne(app, key, now);
        } catch (err) {
          app.log.warn({ err, key }, 'could not look after an activation');
        }
      }
    },
  };
}

async function watchOne(app: BotServices, key: string, now: Date): Promise<void> {
  const record = (await readItem(app.storage, key, recordSchema, app.log))?.value;
  if (!record) return;
  if (FINAL_PHASES.has(record.phase)) {
    if (decisionsStillWanted(record, now)) await readDecisionsAgain(app, record);
    else if (now.getTime() - Date.parse(record.updatedAt) > FORGET_AFTER_MS) await forget(app, key, record);
    return;
  }
  if (record.phase !== 'active') {
    await refreshActivation(app, record.requestId);
    return;
  }
  const end = record.endDateTime ? Date.parse(record.endDateTime) : Number.NaN;
  if (Number.isNaN(end)) return;
  if (now.getTime() >= end) {
    const updated = await refreshActivation(app, record.requestId);
    if (updated > 0)
      app.log.info({ requestId: record.requestId, user: record.userAadObjectId }, 'activation end shown');
  } else if (
    end - now.getTime() <= app.config.activationReminderMinutes * 60_000 &&
    record.remindedFor !== record.endDateTime
  ) {
    await remind(app, record);
  }
}

/** One reminder per end time: a new message to ping the person, and every existing card shows Extend. */
async function remind(app: BotServices, stored: ActivationRecord): Promise<void> {
  const record = await withKnownTeamsId(app, await syncRecord(app, stored));
  if (record.phase !== 'active' || !record.endDateTime) {
    await refreshActivation(app, record.requestId);
    return;
  }
  const subject = activationSubject(record.requestId);
  const card = renderRecord(app, record);
  const version = versionOf(app, record);
  const outcome = await app.proactive.notifier.notifyOnce(
    `activation/reminder/${record.requestId}/${record.endDateTime}`,
    record.userAadObjectId,
    card,
    { subject, role: 'reminder', version },
  );
  await changeRecord(app, record.requestId, () => ({ remindedFor: record.endDateTime }));
  await app.proactive.registry.refreshAll(subject, version, () => card);
  app.log.info({ requestId: record.requestId, outcome }, 'activation reminder');
}

/** A denial whose decider could not be read when it was found: one more read, and the cards show what it gave. */
async function readDecisionsAgain(app: BotServices, stored: ActivationRecord): Promise<void> {
  const record = await withDecisions(app, stored);
  if (!record.decisions) return;
  const card = renderRecord(app, await withKnownTeamsId(app, record));
  await app.proactive.registry.refreshAll(activationSubject(record.requestId), versionOf(app, record), () => card);
}

async function forget(app: BotServices, key: string, record: ActivationRecord): Promise<void> {
  await app.proactive.registry.forget(activationSubject(record.requestId));
  await app.storage.delete([key]);
}
