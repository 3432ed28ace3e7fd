import { afterEach, describe, expect, it } from 'vitest';
import { ActivationDriver } from '../helpers/activationDriver.js';
import { buttonTitles, type Card, cardText, teamsUser } from '../helpers/teamsHarness.js';

/**
 * The activation list and "my access" link each active membership to the request behind it (for Deactivate and
 * Extend) through declared properties only, and say which part Graph did not give instead of showing a list that looks
 * complete. Alex's seeded activation of Developer Tools Power Users (request c0000000-…-01) is the active one.
 */

const ALEX = teamsUser('10000000-0000-4000-8000-000000000001', 'Alex Wilber');
const DEVTOOLS = '20000000-0000-4000-8000-000000000013';
const DEVTOOLS_REQUEST = 'c0000000-0000-4000-8000-000000000001';
const PIM = '/v1.0/identityGovernance/privilegedAccess/group';

function sectionAbout(card: Card, text: string): Card {
  const found = (card.body ?? []).find((el: any) => el.type === 'Container' && JSON.stringify(el).includes(text));
  if (!found) throw new Error(`no section about "${text}" in: ${cardText(card)}`);
  return { type: 'AdaptiveCard', version: '1.5', body: [found] };
}

function requestIdsIn(card: Card): string[] {
  return [...JSON.stringify(card).matchAll(/"requestId":"([^"]+)"/g)].map((m) => m[1]);
}

describe('activations linked to their requests when schedule ids are opaque', () => {
  let stack: ActivationDriver | undefined;
  afterEach(async () => {
    await stack?.control('faults', undefined, 'DELETE');
    await stack?.stop();
    stack = undefined;
  });

  it('the devtenant gives schedule ids that do not contain the request id', async () => {
    stack = await ActivationDriver.start({ quirks: { opaquePimScheduleIds: true } });
    const { body } = await stack.graph(
      ALEX.aadObjectId,
      'GET',
      `${PIM}/assignmentScheduleInstances/filterByCurrentUser(on='principal')`,
    );
    const instance = body.value.find((i: any) => i.groupId === DEVTOOLS);
    expect(instance.assignmentScheduleId).not.toContain(DEVTOOLS_REQUEST);
    expect(instance.assignmentScheduleId).not.toContain(DEVTOOLS);
  });

  it('my access offers Deactivate for the activation, bound to its request', async () => {
    stack = await ActivationDriver.start({ quirks: { opaquePimScheduleIds: true } });
    const access = await stack.list(ALEX, 'my access');
    const line = sectionAbout(access.card, 'Developer Tools Power Users');
    expect(buttonTitles(line)).toEqual(['Deactivate', 'Yes, deactivate']);
    expect(requestIdsIn(line)).toEqual([DEVTOOLS_REQUEST]);
    expect(cardText(access.card)).not.toMatch(/could not read/);
  });

  it('the activation list shows the active role as a just-in-time activation, not a standing assignment', async () => {
    stack = await ActivationDriver.start({ quirks: { opaquePimScheduleIds: true } });
    const { id } = await stack.list();
    const reply = await stack.teams.invoke(
      ALEX,
      'activateForm',
      { groupId: DEVTOOLS, accessId: 'member', here: true },
      id,
    );
    const card = reply.body?.value as Card;
    expect(cardText(card)).toContain('already active');
    expect(cardText(card)).not.toMatch(/standing assignment/);
    expect(buttonTitles(card)).toContain('Deactivate');
    expect(requestIdsIn(card)).toContain(DEVTOOLS_REQUEST);
  });
});

describe('a role list with a part Graph did not give says so', () => {
  let stack: ActivationDriver | undefined;
  afterEach(async () => {
    await stack?.control('faults', undefined, 'DELETE');
    await stack?.stop();
    stack = undefined;
  });

  it('activate: names the active roles and the pending requests it could not read', async () => {
    stack = await ActivationDriver.start();
    await stack.control('faults', {
      rules: [
        { pathPattern: "assignmentScheduleInstances/filterByCurrentUser\\(on='principal'\\)$", status: 400 },
        { pathPattern: 'assignmentScheduleRequests/filterByCurrentUser.*PendingApproval', status: 400 },
      ],
    });
    const { card } = await stack.list();
    const text = cardText(card);
    expect(text).toMatch(
      /I could not read which roles are active now and which activations wait for approval just now, so this may be incomplete/,
    );
    expect(text).toContain('Developer Tools Power Users');
  });

  it('my access: names the group names and the requests behind activations it could not read', async () => {
    stack = await ActivationDriver.start();
    await stack.control('faults', {
      rules: [
        { pathPattern: 'assignmentScheduleInstances/filterByCurrentUser.*expand=group', status: 400 },
        { pathPattern: '/groups\\?', status: 400 },
        { pathPattern: 'assignmentScheduleRequests/filterByCurrentUser.*Provisioned', status: 400 },
      ],
    });
    const access = await stack.list(ALEX, 'my access');
    const text = cardText(access.card);
    expect(text).toMatch(
      /Active group memberships\nI could not read which activations you can end from here and some group names just now/,
    );
    expect(text).toContain(`Group ${DEVTOOLS}`);
    expect(buttonTitles(sectionAbout(access.card, DEVTOOLS))).toEqual([]);
  });
});
