import type { PersonRef } from '../../services/model/approvals.js';
import { plainText } from '../elements.js';

/** Times and names in words for approval cards. Pure: `now` comes from the view model. */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

/** "3 minutes", "26 hours", "4 days" (rounded down to the largest unit that fits). */
export function span(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < HOUR) return plural(Math.max(1, Math.floor(abs / MINUTE)), 'minute');
  if (abs < 2 * DAY) return plural(Math.floor(abs / HOUR), 'hour');
  return plural(Math.floor(abs / DAY), 'day');
}

/** "26 hours ago", "just now". */
export function ago(iso: string | undefined, now: string): string | undefined {
  const ms = diff(now, iso);
  if (ms === undefined) return undefined;
  return ms < MINUTE ? 'just now' : `${span(ms)} ago`;
}

/** "in 6 days", or "overdue" once passed. */
export function until(iso: string | undefined, now: string): string | undefined {
  const ms = diff(iso, now);
  if (ms === undefined) return undefined;
  return ms <= 0 ? 'overdue' : `in ${span(ms)}`;
}

function diff(later: string | undefined, earlier: string | undefined): number | undefined {
  const a = later ? Date.parse(later) : Number.NaN;
  const b = earlier ? Date.parse(earlier) : Number.NaN;
  return Number.isNaN(a) || Number.isNaN(b) ? undefined : a - b;
}

/** "28 Nov 2026, 04:26 UTC". */
export function utc(iso: string | undefined): string | undefined {
  const ms = iso ? Date.parse(iso) : Number.NaN;
  if (Number.isNaN(ms)) return undefined;
  const d = new Date(ms);
  const hh = String(d.getUTCHours()).padStart(2, '0');
  const mm = String(d.getUTCMinutes()).padStart(2, '0');
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}, ${hh}:${mm} UTC`;
}

/** "26 hours ago (28 Nov 2026, 04:26 UTC)". */
export function agoWithDate(iso: string | undefined, now: string): string | undefined {
  const relative = ago(iso, now);
  return relative ? `${relative} (${utc(iso)})` : undefined;
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
