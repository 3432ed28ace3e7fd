import { helpCard } from '../../cards/helpCard.js';
import { sendCard } from '../cardSender.js';
import { prefixMatcher, type TextCommand } from './table.js';

export const helpCommand: TextCommand = {
  name: 'help',
  match: prefixMatcher('help', '\\?', 'hi', 'hello', 'hey', 'start', 'menu'),
  async run({ turn }) {
    await sendCard(turn, helpCard({}));
  },
};

/** Anything the bot does not understand: say so, and show what it can do. */
export const notUnderstoodCommand: TextCommand = {
  name: 'notUnderstood',
  match: () => undefined,
  async run({ turn }, text) {
    await sendCard(turn, helpCard({ notUnderstood: text.slice(0, 80) || undefined }));
  },
};
