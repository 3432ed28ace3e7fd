import { expect, it } from 'vitest';
import { cardCount, clickOnCard, describeE2E, screenshotCard, send, waitForCard } from './playgroundE2E.js';

/**
 * Issue 13 in the Agents Playground: a navigation button leaves the card you were reading and a new card appears
 * below it; paging updates the list in place and Previous brings back the first page of the same search.
 */
describeE2E('Agents Playground in Chromium: navigation', (e2e) => {
  it('Find access on the welcome card leaves the welcome card and posts the catalog below it', async () => {
    const page = e2e().page;
    let welcome = await waitForCard(page, "I'm Access Bot", { timeout: 5_000 }).catch(() => undefined);
    // A Playground that did not send the install event: the help card carries the same menu.
    welcome ??= await send(page, 'help', 'When you need access');
    const before = await welcome.innerText();
    const count = await cardCount(page);
    await clickOnCard(welcome, 'Find access');
    const catalog = await waitForCard(page, 'Access packages you can request', { after: count });
    expect(await cardCount(page)).toBe(count + 1);
    expect(await welcome.innerText()).toBe(before);
    // The invoke answered with a short message: the Playground shows it under the card, and no error banner.
    await expect.poll(() => page.getByText('Opened below.').count()).toBeGreaterThan(0);
    expect(await page.getByText('Unable to reach app').count()).toBe(0);
    await screenshotCard(page, welcome, 'navigation-welcome-stays');
    await screenshotCard(page, catalog, 'navigation-catalog-below');
    expect(await catalog.innerText()).toMatch(/Showing 1–5 of \d+/);
  });

  it('Next then Previous on search results pages in place and keeps the query', async () => {
    const page = e2e().page;
    const results = await send(
      page,
      'search for finance devops sandbox network portal visio',
      'Access packages for "finance devops sandbox network portal visio"',
    );
    await expect
      .poll(() => results.innerText())
      .toMatch(/Access packages for "finance devops sandbox network portal visio"/);
    const first = await results.innerText();
    expect(first).toMatch(/Showing 1–5 of/);
    const count = await cardCount(page);
    await clickOnCard(results, 'Next');
    await expect.poll(() => results.innerText(), { timeout: 10_000 }).toMatch(/Showing 6–/);
    expect(await results.innerText()).toMatch(/Access packages for "finance devops sandbox network portal visio"/);
    await clickOnCard(results, 'Previous');
    await expect.poll(() => results.innerText(), { timeout: 10_000 }).toMatch(/Showing 1–5 of/);
    expect(await results.innerText()).toBe(first);
    expect(await cardCount(page)).toBe(count);
    await screenshotCard(page, results, 'navigation-previous-same-query');
  });
});
