import { describe, expect, it } from 'vitest';
import {
  type AdaptiveCard,
  actionSet,
  adaptiveCard,
  choiceSetInput,
  column,
  columnSet,
  container,
  dateInput,
  executeAction,
  factSet,
  heading,
  openUrlAction,
  plainText,
  refresh,
  showCardAction,
  textBlock,
  textInput,
  timeInput,
  truncate,
} from '../../cards/elements.js';
import { allVerbs, isVerb, Verbs } from '../../cards/verbs.js';
import { checkCard, MAX_CARD_BYTES } from '../helpers/cardCheck.js';

/** A card that uses every builder, so one check covers all of their JSON. */
function everyElementCard(): AdaptiveCard {
  return adaptiveCard(
    [
      heading('Request access'),
      factSet([
        ['Package', 'Finance reports'],
        ['Catalog', undefined],
      ]),
      columnSet([
        column([textBlock('Left')], { width: 'auto' }),
        column([textBlock('Right')], { width: 'stretch', selectAction: openUrlAction('Open', 'https://example.com') }),
      ]),
      container([textBlock('Inside', { isSubtle: true })], { style: 'emphasis' }),
      textInput('justification', {
        label: 'Why do you need it?',
        isMultiline: true,
        maxLength: 500,
        isRequired: true,
        errorMessage: 'Say why',
      }),
      choiceSetInput('policyId', [{ title: 'Employees', value: 'p1' }], { label: 'Policy', style: 'expanded' }),
      dateInput('startDate', { label: 'Start', min: '2025-01-01' }),
      timeInput('startTime', { label: 'At' }),
      actionSet([executeAction('Details', Verbs.showDetails, { packageId: 'pkg-1' })]),
    ],
    {
      actions: [
        executeAction(
          'Submit',
          Verbs.submitRequest,
          { packageId: 'pkg-1', answers: ['a', 'b'] },
          { style: 'positive' },
        ),
        showCardAction(
          'Cancel…',
          [textInput('reason', { label: 'Reason' })],
          [executeAction('Confirm', Verbs.cancelRequest, { requestId: 'r-1' })],
        ),
        openUrlAction('My Access portal', 'https://myaccess.microsoft.com'),
      ],
      refresh: refresh(Verbs.refreshRequest, { requestId: 'r-1' }, ['29:user-1']),
      fullWidth: true,
    },
  );
}

function mutate(change: (card: Record<string, any>) => void): Record<string, any> {
  const card = structuredClone(everyElementCard()) as Record<string, any>;
  change(card);
  return card;
}

describe('checkCard accepts well-formed cards', () => {
  it('finds no problem in a card built from every builder', () => {
    expect(checkCard(everyElementCard())).toEqual([]);
  });

  it('accepts a people picker (choices.data, a Teams extension) without static choices', () => {
    const card = mutate((c) => {
      c.body.push({
        type: 'Input.ChoiceSet',
        id: 'approver',
        label: 'Approver',
        choices: [],
        'choices.data': { type: 'Data.Query', dataset: 'graph.microsoft.com/users' },
      });
    });
    expect(checkCard(card)).toEqual([]);
  });
});

describe('checkCard reports what Teams would reject or the bot would mishandle', () => {
  const cases: Array<[string, (card: Record<string, any>) => void, RegExp]> = [
    ['a wrong card type', (c) => (c.type = 'HeroCard'), /type must be "AdaptiveCard"/],
    ['a missing version', (c) => delete c.version, /version must be a string/],
    ['version 1.6', (c) => (c.version = '1.6'), /version 1\.6 is newer than Teams renders/],
    ['an unknown element', (c) => c.body.push({ type: 'Carousel2', pages: [] }), /Unknown element type "Carousel2"/],
    ['an unknown action', (c) => c.actions.push({ type: 'Action.Teleport', title: 'Go' }), /Unknown action type/],
    ['an unknown property', (c) => (c.body[0].colour = 'good'), /body\[0\]: unknown property "colour" on TextBlock/],
    ['an invalid enum value', (c) => (c.body[0].size = 'huge'), /Invalid value "huge" for property "size"/],
    ['an unknown card property', (c) => (c.theme = 'dark'), /card: unknown property "theme" on AdaptiveCard/],
    [
      'a 1.6 property',
      (c) => (c.body[4].labelPosition = 'inline'),
      /Input\.Text\.labelPosition needs Adaptive Cards 1\.6/,
    ],
    ['Action.Submit', (c) => c.actions.push({ type: 'Action.Submit', title: 'Old' }), /Action\.Submit is not used/],
    [
      'an unknown verb',
      (c) => (c.actions[0].verb = 'approveEverything'),
      /verb "approveEverything" is not in cards\/verbs\.ts/,
    ],
    ['an Action.Execute without verb', (c) => delete c.actions[0].verb, /verb undefined is not in cards\/verbs\.ts/],
    [
      'an unknown verb inside a shown card',
      (c) => (c.actions[1].card.actions[0].verb = 'nope'),
      /actions\[1\]\.card\.actions\[0\]: Action\.Execute verb "nope"/,
    ],
    [
      '61 refresh users',
      (c) => (c.refresh.userIds = Array.from({ length: 61 }, (_, i) => `29:u${i}`)),
      /userIds has 61 users/,
    ],
    [
      'seven buttons',
      (c) => c.actions.push(...Array.from({ length: 4 }, (_, i) => openUrlAction(`Link ${i}`, 'https://example.com'))),
      /^actions has 7 buttons; Teams shows at most 6$/,
    ],
    [
      'an empty refresh.userIds',
      (c) => (c.refresh.userIds = []),
      /userIds is empty, which turns automatic refresh off/,
    ],
    [
      'a duplicate input id in a shown card',
      (c) => (c.actions[1].card.body[0].id = 'justification'),
      /input id "justification" is used 2 times/,
    ],
    [
      'a TextBlock without text',
      (c) => (c.body[3].items[0].text = ' '),
      /body\[3\]\.items\[0\]: TextBlock has no text/,
    ],
    ['nested data', (c) => (c.actions[0].data.answers = [{ q: 'a' }]), /data\.answers is nested deeper than one level/],
    ['null data', (c) => (c.actions[0].data.packageId = null), /data\.packageId is null/],
    ['text carried as data', (c) => (c.actions[0].data.note = 'x'.repeat(300)), /data\.note is 300 characters/],
    [
      'a card over 40 KB in UTF-16 (20,000 characters)',
      (c) => c.body.push(textBlock('x'.repeat(MAX_CARD_BYTES / 2))),
      /bytes in UTF-16; keep it under 40960/,
    ],
    [
      'a card of 25,000 plain characters (25 KB in UTF-8, but 50 KB in UTF-16 as Teams counts)',
      (c) => c.body.push(textBlock('x'.repeat(25_000))),
      /bytes in UTF-16; keep it under 40960/,
    ],
    [
      'a refresh without Action.Execute',
      (c) => (c.refresh.action.type = 'Action.OpenUrl'),
      /refresh\.action must be an Action\.Execute/,
    ],
    ['an unknown msteams property', (c) => (c.msteams.height = 'tall'), /unknown Teams property "height"/],
  ];

  it.each(cases)('reports %s', (_name, change, expected) => {
    const problems = checkCard(mutate(change));
    expect(
      problems.some((problem) => expected.test(problem)),
      problems.join('\n'),
    ).toBe(true);
  });

  it('rejects something that is not a card at all', () => {
    expect(checkCard('hello')).toEqual(['the card is not a JSON object']);
  });
});

describe('element builders', () => {
  it('wraps text by default and leaves unset options out of the JSON', () => {
    expect(textBlock('Hello')).toEqual({ type: 'TextBlock', text: 'Hello', wrap: true });
  });

  it('drops facts without a value', () => {
    expect(
      factSet([
        ['Status', 'Pending'],
        ['Ends', undefined],
        ['Reason', ''],
      ]).facts,
    ).toEqual([{ title: 'Status', value: 'Pending' }]);
  });

  it('omits an empty action list from the card', () => {
    expect(adaptiveCard([textBlock('x')], { actions: [] })).not.toHaveProperty('actions');
  });

  it('builds a refresh that Teams accepts', () => {
    expect(refresh(Verbs.refreshApproval, { approvalId: 'a1' }, ['29:x'])).toEqual({
      action: { type: 'Action.Execute', verb: 'refreshApproval', data: { approvalId: 'a1' } },
      userIds: ['29:x'],
    });
  });

  it('escapes the Markdown that would change how names and justifications look', () => {
    expect(plainText('**Sales** [team](http://x) _a_')).toBe('\\*\\*Sales\\*\\* \\[team\\](http://x) \\_a\\_');
    expect(plainText('- not a list\n1. nor this')).toBe('\\- not a list\n1\\. nor this');
    expect(plainText('Anne-Marie O.Brien')).toBe('Anne-Marie O.Brien');
  });

  it('puts only a valid YYYY-MM-DD into Input.Date and HH:MM into Input.Time', () => {
    for (const bad of ['next week', '2026-02-30', '2026-13-01', '26-03-01', '2026-03-01T10:00']) {
      expect(dateInput('d', { value: bad, min: bad })).toEqual({ type: 'Input.Date', id: 'd' });
    }
    for (const bad of ['25:99', '24:00', '9:30', 'noon', '10:00:00']) {
      expect(timeInput('t', { value: bad })).toEqual({ type: 'Input.Time', id: 't' });
    }
    expect(dateInput('d', { value: '2028-02-29', min: '2026-01-01' })).toMatchObject({ value: '2028-02-29' });
    expect(timeInput('t', { value: '23:59' })).toMatchObject({ value: '23:59' });
  });

  it('shortens long text with an ellipsis and leaves short text alone', () => {
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('abc', 4)).toBe('abc');
    expect(Array.from(truncate('😀😀😀😀😀', 3))).toHaveLength(3);
  });
});

describe('verbs', () => {
  it('lists every verb once, each named after itself', () => {
    expect(new Set(allVerbs).size).toBe(allVerbs.length);
    for (const [key, verb] of Object.entries(Verbs)) expect(verb).toBe(key);
    expect(allVerbs).toEqual(expect.arrayContaining(['approve', 'deny', 'activate', 'showCatalog', 'showMore']));
  });

  it('recognises only known verbs', () => {
    expect(isVerb('approve')).toBe(true);
    expect(isVerb('Approve')).toBe(false);
    expect(isVerb(42)).toBe(false);
  });
});
