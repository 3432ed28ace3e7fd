import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeJwtClaims, GRAPH_DEFAULT_SCOPE } from '../../services/auth/tokens.js';
import {
  ActivationDriver,
  ALEX,
  GROUP,
  MEGAN_ID,
  openPage,
  openUrl,
  pageWords,
  signInUntilCallback,
} from '../helpers/activationDriver.js';
import { cardText } from '../helpers/teamsHarness.js';

/**
 * The step-up pages (bot/journeys/activation/stepUpRoutes.ts) when the sign-in does not give the bot a usable token:
 * the person signs in as another account than the one the link was made for, or the code cannot be redeemed. Each
 * answers with a page that says what happened and what to do; no token is kept and nothing is activated.
 * Driven over real HTTP: the bot, the devtenant's sign-in page and token endpoint, a Teams-like client.
 */

describe('step-up pages: a sign-in that cannot be used', () => {
  let driver: ActivationDriver;
  beforeEach(async () => {
    driver = await ActivationDriver.start();
  });
  afterEach(async () => driver?.stop());

  /** Security Operations asks for MFA: the form's Activate answers with the step-up card and its sign-in link. */
  async function stepUpLink(): Promise<{ url: string; id: string }> {
    const { form, id } = await driver.form('Activate Security Operations');
    const card = await driver.press(form, 'Activate', { duration: '60', justification: 'Incident INC0042' }, id);
    expect(cardText(card)).toMatch(/Verify your identity to activate Security Operations/);
    return { url: openUrl(card, 'Verify my identity'), id };
  }

  /** The Graph token the bot would use for this person now: a kept step-up token, or its ordinary one. */
  async function tokenClaimsFor(oid: string): Promise<Record<string, unknown>> {
    const token = await driver.stack.bot.app.tokens.userToken({ aadObjectId: oid }, [GRAPH_DEFAULT_SCOPE]);
    return decodeJwtClaims(token) ?? {};
  }

  /** Nothing happened for anyone: no activation request, no membership, no step-up token kept, the card unchanged. */
  async function expectNothingActivated(id: string): Promise<void> {
    expect(await driver.postedActivations()).toEqual([]);
    expect(await driver.activeInstances(GROUP.secops)).toEqual([]);
    expect(await driver.activeInstances(GROUP.secops, MEGAN_ID)).toEqual([]);
    const members = await driver.members(GROUP.secops);
    expect(members).not.toContain(ALEX.aadObjectId);
    expect(members).not.toContain(MEGAN_ID);
    for (const oid of [ALEX.aadObjectId, MEGAN_ID]) {
      const claims = await tokenClaimsFor(oid);
      expect(claims.oid).toBe(oid);
      expect(claims.amr ?? []).not.toContain('mfa');
    }
    expect(cardText(driver.current(id))).toMatch(/Verify your identity to activate Security Operations/);
    expect(cardText(driver.current(id))).not.toMatch(/You are a member/);
  }

  /** What the page tells the person to do works: a new form, a new link, the right account, activated. */
  async function activateAgainAsAlex(oldUrl: string): Promise<void> {
    const again = await stepUpLink();
    expect(again.url).not.toBe(oldUrl);
    const { callback } = await signInUntilCallback(again.url);
    const done = await openPage(callback);
    expect(done.status).toBe(200);
    expect(pageWords(done.text)).toContain('You are verified and activated');
    await driver.stack.teams.waitFor(
      () => /You are a member of \*\*Security Operations\*\* until/.test(cardText(driver.current(again.id))),
      5000,
      'the new card to show the activation',
    );
    expect(await driver.members(GROUP.secops)).toContain(ALEX.aadObjectId);
    expect(await driver.members(GROUP.secops)).not.toContain(MEGAN_ID);
  }

  it('refuses a sign-in as another account with a page that says so and what to do, keeps no token, activates nothing', async () => {
    const { url, id } = await stepUpLink();
    // On the sign-in page Megan (on Alex's computer, or Alex with a second account) signs in instead of Alex.
    const { authorize, callback } = await signInUntilCallback(url, { signInAs: MEGAN_ID });
    expect(authorize.searchParams.get('login_hint')).toBe(ALEX.aadObjectId);
    expect(callback.searchParams.get('code')).toBeTruthy();
    const code = callback.searchParams.get('code') as string;

    await driver.stack.clearGraphLog();
    const page = await openPage(callback);
    expect(page.status).toBe(403);
    const words = pageWords(page.text);
    expect(words).toContain('You signed in as someone else');
    expect(words).toContain('This link was made for another account, so nothing was activated.');
    expect(words).toContain(
      'Go back to Microsoft Teams, select Activate again, and sign in with the account you use in Teams.',
    );
    expect(page.text).not.toContain(code);

    // The activation was not retried, neither for Alex nor with Megan's token: Graph saw no call at all.
    expect(await driver.roundTrips()).toEqual([]);
    await expectNothingActivated(id);
    const logs = driver.stack.logs.join('\n');
    expect(logs).toContain('step-up sign-in by a different account refused');
    expect(logs).not.toContain('step-up sign-in completed');
    expect(logs).not.toContain('activation requested');
    expect(logs).not.toContain(code);

    // The link is spent: opening it or the callback again says so, and still activates nothing.
    const replay = await openPage(url);
    expect(replay.status).toBe(410);
    expect(pageWords(replay.text)).toContain('This sign-in link was already used');
    expect((await openPage(callback)).status).toBe(410);
    await expectNothingActivated(id);

    await activateAgainAsAlex(url);
  });

  it('answers a sign-in code that expired before the callback with the 502 page, keeps no token, activates nothing', async () => {
    const { url, id } = await stepUpLink();
    const { callback } = await signInUntilCallback(url);
    const code = callback.searchParams.get('code') as string;
    // The browser comes back after 6 minutes: the link (10 minutes) is still valid, the code (5 minutes) is not.
    await driver.stack.advance(6 * 60);
    await driver.stack.clearGraphLog();

    const page = await openPage(callback);
    expect(page.status).toBe(502);
    const words = pageWords(page.text);
    expect(words).toContain('The sign-in could not be completed');
    expect(words).toContain('Microsoft Entra did not accept the sign-in code.');
    expect(words).toContain('Go back to Microsoft Teams and select Activate again to get a new sign-in link.');
    // What the token endpoint said stays in the log, not on the page; the code is in neither.
    expect(page.text).not.toContain('expired');
    expect(page.text).not.toContain(code);
    const logs = driver.stack.logs.join('\n');
    expect(logs).toContain('step-up code redemption failed');
    expect(logs).not.toContain('step-up sign-in completed');
    expect(logs).not.toContain(code);

    expect(await driver.roundTrips()).toEqual([]);
    await expectNothingActivated(id);
    await activateAgainAsAlex(url);
  });

  it('answers a code the authority does not know with the 502 page, and the link is then spent', async () => {
    const { url, id } = await stepUpLink();
    const state = new URL(url).searchParams.get('state') as string;
    await driver.stack.clearGraphLog();
    const forged = `${driver.botUrl}/auth/stepup/callback?state=${encodeURIComponent(state)}&code=forged-code-0000`;
    const page = await openPage(forged);
    expect(page.status).toBe(502);
    expect(pageWords(page.text)).toContain('The sign-in could not be completed');
    expect(pageWords(page.text)).toContain('select Activate again to get a new sign-in link');
    expect(page.text).not.toContain('forged-code-0000');
    expect(await driver.roundTrips()).toEqual([]);
    await expectNothingActivated(id);

    // Each link works once, also when its first use failed: the page said to get a new one.
    const replay = await openPage(url);
    expect(replay.status).toBe(410);
    expect(pageWords(replay.text)).toContain('This sign-in link was already used');
    await activateAgainAsAlex(url);
  });
});
