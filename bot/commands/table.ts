import type { TurnContext } from 'botbuilder';
import type { ActingUser, BotServices } from '../services.js';

export interface CommandScope {
  turn: TurnContext;
  user: ActingUser;
  app: BotServices;
}

/** A text command: `match` returns the arguments when the text is for this command, else undefined. */
export interface TextCommand {
  name: string;
  match(text: string): string | undefined;
  run(scope: CommandScope, args: string): Promise<void>;
}

/** Longest message the bot reads; anything longer gets a polite refusal instead of a search for it. */
export const MAX_MESSAGE_CHARS = 2000;

/** Teams wraps @mentions and sometimes adds HTML; commands see plain, trimmed, single-spaced text. */
export function normaliseText(raw: string): string {
  return raw
    .replace(/<at>[^<]*<\/at>/gi, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Matches `word` or `word <args>` at the start (case-insensitive); returns the args ('' when none). */
export function prefixMatcher(...words: string[]): (text: string) => string | undefined {
  const patterns = words.map((w) => new RegExp(`^${w.replace(/ /g, '\\s+')}(?:\\s+(.*))?$`, 'i'));
  return (text) => {
    for (const pattern of patterns) {
      const m = pattern.exec(text);
      if (m) return (m[1] ?? '').trim();
    }
    return undefined;
  };
}

export class CommandTable {
  constructor(
    private readonly commands: TextCommand[],
    private readonly fallback: TextCommand,
  ) {}

  resolve(text: string): { command: TextCommand; args: string } {
    for (const command of this.commands) {
      const args = command.match(text);
      if (args !== undefined) return { command, args };
    }
    return { command: this.fallback, args: text };
  }
}
