import { z } from 'zod';
import { pickKey } from '../../../cards/activation/bulkCard.js';
import type { EligibleRole } from '../../../services/model/pim.js';
import { StorageConflictError } from '../../../services/storage/index.js';
import { readItem, updateItem } from '../../proactive/storeItem.js';
import type { BotServices } from '../../services.js';

/**
 * Remembered answers (issue 16, item 3): the last justification and ticket a person sent per group or role, kept for
 * them alone in one item (`activation/answers/{aadObjectId}`) so "forget my answers" removes all at once. Personal
 * text: never logged.
 */

const MAX_REMEMBERED = 100;

const answerSchema = z.object({
  justification: z.string().max(20_000).optional(),
  ticketNumber: z.string().max(1000).optional(),
  ticketSystem: z.string().max(1000).optional(),
});
const answersSchema = z.object({ byItem: z.record(z.string().max(200), answerSchema) });

export type RememberedAnswer = z.infer<typeof answerSchema>;
type Item = Pick<EligibleRole, 'accessId' | 'directoryScope'> & { group: { id: string } };

const answersKey = (user: string) => `activation/answers/${user}`;

export async function rememberedAnswers(app: BotServices, user: string): Promise<Record<string, RememberedAnswer>> {
  return (await readItem(app.storage, answersKey(user), answersSchema, app.log))?.value.byItem ?? {};
}

export async function rememberedAnswer(app: BotServices, user: string, item: Item): Promise<RememberedAnswer> {
  return (await rememberedAnswers(app, user))[pickKey(item)] ?? {};
}

/** The answers sent for these items; the oldest are dropped beyond MAX_REMEMBERED. A lost race only loses a hint. */
export async function rememberAnswers(
  app: BotServices,
  user: string,
  items: Item[],
  answer: RememberedAnswer,
): Promise<void> {
  if (!answer.justification && !answer.ticketNumber) return;
  try {
    await updateItem(app.storage, answersKey(user), answersSchema, app.log, (current) => {
      const byItem = { ...(current?.byItem ?? {}) };
      for (const item of items) {
        delete byItem[pickKey(item)];
        byItem[pickKey(item)] = answer;
      }
      return { byItem: Object.fromEntries(Object.entries(byItem).slice(-MAX_REMEMBERED)) };
    });
  } catch (err) {
    if (!(err instanceof StorageConflictError)) app.log.warn({ err }, 'could not remember the answers');
  }
}

export async function forgetAnswers(app: BotServices, user: string): Promise<void> {
  await app.storage.delete([answersKey(user)]);
}

/** The bulk form's pre-fill: an answer only when every picked item last got the same one. */
export function sharedAnswer(answers: Record<string, RememberedAnswer>, keys: string[]): RememberedAnswer {
  const seen = keys.map((k) => answers[k]);
  const first = seen[0];
  if (!first || seen.some((a) => !a || JSON.stringify(a) !== JSON.stringify(first))) return {};
  return first;
}
