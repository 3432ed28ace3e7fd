import { z } from 'zod';
import { MAX_SET_NAME } from '../../../cards/activation/bulkCard.js';
import { StorageConflictError } from '../../../services/storage/index.js';
import { readItem, updateItem } from '../../proactive/storeItem.js';
import type { BotServices } from '../../services.js';

/**
 * Saved sets (issue 16, item 3): a person's named picks for "Activate several", kept per person in bot storage
 * (`activation/sets/{aadObjectId}`). Names and picks only; never logged.
 */

export const MAX_SAVED_SETS = 10;
export { MAX_SET_NAME };

/** A set name as a person types it: letters, digits and spaces, at most MAX_SET_NAME characters. */
export const setNameSchema = z
  .string()
  .trim()
  .max(MAX_SET_NAME, `must be at most ${MAX_SET_NAME} characters`)
  .regex(/^[\p{L}\p{N} ]+$/u, 'may hold only letters, digits and spaces');

const savedSetSchema = z.object({
  name: setNameSchema,
  /** Each item's pick key (cards/activation/bulkCard.ts pickKey) and its name when saved, to name it once gone. */
  picks: z.array(z.object({ key: z.string().max(200), name: z.string().max(300) })).max(20),
});
const setsSchema = z.object({ sets: z.array(savedSetSchema).max(MAX_SAVED_SETS) });

export type SavedSet = z.infer<typeof savedSetSchema>;

const setsKey = (user: string) => `activation/sets/${user}`;
const sameName = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

export async function savedSets(app: BotServices, user: string): Promise<SavedSet[]> {
  return (await readItem(app.storage, setsKey(user), setsSchema, app.log))?.value.sets ?? [];
}

/** The set of exactly this name (case-insensitive), if the person saved one. */
export async function savedSet(app: BotServices, user: string, name: string): Promise<SavedSet | undefined> {
  return (await savedSets(app, user)).find((s) => sameName(s.name, name));
}

/**
 * Saves (or, for a name saved before, overwrites) a set. False when the person has MAX_SAVED_SETS others already.
 */
export async function saveSet(app: BotServices, user: string, set: SavedSet): Promise<boolean> {
  let saved = false;
  try {
    await updateItem(app.storage, setsKey(user), setsSchema, app.log, (current) => {
      const others = (current?.sets ?? []).filter((s) => !sameName(s.name, set.name));
      saved = others.length < MAX_SAVED_SETS;
      return { sets: saved ? [...others, set] : others };
    });
  } catch (err) {
    if (!(err instanceof StorageConflictError)) throw err;
    saved = false;
  }
  return saved;
}

export async function removeSet(app: BotServices, user: string, name: string): Promise<void> {
  await updateItem(app.storage, setsKey(user), setsSchema, app.log, (current) => ({
    sets: (current?.sets ?? []).filter((s) => !sameName(s.name, name)),
  }));
}
