import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { timeText } from '../../cards/activation/format.js';
import { loadSeed } from '../../devtenant/seed.js';
import { ActivationDriver, ALEX, listRow, openUrl, signInUntilCallback } from '../helpers/activationDriver.js';
import { checkCard } from '../helpers/cardCheck.js';
import { ROLE_PACKAGE, withRolePackage } from '../helpers/rolePackageSeed.js';
import { buttonTitles, type Card, cardText } from '../helpers/teamsHarness.js';

/**
 * Issue 16 item 1: Microsoft Entra roles in `activate`, beside the groups, with the group journeys: list with scope
 * and policy, activate, MFA step-up, approval with Cancel, deactivate. Bot, devtenant and a Teams-like client over
 * real HTTP, one clock.
 */

const RM = '/v1.0/roleManagement/directory';
const ROLE = {
  globalReader: 'f2ef992c-3afb-46b9-b7cf-a126ee74c451',
  userAdmin: 'fe930be7-5e62-47db-91af-98c3a49a38b1',
  exchangeAdmin: '29232cdf-9323-42fd-ade2-1d097af3e4de',
  helpdesk: '729827e3-9c14-49f7-bb1b-9608f156bbb8',
};
const CONTOSO_EUROPE = '/administrativeUnits/ad000000-0000-4000-8000-000000000001';

/** Every row of the list, across its pages (Next), as text per top-level Container. */
async function allRows(stack: ActivationDriver): Promise<string[]> {
  let { card, id } = await stack.list();
  const rows: string[] = [];
  for (let i = 0; i < 5; i++) {
    for (const el of card.body ?? []) {
      if (el.type === 'Container') rows.push(cardText({ type: 'AdaptiveCard', version: '1.5', body: [el] }));
    }
    if (!buttonTitles(card).includes('Next')) break;
    card = await stack.press(card, 'Next', {}, id);
  }
  void id;
  return rows;
}

/** The row of one name; fails when it is missing. */
function rowOf(rows: string[], name: string): string {
  const found = rows.find((r) => r.startsWith(`**${name}**`));
  if (!found) throw new Error(`no row for ${name} in:\n${rows.join('\n---\n')}`);
  return found;
}

/** Opens the form of one role from the list, paging with Next until its button shows. */
async function formOf(stack: ActivationDriver, button: string): Promise<{ form: Card; id: string }> {
  const listed = await stack.list();
  let card = listed.card;
  for (let i = 0; i < 5 && !buttonTitles(card).includes(button); i++) {
    card = await stack.press(card, 'Next', {}, listed.id);
  }
  return { form: await stack.press(card, button, {}, listed.id), id: listed.id };
}

/** Alex's Entra role activations as Graph has them. */
async function activeRoles(stack: ActivationDriver): Promise<any[]> {
  const { body } = await stack.graph(
    ALEX.aadObjectId,
    'GET',
    `${RM}/roleAssignmentScheduleInstances/filterByCurrentUser(on='principal')`,
  );
  return body.value;
}

async function latestRequest(stack: ActivationDriver, roleDefinitionId: string): Promise<any> {
  const { body } = await stack.graph(
    ALEX.aadObjectId,
    'GET',
    `${RM}/roleAssignmentScheduleRequests/filterByCurrentUser(on='principal')`,
  );
  return body.value.filter((r: any) => r.roleDefinitionId === roleDefinitionId).at(-1);
}

async function rolePosts(stack: ActivationDriver) {
  return (await stack.roundTrips()).filter((e) => e.method === 'POST' && e.path.startsWith(`${RM}/`));
}

describe('activate: Microsoft Entra roles beside groups', () => {
  let stack: ActivationDriver;
  beforeEach(async () => {
    stack = await ActivationDriver.start();
  });
  afterEach(async () => stack?.stop());

  it('lists the eligible roles with scope and policy next to the groups', async () => {
    const { card } = await stack.list();
    expect(checkCard(card)).toEqual([]);
    const rows = await allRows(stack);
    expect(rowOf(rows, 'Finance Admins')).toContain('· member');
    const reader = rowOf(rows, 'Global Reader');
    expect(reader).toContain('· Microsoft Entra role');
    expect(reader).toContain('Scope whole directory');
    expect(reader).toContain('To activate up to 8 hours · justification');
    expect(rowOf(rows, 'User Administrator')).toContain('up to 4 hours · justification · multi-factor sign-in');
    const exchange = rowOf(rows, 'Exchange Administrator');
    expect(exchange).toContain('up to 2 hours · justification · ticket number · approval');
    // Role approvals are beta-only: the bot names no approver for them.
    expect(exchange).not.toContain('Megan');
    expect(rowOf(rows, 'Helpdesk Administrator')).toContain('Scope administrative unit Contoso Europe');
    // Security Reader is active (seeded): the row says until when.
    expect(rowOf(rows, 'Security Reader')).toMatch(/Now Active until/);
  });

  it('reads the list, roles and groups with their policies, in at most 3 Graph round trips', async () => {
    await stack.clearGraphLog();
    await stack.list();
    const trips = await stack.roundTrips();
    expect(trips.length).toBeLessThanOrEqual(3);
    const items = (await stack.stack.graphCalls()) as { path: string; batchItem?: boolean }[];
    const read = (pattern: RegExp) => items.some((e) => e.batchItem && pattern.test(decodeURIComponent(e.path)));
    expect(read(/roleEligibilityScheduleInstances\/filterByCurrentUser/)).toBe(true);
    expect(read(/privilegedAccess\/group\/eligibilityScheduleInstances/)).toBe(true);
    expect(read(/scopeType eq 'DirectoryRole' and roleDefinitionId eq 'fe930be7/)).toBe(true);
    // Nothing outside the batches but the app-only authentication context names.
    expect(trips.filter((t) => t.path !== '/v1.0/$batch').map((t) => t.path)).toEqual(
      trips.length === 3 ? ['/v1.0/identity/conditionalAccess/authenticationContextClassReferences'] : [],
    );
  });

  it('activates Global Reader with the person token, shows it active, and deactivates it', async () => {
    const { form, id } = await formOf(stack, 'Activate Global Reader');
    expect(cardText(form)).toContain('Activate: Global Reader role');
    expect(cardText(form)).toContain('Scope whole directory');
    await stack.clearGraphLog();
    const active = await stack.press(form, 'Activate', { duration: '60', justification: 'Quarterly audit' }, id);
    expect(cardText(active)).toMatch(/You are \*\*Global Reader\*\* \(whole directory\) until/);
    const [post] = await rolePosts(stack);
    expect(post.caller).toBe(ALEX.aadObjectId);
    const request = await latestRequest(stack, ROLE.globalReader);
    expect(request).toMatchObject({ action: 'selfActivate', directoryScopeId: '/', justification: 'Quarterly audit' });
    expect((await activeRoles(stack)).map((r) => r.roleDefinitionId)).toContain(ROLE.globalReader);

    await stack.advance(6 * 60);
    const ended = await stack.press(active, 'Yes, deactivate', {}, id);
    expect(cardText(ended)).toContain('Global Reader role deactivated');
    expect((await latestRequest(stack, ROLE.globalReader)).action).toBe('selfDeactivate');
    expect((await activeRoles(stack)).map((r) => r.roleDefinitionId)).not.toContain(ROLE.globalReader);
  });

  it('my access lists the active Entra roles with scope and end, read in the same $batch, and deactivates one', async () => {
    const { form, id } = await formOf(stack, 'Activate Global Reader');
    await stack.press(form, 'Activate', { duration: '60', justification: 'Quarterly audit' }, id);
    const reader = (await activeRoles(stack)).find((r) => r.roleDefinitionId === ROLE.globalReader);
    await stack.clearGraphLog();
    const access = await stack.list(ALEX, 'my access');
    expect(checkCard(access.card)).toEqual([]);
    const text = cardText(access.card);
    expect(text).toMatch(/Active group memberships\n[\s\S]*Active Microsoft Entra roles\n/);
    const roles = text.slice(text.indexOf('Active Microsoft Entra roles'));
    expect(roles).toContain(
      `**Global Reader** (whole directory): until ${timeText(reader.endDateTime, stack.clock.now().toISOString())}`,
    );
    expect(roles).toMatch(/\*\*Security Reader\*\* \(whole directory\): until /);
    // The PIM reads (groups and roles) are one $batch: the roles add no round trip.
    const trips = (await stack.roundTrips()).map((t) => t.path.split('?')[0]);
    expect(trips.filter((p) => p.includes('privilegedAccess') || p.includes('roleManagement'))).toEqual([]);
    expect(trips.filter((p) => p === '/v1.0/$batch')).toHaveLength(1);
    const items = (await stack.stack.graphCalls()) as { path: string; batchItem?: boolean }[];
    expect(items.some((e) => e.batchItem && /roleAssignmentScheduleInstances\/filterByCurrentUser/.test(e.path))).toBe(
      true,
    );

    await stack.advance(6 * 60);
    const ended = await stack.press(listRow(access.card, 'Global Reader'), 'Yes, deactivate', {}, access.id);
    const after = cardText(ended);
    expect(after).toMatch(/^Your access\n/);
    expect(after).toMatch(
      /Active Microsoft Entra roles\nDeactivated: you are no longer \*\*Global Reader\*\* \(whole directory\)\./,
    );
    expect(after).not.toContain('**Global Reader** (whole directory): until');
    expect(after).toMatch(/\*\*Security Reader\*\* \(whole directory\): until /);
    expect((await latestRequest(stack, ROLE.globalReader)).action).toBe('selfDeactivate');
    expect((await activeRoles(stack)).map((r) => r.roleDefinitionId)).not.toContain(ROLE.globalReader);
  });

  it('the watcher reminds before the end and shows the end, reading role requests only with Alex token', async () => {
    const { form, id } = await formOf(stack, 'Activate Global Reader');
    await stack.press(form, 'Activate', { duration: '60', justification: 'Quarterly audit' }, id);
    await stack.clearGraphLog();
    await stack.advance(52 * 60);
    await stack.tick();
    const reminder = stack.teams
      .cardsFor(ALEX)
      .map((c) => c.card)
      .find((c) => /Global Reader role ends in/.test(cardText(c)));
    expect(reminder, 'a reminder card').toBeDefined();
    expect(buttonTitles(reminder as Card)).toEqual(expect.arrayContaining(['Extend', 'Deactivate']));
    await stack.advance(10 * 60);
    await stack.tick();
    await stack.teams.waitFor(() => /Global Reader role has ended/.test(cardText(stack.current(id))));
    expect(cardText(stack.current(id))).toContain('Microsoft Entra took the role back');
    const calls = (await stack.stack.graphCalls()) as { path: string; caller: string | null }[];
    const roleReads = calls.filter((c) => c.path.startsWith(`${RM}/roleAssignmentSchedule`));
    expect(roleReads.length).toBeGreaterThan(0);
    expect(roleReads.every((c) => c.caller === ALEX.aadObjectId)).toBe(true);
  });

  it('Extend ends the role activation and starts a new one, as for groups (Graph refuses selfExtend)', async () => {
    const { form, id } = await formOf(stack, 'Activate Global Reader');
    await stack.press(form, 'Activate', { duration: '60', justification: 'Quarterly audit' }, id);
    await stack.advance(52 * 60);
    await stack.tick();
    const ending = stack.current(id);
    expect(cardText(ending)).toMatch(/Global Reader role ends in/);
    await stack.clearGraphLog();
    const extended = await stack.press(ending, 'Extend', {}, id);
    expect(cardText(extended)).toMatch(/You are \*\*Global Reader\*\* \(whole directory\) until/);
    const actions = (await rolePosts(stack)).length;
    expect(actions).toBe(2);
    const { body } = await stack.graph(
      ALEX.aadObjectId,
      'GET',
      `${RM}/roleAssignmentScheduleRequests/filterByCurrentUser(on='principal')`,
    );
    const mine = body.value.filter((r: any) => r.roleDefinitionId === ROLE.globalReader).map((r: any) => r.action);
    expect(mine.slice(-2)).toEqual(['selfDeactivate', 'selfActivate']);
    expect(mine).not.toContain('selfExtend');
  });

  it('from the list: an active role has Deactivate; it ends the role and the row says so, ready to activate again', async () => {
    const { form, id } = await formOf(stack, 'Activate Global Reader');
    await stack.press(form, 'Activate', { duration: '60', justification: 'Quarterly audit' }, id);
    await stack.advance(6 * 60);
    const list = await stack.list();
    const active = listRow(list.card, 'Global Reader');
    expect(buttonTitles(active)).toEqual(['Extend', 'Deactivate', 'Yes, deactivate']);
    const after = await stack.press(active, 'Yes, deactivate', {}, list.id);
    const ended = listRow(after, 'Global Reader');
    expect(cardText(ended)).toContain('Deactivated: you are no longer **Global Reader** (whole directory).');
    expect(buttonTitles(ended)).toEqual(['Activate Global Reader']);
    expect((await activeRoles(stack)).map((r) => r.roleDefinitionId)).not.toContain(ROLE.globalReader);
  });

  it('User Administrator asks for a step-up sign-in, then activates by itself after it', async () => {
    const { form, id } = await formOf(stack, 'Activate User Administrator');
    const card = await stack.press(form, 'Activate', { duration: '60', justification: 'Onboarding wave' }, id);
    expect(cardText(card)).toMatch(/Verify your identity to activate User Administrator/);
    expect(cardText(card)).toMatch(/asks for multi-factor authentication/);
    expect((await activeRoles(stack)).map((r) => r.roleDefinitionId)).not.toContain(ROLE.userAdmin);

    const { callback } = await signInUntilCallback(openUrl(card, 'Verify my identity'));
    const done = await fetch(callback);
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('You are verified and activated');
    await stack.teams.waitFor(() =>
      /You are \*\*User Administrator\*\* \(whole directory\) until/.test(cardText(stack.current(id))),
    );
    expect((await activeRoles(stack)).map((r) => r.roleDefinitionId)).toContain(ROLE.userAdmin);
  });

  it('Exchange Administrator waits for approval, naming no approver, and Cancel cancels it in Graph', async () => {
    const { form, id } = await formOf(stack, 'Activate Exchange Administrator');
    const fields = { duration: '60', justification: 'Mailbox move', ticketNumber: 'INC0049001' };
    const waiting = await stack.press(form, 'Activate', fields, id);
    expect(cardText(waiting)).toContain('Waiting for approval');
    expect(cardText(waiting)).toContain('is waiting for an approver');
    expect(cardText(waiting)).not.toContain('Megan');
    expect((await latestRequest(stack, ROLE.exchangeAdmin)).status).toBe('PendingApproval');
    expect(buttonTitles(waiting)).toContain('Cancel request');

    const canceled = await stack.press(waiting, 'Yes, cancel it', {}, id);
    expect(cardText(canceled)).toContain('Request canceled');
    expect((await latestRequest(stack, ROLE.exchangeAdmin)).status).toBe('Canceled');
  });

  it('activates Helpdesk Administrator at its administrative unit, not the whole directory', async () => {
    const { form, id } = await formOf(stack, 'Activate Helpdesk Administrator (Contoso Europe)');
    const active = await stack.press(form, 'Activate', { duration: '60', justification: 'Password resets' }, id);
    expect(cardText(active)).toMatch(/\*\*Helpdesk Administrator\*\* \(administrative unit Contoso Europe\)/);
    expect((await latestRequest(stack, ROLE.helpdesk)).directoryScopeId).toBe(CONTOSO_EUROPE);
  });

  it('refuses a forged scope or a scope Alex is not eligible at, without asking Graph to write', async () => {
    await stack.list();
    await stack.clearGraphLog();
    const op = '5f1c2a44-0000-4000-8000-000000000001';
    const base = { groupId: ROLE.helpdesk, accessId: 'member', op, duration: '60', justification: 'x' };
    const forged = await stack.teams.invoke(ALEX, 'activate', { ...base, directoryScopeId: "/' or 1 eq 1" });
    expect(forged.httpStatus).toBe(200);
    expect(cardText(forged.body?.value as Card)).toMatch(
      /directoryScopeId: must be \/ or \/administrativeUnits\/\{id\}/,
    );
    // Helpdesk Administrator is Alex's only at Contoso Europe: the whole directory is not his.
    const wider = await stack.teams.invoke(ALEX, 'activate', { ...base, directoryScopeId: '/' });
    expect(cardText(wider.body?.value as Card)).toMatch(/You are not eligible for this role/);
    expect(await rolePosts(stack)).toHaveLength(0);
  });
});

describe('activate: an Entra role eligibility that an access package delivered', () => {
  let stack: ActivationDriver;
  beforeEach(async () => {
    stack = await ActivationDriver.start({ seed: withRolePackage(loadSeed()) });
  });
  afterEach(async () => stack?.stop());

  it('says which package the role came from', async () => {
    const requested = await stack.graph(
      ALEX.aadObjectId,
      'POST',
      '/v1.0/identityGovernance/entitlementManagement/assignmentRequests',
      {
        requestType: 'userAdd',
        assignment: { accessPackageId: ROLE_PACKAGE },
      },
    );
    expect(requested.status).toBe(201);
    const rows = await allRows(stack);
    expect(rowOf(rows, 'Reports Reader')).toContain('from the access package **Entra reports (eligible)**');
    expect(rowOf(rows, 'Global Reader')).not.toContain('access package');
  });
});
