import { afterEach, describe, expect, it } from 'vitest';
import { decodeJwtClaims, encodeUnsignedJwt, LocalTokenProvider } from '../../services/auth/localTokens.js';
import type { TokenProvider } from '../../services/auth/tokens.js';
import type { Clock } from '../../services/clock.js';
import { ActivationDriver, openUrl, TENANT } from '../helpers/activationDriver.js';
import { checkCard } from '../helpers/cardCheck.js';
import { cardText } from '../helpers/teamsHarness.js';

/**
 * Azure Subscription Owners asks for the authentication context `c1`, which the demo tenant names "Privileged access".
 * The bot reads the names with its own token (AuthenticationContext.Read.All) and shows them on the list, the form and
 * the step-up card; when Graph refuses that read the cards show `c1` and work all the same.
 */

const CONTEXTS = '/v1.0/identity/conditionalAccess/authenticationContextClassReferences';
const AZURE = 'Activate Azure Subscription Owners';
const REASON = { duration: '60', justification: 'Subscription clean-up' };

/** The local-mode tokens, except that the app was never granted AuthenticationContext.Read.All. */
function withoutContextPermission(clock: Clock): TokenProvider {
  const local = new LocalTokenProvider({ tenantId: TENANT, clock });
  return new Proxy(local, {
    get(target, name) {
      if (name === 'appToken') {
        return async (scopes: string[]) => {
          const claims = decodeJwtClaims(await target.appToken(scopes)) ?? {};
          const roles = (claims.roles as string[]).filter((r) => r !== 'AuthenticationContext.Read.All');
          return encodeUnsignedJwt({ ...claims, roles });
        };
      }
      const value = Reflect.get(target, name);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

let stack: ActivationDriver | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

async function contextReads(driver: ActivationDriver) {
  return (await driver.roundTrips()).filter((e) => e.path.startsWith(CONTEXTS));
}

describe('the authentication context by its name', () => {
  it('list, form and step-up card say "Privileged access", from one app-only read', async () => {
    stack = await ActivationDriver.start();
    await stack.clearGraphLog();
    const { card: list, id } = await stack.list();
    expect(cardText(list)).toContain('stronger sign-in (Privileged access)');
    expect(cardText(list)).not.toContain('(c1)');
    const form = await stack.press(list, AZURE, {}, id);
    expect(cardText(form)).toContain('stronger sign-in (Privileged access)');
    const stepUp = await stack.press(form, 'Activate', REASON, id);
    expect(cardText(stepUp)).toContain('authentication context "Privileged access"');
    expect(cardText(stepUp)).not.toContain('"c1"');
    openUrl(stepUp, 'Verify my identity');
    const reads = await contextReads(stack);
    expect(reads).toHaveLength(1);
    expect(reads[0]).toMatchObject({ method: 'GET', status: 200, caller: expect.stringMatching(/^app:/) });
  });

  it('does not wait long for a slow read: the list comes with "c1", the next one with the name', async () => {
    stack = await ActivationDriver.start();
    const driver = stack;
    await driver.control('faults', {
      rules: [{ pathPattern: 'authenticationContextClassReferences', latencyMs: 5000 }],
    });
    const first = await driver.list();
    // The list came while the read was still on its way (the devtenant logs it when it answers, after 5 s).
    expect(await contextReads(driver)).toEqual([]);
    expect(checkCard(first.card)).toEqual([]);
    expect(cardText(first.card)).toContain('stronger sign-in (c1)');
    await expect
      .poll(async () => cardText((await driver.list()).card), { timeout: 10_000, interval: 500 })
      .toContain('stronger sign-in (Privileged access)');
    expect(await contextReads(driver)).toHaveLength(1);
  });

  it('shows "c1" when Graph refuses the read (403), and the activation still asks for the right sign-in', async () => {
    stack = await ActivationDriver.start(undefined, { tokens: withoutContextPermission });
    await stack.clearGraphLog();
    const { card: list, id } = await stack.list();
    expect(checkCard(list)).toEqual([]);
    expect(cardText(list)).toContain('stronger sign-in (c1)');
    const form = await stack.press(list, AZURE, {}, id);
    expect(cardText(form)).toContain('stronger sign-in (c1)');
    const stepUp = await stack.press(form, 'Activate', REASON, id);
    expect(cardText(stepUp)).toContain('authentication context "c1"');
    expect(cardText(stepUp)).toMatch(/Verify your identity to activate Azure Subscription Owners/);
    const authorize = await fetch(openUrl(stepUp, 'Verify my identity'), { redirect: 'manual' });
    expect(JSON.parse(new URL(authorize.headers.get('location') as string).searchParams.get('claims') ?? '')).toEqual({
      access_token: { acrs: { essential: true, value: 'c1' } },
    });
    // Refused once; not asked again for every card within the minute.
    const reads = await contextReads(stack);
    expect(reads.map((r) => r.status)).toEqual([403]);
    expect(stack.stack.logs.join('\n')).toMatch(/could not read the authentication context names/);
  });
});
