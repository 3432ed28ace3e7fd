/** ISO 8601 durations as PIM uses them (`PT30M`, `PT8H`, `P1D`), in whole minutes. */

const ISO_DURATION = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i;

/** Minutes in an ISO 8601 duration (seconds rounded down); undefined when it is not one or is empty (`P`, `PT`). */
export function durationMinutes(text: string | null | undefined): number | undefined {
  if (!text) return undefined;
  const m = ISO_DURATION.exec(text.trim());
  if (!m || (!m[1] && !m[2] && !m[3] && !m[4])) return undefined;
  const [days, hours, minutes, seconds] = [m[1], m[2], m[3], m[4]].map((v) => Number(v ?? 0));
  return days * 1440 + hours * 60 + minutes + Math.floor(seconds / 60);
}

/** `PT2H`, `PT90M`, `P1D`: the shortest exact form. */
export function isoDuration(minutes: number): string {
  if (!Number.isInteger(minutes) || minutes <= 0) throw new Error('A duration must be a whole number of minutes > 0.');
  if (minutes % 1440 === 0) return `P${minutes / 1440}D`;
  if (minutes % 60 === 0) return `PT${minutes / 60}H`;
  return `PT${minutes}M`;
}

/** "30 minutes", "1 hour", "1 hour 30 minutes", "24 hours". */
export function describeMinutes(minutes: number): string {
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  const h = hours === 1 ? '1 hour' : `${hours} hours`;
  const m = rest === 1 ? '1 minute' : `${rest} minutes`;
  if (hours === 0) return m;
  return rest === 0 ? h : `${h} ${m}`;
}

/** The usual activation lengths; the form offers those up to the policy maximum, plus the maximum itself. */
const STANDARD_CHOICES = [30, 60, 120, 240, 480, 720, 1440];

export function durationChoices(maximumMinutes: number): number[] {
  const choices = STANDARD_CHOICES.filter((m) => m < maximumMinutes);
  if (maximumMinutes >= 5) choices.push(maximumMinutes);
  return choices;
}

/** A request's schedule as Graph gives it (`requestSchedule`), reduced to its start, end and length. */
export function requestedWindow(
  info:
    | { startDateTime?: string | null; expiration?: { duration?: string | null; endDateTime?: string | null } | null }
    | null
    | undefined,
): { startDateTime?: string; endDateTime?: string; durationMinutes?: number } {
  const start = info?.startDateTime ?? undefined;
  const minutes = durationMinutes(info?.expiration?.duration);
  const end =
    info?.expiration?.endDateTime ??
    (start && minutes !== undefined ? new Date(Date.parse(start) + minutes * 60_000).toISOString() : undefined);
  return { startDateTime: start, endDateTime: end, durationMinutes: minutes };
}
