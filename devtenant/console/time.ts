/** Times on console pages: always UTC and spelled out, so every reader (and test) sees the same text. */

const FORMAT = new Intl.DateTimeFormat('en-GB', {
  weekday: 'short',
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  timeZone: 'UTC',
});

export function when(value: string | number | null | undefined): string {
  if (value === null || value === undefined || value === '') return '—';
  const ms = typeof value === 'number' ? value : Date.parse(value);
  return Number.isNaN(ms) ? String(value) : `${FORMAT.format(ms)} UTC`;
}

const CLOCK = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'short',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  timeZone: 'UTC',
});

/** A request log time, to the second: `3 Dec, 14:37:05`. */
export function clockTime(value: string): string {
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? value : CLOCK.format(ms);
}
