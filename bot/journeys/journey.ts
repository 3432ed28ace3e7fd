import type { CardAction } from '../actions/registry.js';
import type { TextCommand } from '../commands/table.js';
import type { SubjectKind } from '../proactive/subjects.js';
import type { WatchSource } from '../proactive/types.js';
import type { BotServices } from '../services.js';

/** What one user journey (requester, approver, activation) plugs into the bot. */
export interface Journey {
  name: string;
  actions: CardAction<unknown>[];
  /** Text commands, matched in order before any journey's `lateCommands`. */
  commands: TextCommand[];
  /** Matched after every journey's `commands` (e.g. a plain sentence treated as a search). */
  lateCommands?: TextCommand[];
  /** Kinds of tracked cards this journey draws (`request`, `approval`, `activation`). */
  subjects?(app: BotServices): SubjectKind[];
  /** What the watcher checks for this journey each tick. */
  watchSources?(app: BotServices): WatchSource[];
}
