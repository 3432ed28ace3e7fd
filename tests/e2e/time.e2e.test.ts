import { expect, it } from 'vitest';
import { datedMomentText, momentText } from '../../cards/time.js';
import { graphAs } from '../helpers/devtenantGraph.js';
import { clickOnCard, describeE2E, renderInPage, screenshotCard, send, waitForCard } from './playgroundE2E.js';

/**
 * Times in the reader's own zone, as a person sees them: the browser and the Playground run in Pacific/Kiritimati
 * (UTC+14, a calendar day ahead of UTC for ten hours of every day), signed in as Alex Wilber.
 */

const KIRITIMATI = 'Pacific/Kiritimati';
const ALEX = '10000000-0000-4000-8000-000000000001';
const EM = '/identityGovernance/entitlementManagement';
const PIM = '/identityGovernance/privilegedAccess/group';
const FINANCE = '20000000-0000-4000-8000-000000000011';
const ISAIAH_TITLE = 'Isaiah Langer asks for Salesforce';

describeE2E(
  'Agents Playground in Chromium: times in the reader’s zone',
  (e2e) => {
    it('an approval card shows when it was requested in Kiritimati time, with the date', async () => {
      const { page } = e2e();
      expect(await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone)).toBe(KIRITIMATI);
      const card = await waitForCard(page, ISAIAH_TITLE);
      const waiting = await graphAs(e2e(), ALEX, 'GET', `${EM}/assignmentRequests/filterByCurrentUser(on='approver')`);
      const isaiah = waiting.value.find((r: { justification?: string }) => /pipeline/i.test(r.justification ?? ''));
      expect(isaiah?.createdDateTime).toBeTruthy();
      // Requested more than a day ago: always with the date, in the page's zone.
      const seen = await renderInPage(page, datedMomentText(isaiah.createdDateTime));
      const inUtc = await renderInPage(page, datedMomentText(isaiah.createdDateTime), 'UTC');
      const text = await card.innerText();
      expect(text).toMatch(new RegExp(`Requested\\s+${seen.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
      expect(seen).not.toBe(inUtc); // 14 hours apart: not the UTC rendering
      expect(text).toMatch(/Decision due\s+(today at|tomorrow|in \d+ days)/);
      expect(text).not.toMatch(/\{\{(DATE|TIME)|ago\b|just now|UTC/);
      await screenshotCard(page, card, 'time-approval-kiritimati');
    });

    it('an activation card shows its start and end in Kiritimati time, with the date when it is not today there', async () => {
      const { page } = e2e();
      const list = await send(page, 'activate', 'Your eligible roles');
      await expect.poll(() => list.innerText(), { timeout: 15_000 }).toMatch(/Your eligible roles/);
      await clickOnCard(list, 'Activate Finance Admins');
      await expect.poll(() => list.innerText(), { timeout: 10_000 }).toMatch(/Activate: Membership of/);
      // The form reads its start in the person's zone, which the Playground told the bot.
      expect(await list.innerText()).toContain(`Start later (optional; ${KIRITIMATI} time)`);
      const justification = list.locator('textarea').first();
      await justification.click();
      await justification.pressSequentially('Month-end close');
      await clickOnCard(list, 'Activate');
      await expect
        .poll(() => list.innerText(), { timeout: 15_000 })
        .toContain('You are a member of Finance Admins until ');

      const instances = await graphAs(
        e2e(),
        ALEX,
        'GET',
        `${PIM}/assignmentScheduleInstances/filterByCurrentUser(on='principal')`,
      );
      const active = instances.value.find((i: { groupId: string }) => i.groupId === FINANCE);
      // Drawn between the start and now: either is the card's "now" (the same day in Kiritimati but for a render
      // right at its midnight).
      const shown = await Promise.all(
        [active.startDateTime, new Date().toISOString()].map((now) =>
          renderInPage(page, momentText(active.endDateTime, { now, zone: KIRITIMATI })),
        ),
      );
      const text = await list.innerText();
      expect(
        shown.some((end) => text.includes(`You are a member of Finance Admins until ${end}`)),
        `one of ${JSON.stringify(shown)} in: ${text}`,
      ).toBe(true);
      expect(text).not.toMatch(/\{\{(DATE|TIME)|UTC/);
      await screenshotCard(page, list, 'time-activation-kiritimati');
    });
  },
  {},
  { timezoneId: KIRITIMATI },
);
