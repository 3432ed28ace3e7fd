import {
  type ActionData,
  type AdaptiveCard,
  adaptiveCard,
  type CardAction,
  type CardElement,
  callout,
  executeAction,
  textBlock,
} from './elements.js';
import { type Verb, Verbs } from './verbs.js';

export interface RetryAction {
  title: string;
  verb: Verb;
  data?: ActionData;
}

/** Texts are Markdown: escape anything that came from people or Graph with `plainText` first. */
export interface ErrorCardView {
  /** What went wrong, in a few words ("You can't request this package"). */
  title: string;
  /** Why, in a sentence the person understands. */
  message: string;
  /** What the person can do about it. */
  nextStep?: string;
  retry?: RetryAction;
}

function nextStepBlock(nextStep: string): CardElement[] {
  return [
    textBlock('What you can do', { weight: 'bolder', spacing: 'medium' }),
    textBlock(nextStep, { spacing: 'small' }),
  ];
}

export function errorCard(view: ErrorCardView): AdaptiveCard {
  const { title, message, nextStep, retry } = view;
  const actions: CardAction[] = [];
  if (retry) actions.push(executeAction(retry.title, retry.verb, retry.data, { style: 'positive' }));
  // Never a dead end: there is always a way back to the menu.
  actions.push(executeAction('Help', Verbs.help));
  return adaptiveCard(
    [
      callout([textBlock(title, { size: 'medium', weight: 'bolder', style: 'heading' })], 'attention'),
      textBlock(message),
      ...(nextStep ? nextStepBlock(nextStep) : []),
    ],
    { actions, fallbackText: `${title}. ${message}` },
  );
}
