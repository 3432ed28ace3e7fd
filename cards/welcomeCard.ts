import { type AdaptiveCard, adaptiveCard, heading, plainText, textBlock, truncate } from './elements.js';
import { mainMenuActions } from './menu.js';

export interface WelcomeCardView {
  /** The person's given name; the greeting stays general without it. */
  firstName?: string;
}

const CAPABILITIES: readonly string[] = [
  'I help you find and request the access you need, and tell you when it is ready.',
  'If you approve requests, I bring each one to you here so you can approve or deny it in the chat.',
  'If you have eligible roles in privileged groups, you can activate them here for the time you need.',
];

function greeting(firstName: string | undefined): string {
  const name = firstName?.trim();
  return name ? `Hi ${plainText(truncate(name, 40))}, I'm Access Bot` : "Hi, I'm Access Bot";
}

export function welcomeCard(view: WelcomeCardView = {}): AdaptiveCard {
  const hello = greeting(view.firstName);
  return adaptiveCard(
    [
      heading(hello),
      ...CAPABILITIES.map((sentence) => textBlock(sentence, { spacing: 'small' })),
      textBlock('Type **help** at any time to see what I can do.', { isSubtle: true, spacing: 'medium' }),
    ],
    { actions: mainMenuActions(), fallbackText: `${hello}. Type help to see what I can do.` },
  );
}
