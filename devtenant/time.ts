import { createHash } from 'node:crypto';

const DURATION =
  /^([+-])?P(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i;
const UNIT_MS = [365 * 86_400_000, 30 * 86_400_000, 7 * 86_400_000, 86_400_000, 3_600_000, 60_000, 1000];

/** ISO-8601 duration (`PT2H`, `P30D`, `-P1D`) in milliseconds, or null when it is not one. Years/months are 365/30 days. */
export function parseDuration(text: string): number | null {
  if (typeof text !== 'string') return null;
  const m = DURATION.exec(text.trim());
  if (!m || text.trim().replace(/^[+-]/, '').toUpperCase() === 'P' || /T$/i.test(text.trim())) return null;
  let ms = 0;
  for (let i = 0; i < UNIT_MS.length; i++) {
    const part = m[i + 2];
    if (part !== undefined) ms += Number(part) * UNIT_MS[i];
  }
  return m[1] === '-' ? -ms : ms;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$/;

/** Parses an ISO-8601 timestamp; null when the text is not one. */
export function parseTimestamp(text: unknown): number | null {
  if (typeof text !== 'string' || !ISO_DATE.test(text)) return null;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : ms;
}

/**
 * A seed timestamp: an ISO date, `now`, or a signed duration relative to the seed's load time (`-P30D`, `+PT2H`),
 * so the demo always looks current.
 */
export function seedTime(text: string, base: number): number {
  if (text === 'now') return base;
  if (/^[+-]P/i.test(text)) {
    const offset = parseDuration(text);
    if (offset !== null) return base + offset;
  }
  const ms = parseTimestamp(text);
  if (ms === null)
    throw new Error(`'${text}' is neither an ISO timestamp, 'now', nor a signed ISO duration like '-P2D'`);
  return ms;
}

/** Graph-style timestamp: ISO-8601 UTC with `Z`. */
export const iso = (ms: number): string => new Date(ms).toISOString();

export const isoOrNull = (ms: number | null | undefined): string | null =>
  ms === null || ms === undefined ? null : iso(ms);

/** A GUID derived from a name, so seeded objects keep the same ids across restarts. */
export function stableGuid(name: string): string {
  const h = createHash('sha1').update(name).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
