import { actionSet, type CardElement, container, executeAction, heading, plainText, textBlock } from '../elements.js';
import { confirmInCard } from '../requester/confirm.js';
import { Verbs } from '../verbs.js';

/** The "Saved sets" line of the activate list: each set's name opens its form; Remove asks once. */

export const removeSetButtonTitle = (name: string) => `Remove ${name}`;
export const CONFIRM_REMOVE_SET_BUTTON = 'Yes, remove set';

export function savedSetsSection(names: string[]): CardElement[] {
  if (names.length === 0) return [];
  return [
    container(
      [
        heading('Saved sets', { size: 'medium' }),
        textBlock('Type **activate** and a set name, or pick one here.', { isSubtle: true, spacing: 'none' }),
        ...names.map((name) =>
          actionSet([
            executeAction(name, Verbs.activateSavedSet, { name }),
            confirmInCard(
              removeSetButtonTitle(name),
              {
                question: `Remove your saved set ${plainText(name)}?`,
                consequence: 'Only the saved pick goes; nothing is activated or deactivated.',
              },
              { title: CONFIRM_REMOVE_SET_BUTTON, verb: Verbs.removeSavedSet, data: { name } },
            ),
          ]),
        ),
      ],
      { separator: true, spacing: 'large' },
    ),
  ];
}
