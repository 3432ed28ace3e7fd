import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { activationContext } from '../../bot/journeys/activation/context.js';
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
 * answers with a page that says what happened and what to do; no token is kept, nothing is activated, and the link
 * still works for the person it was made for (it is spent only by their redeemed sign-in). The code is bound to the
 * link by PKCE (S256): whoever holds the code without the link's verifier cannot redeem it.
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

  /** What the page tells Alex to do works: the same link, the right account, activated on the same card; then spent. */
  async function verifyAgainAsAlex(link: { url: string; id: string }): Promise<void> {
    const { callback } = await signInUntilCallback(link.url);
    const done = await openPage(callback);
    expect(done.status).toBe(200);
    expect(pageWords(done.text)).toContain('You are verified and activated');
    await driver.stack.teams.waitFor(
      () => /You are a member of \*\*Security Operations\*\* until/.test(cardText(driver.current(link.id))),
      5000,
      'the card to show the activation',
    );
    expect(await driver.members(GROUP.secops)).toContain(ALEX.aadObjectId);
    expect(await driver.members(GROUP.secops)).not.toContain(MEGAN_ID);
    // Now the link is spent: it and its callback say so.
    const replay = await openPage(link.url);
    expect(replay.status).toBe(410);
    expect(pageWords(replay.text)).toContain('This sign-in link was already used');
    expect((await openPage(callback)).status).toBe(410);
  }

  /** The PKCE verifier the bot keeps with this link's state (storage only, never in a URL, page or log). */
  async function verifierOf(url: string): Promise<string> {
    const state = new URL(url).searchParams.get('state') as string;
    const key = `activation/stepup/${state}`;
    const item = (await driver.stack.bot.app.storage.read([key]))[key] as { codeVerifier?: string } | undefined;
    expect(item?.codeVerifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    return item?.codeVerifier as string;
  }

  it('refuses a sign-in as another account with a page that says so and what to do, keeps no token, activates nothing, and the link still works for Alex', async () => {
    const link = await stepUpLink();
    const { id } = link;
    // On the sign-in page Megan (on Alex's computer, or Alex with a second account) signs in instead of Alex.
    const { authorize, callback } = await signInUntilCallback(link.url, { signInAs: MEGAN_ID });
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
      'Go back to Microsoft Teams, select Verify my identity on the card again, and sign in with the account you use in Teams.',
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

    // Megan's sign-in did not burn Alex's link: opening it again starts a sign-in, and Alex's own finishes the job.
    const again = await fetch(link.url, { redirect: 'manual' });
    expect(again.status).toBe(302);
    await verifyAgainAsAlex(link);
  });

  it('refuses a redeemed sign-in whose token names no user, like another account, and keeps the link', async () => {
    const link = await stepUpLink();
    // An authority that answers without oid/localAccountId (a misconfigured app, another token version).
    const context = activationContext(driver.stack.bot.app);
    const authority = context.stepUpAuthority();
    const redeem = authority.redeem.bind(authority);
    authority.redeem = async (args) => ({ ...(await redeem(args)), objectId: undefined });
    const { callback } = await signInUntilCallback(link.url);
    await driver.stack.clearGraphLog();
    const page = await openPage(callback);
    expect(page.status).toBe(403);
    expect(pageWords(page.text)).toContain('This link was made for another account, so nothing was activated.');
    await expectNothingActivated(link.id);
    authority.redeem = redeem;
    await verifyAgainAsAlex(link);
  });

  it('binds the code to the link with PKCE (S256): a code taken off the redirect cannot be redeemed without the verifier the bot keeps', async () => {
    const link = await stepUpLink();
    const { authorize, callback } = await signInUntilCallback(link.url);
    const verifier = await verifierOf(link.url);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('code_challenge')).toBe(
      createHash('sha256').update(verifier).digest('base64url'),
    );
    expect(authorize.toString()).not.toContain(verifier);

    // Someone who read the callback URL (history, a proxy log) races to the token endpoint with the code.
    const code = callback.searchParams.get('code') as string;
    const stolen = await fetch(`${authorize.origin}${authorize.pathname.replace(/authorize$/, 'token')}`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: authorize.searchParams.get('redirect_uri') as string,
        client_id: authorize.searchParams.get('client_id') as string,
      }),
    });
    expect(stolen.status).toBe(400);
    expect(await stolen.json()).toMatchObject({ error: 'invalid_grant', error_codes: [50148] });

    // The code is spent, so Alex's callback cannot use it either; the page says so and the link still works.
    await driver.stack.clearGraphLog();
    const page = await openPage(callback);
    expect(page.status).toBe(502);
    expect(pageWords(page.text)).toContain(
      'Go back to Microsoft Teams and select Verify my identity on the card again.',
    );
    expect(await driver.roundTrips()).toEqual([]);
    await expectNothingActivated(link.id);
    const logs = driver.stack.logs.join('\n');
    expect(logs).not.toContain(verifier);
    await verifyAgainAsAlex(link);
    expect(driver.stack.logs.join('\n')).not.toContain(verifier);
  });

  it('answers a sign-in code that expired before the callback with the 502 page, keeps no token, activates nothing', async () => {
    const link = await stepUpLink();
    const { url, id } = link;
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
    expect(words).toContain('Go back to Microsoft Teams and select Verify my identity on the card again.');
    // What the token endpoint said stays in the log, not on the page; the code is in neither.
    expect(page.text).not.toContain('expired');
    expect(page.text).not.toContain(code);
    const logs = driver.stack.logs.join('\n');
    expect(logs).toContain('step-up code redemption failed');
    expect(logs).not.toContain('step-up sign-in completed');
    expect(logs).not.toContain(code);

    expect(await driver.roundTrips()).toEqual([]);
    await expectNothingActivated(id);
    // Six minutes into a ten-minute link: it still works.
    await verifyAgainAsAlex(link);
  });

  it('answers a code the authority does not know with the 502 page, and the link still works', async () => {
    const link = await stepUpLink();
    const { url, id } = link;
    const state = new URL(url).searchParams.get('state') as string;
    await driver.stack.clearGraphLog();
    const forged = `${driver.botUrl}/auth/stepup/callback?state=${encodeURIComponent(state)}&code=forged-code-0000`;
    const page = await openPage(forged);
    expect(page.status).toBe(502);
    expect(pageWords(page.text)).toContain('The sign-in could not be completed');
    expect(pageWords(page.text)).toContain('select Verify my identity on the card again');
    expect(page.text).not.toContain('forged-code-0000');
    expect(await driver.roundTrips()).toEqual([]);
    await expectNothingActivated(id);

    // A forged code spends nothing: the link works for Alex, once.
    await verifyAgainAsAlex(link);
  });
});
