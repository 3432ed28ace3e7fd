import { afterEach, describe, expect, it } from 'vitest';
import { cardTimestamp, dateText, relativeText, timeText } from '../../cards/activation/format.js';

/**
 * How the activation cards write moments, at fixed instants around midnight, month end, year end and a DST change:
 * Teams renders `{{TIME()}}`/`{{DATE()}}` in the reader's zone, and the card adds the date whenever the moment is not
 * on the reader's today (always, when their zone is unknown). The bot's own zone (TZ) must not change a character.
 */

const ZONES = ['UTC', 'Pacific/Kiritimati', 'America/Los_Angeles', 'Australia/Lord_Howe', 'Asia/Kathmandu'];
const savedTz = process.env.TZ;

afterEach(() => {
  if (savedTz === undefined) delete process.env.TZ;
  else process.env.TZ = savedTz;
});

/** Runs `render` with the process in each zone (Node re-reads TZ when it is assigned) and expects one answer. */
function sameInEveryZone(render: () => string): string {
  const answers = ZONES.map((zone) => {
    process.env.TZ = zone;
    return render();
  });
  expect(new Set(answers).size, `answers per zone: ${answers.join(' | ')}`).toBe(1);
  return answers[0];
}

describe('activation card times', () => {
  it("shows only the time for a moment later the reader's same day, and the date when their zone is unknown", () => {
    expect(
      sameInEveryZone(() => timeText('2026-12-02T14:20:00.000Z', '2026-12-02T13:50:00.000Z', 'America/Los_Angeles')),
    ).toBe('{{TIME(2026-12-02T14:20:00Z)}}');
    expect(sameInEveryZone(() => timeText('2026-12-02T14:20:00.000Z', '2026-12-02T13:50:00.000Z'))).toBe(
      '{{DATE(2026-12-02T14:20:00Z, SHORT)}} {{TIME(2026-12-02T14:20:00Z)}}',
    );
    // 14:20 UTC is the next day in Kiritimati, where 09:50 UTC was still the day before.
    expect(
      sameInEveryZone(() => timeText('2026-12-02T14:20:00.000Z', '2026-12-02T09:50:00.000Z', 'Pacific/Kiritimati')),
    ).toBe('{{DATE(2026-12-02T14:20:00Z, SHORT)}} {{TIME(2026-12-02T14:20:00Z)}}');
  });

  it('adds the date when an activation started at 23:50 UTC ends after midnight', () => {
    expect(sameInEveryZone(() => timeText('2026-12-03T00:20:00.000Z', '2026-12-02T23:50:00.000Z'))).toBe(
      '{{DATE(2026-12-03T00:20:00Z, SHORT)}} {{TIME(2026-12-03T00:20:00Z)}}',
    );
  });

  it('adds the date across the end of a month and of a year, and for a moment on an earlier day', () => {
    expect(sameInEveryZone(() => timeText('2026-12-01T00:10:00Z', '2026-11-30T23:55:00Z'))).toBe(
      '{{DATE(2026-12-01T00:10:00Z, SHORT)}} {{TIME(2026-12-01T00:10:00Z)}}',
    );
    expect(sameInEveryZone(() => timeText('2027-01-01T07:00:00Z', '2026-12-31T23:00:00Z'))).toBe(
      '{{DATE(2027-01-01T07:00:00Z, SHORT)}} {{TIME(2027-01-01T07:00:00Z)}}',
    );
    expect(sameInEveryZone(() => timeText('2026-12-02T23:50:00Z', '2026-12-03T00:05:00Z'))).toBe(
      '{{DATE(2026-12-02T23:50:00Z, SHORT)}} {{TIME(2026-12-02T23:50:00Z)}}',
    );
  });

  it('counts an hour as an hour over a DST change (US clocks go back on 1 Nov 2026 at 09:00 UTC)', () => {
    expect(sameInEveryZone(() => relativeText('2026-11-01T09:30:00Z', '2026-11-01T08:30:00Z'))).toBe('in 1 hour');
    expect(sameInEveryZone(() => timeText('2026-11-01T09:30:00Z', '2026-11-01T08:30:00Z', 'America/Los_Angeles'))).toBe(
      '{{TIME(2026-11-01T09:30:00Z)}}',
    );
  });

  it('writes RFC 3339 without fractions, also for dates', () => {
    expect(sameInEveryZone(() => cardTimestamp('2026-12-02T23:59:59.999Z'))).toBe('2026-12-02T23:59:59Z');
    expect(sameInEveryZone(() => dateText('2026-12-11T23:30:00.000Z'))).toBe('{{DATE(2026-12-11T23:30:00Z, SHORT)}}');
  });
});
