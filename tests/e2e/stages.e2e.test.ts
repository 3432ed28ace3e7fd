import type { Locator } from 'playwright-core';
import { expect, it } from 'vitest';
import { PEOPLE } from '../devtenant/tokens.js';
import { decideInMyAccess, graphAs } from '../helpers/devtenantGraph.js';
import { cardCount, describeE2E, type E2E, screenshotCard, send, waitForCard } from './playgroundE2E.js';

// Multi-stage requests are re-read as an approver on every tick (default: every 5 minutes).
process.env.APPROVAL_STAGE_PROBE_MINUTES = '0';

/**
 * A two-stage request while stage 2 waits, as Alex (signed in to the Playground) sees it (issue 13): his status card
 * names who approved stage 1 and why, and who stage 2 waits for since when, by itself; a notification says the same.
 * Megan approves straight in the devtenant, as in My Access; the watcher sees it through her own read of the stages
 * (she has talked to the bot, so it holds a background token for her).
 */

const EM = '/identityGovernance/entitlementManagement';
const DBA = 'Production Databases – Eligible DBA';
const button = (card: Locator, title: string) => card.getByRole('button', { name: title, exact: true }).first();

/** Megan installs the bot through the Playground (its install activity, from her, forwarded verbatim). */
async function meganTalksToBot(e2e: E2E): Promise<void> {
  const alex = await e2e.bot.app.proactive.conversations.get(PEOPLE.alex);
  expect(alex).toBeDefined();
  const conversationId = alex?.conversationId ?? '';
  const query = new URLSearchParams({ conversationId, type: 'install' });
  const template = await (await fetch(`${e2e.playground.url}/_internal/v1/customActivities/template?${query}`)).json();
  const activity = {
    ...template,
    from: { ...template.from, id: 'user-id-megan', name: 'Megan Bowen', aadObjectId: PEOPLE.megan },
  };
  const res = await fetch(`${e2e.playground.url}/_internal/v1/customActivities`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(activity),
  });
  expect(res.status).toBe(200);
  await expect
    .poll(async () => !!(await e2e.bot.app.proactive.conversations.get(PEOPLE.megan)), { timeout: 10_000 })
    .toBe(true);
}

describeE2E('Agents Playground in Chromium: the requester sees each decided stage while a later one waits', (e2e) => {
  it("stage 1 approved by Megan: Alex's status card says so, and who stage 2 waits for since when", async () => {
    await waitForCard(e2e().page, "I'm Access Bot");
    await meganTalksToBot(e2e());
    const before = await cardCount(e2e().page);
    await send(e2e().page, 'request production databases');
    const card = await waitForCard(e2e().page, DBA, { after: before });
    await button(card.locator('.ac-container').filter({ hasText: DBA }).last(), 'Request').click();
    await expect.poll(() => card.innerText(), { timeout: 10_000 }).toMatch(/Request Production Databases/);
    const field = card.locator('textarea').first();
    await field.click();
    await field.pressSequentially('DBA cover for the Q4 migration');
    await button(card, 'Submit request').click();
    await expect.poll(() => card.innerText(), { timeout: 10_000 }).toMatch(/Pending approval/);

    const mine = await graphAs(
      e2e(),
      PEOPLE.alex,
      'GET',
      `${EM}/assignmentRequests/filterByCurrentUser(on='target')?$expand=accessPackage`,
    );
    const open = mine.value.find((r: any) => r.accessPackage.displayName === DBA && r.state === 'pendingApproval');
    expect(open).toBeDefined();
    await decideInMyAccess(e2e(), open.id, PEOPLE.megan, 'Approve', 'ok for Q1');

    // The watcher (every second) updates the card in place; nobody types anything.
    await expect.poll(() => card.innerText(), { timeout: 20_000 }).toMatch(/Stage 1 approved by Megan Bowen/);
    const text = await card.innerText();
    expect(text).toMatch(/^Production Databases – Eligible DBA\s+Pending approval\s/);
    expect(text).toContain('Stage 1 approved by Megan Bowen: “ok for Q1”');
    // Rendered by the client in Alex's zone: "since" and a time, never the raw template.
    expect(text).toMatch(/Stage 2: waiting for a member of Security Reviewers since [^\n{]*\d/);
    expect(text).not.toContain('{{');
    await screenshotCard(e2e().page, card, 'outcome-stage1-approved');

    const note = await waitForCard(e2e().page, 'Production Databases – Eligible DBA: Pending approval');
    expect(await note.innerText()).toMatch(/Stage 1 approved by Megan Bowen: “ok for Q1” · Stage 2: waiting for/);
  });
});
