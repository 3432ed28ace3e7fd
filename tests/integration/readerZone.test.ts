import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { timeText } from '../../cards/activation/format.js';
import { ActivationDriver, ALEX, GROUP, PIM } from '../helpers/activationDriver.js';
import { seenIn } from '../helpers/cardTimes.js';
import { cardText } from '../helpers/teamsHarness.js';

/**
 * Alex's Teams client is in Berlin and says so on his messages (`localTimezone`): the activation form asks for a
 * start in Berlin time, Graph gets the UTC moment, and the card shows it through DATE/TIME for his zone.
 */

const BERLIN = 'Europe/Berlin';

/** The wall clock in Berlin of a UTC moment, as Input.Date and Input.Time give it. */
function inBerlin(iso: string): { date: string; time: string } {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone: BERLIN,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(new Date(iso))
      .map((p) => [p.type, p.value]),
  );
  return { date: `${parts.year}-${parts.month}-${parts.day}`, time: `${parts.hour}:${parts.minute}` };
}

function inputLabels(card: unknown): string[] {
  const labels: string[] = [];
  JSON.stringify(card, (key, value) => {
    if (key === 'label' && typeof value === 'string') labels.push(value);
    return value;
  });
  return labels;
}

describe("times in the reader's own zone, end to end", () => {
  let stack: ActivationDriver;
  beforeAll(async () => {
    stack = await ActivationDriver.start();
  });
  afterAll(async () => stack?.stop());

  it('without a zone from Teams, the form asks in UTC and says so', async () => {
    const { form } = await stack.form('Activate Finance Admins');
    expect(inputLabels(form)).toEqual(expect.arrayContaining(['Date (UTC)', 'Time (UTC)']));
  });

  it('after a message from Berlin, the form asks in Berlin time and Graph gets the UTC moment', async () => {
    const said = await stack.teams.post(
      stack.teams.baseActivity(ALEX, { type: 'message', text: 'help', textFormat: 'plain', localTimezone: BERLIN }),
    );
    expect(said.status).toBeLessThan(300);
    // The next turns (a new message and card clicks) carry no zone: the bot remembers it.
    const { form, id } = await stack.form('Activate Finance Admins');
    expect(inputLabels(form)).toEqual(expect.arrayContaining([`Date (${BERLIN})`, `Time (${BERLIN})`]));
    expect(cardText(form)).toContain(`Start later (optional; ${BERLIN} time)`);

    // 10:00 in Berlin (the shared clock moved on to it), so the start two hours later is his today: any hour, any TZ.
    const wall = inBerlin(stack.clock.now().toISOString()).time.split(':').map(Number);
    await stack.advance(((((600 - (wall[0] * 60 + wall[1])) % 1440) + 1440) % 1440) * 60);
    const now = stack.clock.now();
    expect(inBerlin(now.toISOString()).time).toBe('10:00');
    const start = new Date(now.getTime() + 2 * 3600_000).toISOString();
    const typed = inBerlin(start);
    const card = await stack.press(
      form,
      'Activate',
      { duration: '60', justification: 'Month-end close tonight', startDate: typed.date, startTime: typed.time },
      id,
    );
    const { body } = await stack.graph(
      ALEX.aadObjectId,
      'GET',
      `${PIM}/assignmentScheduleRequests/filterByCurrentUser(on='principal')`,
    );
    const request = body.value.find((r: any) => r.groupId === GROUP.finance && r.status !== 'Revoked');
    expect(Date.parse(request.scheduleInfo.startDateTime)).toBe(Date.parse(start));
    // The card writes the start for Alex's zone: the time alone when it is his today in Berlin, else with the date.
    expect(cardText(card)).toContain(
      `You become a member of **Finance Admins** at ${timeText(start, now.toISOString(), BERLIN)}`,
    );
    expect(seenIn(cardText(card), BERLIN)).toContain('Finance Admins** at 12:00 PM');
  });
});
