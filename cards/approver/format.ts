import type { PersonRef } from '../../services/model/approvals.js';
import { plainText } from '../elements.js';
import {
  cardTimestamp,
  daysText,
  isReadersToday,
  momentPlain,
  momentText,
  onDateAtText,
  parseMoment,
  spanText,
} from '../time.js';

/** Times and names in words for approval cards. Pure: `now` comes from the view model; times from cards/time.ts. */

function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

/** "3 minutes", "26 hours", "4 days" (rounded down to the largest unit that fits): a length, not a moment. */
export function span(ms: number): string {
  return spanText(ms);
}

/**
 * When something happened, phrased so it stays true on a card nobody redraws: "on {{DATE}} at {{TIME}}". The name
 * (and the unused `now`) are kept for callers; it no longer says "26 hours ago", which froze when the card did.
 */
export function ago(iso: string | undefined, _now?: string): string | undefined {
  return cardTimestamp(iso) ? onDateAtText(iso) : undefined;
}

/**
 * "today at {{TIME}}", "tomorrow ({{DATE}} {{TIME}})", "in 14 days ({{DATE}} {{TIME}})", or "overdue" once passed.
 * Calendar days in the reader's zone when known, else UTC (cards/time.ts daysText): right to the day. Only for cards
 * a refresh redraws (pending approvals) or a reply read at once.
 */
export function until(iso: string | undefined, now: string, zone?: string): string | undefined {
  const at = parseMoment(iso);
  const from = parseMoment(now);
  if (at === undefined || from === undefined) return undefined;
  if (at <= from) return 'overdue';
  const reader = { now, zone };
  const days = daysText(iso, reader);
  return isReadersToday(iso, reader) ? `today at ${momentText(iso, reader)}` : `${days} (${momentText(iso, reader)})`;
}

/** A moment for a TextBlock or fact, in the reader's zone: "{{DATE(t, SHORT)}} {{TIME(t)}}". */
export function utc(iso: string | undefined, now?: string, zone?: string): string | undefined {
  if (!cardTimestamp(iso)) return undefined;
  return momentText(iso, { now: now ?? '', zone });
}

/** The same as plain text for button titles and fallback text: "28 Nov 2026, 04:26 UTC". */
export function utcPlain(iso: string | undefined): string | undefined {
  return cardTimestamp(iso) ? momentPlain(iso) : undefined;
}

/** When a decision was made: "on {{DATE}} at {{TIME}}" (see `ago`; name kept for callers). */
export function agoWithDate(iso: string | undefined, now?: string): string | undefined {
  return ago(iso, now);
}

const DURATION = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$/i;

/** ISO-8601 duration in words: `PT2H` → "2 hours", `P30D` → "30 days", `PT1H30M` → "1 hour 30 minutes". */
export function durationText(iso: string | undefined): string | undefined {
  const m = iso ? DURATION.exec(iso) : null;
  if (!m) return undefined;
  const [days, hours, minutes] = m.slice(1).map((v) => Number(v ?? 0));
  const parts = [
    days ? plural(days, 'day') : '',
    hours ? plural(hours, 'hour') : '',
    minutes ? plural(minutes, 'minute') : '',
  ].filter(Boolean);
  return parts.length ? parts.join(' ') : undefined;
}

/** "Megan Bowen", "Megan Bowen and Patti Fernandez", "A, B, C and 4 more" (escaped for a TextBlock). */
export function names(people: readonly PersonRef[], max = 4): string {
  const shown = people.slice(0, max).map((p) => plainText(p.displayName));
  const rest = people.length - shown.length;
  if (rest > 0) return `${shown.join(', ')} and ${rest} more`;
  if (shown.length <= 1) return shown[0] ?? '';
  return `${shown.slice(0, -1).join(', ')} and ${shown[shown.length - 1]}`;
}
