import type { AssignmentView } from '../../services/model/entitlement.js';
import { type AdaptiveCard, adaptiveCard, type CardAction, executeAction, plainText, textBlock } from '../elements.js';
import { plainTimes } from '../time.js';
import { Verbs } from '../verbs.js';
import { formatDate } from './format.js';
import { nextStepText, renewAction, whereToAskText, youHaveThisText } from './holding.js';

/** The reminder that an access package assignment ends soon (sent 14 days and 1 day before, by default). */

export interface ExpiryReminderView {
  /** The assignment as Graph has it now (its end date, whether its policy allows Renew, who to ask). */
  assignment: AssignmentView;
  /** ISO time the card is drawn at. */
  now: string;
  /** The reader's IANA time zone, when Teams told the bot. */
  zone?: string;
}

export function expiryReminderCard({ assignment }: ExpiryReminderView): AdaptiveCard {
  const name = plainText(assignment.packageName);
  const endsAt = assignment.endsAt ?? '';
  const actions: CardAction[] = [
    ...renewAction(assignment.packageId, assignment),
    executeAction('My access', Verbs.myAccess),
  ];
  const next = nextStepText(assignment);
  return adaptiveCard(
    [
      // No refresh keeps this card current, so it names the day rather than "in 9 days".
      textBlock(`Your access to **${name}** ends on ${endsAt ? formatDate(endsAt) : 'a date I cannot read'}`, {
        weight: 'bolder',
        wrap: true,
      }),
      textBlock([youHaveThisText(assignment), next].filter(Boolean).join(' '), { spacing: 'small', wrap: true }),
      textBlock(whereToAskText(assignment), { isSubtle: true, spacing: 'small', wrap: true }),
    ],
    { actions, fallbackText: plainTimes(`Your access to ${assignment.packageName} ends on ${formatDate(endsAt)}.`) },
  );
}
