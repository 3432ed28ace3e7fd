import type { AssignmentView } from '../../services/model/entitlement.js';
import { type AdaptiveCard, adaptiveCard, type CardAction, executeAction, plainText, textBlock } from '../elements.js';
import { Verbs } from '../verbs.js';
import { formatDate, relativeTime } from './format.js';
import { nextStepText, renewAction, whereToAskText, youHaveThisText } from './holding.js';

/** The reminder that an access package assignment ends soon (sent 14 days and 1 day before, by default). */

export interface ExpiryReminderView {
  /** The assignment as Graph has it now (its end date, whether its policy allows Renew, who to ask). */
  assignment: AssignmentView;
  /** ISO time the card is drawn at. */
  now: string;
}

export function expiryReminderCard({ assignment, now }: ExpiryReminderView): AdaptiveCard {
  const name = plainText(assignment.packageName);
  const endsAt = assignment.endsAt ?? '';
  const when = relativeTime(endsAt, new Date(now));
  const actions: CardAction[] = [
    ...renewAction(assignment.packageId, assignment),
    executeAction('My access', Verbs.myAccess),
  ];
  const next = nextStepText(assignment);
  return adaptiveCard(
    [
      textBlock(`Your access to **${name}** ends ${when || 'soon'}`, { weight: 'bolder', wrap: true }),
      textBlock([youHaveThisText(assignment), next].filter(Boolean).join(' '), { spacing: 'small', wrap: true }),
      textBlock(whereToAskText(assignment), { isSubtle: true, spacing: 'small', wrap: true }),
    ],
    { actions, fallbackText: `Your access to ${assignment.packageName} ends on ${formatDate(endsAt)}.` },
  );
}
