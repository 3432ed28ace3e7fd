import { readFileSync, statSync } from 'node:fs';
import type { Locator } from 'playwright-core';
import { expect, it } from 'vitest';
import { contrastRatio, parseColor, requiredRatio } from '../helpers/contrast.js';
import { clickOnCard, describeE2E, type E2E, screenshotCard, send, waitForCard } from './playgroundE2E.js';
import { type RenderedText, readCardTexts } from './themeRender.js';

/**
 * The main card of each journey as a person sees it, in the Playground (light) and drawn again with the Teams dark
 * host config: both screenshots are written, and every text the browser shows meets WCAG contrast in both.
 */

const PNG_SIGNATURE = '89504e470d0a1a0a';
/** The Teams dark theme's card background (#2d2c2c in hostConfigs/teams-dark.json). */
const TEAMS_DARK_CARD = 'rgb(45, 44, 44)';

function unreadable(texts: RenderedText[]): string[] {
  return texts
    .map((t) => ({ ...t, ratio: contrastRatio(parseColor(t.color), parseColor(t.background)) }))
    .filter((t) => t.ratio < requiredRatio(t.fontPx, t.fontWeight))
    .map((t) => `"${t.text.slice(0, 50)}" ${t.color} on ${t.background}: ${t.ratio.toFixed(2)}:1`);
}

function expectFreshPng(file: string, since: number): void {
  expect(readFileSync(file).subarray(0, 8).toString('hex'), file).toBe(PNG_SIGNATURE);
  expect(statSync(file).mtimeMs, file).toBeGreaterThanOrEqual(since - 1000);
}

/** Screenshots in both themes exist, the dark one really is the dark theme, and every text reads in both. */
async function expectReadableInBothThemes(e2e: E2E, card: Locator, name: string, mustShow: string): Promise<void> {
  const started = Date.now();
  const shots = await screenshotCard(e2e.page, card, name);
  expectFreshPng(shots.light, started);
  expectFreshPng(shots.dark, started);
  expect(shots.darkTexts.map((t) => t.text).join('\n')).toContain(mustShow);
  expect(shots.darkTexts.some((t) => t.background === TEAMS_DARK_CARD)).toBe(true);
  expect(unreadable(shots.darkTexts), `${name}, dark`).toEqual([]);
  expect(unreadable(await readCardTexts(card)), `${name}, light (Playground)`).toEqual([]);
}

describeE2E('Agents Playground in Chromium: the main cards read in Teams light and dark themes', (e2e) => {
  it('the welcome card', async () => {
    const card = await waitForCard(e2e().page, "I'm Access Bot");
    await expectReadableInBothThemes(e2e(), card, 'welcome', "I'm Access Bot");
  });

  it('search results, and the status card of a pending request', async () => {
    const card = await send(e2e().page, 'request salesforse', 'Access packages for "salesforse"');
    await expect.poll(() => card.innerText()).toMatch(/Salesforce – Sales Cloud User/);
    await expectReadableInBothThemes(e2e(), card, 'search-results', 'Salesforce – Sales Cloud User');

    await clickOnCard(card, 'Request');
    await expect.poll(() => card.innerText(), { timeout: 10_000 }).toMatch(/Request Salesforce – Sales Cloud User/);
    const justification = card.locator('textarea').first();
    await justification.click();
    await justification.pressSequentially('Q3 pipeline reviews');
    await clickOnCard(card, 'Submit request');
    await expect.poll(() => card.innerText(), { timeout: 10_000 }).toMatch(/Pending approval/);
    await expectReadableInBothThemes(e2e(), card, 'request-pending', 'Pending approval');
  });

  it("an approver's card", async () => {
    const card = await waitForCard(e2e().page, 'Lee Gu asks to activate membership of Network Admins');
    await expectReadableInBothThemes(e2e(), card, 'approval', 'Your decision is needed');
  });

  it('an active group activation', async () => {
    const card = await send(e2e().page, 'activate', 'Your eligible roles');
    await expect.poll(() => card.innerText(), { timeout: 15_000 }).toMatch(/Your eligible roles/);
    await clickOnCard(card, 'Activate Finance Admins');
    await expect.poll(() => card.innerText(), { timeout: 10_000 }).toMatch(/Activate: Membership of/);
    const field = card.locator('textarea').first();
    await field.click();
    await field.pressSequentially('Month-end close');
    await clickOnCard(card, 'Activate');
    await expect.poll(() => card.innerText(), { timeout: 15_000 }).toMatch(/Deactivate/);
    await expectReadableInBothThemes(e2e(), card, 'activation', 'Finance Admins');
  });
});
