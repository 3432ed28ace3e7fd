import {
  type AdaptiveCard,
  adaptiveCard,
  type CardElement,
  callout,
  container,
  heading,
  plainText,
  textBlock,
  truncate,
} from './elements.js';
import { mainMenuActions } from './menu.js';

export interface HelpCardView {
  /** What the person typed when the bot did not understand it; shown (quoted, shortened) above the help. */
  notUnderstood?: string;
}

interface Audience {
  title: string;
  what: string;
  commands: string;
}

const AUDIENCES: readonly Audience[] = [
  {
    title: 'When you need access',
    what:
      'Find an access package, see what it gives you, and request it with a justification. ' +
      'I tell you when it is approved, denied or ready to use.',
    commands: 'Type **request** *name*, **my requests** or **my access**.',
  },
  {
    title: 'When you approve requests',
    what:
      'I bring each request that waits for your decision to this chat, with Approve and Deny on the card. ' +
      'Once someone decides, every copy of the card shows the outcome.',
    commands: 'Type **approvals** to see what is waiting for you.',
  },
  {
    title: 'When you have eligible roles',
    what:
      'Activate your eligible membership or ownership of a privileged group for the time you need, ' +
      'within its policy. I remind you before it ends, and you can deactivate it early.',
    commands:
      "Type **activate** to see your eligible roles, **activate** and a saved set's name (e.g. **activate on call**) to open it, or **forget my answers** to stop pre-filling your last justification.",
  },
];

function audienceSection(audience: Audience): CardElement {
  return container(
    [
      textBlock(audience.title, { weight: 'bolder' }),
      textBlock(audience.what),
      textBlock(audience.commands, { isSubtle: true, spacing: 'small' }),
    ],
    { spacing: 'medium' },
  );
}

function notUnderstoodLine(typed: string): CardElement {
  return callout(
    [textBlock(`I didn't understand "${plainText(truncate(typed.trim(), 80))}". Here is what I can do.`)],
    'warning',
  );
}

export function helpCard(view: HelpCardView = {}): AdaptiveCard {
  const typed = view.notUnderstood?.trim();
  const intro: CardElement[] = typed ? [notUnderstoodLine(typed)] : [];
  return adaptiveCard(
    [
      heading('What Access Bot can do'),
      ...intro,
      ...AUDIENCES.map(audienceSection),
      textBlock('Type **help** at any time to see this again.', { isSubtle: true, spacing: 'medium' }),
    ],
    {
      actions: mainMenuActions(),
      fallbackText: 'Access Bot: type help, request, my requests, my access, approvals or activate.',
    },
  );
}
