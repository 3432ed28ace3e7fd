import { describe, expect, it } from 'vitest';
import type { AdaptiveCard } from '../../cards/elements.js';
import { executeAction } from '../../cards/elements.js';
import { errorCard } from '../../cards/errorCard.js';
import { helpCard } from '../../cards/helpCard.js';
import { messageCard } from '../../cards/messageCard.js';
import { Verbs } from '../../cards/verbs.js';
import { welcomeCard } from '../../cards/welcomeCard.js';
import { checkCard } from '../helpers/cardCheck.js';

/** Every TextBlock text in reading order, including nested containers. */
function visibleTexts(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(visibleTexts);
  if (typeof node !== 'object' || node === null) return [];
  const record = node as Record<string, unknown>;
  const own = record.type === 'TextBlock' && typeof record.text === 'string' ? [record.text] : [];
  return [...own, ...visibleTexts(record.body), ...visibleTexts(record.items), ...visibleTexts(record.columns)];
}

function buttons(card: AdaptiveCard): Array<{ title: string; verb?: string }> {
  return (card.actions ?? []).map((a) =>
    a.type === 'Action.Execute' ? { title: a.title, verb: a.verb } : { title: a.title },
  );
}

const MENU = [
  { title: 'Find access', verb: 'showCatalog' },
  { title: 'My requests', verb: 'myRequests' },
  { title: 'My access', verb: 'myAccess' },
  { title: 'Approvals', verb: 'listApprovals' },
  { title: 'Activate a role', verb: 'activateList' },
];

describe('help card', () => {
  const card = helpCard();

  it('passes the Teams card checks', () => {
    expect(checkCard(card)).toEqual([]);
    expect(checkCard(helpCard({ notUnderstood: 'do the thing **now**' }))).toEqual([]);
  });

  it('explains what the bot does for requesters, approvers and people with eligible roles', () => {
    const texts = visibleTexts(card);
    expect(texts[0]).toBe('What Access Bot can do');
    expect(texts).toEqual(
      expect.arrayContaining(['When you need access', 'When you approve requests', 'When you have eligible roles']),
    );
    const all = texts.join('\n');
    for (const command of [
      '**request**',
      '**my requests**',
      '**my access**',
      '**approvals**',
      '**activate**',
      '**help**',
    ]) {
      expect(all).toContain(command);
    }
  });

  it('offers the five ways in as Action.Execute buttons', () => {
    expect(buttons(card)).toEqual(MENU);
  });

  it('says what it did not understand, literally and briefly', () => {
    const texts = visibleTexts(helpCard({ notUnderstood: `**grant** me ${'admin '.repeat(30)}` }));
    const line = texts.find((t) => t.startsWith("I didn't understand"));
    expect(line).toMatch(/^I didn't understand "\\\*\\\*grant\\\*\\\* me admin/);
    expect(line).toContain('…"');
    expect(line!.length).toBeLessThan(140);
    expect(visibleTexts(helpCard({ notUnderstood: '   ' })).some((t) => t.startsWith("I didn't"))).toBe(false);
  });

  it('keeps its structure', () => {
    expect(card).toMatchSnapshot();
  });
});

describe('welcome card', () => {
  it('greets by first name and passes the Teams card checks', () => {
    const card = welcomeCard({ firstName: 'Alex' });
    expect(checkCard(card)).toEqual([]);
    expect(visibleTexts(card)[0]).toBe("Hi Alex, I'm Access Bot");
  });

  it('still greets when the name is unknown', () => {
    expect(visibleTexts(welcomeCard({}))[0]).toBe("Hi, I'm Access Bot");
    expect(visibleTexts(welcomeCard({ firstName: '  ' }))[0]).toBe("Hi, I'm Access Bot");
  });

  it('shows a name with Markdown characters as typed', () => {
    expect(visibleTexts(welcomeCard({ firstName: '_Zoë_' }))[0]).toBe("Hi \\_Zoë\\_, I'm Access Bot");
  });

  it('has one sentence per capability and the same buttons as the help card', () => {
    const card = welcomeCard({ firstName: 'Alex' });
    const texts = visibleTexts(card);
    expect(texts.filter((t) => /request|approve|activate/.test(t) && !t.startsWith('Type'))).toHaveLength(3);
    expect(buttons(card)).toEqual(MENU);
    expect(card).toMatchSnapshot();
  });
});

describe('error card', () => {
  it('says what was wrong and what to do, with a retry button', () => {
    const card = errorCard({
      title: 'Graph is busy',
      message: 'Microsoft Graph asked me to slow down.',
      nextStep: 'Try again in a minute.',
      retry: { title: 'Try again', verb: Verbs.submitRequest, data: { packageId: 'pkg-1' } },
    });
    expect(checkCard(card)).toEqual([]);
    expect(visibleTexts(card)).toEqual([
      'Graph is busy',
      'Microsoft Graph asked me to slow down.',
      'What you can do',
      'Try again in a minute.',
    ]);
    expect(card.actions?.[0]).toMatchObject({
      title: 'Try again',
      verb: 'submitRequest',
      data: { packageId: 'pkg-1' },
    });
    expect(buttons(card).map((b) => b.title)).toEqual(['Try again', 'Help']);
    expect(card).toMatchSnapshot();
  });

  it('always leaves a way back to the menu, without next step or retry', () => {
    const card = errorCard({ title: 'Not found', message: 'That request no longer exists.' });
    expect(checkCard(card)).toEqual([]);
    expect(visibleTexts(card)).toEqual(['Not found', 'That request no longer exists.']);
    expect(buttons(card)).toEqual([{ title: 'Help', verb: 'help' }]);
  });
});

describe('message card', () => {
  it('shows title, text, the facts that have values, and the given actions', () => {
    const card = messageCard({
      title: 'Request submitted',
      text: 'Your request for **Finance reports** is waiting for approval.',
      tone: 'good',
      facts: [
        ['Package', 'Finance reports'],
        ['Approver', undefined],
      ],
      actions: [executeAction('Cancel request', Verbs.cancelRequest, { requestId: 'r-1' })],
    });
    expect(checkCard(card)).toEqual([]);
    expect(visibleTexts(card)).toEqual([
      'Request submitted',
      'Your request for **Finance reports** is waiting for approval.',
    ]);
    // The tone is the title's container style (a pale fill), so the text keeps the default colour in both themes.
    expect(card.body[0]).toMatchObject({ type: 'Container', style: 'good', items: [{ text: 'Request submitted' }] });
    expect(card.body[2]).toEqual({ type: 'FactSet', facts: [{ title: 'Package', value: 'Finance reports' }] });
    expect(buttons(card)).toEqual([{ title: 'Cancel request', verb: 'cancelRequest' }]);
    expect(card).toMatchSnapshot();
  });

  it('can be just a line of text', () => {
    const card = messageCard({ text: 'Nothing is waiting for you.' });
    expect(checkCard(card)).toEqual([]);
    expect(card.body).toEqual([{ type: 'TextBlock', text: 'Nothing is waiting for you.', wrap: true }]);
    expect(card).not.toHaveProperty('actions');
  });
});
