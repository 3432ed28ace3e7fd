import { type AdaptiveCard, adaptiveCard, type CardAction, executeAction, plainText, textBlock } from '../elements.js';
import { Verbs } from '../verbs.js';
import { formatDate, formatDatePlain } from './format.js';

/** The reminder that an access package assignment ends soon (sent 14 days and 1 day before, by default). */

export interface ExpiryReminderView {
  assignmentId: string;
  packageId: string;
  packageName: string;
  endsAt: string;
  /** The policy lets the person ask for more time. */
  canRenew: boolean;
  /** ISO time the card is drawn at. */
  now: string;
  /** The reader's IANA time zone, when Teams told the bot. */
  zone?: string;
}

export function expiryReminderCard(view: ExpiryReminderView): AdaptiveCard {
  const name = plainText(view.packageName);
  const actions: CardAction[] = [];
  if (view.canRenew) {
    actions.push(
      executeAction(
        'Renew',
        Verbs.renew,
        { packageId: view.packageId, assignmentId: view.assignmentId },
        { style: 'positive' },
      ),
    );
  }
  actions.push(executeAction('My access', Verbs.myAccess));
  return adaptiveCard(
    [
      // No refresh keeps this card current, so it names the day rather than "in 9 days".
      textBlock(`Your access to **${name}** ends on ${formatDate(view.endsAt)}`, { weight: 'bolder', wrap: true }),
      textBlock(
        view.canRenew
          ? 'Renew it now if you still need it; the request goes to the same approvers.'
          : "Its policy does not allow renewing it yourself: request it again after it ends, or ask the package's owner.",
        { isSubtle: true, spacing: 'small', wrap: true },
      ),
    ],
    { actions, fallbackText: `Your access to ${view.packageName} ends on ${formatDatePlain(view.endsAt)}.` },
  );
}
