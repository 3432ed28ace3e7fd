import { type CardElement, callout, textBlock } from './elements.js';

/**
 * The size budget of every card the bot sends. Teams refuses a message over 100 KB counted in UTF-16 (413
 * MessageSizeTooBig; its docs recommend 80 KB and older versions said 40 KB), so a card stays under 40 KB in UTF-16:
 * room for the activity envelope and for Teams versions that count more strictly.
 */
export const MAX_CARD_UTF16_BYTES = 40 * 1024;

/** The card's JSON size in bytes when encoded as UTF-16 (two bytes per UTF-16 code unit), as Teams counts it. */
export function cardUtf16Bytes(card: object): number {
  return JSON.stringify(card).length * 2;
}

export const TRIMMED_NOTE = 'This list was too long for one Teams message, so I left the rest out.';

type SizedCard = { body?: CardElement[]; actions?: unknown[]; [key: string]: unknown };

/**
 * The last guard before a card leaves the bot: list cards page, so this should never cut anything. If a card is still
 * over budget, body elements are dropped from the end (the heading and buttons stay) and a note says so, rather than
 * Teams refusing the whole message. Returns the card unchanged when it fits.
 */
export function fitForTeams<T extends object>(card: T): { card: T; trimmed: boolean } {
  if (cardUtf16Bytes(card) <= MAX_CARD_UTF16_BYTES) return { card, trimmed: false };
  const sized = card as SizedCard;
  const note = callout([textBlock(TRIMMED_NOTE, { weight: 'bolder' })], 'warning');
  const body = [...(sized.body ?? [])];
  const fits = (candidate: SizedCard) => cardUtf16Bytes(candidate) <= MAX_CARD_UTF16_BYTES;
  while (body.length > 1) {
    body.pop();
    const candidate = { ...sized, body: [...body, note] };
    if (fits(candidate)) return { card: candidate as T, trimmed: true };
  }
  // Even the first element with the buttons is too big (never seen): send the note alone rather than nothing.
  const minimal = { ...sized, body: [...body.slice(0, 1), note] };
  if (fits(minimal)) return { card: minimal as T, trimmed: true };
  return { card: { ...sized, body: [note], actions: undefined } as T, trimmed: true };
}
