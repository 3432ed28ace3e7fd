import { afterEach, describe, expect, it } from 'vitest';
import {
  calendarDateText,
  calendarDaysUntil,
  cardTimestamp,
  daysText,
  isTimeZone,
  momentDateText,
  momentPlain,
  momentText,
  onDateAtText,
  plainTimes,
  readersToday,
  zonedToUtc,
} from '../../cards/time.js';
import { seenIn, timeTokens } from '../helpers/cardTimes.js';

/**
 * The time vocabulary of every card. Zones are passed to the module explicitly; this file also runs under
 * `TZ=Pacific/Kiritimati`, `TZ=America/Los_Angeles` and `TZ=Europe/Berlin` (and the "server zone" test below moves
 * the process's zone itself) to show the server's zone never leaks into what a card says.
 */

const KIRITIMATI = 'Pacific/Kiritimati'; // UTC+14: the first to reach a new day
const LOS_ANGELES = 'America/Los_Angeles'; // UTC-8, UTC-7 in summer
const BERLIN = 'Europe/Berlin'; // UTC+1, UTC+2 in summer
const ZONES = [KIRITIMATI, LOS_ANGELES, BERLIN];

/** 23:50 UTC on 2 Dec 2026: already 3 Dec in Berlin and Kiritimati, still the afternoon of 2 Dec in Los Angeles. */
const LATE = '2026-12-02T23:50:00Z';

describe('times Graph writes become tokens the renderer accepts', () => {
  it.each([
    ['2026-12-02T19:51:00.0000000Z', '2026-12-02T19:51:00Z'], // Graph's 7 digits
    ['2026-12-02T19:51:00.000000Z', '2026-12-02T19:51:00Z'],
    ['2026-12-02T19:51:00.123Z', '2026-12-02T19:51:00Z'],
    ['2026-12-02T19:51:00Z', '2026-12-02T19:51:00Z'],
    ['2026-12-02T20:51:00+01:00', '2026-12-02T19:51:00Z'],
    ['2026-12-02T19:51:00', '2026-12-02T19:51:00Z'], // no offset: UTC, never the server's zone
    ['2026-12-02T19:51', '2026-12-02T19:51:00Z'],
  ])('%s → %s', (graph, normalised) => {
    expect(cardTimestamp(graph)).toBe(normalised);
    const text = momentText(graph, { now: LATE });
    expect(text).toBe(`{{DATE(${normalised}, SHORT)}} {{TIME(${normalised})}}`);
    // The renderer's own pattern takes it (seenIn throws on a token left as typed).
    expect(seenIn(text, 'UTC')).toBe('Wed, Dec 2, 2026 7:51 PM');
  });

  it.each([
    '',
    'garbage',
    '2026-02-30T10:00:00Z',
    '2026-13-01T00:00:00Z',
    '2026-12-02T24:00:00Z',
    '{{DATE(2026-12-02T19:51:00Z)}}',
    undefined,
  ])('bad input %j gives plain words, never a token', (bad) => {
    expect(cardTimestamp(bad)).toBeUndefined();
    for (const text of [momentText(bad, { now: LATE }), momentDateText(bad), onDateAtText(bad), momentPlain(bad)]) {
      expect(text).not.toMatch(/[{}]/);
      expect(text.length).toBeGreaterThan(0);
      expect(text.length).toBeLessThanOrEqual(40);
    }
  });
});

describe('the date is shown whenever it is not the reader’s today', () => {
  it.each([
    // moment,                 zone,        time only?, what the reader sees
    ['2026-12-02T19:51:00Z', LOS_ANGELES, true, '11:51 AM'],
    ['2026-12-02T19:51:00Z', BERLIN, false, 'Wed, Dec 2, 2026 8:51 PM'], // yesterday in Berlin at 00:50
    ['2026-12-02T19:51:00Z', KIRITIMATI, true, '9:51 AM'], // 3 Dec there, like "now"
    ['2026-12-03T00:10:00Z', LOS_ANGELES, true, '4:10 PM'], // after UTC midnight, still 2 Dec in LA
    ['2026-12-03T00:10:00Z', BERLIN, true, '1:10 AM'],
    ['2026-12-03T10:30:00Z', KIRITIMATI, false, 'Fri, Dec 4, 2026 12:30 AM'],
  ])('%s in %s', (iso, zone, timeOnly, seen) => {
    const text = momentText(iso, { now: LATE, zone });
    expect(text.startsWith('{{TIME(')).toBe(timeOnly);
    expect(seenIn(text, zone)).toBe(seen);
  });

  it('always shows the date when the reader’s zone is unknown, whatever the server’s zone', () => {
    for (const iso of ['2026-12-02T23:55:00Z', '2026-12-02T00:05:00Z', LATE]) {
      expect(momentText(iso, { now: LATE })).toMatch(/^\{\{DATE\(/);
      expect(momentText(iso, { now: LATE, zone: 'Not/AZone' })).toMatch(/^\{\{DATE\(/);
    }
  });

  it('decides "today" in the given zone even when the process runs in another one', () => {
    const before = process.env.TZ;
    try {
      for (const serverZone of [KIRITIMATI, LOS_ANGELES, 'UTC']) {
        process.env.TZ = serverZone;
        expect(momentText('2026-12-02T19:51:00Z', { now: LATE, zone: BERLIN })).toMatch(/^\{\{DATE\(/);
        expect(momentText('2026-12-02T19:51:00Z', { now: LATE, zone: LOS_ANGELES })).toMatch(/^\{\{TIME\(/);
        expect(momentText('2026-12-02T23:55:00Z', { now: LATE })).toMatch(/^\{\{DATE\(/);
        expect(readersToday({ now: LATE })).toBe('2026-12-02');
        expect(daysText('2026-12-03T00:05:00Z', { now: LATE })).toBe('tomorrow');
        expect(momentPlain('2026-12-02T19:51:00Z')).toBe('2 Dec 2026, 19:51 UTC');
        expect(calendarDateText('2027-10-18')).toBe('18 Oct 2027');
      }
    } finally {
      process.env.TZ = before;
      if (before === undefined) delete process.env.TZ;
    }
  });
});

describe('"in N days" counts calendar days, right at the boundaries', () => {
  const at = (now: string, zone?: string) => ({ now, zone });

  it('exactly 14 days away is "in 14 days", and so is 13 days 23 hours that lands on the 14th day', () => {
    expect(daysText('2026-12-16T10:00:00Z', at('2026-12-02T10:00:00Z'))).toBe('in 14 days');
    expect(daysText('2026-12-16T09:00:00Z', at('2026-12-02T10:00:00Z'))).toBe('in 14 days');
    expect(daysText('2026-12-16T00:00:00Z', at('2026-12-02T23:59:00Z'))).toBe('in 14 days');
    for (const zone of ZONES)
      expect(daysText('2026-12-16T10:00:00Z', at('2026-12-02T10:00:00Z', zone))).toBe('in 14 days');
  });

  it('across a UTC midnight: ten minutes later is tomorrow in UTC, today in LA and in Kiritimati', () => {
    const soon = '2026-12-03T00:00:00Z';
    expect(daysText(soon, at(LATE))).toBe('tomorrow');
    expect(daysText(soon, at(LATE, LOS_ANGELES))).toBe('today');
    expect(daysText(soon, at(LATE, KIRITIMATI))).toBe('today');
    expect(daysText(soon, at(LATE, BERLIN))).toBe('today');
    expect(daysText('2026-12-02T22:00:00Z', at(LATE, BERLIN))).toBe('yesterday');
    expect(daysText('2026-11-29T12:00:00Z', at(LATE))).toBe('3 days ago');
  });

  it('across month ends, the year end and a leap day', () => {
    expect(daysText('2026-02-01T12:00:00Z', at('2026-01-31T12:00:00Z'))).toBe('tomorrow');
    expect(daysText('2027-03-01T12:00:00Z', at('2027-02-28T12:00:00Z'))).toBe('tomorrow');
    expect(daysText('2028-02-29T12:00:00Z', at('2028-02-28T12:00:00Z'))).toBe('tomorrow');
    expect(daysText('2028-03-01T12:00:00Z', at('2028-02-28T12:00:00Z'))).toBe('in 2 days');
    expect(daysText('2027-01-01T00:30:00Z', at('2026-12-31T23:30:00Z'))).toBe('tomorrow');
    expect(daysText('2027-01-01T00:30:00Z', at('2026-12-31T23:30:00Z', LOS_ANGELES))).toBe('today');
    expect(calendarDaysUntil('2029-03-01T00:00:00Z', at('2028-02-01T00:00:00Z'))).toBe(394);
  });

  it('over DST changes: a 24-hour gap can be the same day, a 23-hour one the next', () => {
    // Los Angeles falls back on 1 Nov 2026 (09:00 UTC): 00:30 PDT on 1 Nov + 24 h is 23:30 PST on 1 Nov.
    expect(daysText('2026-11-02T07:30:00Z', at('2026-11-01T07:30:00Z', LOS_ANGELES))).toBe('today');
    expect(daysText('2026-11-02T07:30:00Z', at('2026-11-01T07:30:00Z'))).toBe('tomorrow');
    // Berlin springs forward on 28 Mar 2027 (01:00 UTC): 23:30 CET on 27 Mar + 23 h is 00:30 CEST on 29 Mar.
    expect(daysText('2027-03-28T22:30:00Z', at('2027-03-27T22:30:00Z', BERLIN))).toBe('in 2 days');
    expect(seenIn(momentText('2027-03-28T22:30:00Z', at('2027-03-27T22:30:00Z', BERLIN)), BERLIN)).toBe(
      'Mon, Mar 29, 2027 12:30 AM',
    );
  });

  it('says nothing for bad input', () => {
    expect(daysText('soon', at(LATE))).toBeUndefined();
    expect(daysText(LATE, at('not a time'))).toBeUndefined();
  });
});

describe('dates that are days, not moments', () => {
  it('a calendar date is written as words, the same day in every zone', () => {
    // {{DATE()}} of its midnight would read 17 Oct in Los Angeles.
    expect(seenIn('{{DATE(2027-10-18T00:00:00Z, SHORT)}}', LOS_ANGELES)).toBe('Sun, Oct 17, 2027');
    expect(calendarDateText('2027-10-18')).toBe('18 Oct 2027');
    expect(calendarDateText('2027-10-18T00:00:00Z')).toBe('18 Oct 2027');
    expect(calendarDateText('2028-02-29')).toBe('29 Feb 2028');
    expect(calendarDateText('2027-02-29')).not.toMatch(/Feb|Mar/);
  });

  it('the date of a moment follows the reader, because the moment is where it falls', () => {
    const ends = momentDateText('2027-10-18T06:00:00.0000000Z');
    expect(ends).toBe('{{DATE(2027-10-18T06:00:00Z, SHORT)}}');
    expect(seenIn(ends, LOS_ANGELES)).toBe('Sun, Oct 17, 2027'); // 23:00 on the 17th there
    expect(seenIn(ends, BERLIN)).toBe('Mon, Oct 18, 2027');
    expect(seenIn(ends, KIRITIMATI)).toBe('Mon, Oct 18, 2027');
  });

  it("today's date for a date input is the reader's today", () => {
    expect(readersToday({ now: LATE })).toBe('2026-12-02');
    expect(readersToday({ now: LATE, zone: LOS_ANGELES })).toBe('2026-12-02');
    expect(readersToday({ now: LATE, zone: BERLIN })).toBe('2026-12-03');
    expect(readersToday({ now: LATE, zone: KIRITIMATI })).toBe('2026-12-03');
    expect(readersToday({ now: '2028-02-29T23:00:00Z', zone: BERLIN })).toBe('2028-03-01');
  });
});

describe('a date and time typed in the reader’s zone', () => {
  const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

  it('becomes the UTC moment Graph needs', () => {
    expect(iso(zonedToUtc('2026-12-02', '09:00', BERLIN))).toBe('2026-12-02T08:00:00.000Z');
    expect(iso(zonedToUtc('2026-12-02', '09:00', LOS_ANGELES))).toBe('2026-12-02T17:00:00.000Z');
    expect(iso(zonedToUtc('2026-12-03', '09:00', KIRITIMATI))).toBe('2026-12-02T19:00:00.000Z');
    expect(iso(zonedToUtc('2026-12-02', '09:00'))).toBe('2026-12-02T09:00:00.000Z');
    expect(iso(zonedToUtc('2026-07-01', '00:00', BERLIN))).toBe('2026-06-30T22:00:00.000Z');
    expect(iso(zonedToUtc('2028-02-29', '23:30', LOS_ANGELES))).toBe('2028-03-01T07:30:00.000Z');
  });

  it('on DST days: the repeated hour and the skipped one land on a real moment', () => {
    expect(iso(zonedToUtc('2026-11-01', '01:30', LOS_ANGELES))).toMatch(/^2026-11-01T0[89]:30:00.000Z$/);
    expect(iso(zonedToUtc('2027-03-28', '02:30', BERLIN))).toMatch(/^2027-03-28T0[01]:30:00.000Z$/);
    expect(iso(zonedToUtc('2027-03-28', '03:30', BERLIN))).toBe('2027-03-28T01:30:00.000Z');
  });

  it('refuses what is not a date or a time', () => {
    expect(zonedToUtc('2026-02-30', '09:00', BERLIN)).toBeUndefined();
    expect(zonedToUtc('2026-12-02', '25:00', BERLIN)).toBeUndefined();
  });
});

describe('time zones from Teams are untrusted', () => {
  it('takes only zones the runtime knows', () => {
    for (const zone of ZONES) expect(isTimeZone(zone)).toBe(true);
    for (const bad of ['', 'Mars/Olympus', '../../etc/passwd', 'Europe/Berlin; DROP', 'x'.repeat(100), 42, null]) {
      expect(isTimeZone(bad)).toBe(false);
    }
  });
});

describe('places that render no DATE/TIME get plain UTC words', () => {
  it('writes a card text out for fallback text and summaries', () => {
    const card = `Ends ${momentText('2026-12-02T19:51:00.000Z', { now: LATE })}, eligible until ${momentDateText(
      '2027-10-18T00:00:00Z',
    )}, back at ${momentText('2026-12-02T23:55:00Z', { now: LATE, zone: LOS_ANGELES })}`;
    const plain = plainTimes(card);
    expect(plain).toBe('Ends 2 Dec 2026, 19:51 UTC, eligible until 18 Oct 2027 (UTC), back at 23:55 UTC');
    expect(timeTokens(plain)).toEqual([]);
  });
});

afterEach(() => {
  // A failed assertion inside the server-zone test must not leave the process in another zone.
  expect(new Date(Date.UTC(2026, 0, 1)).toISOString()).toBe('2026-01-01T00:00:00.000Z');
});
