/**
 * The one time vocabulary of every card.
 *
 * - A moment (a Graph DateTimeOffset) is written as Adaptive Card text functions, `{{DATE(t, SHORT)}} {{TIME(t)}}`,
 *   so Teams renders it in the reader's own zone and locale. These functions work in TextBlock text and FactSet
 *   titles/values (the renderer draws facts as TextBlocks); everywhere else (button and choice titles, input labels
 *   and placeholders, fallback text, summaries) use the `…Plain` variants, which say "UTC".
 * - The date is left out only when the bot knows the reader's zone (Teams sends it on their messages) and the moment
 *   falls on the day the card is drawn in that zone. Never from the server's zone: an unknown zone shows the date.
 * - A calendar date with no moment (an Input.Date value, a policy's last allowed day) is written as plain words
 *   ("18 Oct 2027"): `{{DATE()}}` of its midnight would show the day before anywhere west of UTC.
 * - Relative words are computed for the moment the card is drawn; cards without a refresh use the phrasing that stays
 *   true ("on …") instead of "5 minutes ago".
 */

/** Who reads a card and when it is drawn. `zone` is the reader's IANA time zone when known. */
export interface Reader {
  /** ISO time the card is drawn at. */
  now: string;
  zone?: string;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

// Graph writes 0 to 7 fractional digits and usually `Z`; a value without an offset is UTC (never the server's zone).
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/** Milliseconds since the epoch of an ISO date or date-time, or undefined when it is not a real one. */
export function parseMoment(iso: string | undefined | null): number | undefined {
  if (typeof iso !== 'string') return undefined;
  const m = ISO.exec(iso.trim());
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map((v) => Number(v ?? 0));
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return undefined;
  const utc = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(Date.UTC(year, month - 1, day));
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) {
    return undefined;
  }
  return utc - offsetMinutes(m[7]) * MINUTE;
}

function offsetMinutes(offset: string | undefined): number {
  if (!offset || offset.toUpperCase() === 'Z') return 0;
  const digits = offset.replace(':', '');
  const sign = digits.startsWith('-') ? -1 : 1;
  return sign * (Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5)));
}

/**
 * `2026-12-02T19:51:00.0000000Z` → `2026-12-02T19:51:00Z`: the renderer's DATE/TIME pattern accepts no fractional
 * seconds (a token with them is shown as typed). Undefined when the input is not a time.
 */
export function cardTimestamp(iso: string | undefined | null): string | undefined {
  const ms = parseMoment(iso);
  return ms === undefined ? undefined : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** True for a time zone this runtime knows (`Europe/Berlin`); Teams' value is untrusted input. */
export function isTimeZone(zone: unknown): zone is string {
  if (typeof zone !== 'string' || zone.length === 0 || zone.length > 64 || !/^[A-Za-z0-9_+\-/]+$/.test(zone)) {
    return false;
  }
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

interface CalendarDay {
  year: number;
  month: number;
  day: number;
}

/** The calendar day (and clock) of `ms` in `zone`, or in UTC when the zone is unknown. */
export function wallClock(ms: number, zone?: string): CalendarDay & { hour: number; minute: number } {
  if (!zone || !isTimeZone(zone)) {
    const d = new Date(ms);
    return {
      year: d.getUTCFullYear(),
      month: d.getUTCMonth() + 1,
      day: d.getUTCDate(),
      hour: d.getUTCHours(),
      minute: d.getUTCMinutes(),
    };
  }
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    hourCycle: 'h23',
  }).formatToParts(new Date(ms));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return { year: get('year'), month: get('month'), day: get('day'), hour: get('hour') % 24, minute: get('minute') };
}

function dayNumber(day: CalendarDay): number {
  return Math.round(Date.UTC(day.year, day.month - 1, day.day) / DAY);
}

/**
 * Whole calendar days from the day the card is drawn to the day of `iso`, in the reader's zone when known, else in
 * UTC: a time 13 days 23 hours away that falls on the 14th day is "in 14 days", and one 25 hours away just after
 * midnight is "in 2 days" (the day after tomorrow). Undefined for bad input.
 */
export function calendarDaysUntil(iso: string | undefined, reader: Reader): number | undefined {
  const at = parseMoment(iso);
  const now = parseMoment(reader.now);
  if (at === undefined || now === undefined) return undefined;
  return dayNumber(wallClock(at, reader.zone)) - dayNumber(wallClock(now, reader.zone));
}

/** "today", "tomorrow", "in 14 days", "yesterday", "3 days ago" (calendar days, see calendarDaysUntil). */
export function daysText(iso: string | undefined, reader: Reader): string | undefined {
  const days = calendarDaysUntil(iso, reader);
  if (days === undefined) return undefined;
  if (days === 0) return 'today';
  if (days === 1) return 'tomorrow';
  if (days === -1) return 'yesterday';
  return days > 0 ? `in ${days} days` : `${-days} days ago`;
}

/** True when the bot knows the reader's zone and `iso` falls on the day the card is drawn there. */
export function isReadersToday(iso: string | undefined, reader: Reader): boolean {
  return !!reader.zone && isTimeZone(reader.zone) && calendarDaysUntil(iso, reader) === 0;
}

/** A moment in the reader's zone: `{{TIME(t)}}` today (zone known), otherwise `{{DATE(t, SHORT)}} {{TIME(t)}}`. */
export function momentText(iso: string | undefined, reader: Reader): string {
  const at = cardTimestamp(iso);
  if (!at) return fallbackText(iso);
  return isReadersToday(at, reader) ? `{{TIME(${at})}}` : datedMomentText(at);
}

/** "today at {{TIME}}" or "on {{DATE}} at {{TIME}}": stays true after the day it was drawn only through a refresh. */
export function onMomentText(iso: string | undefined, reader: Reader): string {
  const at = cardTimestamp(iso);
  if (!at) return fallbackText(iso);
  return isReadersToday(at, reader) ? `today at {{TIME(${at})}}` : `on {{DATE(${at}, SHORT)}} at {{TIME(${at})}}`;
}

/** `{{DATE(t, SHORT)}} {{TIME(t)}}`, always with the date: for cards no refresh redraws. */
export function datedMomentText(iso: string | undefined): string {
  const at = cardTimestamp(iso);
  return at ? `{{DATE(${at}, SHORT)}} {{TIME(${at})}}` : fallbackText(iso);
}

/** "on {{DATE}} at {{TIME}}", always with the date: for cards no refresh redraws (a decision, a past event). */
export function onDateAtText(iso: string | undefined): string {
  const at = cardTimestamp(iso);
  return at ? `on {{DATE(${at}, SHORT)}} at {{TIME(${at})}}` : fallbackText(iso);
}

/** The date of a moment in the reader's zone, always with the date: `{{DATE(t, SHORT)}}`. */
export function momentDateText(iso: string | undefined): string {
  const at = cardTimestamp(iso);
  return at ? `{{DATE(${at}, SHORT)}}` : fallbackText(iso);
}

/** A moment as plain text for places that render no DATE/TIME: "2 Dec 2026, 19:51 UTC". */
export function momentPlain(iso: string | undefined): string {
  const ms = parseMoment(iso);
  if (ms === undefined) return fallbackText(iso);
  const d = wallClock(ms);
  return `${d.day} ${MONTHS[d.month - 1]} ${d.year}, ${pad(d.hour)}:${pad(d.minute)} UTC`;
}

const TOKENS =
  /\{\{DATE\(([^,)]+)(?:, ?(?:COMPACT|LONG|SHORT))?\)\}\} \{\{TIME\(\1\)\}\}|\{\{DATE\(([^,)]+)(?:, ?(?:COMPACT|LONG|SHORT))?\)\}\}|\{\{TIME\(([^)]+)\)\}\}/g;

/** Card text with its DATE/TIME functions written out in UTC words, for fallback text and summaries. */
export function plainTimes(text: string): string {
  return text.replace(TOKENS, (_all, both?: string, date?: string, time?: string) => {
    if (both) return momentPlain(both);
    if (date) return momentDatePlain(date);
    const ms = parseMoment(time);
    if (ms === undefined) return fallbackText(time);
    const d = wallClock(ms);
    return `${pad(d.hour)}:${pad(d.minute)} UTC`;
  });
}

/** The UTC date of a moment as plain text: "2 Dec 2026 (UTC)". */
export function momentDatePlain(iso: string | undefined): string {
  const ms = parseMoment(iso);
  if (ms === undefined) return fallbackText(iso);
  const d = wallClock(ms);
  return `${d.day} ${MONTHS[d.month - 1]} ${d.year} (UTC)`;
}

/** A calendar date with no time of day (`2027-10-18`, or the date part of an ISO time) in words: "18 Oct 2027". */
export function calendarDateText(date: string | undefined): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(date ?? '');
  if (!m || parseMoment(m[0]) === undefined) return fallbackText(date);
  return `${Number(m[3])} ${MONTHS[Number(m[2]) - 1]} ${m[1]}`;
}

/** Today's date (`YYYY-MM-DD`) in the reader's zone, else in UTC: the earliest day a date input offers. */
export function readersToday(reader: Reader): string {
  const now = parseMoment(reader.now) ?? 0;
  const d = wallClock(now, reader.zone);
  return `${d.year}-${pad(d.month)}-${pad(d.day)}`;
}

/**
 * The UTC moment of a date and clock time entered in `zone` (UTC when unknown): Input.Date and Input.Time carry no
 * zone. In a DST gap the clock is read with the offset before the change (02:30 on a spring-forward day is 03:30).
 */
export function zonedToUtc(date: string, time: string, zone?: string): number | undefined {
  const asUtc = parseMoment(`${date}T${time.length === 5 ? `${time}:00` : time}Z`);
  if (asUtc === undefined || !zone || !isTimeZone(zone)) return asUtc;
  const offsetAt = (ms: number) => {
    const w = wallClock(ms, zone);
    return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute) - Math.floor(ms / MINUTE) * MINUTE;
  };
  const first = asUtc - offsetAt(asUtc);
  const second = asUtc - offsetAt(first);
  return offsetAt(second) === offsetAt(first) ? second : first;
}

/** A short name of the reader's zone for labels: "Europe/Berlin", or "UTC" when unknown. */
export function zoneLabel(zone?: string): string {
  return zone && isTimeZone(zone) ? zone : 'UTC';
}

const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;

/** "3 minutes", "26 hours", "4 days" (rounded down to the largest unit that fits): a length, not a moment. */
export function spanText(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < HOUR) return plural(Math.max(1, Math.floor(abs / MINUTE)), 'minute');
  if (abs < 2 * DAY) return plural(Math.floor(abs / HOUR), 'hour');
  return plural(Math.floor(abs / DAY), 'day');
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** What a bad time shows: the text itself without Markdown or braces (never a half token), or "an unknown time". */
function fallbackText(value: unknown): string {
  const text = typeof value === 'string' ? value.replace(/[{}\\*_[\]]/g, '').trim() : '';
  return text ? text.slice(0, 40) : 'an unknown time';
}
