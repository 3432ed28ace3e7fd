import {
  type AdaptiveCard,
  adaptiveCard,
  type CardAction,
  type CardElement,
  callout,
  factSet,
  heading,
  textBlock,
} from './elements.js';

export type MessageTone = 'default' | 'good' | 'warning' | 'attention';

/** Texts are Markdown: escape anything that came from people or Graph with `plainText` first. */
export interface MessageCardView {
  title?: string;
  text: string;
  /** Colours the title: good for done, warning for needs attention soon, attention for failed. */
  tone?: MessageTone;
  /** Label/value rows; rows whose value is undefined or empty are left out. */
  facts?: ReadonlyArray<readonly [string, string | undefined]>;
  actions?: CardAction[];
}

function titleBlock(title: string, tone: MessageTone): CardElement {
  return callout([heading(title)], tone);
}

export function messageCard(view: MessageCardView): AdaptiveCard {
  const { title, text, tone = 'default', facts = [], actions = [] } = view;
  const factRows = factSet(facts);
  const body: CardElement[] = [
    ...(title ? [titleBlock(title, tone)] : []),
    textBlock(text),
    ...(factRows.facts.length > 0 ? [factRows] : []),
  ];
  return adaptiveCard(body, { actions, fallbackText: title ? `${title}. ${text}` : text });
}
