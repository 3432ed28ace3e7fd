import type { Locator } from 'playwright-core';
import { expect, it } from 'vitest';
import { cardCount, describeE2E, screenshotCard, send, waitForCard } from './playgroundE2E.js';

/**
 * Asking in words, and a search that knows what Alex (signed in to the Playground) already holds (issue 13). The demo
 * seed gives him "Finance Month-end Close (JIT)" until a date some days ahead; Payroll Administration is for the HR
 * team only, so nothing he may request matches "payroll".
 */

const MONTH_END = 'Finance Month-end Close (JIT)';

const button = (card: Locator, title: string) => card.getByRole('button', { name: title, exact: true });

describeE2E('Agents Playground in Chromium: "I need X" searches, and the catalog knows what you have', (e2e) => {
  it('"I need payroll" is a search; "I need finance" says "You have this until ..." with no Request', async () => {
    const page = e2e().page;
    let before = await cardCount(page);
    await send(page, 'I need payroll');
    // The welcome card may arrive after the first message: wait for the answer by its words.
    const none = await waitForCard(page, 'No access package found', { after: before });
    expect(await none.innerText()).toContain('Nothing you can request matches "payroll".');
    expect(await none.innerText()).not.toMatch(/didn't understand/i);

    before = await cardCount(page);
    await send(page, 'I need finance');
    const results = await waitForCard(page, 'Access packages for', { after: before });
    expect(await results.innerText()).toContain(MONTH_END);
    const held = results.locator('.ac-container').filter({ hasText: MONTH_END }).last();
    await expect.poll(() => held.innerText()).toMatch(/You have this until [^.{]*\d{4}\./);
    expect(await held.innerText()).toMatch(/You can request it again after [^.{]*\d{4}\./);
    expect(await button(held, 'Request').count()).toBe(0);
    expect(await button(held, 'Details').count()).toBe(1);
    // Another finance package, which he does not hold, still offers Request.
    const other = results.locator('.ac-container').filter({ hasText: 'Finance Reports – Read' }).last();
    expect(await button(other, 'Request').count()).toBe(1);
    await screenshotCard(page, results, 'catalog-you-have-this');
  });
});
