import { expect, it } from 'vitest';
import { activeRoleIds, advanceDevtenant } from '../helpers/devtenantGraph.js';
import { clickOnCard, describeE2E, openActivateList, screenshotCard, screenshotTallCard } from './playgroundE2E.js';

/** Microsoft Entra roles in `activate`, in the Agents Playground (Chromium), signed in as Alex Wilber. */

const ALEX = '10000000-0000-4000-8000-000000000001';
const USER_ADMINISTRATOR = 'fe930be7-5e62-47db-91af-98c3a49a38b1';

describeE2E('Agents Playground in Chromium: Microsoft Entra roles in activate', (e2e) => {
  it('lists the eligible roles beside the groups, with scope and policy', async () => {
    const page = e2e().page;
    const list = await openActivateList(page);
    const text = await list.innerText();
    expect(text).toContain('Finance Admins');
    expect(text).toContain('Microsoft Entra roles');
    expect(text).toMatch(/Global Reader · Microsoft Entra role/);
    expect(text).toMatch(/Scope\s+whole directory/);
    expect(text).toMatch(/Exchange Administrator · Microsoft Entra role[\s\S]*approval/);
    expect(text).not.toMatch(/\{\{(DATE|TIME)/);
    await screenshotTallCard(page, list, 'roles-list');

    const admins = await openActivateList(page, 'activate administrator');
    const narrowed = await admins.innerText();
    expect(narrowed).toMatch(/User Administrator · Microsoft Entra role/);
    expect(narrowed).toMatch(/Scope\s+administrative unit Contoso Europe/);
    expect(narrowed).toContain('multi-factor sign-in');
  });

  it('activates User Administrator through the MFA sign-in page, then deactivates it', async () => {
    const page = e2e().page;
    const list = await openActivateList(page, 'activate user administrator');
    await clickOnCard(list, 'Activate User Administrator');
    await expect.poll(() => list.innerText(), { timeout: 10_000 }).toMatch(/Activate: User Administrator role/);
    const field = list.locator('textarea').first();
    await field.click();
    await field.pressSequentially('Onboarding wave');
    await clickOnCard(list, 'Activate');
    await expect
      .poll(() => list.innerText(), { timeout: 15_000 })
      .toMatch(/Verify your identity to activate User Administrator/);
    expect(await activeRoleIds(e2e(), ALEX)).not.toContain(USER_ADMINISTRATOR);

    const [signIn] = await Promise.all([
      page.context().waitForEvent('page', { timeout: 15_000 }),
      clickOnCard(list, 'Verify my identity'),
    ]);
    await signIn.waitForLoadState();
    await expect.poll(() => signIn.locator('h1').innerText(), { timeout: 15_000 }).toMatch(/verify your identity/i);
    await signIn.locator('button[type="submit"]').click();
    await expect
      .poll(() => signIn.locator('h1').innerText(), { timeout: 15_000 })
      .toMatch(/You are verified and activated/);
    await signIn.close();

    // Back in Teams: no further click, the card shows the role active.
    await expect
      .poll(() => list.innerText(), { timeout: 15_000 })
      .toMatch(/You are User Administrator \(whole directory\) until/);
    expect(await activeRoleIds(e2e(), ALEX)).toContain(USER_ADMINISTRATOR);
    await screenshotCard(page, list, 'roles-active');

    // Entra does not end an activation in its first 5 minutes: move the devtenant (and so the bot) on.
    await advanceDevtenant(e2e(), 6 * 60);
    await clickOnCard(list, 'Deactivate');
    await expect.poll(() => list.innerText()).toMatch(/Stop being User Administrator \(whole directory\) now\?/);
    await clickOnCard(list, 'Yes, deactivate');
    await expect.poll(() => list.innerText(), { timeout: 15_000 }).toMatch(/User Administrator role deactivated/);
    expect(await activeRoleIds(e2e(), ALEX)).not.toContain(USER_ADMINISTRATOR);
  });
});
