import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PimRulesSpec } from '../../devtenant/seed.js';
import { ActivationDriver, ALEX, GROUP, PIM } from '../helpers/activationDriver.js';
import { buttonTitles, type Card, cardText } from '../helpers/teamsHarness.js';

/**
 * "A rule failure → exactly which rule and what to do." The bot checks the form against the group policy before it
 * calls Graph, so Graph only refuses with RoleAssignmentRequestPolicyValidationFailed when the policy changed after
 * the form was shown. Here the devtenant's policy changes between opening the form and pressing Activate: the card
 * names exactly the failed rule(s) in plain words, nothing is activated, and "Try again" opens a form that asks for
 * what the policy asks now (read again, not the form's stale policy).
 */

type Rules = Partial<PimRulesSpec>;

/** Every input of a card with an id, wherever it sits (columns, containers). */
function inputsOf(card: Card): Map<string, any> {
  const found = new Map<string, any>();
  const walk = (elements: any[] | undefined) => {
    for (const el of elements ?? []) {
      if (typeof el?.type === 'string' && el.type.startsWith('Input.') && el.id) found.set(el.id, el);
      walk(el.items);
      walk(el.body);
      for (const column of el.columns ?? []) walk(column.items);
    }
  };
  walk(card.body);
  return found;
}

describe('activate: Graph refuses a policy rule that changed after the form was shown', () => {
  let driver: ActivationDriver;
  beforeEach(async () => {
    driver = await ActivationDriver.start();
  });
  afterEach(async () => driver?.stop());

  /** Changes the member activation rules of a group in the devtenant, as an admin would in the Entra portal. */
  function setMemberRules(groupId: string, rules: Rules): void {
    const group = driver.stack.devtenant?.state.groups.get(groupId);
    if (!group?.pim) throw new Error(`group ${groupId} is not onboarded to PIM in the seed`);
    group.pim = { ...group.pim, member: { ...group.pim.member, ...rules } };
  }

  /** The form of a role whose policy asks nothing (no justification, no ticket, no MFA, no approval). */
  async function formAskingNothing(groupId: string, title: string, maximumDuration = 'PT8H') {
    setMemberRules(groupId, { enabledRules: [], maximumDuration, authenticationContext: null, approval: null });
    const { form, id } = await driver.form(title);
    const inputs = inputsOf(form);
    expect(inputs.get('justification')).toMatchObject({ label: 'Justification (optional)', isRequired: false });
    expect(inputs.has('ticketNumber')).toBe(false);
    return { form, id };
  }

  /** What Graph was asked to activate since the last clear, and how it answered. */
  async function activationAnswers(): Promise<number[]> {
    return (await driver.postedActivations()).map((e) => e.status);
  }

  async function expectNothingActive(groupId: string): Promise<void> {
    expect(await driver.activeInstances(groupId)).toEqual([]);
    expect(await driver.members(groupId)).not.toContain(ALEX.aadObjectId);
  }

  /** The refusal card: its title, the failure sentence, "What you can do", and the way forward. */
  function expectRefusal(card: Card, groupName: string, failure: string, nextStep: string): void {
    const text = cardText(card);
    expect(text).toContain(`I could not activate ${groupName}`);
    expect(text).toContain(`I couldn't activate ${groupName}: ${failure}.`);
    expect(text).toContain('What you can do');
    expect(text).toContain(nextStep);
    // Rule names are for admins and logs, not for the person in the chat.
    expect(text).not.toMatch(/[A-Za-z]+Rule\b|RoleAssignmentRequestPolicyValidationFailed/);
    expect(buttonTitles(card)).toContain('Try again');
  }

  it('a justification became required: the card says exactly that, and Try again opens a form that asks for it', async () => {
    const { form, id } = await formAskingNothing(GROUP.finance, 'Activate Finance Admins', 'PT1H');
    setMemberRules(GROUP.finance, { enabledRules: ['Justification'] });
    await driver.stack.clearGraphLog();

    const refused = await driver.press(form, 'Activate', { duration: '60' }, id);
    expect(await activationAnswers()).toEqual([400]);
    expectRefusal(refused, 'Finance Admins', 'a justification is required', 'Fill in what is missing and try again.');
    expect(cardText(refused)).not.toMatch(/ticket|duration|multi-factor|not eligible/i);
    await expectNothingActive(GROUP.finance);

    await driver.stack.clearGraphLog();
    const fresh = await driver.press(refused, 'Try again', {}, id);
    expect(cardText(fresh)).toMatch(/^Activate: Membership of Finance Admins/);
    expect(inputsOf(fresh).get('justification')).toMatchObject({ label: 'Justification (required)', isRequired: true });
    expect(inputsOf(fresh).has('ticketNumber')).toBe(false);
    // The fresh form is checked against the new policy before Graph is asked again.
    const blank = await driver.press(fresh, 'Activate', { duration: '60', justification: ' ' }, id);
    expect(cardText(blank)).toContain('This group asks for a justification');
    expect(await activationAnswers()).toEqual([]);

    const done = await driver.press(fresh, 'Activate', { duration: '60', justification: 'Month-end close' }, id);
    expect(cardText(done)).toContain('You are a member of **Finance Admins** until');
    expect(await activationAnswers()).toEqual([201]);
    expect(await driver.members(GROUP.finance)).toContain(ALEX.aadObjectId);
  });

  it('a justification and a ticket became required: the card names both, and the fresh form asks for both', async () => {
    const { form, id } = await formAskingNothing(GROUP.prod, 'Activate Production Servers Admins');
    setMemberRules(GROUP.prod, { enabledRules: ['Justification', 'Ticketing'] });
    await driver.stack.clearGraphLog();

    const refused = await driver.press(form, 'Activate', { duration: '120' }, id);
    expect(await activationAnswers()).toEqual([400]);
    expectRefusal(
      refused,
      'Production Servers Admins',
      'a justification is required and a ticket number is required',
      'Fill in what is missing and try again.',
    );
    expect(cardText(refused)).not.toMatch(/duration|multi-factor|not eligible/i);
    await expectNothingActive(GROUP.prod);

    const fresh = await driver.press(refused, 'Try again', {}, id);
    const inputs = inputsOf(fresh);
    expect(inputs.get('justification')).toMatchObject({ isRequired: true });
    expect(inputs.get('ticketNumber')).toMatchObject({ label: 'Ticket number (required)', isRequired: true });
    expect(inputs.has('ticketSystem')).toBe(true);

    await driver.stack.clearGraphLog();
    const done = await driver.press(
      fresh,
      'Activate',
      { duration: '120', justification: 'Patch night', ticketNumber: 'CHG0042', ticketSystem: 'ServiceNow' },
      id,
    );
    expect(cardText(done)).toContain('You are a member of **Production Servers Admins** until');
    expect(await activationAnswers()).toEqual([201]);
    const { body } = await driver.graph(
      ALEX.aadObjectId,
      'GET',
      `${PIM}/assignmentScheduleRequests/filterByCurrentUser(on='principal')`,
    );
    const request = body.value.find((r: any) => r.groupId === GROUP.prod && r.status === 'Provisioned');
    expect(request.ticketInfo).toEqual({ ticketNumber: 'CHG0042', ticketSystem: 'ServiceNow' });
    expect(request.justification).toBe('Patch night');
  });

  it('the maximum duration got shorter: the card says the duration is too long, and the fresh form offers only what fits', async () => {
    const { form, id } = await formAskingNothing(GROUP.prod, 'Activate Production Servers Admins', 'PT8H');
    const offered = inputsOf(form).get('duration');
    expect(offered.choices.map((c: any) => c.value)).toEqual(['30', '60', '120', '240', '480']);
    setMemberRules(GROUP.prod, { maximumDuration: 'PT1H' });
    await driver.stack.clearGraphLog();

    const refused = await driver.press(form, 'Activate', { duration: '240' }, id);
    expect(await activationAnswers()).toEqual([400]);
    expectRefusal(
      refused,
      'Production Servers Admins',
      'the duration is longer than the group allows',
      'Choose a shorter duration and try again.',
    );
    expect(cardText(refused)).not.toMatch(/justification|ticket|multi-factor|not eligible/i);
    await expectNothingActive(GROUP.prod);

    const fresh = await driver.press(refused, 'Try again', {}, id);
    const duration = inputsOf(fresh).get('duration');
    expect(duration.choices.map((c: any) => c.title)).toEqual(['30 minutes', '1 hour']);
    expect(duration.value).toBe('60');
    // A duration over the new maximum is now refused by the bot itself, before Graph.
    await driver.stack.clearGraphLog();
    const tooLong = await driver.press(fresh, 'Activate', { duration: '240' }, id);
    expect(cardText(tooLong)).toContain('4 hours is longer than this group allows (at most 1 hour).');
    expect(await activationAnswers()).toEqual([]);

    const done = await driver.press(fresh, 'Activate', { duration: '60' }, id);
    expect(cardText(done)).toContain('You are a member of **Production Servers Admins** until');
    expect(await activationAnswers()).toEqual([201]);
    const [instance] = await driver.activeInstances(GROUP.prod);
    expect(Date.parse(instance.endDateTime) - Date.parse(instance.startDateTime)).toBe(60 * 60_000);
  });
});
