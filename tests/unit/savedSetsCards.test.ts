import { describe, expect, it } from 'vitest';
import { sharedAnswer } from '../../bot/journeys/activation/answers.js';
import { bulkFormCard, type PickableRole, pickKey } from '../../cards/activation/bulkCard.js';
import { savedSetsSection } from '../../cards/activation/savedSetsSection.js';
import { adaptiveCard } from '../../cards/elements.js';
import { Verbs } from '../../cards/verbs.js';
import { checkCard } from '../helpers/cardCheck.js';
import { buttonTitles, type Card, cardText, findAction } from '../helpers/teamsHarness.js';

/** Saved sets and remembered answers (issue 16, item 3): the cards are pure functions of their view. */

const finance: PickableRole = {
  group: { id: '20000000-0000-4000-8000-000000000011', displayName: 'Finance Admins' },
  accessId: 'member',
  eligibleFrom: '2026-01-01T00:00:00Z',
  policy: {
    maximumDuration: 'PT1H',
    maximumMinutes: 60,
    justificationRequired: true,
    ticketRequired: false,
    mfaRequired: false,
    approvalRequired: false,
    approvers: [],
  },
};

describe('saved sets cards', () => {
  it('the bulk form names the set, what was left out, and offers "Save this pick as" (at most 40)', () => {
    const card = bulkFormCard({
      roles: [finance],
      durations: [30, 60],
      defaultMinutes: 60,
      op: 'a0000000-0000-4000-8000-000000000001',
      values: { picked: pickKey(finance), justification: 'Pager duty' },
      fromSet: { name: 'On call', gone: ['Global Reader role (no longer eligible)'] },
    }) as Card;
    expect(checkCard(card)).toEqual([]);
    expect(cardText(card)).toContain(
      'Your saved set **On call** is picked. Left out: Global Reader role (no longer eligible).',
    );
    const saveAs = (card.body ?? []).find((el: any) => el.id === 'saveAs') as any;
    expect(saveAs).toMatchObject({ type: 'Input.Text', maxLength: 40 });
    expect(((card.body ?? []).find((el: any) => el.id === 'justification') as any).value).toBe('Pager duty');
  });

  it('the Saved sets line has each name as a button to its form, and a Remove that asks first', () => {
    const card = adaptiveCard(savedSetsSection(['On call', 'Month end close'])) as Card;
    expect(checkCard(card)).toEqual([]);
    expect(buttonTitles(card)).toEqual(
      expect.arrayContaining(['On call', 'Remove On call', 'Month end close', 'Remove Month end close']),
    );
    expect(findAction(card, 'On call')?.action).toMatchObject({
      verb: Verbs.activateSavedSet,
      data: { name: 'On call' },
    });
    expect(JSON.stringify(card)).toContain('Remove your saved set Month end close?');
    expect(savedSetsSection([])).toEqual([]);
  });

  it('pre-fills the bulk justification only when every picked item last got the same one', () => {
    const answers = {
      a: { justification: 'Pager duty' },
      b: { justification: 'Pager duty' },
      c: { justification: 'Audit' },
    };
    expect(sharedAnswer(answers, ['a', 'b'])).toEqual({ justification: 'Pager duty' });
    expect(sharedAnswer(answers, ['a', 'c'])).toEqual({});
    expect(sharedAnswer(answers, ['a', 'x'])).toEqual({});
    expect(sharedAnswer(answers, [])).toEqual({});
  });
});
