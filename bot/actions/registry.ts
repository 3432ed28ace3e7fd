import type { AdaptiveCardInvokeResponse, TurnContext } from 'botbuilder';
import { z } from 'zod';
import { errorCard } from '../../cards/errorCard.js';
import { answerAsNavigation, cardReply } from '../invokeResponse.js';
import type { ActingUser, BotServices } from '../services.js';

/** What a card action handler gets: the turn, who clicked, and the bot's services. */
export interface ActionScope {
  turn: TurnContext;
  user: ActingUser;
  app: BotServices;
}

/**
 * What a click does to the card it was made on (issue 13, "navigation replaces what you were reading"):
 * - `updatesCard`: the action is on the card's own subject (submit, approve, cancel, renew, confirm, the list's own
 *   Previous/Next), so its answer replaces the clicked card.
 * - `postsCard`: the button goes somewhere else (Find access, Help, Details from a list, Back to the catalog), so its
 *   answer is posted as a new card in the same conversation and the clicked card stays exactly as it was.
 * - `pagedList`: a list opened from anywhere (My access, My requests, Approvals, Activate) that pages itself: its own
 *   Previous/Next send a `page` and update it in place; any other button opening it posts a new card.
 */
export type ActionKind = 'updatesCard' | 'postsCard' | 'pagedList';

export const ACTION_KINDS: readonly ActionKind[] = ['updatesCard', 'postsCard', 'pagedList'];

/** Whether this click, with its raw data, replaces the clicked card or posts a new one. */
export function clickEffect(kind: ActionKind, data: Record<string, unknown>): 'updatesCard' | 'postsCard' {
  if (kind === 'pagedList') return 'page' in data ? 'updatesCard' : 'postsCard';
  return kind;
}

/** One `Action.Execute` verb: its data schema (untrusted input), what it does to the clicked card, and its handler. */
export interface CardAction<T = unknown> {
  verb: string;
  /** Required, so a new verb cannot forget to say whether it replaces the clicked card. */
  kind: ActionKind;
  data: z.ZodType<T>;
  run(scope: ActionScope, data: T): Promise<AdaptiveCardInvokeResponse>;
}

export function defineAction<T>(action: CardAction<T>): CardAction<T> {
  return action;
}

/** Largest action payload accepted (inputs included); Teams cards are far smaller. */
export const MAX_ACTION_DATA_BYTES = 64 * 1024;

/** Deepest nesting accepted in action data: the bot's cards send flat data; deeper would overflow the stack. */
export const MAX_ACTION_DATA_DEPTH = 16;

/** True when `value` nests objects or arrays deeper than `limit` (walked without recursion, stops early). */
export function nestedDeeperThan(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (!node || typeof node !== 'object') continue;
    if (depth >= limit) return true;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return false;
}

const invokeValueSchema = z.object({
  action: z.object({
    type: z.literal('Action.Execute'),
    verb: z.string().min(1).max(64),
    data: z.record(z.string(), z.unknown()).optional(),
  }),
});

/** The verb → handler table. Unknown verbs and bad data end in an error card, never an exception. */
export class ActionTable {
  private readonly byVerb = new Map<string, CardAction>();
  constructor(actions: CardAction<unknown>[]) {
    for (const action of actions) {
      if (this.byVerb.has(action.verb)) throw new Error(`Duplicate card action verb: ${action.verb}`);
      this.byVerb.set(action.verb, action as unknown as CardAction);
    }
  }

  verbs(): string[] {
    return [...this.byVerb.keys()];
  }

  async handle(scope: Omit<ActionScope, never>, invokeValue: unknown): Promise<AdaptiveCardInvokeResponse> {
    const parsed = invokeValueSchema.safeParse(invokeValue);
    if (!parsed.success) {
      return cardReply(
        errorCard({
          title: 'This button did not send what I expected',
          message: 'The card action was not an Action.Execute with a verb.',
          nextStep: 'Type **help** to get a fresh card.',
        }),
      );
    }
    const { verb, data = {} } = parsed.data.action;
    const action = this.byVerb.get(verb);
    if (!action) return this.unknownVerb(scope, verb);
    const answer = await this.answer(scope, action, data);
    if (clickEffect(action.kind, data) === 'postsCard') return answerAsNavigation(scope.turn, answer);
    return answer;
  }

  kindOf(verb: string): ActionKind | undefined {
    return this.byVerb.get(verb)?.kind;
  }

  private unknownVerb(scope: ActionScope, verb: string): AdaptiveCardInvokeResponse {
    scope.app.log.warn({ verb: verb.slice(0, 64) }, 'unknown card verb');
    return cardReply(
      errorCard({
        title: 'I do not know this button',
        message: 'The card may come from an older version of Access Bot.',
        nextStep: 'Type **help** to see what I can do now.',
      }),
    );
  }

  private async answer(
    scope: ActionScope,
    action: CardAction,
    data: Record<string, unknown>,
  ): Promise<AdaptiveCardInvokeResponse> {
    const verb = action.verb;
    if (nestedDeeperThan(data, MAX_ACTION_DATA_DEPTH)) {
      return cardReply(
        errorCard({
          title: 'This button did not send what I expected',
          message: 'Its data is nested far deeper than any card of mine sends.',
          nextStep: 'Type **help** to get a fresh card.',
        }),
      );
    }
    if (JSON.stringify(data).length > MAX_ACTION_DATA_BYTES) {
      return cardReply(
        errorCard({
          title: 'That is too much text',
          message: 'The card sent more text than I can take in one go.',
          nextStep: 'Shorten what you typed and try again.',
        }),
      );
    }
    const checked = action.data.safeParse(data);
    if (!checked.success) {
      scope.app.log.info({ verb, issues: checked.error.issues.map((i) => i.path.join('.')) }, 'card data rejected');
      return cardReply(
        errorCard({
          title: 'Something on this card is not right',
          message: describeIssues(checked.error),
          nextStep: 'Fix it and try again, or type **help** to start over.',
        }),
      );
    }
    return action.run(scope, checked.data);
  }
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => {
      const field = issue.path.length ? issue.path.join('.') : 'the card';
      return `- ${field}: ${issue.message}`;
    })
    .join('\n');
}
