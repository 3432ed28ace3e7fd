import { describe, expect, it } from 'vitest';
import {
  BULK_ACTIVATE_BUTTON,
  bulkFormCard,
  bulkResultCard,
  MAX_BULK_CHOICES,
  type PickableRole,
  pickKey,
} from '../../cards/activation/bulkCard.js';
import { eligibleListCard } from '../../cards/activation/listCard.js';
import { cardUtf16Bytes, MAX_CARD_UTF16_BYTES } from '../../cards/size.js';
import { Verbs } from '../../cards/verbs.js';
import type { ActivationPolicy, EligibleRole } from '../../services/model/pim.js';
import { checkCard } from '../helpers/cardCheck.js';
import { buttonTitles, type Card, cardText, findAction } from '../helpers/teamsHarness.js';

/** Activate several (issue 16, item 2): the pick form and the result card are pure functions of their view. */

const NOW = '2026-03-02T10:00:00.000Z';
const REQUEST = 'a0000000-0000-4000-8000-000000000001';

const policy = (extra: Partial<ActivationPolicy> = {}): ActivationPolicy => ({
  maximumDuration: 'PT8H',
  maximumMinutes: 480,
  justificationRequired: true,
  ticketRequired: false,
  mfaRequired: false,
  approvalRequired: false,
  approvers: [],
  ...extra,
});

const finance: PickableRole = {
  group: { id: '20000000-0000-4000-8000-000000000011', displayName: 'Finance Admins' },
  accessId: 'member',
  eligibleFrom: '2026-01-01T00:00:00Z',
  policy: policy({ maximumMinutes: 60, maximumDuration: 'PT1H' }),
};
const reader: PickableRole = {
  group: { id: 'f2ef992c-3afb-46b9-b7cf-a126ee74c451', displayName: 'Global Reader' },
  accessId: 'member',
  directoryScope: { id: '/' },
  eligibleFrom: '2026-01-01T00:00:00Z',
  policy: policy(),
};
const prod: PickableRole = {
  group: { id: '20000000-0000-4000-8000-000000000012', displayName: 'Production Servers Admins' },
  accessId: 'member',
  eligibleFrom: '2026-01-01T00:00:00Z',
  policy: policy({ ticketRequired: true }),
};

const inputOf = (card: Card, id: string): any => (card.body ?? []).find((el: any) => el.id === id);

function row(card: Card, name: string): Card {
  const found = (card.body ?? []).find(
    (el: any) => el.type === 'Container' && JSON.stringify(el.items?.[0] ?? {}).includes(name),
  );
  if (!found) throw new Error(`no row for ${name}: ${cardText(card)}`);
  return { type: 'AdaptiveCard', version: '1.5', body: [found] };
}

describe('the Activate several form', () => {
  const form = (roles: PickableRole[], extra: { problems?: string[]; values?: { picked?: string } } = {}) =>
    bulkFormCard({ roles, durations: [30, 60, 120, 240, 480], defaultMinutes: 60, op: REQUEST, ...extra });

  it('lists at most MAX_BULK_CHOICES roles, picked ones first, says how many are left out and stays within the size budget', () => {
    const many = Array.from({ length: 120 }, (_, i) => ({
      ...finance,
      group: {
        ...finance.group,
        id: `20000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
        displayName: `Group ${i} ${'x'.repeat(80)}`,
      },
    }));
    const last = pickKey(many[119]);
    const card = form(many, { values: { picked: last } });
    expect(checkCard(card)).toEqual([]);
    const picks = inputOf(card, 'picked');
    expect(picks.choices).toHaveLength(MAX_BULK_CHOICES);
    expect(picks.choices[0].value).toBe(last);
    expect(cardText(card)).toContain(`Showing ${MAX_BULK_CHOICES} of 120`);
    expect(cardUtf16Bytes(card)).toBeLessThanOrEqual(MAX_CARD_UTF16_BYTES);
    expect(cardText(form([finance, reader]))).not.toContain('Showing');
  });

  it('lists each role as a checkbox with its cap, one duration and one justification', () => {
    const card = form([finance, reader]);
    expect(checkCard(card)).toEqual([]);
    const picks = inputOf(card, 'picked');
    expect(picks).toMatchObject({ type: 'Input.ChoiceSet', isMultiSelect: true, style: 'expanded' });
    expect(picks.choices).toEqual([
      { title: 'Membership of Finance Admins: up to 1 hour · justification', value: pickKey(finance) },
      { title: 'Global Reader role: up to 8 hours · justification', value: pickKey(reader) },
    ]);
    expect(inputOf(card, 'duration').value).toBe('60');
    expect(inputOf(card, 'justification')).toBeDefined();
    const button = findAction(card, BULK_ACTIVATE_BUTTON)?.action as any;
    expect(button).toMatchObject({ verb: Verbs.activateSeveral, data: { op: REQUEST } });
  });

  it('asks for a ticket only when a listed role needs one, and names which', () => {
    expect(inputOf(form([finance, reader]), 'ticketNumber')).toBeUndefined();
    expect(inputOf(form([finance, prod]), 'ticketNumber').label).toBe(
      'Ticket number (needed for Production Servers Admins)',
    );
  });

  it('shows what to fix above the inputs', () => {
    expect(cardText(form([finance], { problems: ['Pick at least one role to activate.'] }))).toContain(
      'Please fix this first:\n- Pick at least one role to activate.',
    );
  });

  it('the list offers it when two or more roles can be activated now', () => {
    const active: EligibleRole = { ...reader, active: { startDateTime: NOW, assignmentType: 'activated' } as any };
    expect(buttonTitles(eligibleListCard({ roles: [finance, reader], now: NOW }))).toContain('Activate several…');
    expect(buttonTitles(eligibleListCard({ roles: [finance, active], now: NOW }))).not.toContain('Activate several…');
  });
});

describe('the Activate several result', () => {
  const card = bulkResultCard([
    { role: finance, outcome: 'active', requestId: REQUEST, cappedToMinutes: 60 },
    { role: reader, outcome: 'pendingApproval', requestId: REQUEST },
    { role: prod, outcome: 'notSent', detail: 'This group asks for a ticket number (e.g. INC0012345).' },
    { role: { ...reader, group: { ...reader.group, displayName: 'User Administrator' } }, outcome: 'stepUp' },
  ]);

  it('says each outcome on its own row, with the cap and the reason', () => {
    expect(checkCard(card)).toEqual([]);
    expect(cardText(card)).toContain(
      '2 of 4 requested. Each has its own buttons, and I remind you before each one ends.',
    );
    expect(cardText(row(card, 'Finance Admins'))).toContain('Active');
    expect(cardText(row(card, 'Finance Admins'))).toContain('Capped to 1 hour, the most this allows.');
    expect(cardText(row(card, 'Global Reader'))).toContain('Waiting for approval');
    expect(cardText(row(card, 'Production Servers Admins'))).toContain('Not sent');
    expect(cardText(row(card, 'Production Servers Admins'))).toContain('asks for a ticket number');
    expect(cardText(row(card, 'User Administrator'))).toContain(
      'Needs a stronger sign-in: verify below, or activate it on its own',
    );
  });

  it('gives each row its own button: Deactivate, Cancel, or Activate on its own', () => {
    expect(buttonTitles(row(card, 'Finance Admins'))).toContain('Deactivate');
    expect(buttonTitles(row(card, 'Global Reader'))).toContain('Cancel request');
    expect(buttonTitles(row(card, 'Production Servers Admins'))).toEqual(['Activate Production Servers Admins']);
    expect(buttonTitles(row(card, 'User Administrator'))).toEqual(['Activate User Administrator']);
  });

  it("a row's Deactivate and Cancel carry the run, so the answer is this card again", () => {
    const OP = 'b0000000-0000-4000-8000-000000000002';
    const withOp = bulkResultCard(
      [
        { role: finance, outcome: 'active', requestId: REQUEST },
        { role: reader, outcome: 'pendingApproval', requestId: REQUEST },
      ],
      [],
      OP,
    );
    expect(findAction(withOp, 'Yes, deactivate')?.action).toMatchObject({ data: { requestId: REQUEST, bulk: OP } });
    expect(findAction(withOp, 'Yes, cancel it')?.action).toMatchObject({ data: { requestId: REQUEST, bulk: OP } });
  });

  it('after a click: a deactivated or canceled row still counts as requested, says so and offers Activate', () => {
    const after = bulkResultCard([
      { role: finance, outcome: 'deactivated', requestId: REQUEST, detail: 'You are still eligible.' },
      { role: reader, outcome: 'canceled', requestId: REQUEST },
      { role: prod, outcome: 'over', requestId: REQUEST, detail: 'An approver denied it.' },
    ]);
    expect(checkCard(after)).toEqual([]);
    expect(cardText(after)).toContain('3 of 3 requested. Each has its own buttons.');
    expect(cardText(after)).not.toContain('I remind you');
    expect(cardText(row(after, 'Finance Admins'))).toContain('Deactivated');
    expect(buttonTitles(row(after, 'Finance Admins'))).toEqual(['Activate Finance Admins']);
    expect(cardText(row(after, 'Global Reader'))).toContain('Request canceled');
    expect(cardText(row(after, 'Production Servers Admins'))).toContain('No longer active');
    expect(cardText(row(after, 'Production Servers Admins'))).toContain('An approver denied it.');
  });

  it('offers one sign-in per claims set, naming what each activates', () => {
    const one = bulkResultCard(
      [],
      [{ names: ['User Administrator', 'Security Operations'], signInUrl: 'https://bot/a' }],
    );
    expect(checkCard(one)).toEqual([]);
    expect(cardText(one)).toContain('One stronger sign-in activates User Administrator, Security Operations');
    expect(findAction(one, 'Verify my identity')?.action).toMatchObject({
      type: 'Action.OpenUrl',
      url: 'https://bot/a',
    });
    const two = bulkResultCard(
      [],
      [
        { names: ['A'], signInUrl: 'https://bot/a' },
        { names: ['B'], signInUrl: 'https://bot/b' },
      ],
    );
    expect(buttonTitles(two)).toEqual(['Show my roles', 'Verify my identity (1)', 'Verify my identity (2)']);
  });
});
