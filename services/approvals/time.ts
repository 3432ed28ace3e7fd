/** ISO-8601 durations as Graph writes them (`P7D`, `PT2H`, `P1DT12H`, `PT0S`); years and months are not used here. */
const DURATION =
  /^P(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i;

/** Milliseconds in an ISO-8601 duration, or undefined when it is not one. */
export function durationMs(iso: string | null | undefined): number | undefined {
  if (!iso) return undefined;
  const m = DURATION.exec(iso.trim());
  if (!m || iso.trim().toUpperCase() === 'P' || /T$/i.test(iso.trim())) return undefined;
  const [w, d, h, min, s] = m.slice(1).map((v) => (v ? Number(v) : 0));
  return ((((w * 7 + d) * 24 + h) * 60 + min) * 60 + s) * 1000;
}

/** `at` plus an ISO duration, as ISO; undefined when either is missing or unreadable. */
export function addDuration(at: string | undefined, iso: string | undefined): string | undefined {
  const start = at ? Date.parse(at) : Number.NaN;
  const ms = durationMs(iso);
  if (Number.isNaN(start) || ms === undefined) return undefined;
  return new Date(start + ms).toISOString();
}

export function isoOrUndefined(value: string | null | undefined): string | undefined {
  if (!value) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}
