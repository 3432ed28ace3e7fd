import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ActivationDriver, ALEX, GROUP } from '../helpers/activationDriver.js';
import { buttonTitles, type Card, cardText } from '../helpers/teamsHarness.js';

/**
 * Issue 16 item 3: a pick on "Activate several" saved as a named set, used again with `activate <set name>`.
 * Bot, devtenant and a Teams-like client over real HTTP.
 */

const GLOBAL_READER = 'f2ef992c-3afb-46b9-b7cf-a126ee74c451';
const EXCHANGE_ONLINE = '20000000-0000-4000-8000-000000000016';
const ON_CALL = [`${GROUP.finance}|member|`, `${GLOBAL_READER}|member|/`, `${EXCHANGE_ONLINE}|member|`];

function picks(form: Card): { value?: string; choices: { value: string }[] } {
  return (form.body ?? []).find((el: any) => el.id === 'picked') as any;
}

async function openBulkForm(stack: ActivationDriver): Promise<{ form: Card; id: string }> {
  const { card, id } = await stack.list();
  return { form: await stack.press(card, 'Activate several…', {}, id), id };
}

const postsIn = async (stack: ActivationDriver) =>
  ((await stack.stack.graphCalls()) as { method: string; path: string }[]).filter(
    (e) => e.method === 'POST' && /ScheduleRequests$/.test(e.path),
  );

describe('saved sets for activate several', () => {
  let stack: ActivationDriver;
  beforeEach(async () => {
    stack = await ActivationDriver.start();
  });
  afterEach(async () => stack?.stop());

  it('saves "On call" on submit; `activate on call` opens the form with the three picked; one $batch, one card', async () => {
    const { form, id } = await openBulkForm(stack);
    expect(JSON.stringify(form)).toContain('Save this pick as');
    // Sent without the justification each of them asks for: none is sent, the set is saved all the same.
    const saved = await stack.press(
      form,
      'Activate selected',
      { picked: ON_CALL.join(','), duration: '60', saveAs: 'On call' },
      id,
    );
    expect(cardText(saved)).toContain('0 of 3 requested');

    const { card: setForm, id: formId } = await stack.list(ALEX, 'activate ON CALL');
    expect(cardText(setForm)).toContain('Your saved set **On call** is picked.');
    expect(picks(setForm).value?.split(',').sort()).toEqual([...ON_CALL].sort());

    await stack.clearGraphLog();
    const result = await stack.press(
      setForm,
      'Activate selected',
      { picked: picks(setForm).value ?? '', duration: '60', justification: 'Night shift' },
      formId,
    );
    const text = cardText(result);
    expect(text).toContain('3 of 3 requested');
    expect(text).toContain('**Membership of Finance Admins**: Active');
    expect(text).toContain('**Global Reader role**: Active');
    expect(text).toContain('**Membership of Exchange Online Admins**: Waiting for approval');
    expect(await postsIn(stack)).toHaveLength(3);
    expect((await stack.roundTrips()).filter((t) => t.path === '/v1.0/$batch')).toHaveLength(1);
  });

  it('an item active now is named and left out of the set form', async () => {
    const { form, id } = await openBulkForm(stack);
    await stack.press(
      form,
      'Activate selected',
      { picked: ON_CALL.join(','), duration: '60', justification: 'Pager duty', saveAs: 'On call' },
      id,
    );
    const { card } = await stack.list(ALEX, 'activate on call');
    expect(cardText(card)).toContain('Left out: Membership of Finance Admins (active or waiting now)');
    expect(picks(card).value ?? '').not.toContain(GROUP.finance);
  });

  it('a bad set name is a problem on the form and sends nothing', async () => {
    const { form, id } = await openBulkForm(stack);
    await stack.clearGraphLog();
    const bad = await stack.press(
      form,
      'Activate selected',
      { picked: ON_CALL[0], duration: '60', justification: 'x', saveAs: 'On-call <b>' },
      id,
    );
    expect(cardText(bad)).toContain('The set name may hold only letters, digits and spaces.');
    const long = await stack.press(
      bad,
      'Activate selected',
      { picked: ON_CALL[0], duration: '60', justification: 'x', saveAs: 'a'.repeat(41) },
      id,
    );
    expect(cardText(long)).toContain('The set name must be at most 40 characters.');
    expect(await postsIn(stack)).toEqual([]);
  });

  it('an unknown name lists the saved sets with a button each; a role filter still works', async () => {
    const { form, id } = await openBulkForm(stack);
    await stack.press(
      form,
      'Activate selected',
      { picked: ON_CALL[1], duration: '60', justification: 'Audit', saveAs: 'Month end close' },
      id,
    );
    const { card: unknown, id: unknownId } = await stack.list(ALEX, 'activate weekend');
    expect(cardText(unknown)).toContain('Your saved sets: **Month end close**');
    const opened = await stack.press(unknown, 'Month end close', {}, unknownId);
    expect(cardText(opened)).toContain('Your saved set **Month end close** is picked.');

    // Not a set name: the list filtered by it, as before.
    const { card: filtered } = await stack.list(ALEX, 'activate finance');
    expect(buttonTitles(filtered)).toContain('Activate Finance Admins');
    expect(cardText(filtered)).not.toContain('saved set');
  });

  it('the activate list shows the saved sets; a set name opens its form, Remove asks once and removes it', async () => {
    const { form, id } = await openBulkForm(stack);
    await stack.press(form, 'Activate selected', { picked: ON_CALL.join(','), duration: '60', saveAs: 'On call' }, id);
    const { card: list, id: listId } = await stack.list();
    expect(cardText(list)).toContain('Saved sets');
    expect(buttonTitles(list)).toEqual(expect.arrayContaining(['On call', 'Remove On call']));
    const opened = await stack.press(list, 'On call', {}, listId);
    expect(picks(opened).value?.split(',').sort()).toEqual([...ON_CALL].sort());

    const { card: again, id: againId } = await stack.list();
    expect(JSON.stringify(again)).toContain('Remove your saved set On call?');
    const after = await stack.press(again, 'Yes, remove set', {}, againId);
    expect(cardText(after)).toContain('Your eligible roles');
    expect(cardText(after)).not.toContain('Saved sets');
    const { card: gone } = await stack.list(ALEX, 'activate on call');
    expect(cardText(gone)).not.toContain('Your saved set');
  });

  it('the last justification is pre-filled in the set form and the single form; forget my answers removes it', async () => {
    const { form, id } = await openBulkForm(stack);
    await stack.press(
      form,
      'Activate selected',
      { picked: ON_CALL.join(','), duration: '60', justification: 'Pager duty', saveAs: 'On call' },
      id,
    );
    const justification = (card: Card) =>
      ((card.body ?? []).find((el: any) => el.id === 'justification') as any)?.value;
    await stack.advance(3 * 60 * 60);
    const { card: single } = await stack.list(ALEX, 'activate finance');
    const { form: singleForm } = { form: await stack.press(single, 'Activate Finance Admins', {}) };
    expect(justification(singleForm)).toBe('Pager duty');

    // Exchange Online is still waiting, so the set form picks the two others, both last sent "Pager duty".
    const { card: setForm } = await stack.list(ALEX, 'activate on call');
    expect(justification(setForm)).toBe('Pager duty');

    const { card: forgotten } = await stack.list(ALEX, 'forget my answers');
    expect(cardText(forgotten)).toContain('Answers forgotten');
    const { card: after } = await stack.list(ALEX, 'activate on call');
    expect(justification(after)).toBeUndefined();
  });
});
