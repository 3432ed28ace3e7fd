import { expect, it } from 'vitest';
import { graphAs } from '../helpers/devtenantGraph.js';
import { clickOnCard, describeE2E, type E2E, openActivateList, screenshotTallCard } from './playgroundE2E.js';

/** Activate several (issue 16, item 2) in the Agents Playground (Chromium), signed in as Alex Wilber. */

const ALEX = '10000000-0000-4000-8000-000000000001';
const GLOBAL_READER = 'f2ef992c-3afb-46b9-b7cf-a126ee74c451';

async function activeRoleIds(e2e: E2E): Promise<string[]> {
  const { value } = await graphAs(
    e2e,
    ALEX,
    'GET',
    `/roleManagement/directory/roleAssignmentScheduleInstances/filterByCurrentUser(on='principal')`,
  );
  return value.map((i: { roleDefinitionId: string }) => i.roleDefinitionId);
}

describeE2E('Agents Playground in Chromium: several activations at once', (e2e) => {
  it('picks a group, a role and a group needing approval, with one justification; each outcome on one card', async () => {
    const page = e2e().page;
    const card = await openActivateList(page);
    await clickOnCard(card, 'Activate several…');
    await expect.poll(() => card.innerText(), { timeout: 10_000 }).toMatch(/Activate several/);
    await screenshotTallCard(page, card, 'bulk-form');
    for (const name of ['Membership of Finance Admins', 'Global Reader role', 'Membership of Exchange Online Admins']) {
      await card.getByText(name, { exact: false }).first().click();
    }
    // Two hours: Finance Admins allows one, so it is capped (and says so).
    await card.getByRole('combobox').first().click();
    await page.getByRole('option', { name: '2 hours' }).first().click();
    const field = card.locator('textarea').first();
    await field.click();
    await field.pressSequentially('Month-end close');
    await clickOnCard(card, 'Activate selected');
    await expect.poll(() => card.innerText(), { timeout: 15_000 }).toMatch(/3 of 3 requested/);
    const text = await card.innerText();
    expect(text).toMatch(/Finance Admins\*?\*?: Active/);
    expect(text).toMatch(/Exchange Online Admins\*?\*?: Waiting for approval/);
    expect(text).toContain('Capped to 1 hour');
    expect(await activeRoleIds(e2e())).toContain(GLOBAL_READER);
    await screenshotTallCard(page, card, 'bulk-result');
  });
});
