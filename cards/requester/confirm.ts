import type { RequestView } from '../../services/model/entitlement.js';
import {
  type ActionData,
  type CardElement,
  executeAction,
  heading,
  plainText,
  type ShowCardAction,
  showCardAction,
  textBlock,
  truncate,
} from '../elements.js';
import { type Verb, Verbs } from '../verbs.js';
import { formatDate } from './format.js';

/**
 * Asking once before something stops: what will stop, in words, and one confirm button. "Give up access" shows it as
 * a card of its own (its confirmation carries an idempotency key made on the first click); "Cancel request" shows it
 * in the card itself (Action.ShowCard), so nothing reaches the bot, let alone Graph, before the confirm.
 */

const MAX_NAME_CHARS = 120;

export interface Confirmation {
  /** "Withdraw your request for Finance Reports (requested 2 Dec 2026)?" */
  question: string;
  /** What happens then, and how to undo it. */
  consequence: string;
}

export function confirmationBody(view: Confirmation): CardElement[] {
  return [heading(view.question), textBlock(view.consequence)];
}

/** The button that opens the confirmation in the card; its one button does the destructive thing. */
export function confirmInCard(
  buttonTitle: string,
  view: Confirmation,
  confirm: { title: string; verb: Verb; data: ActionData },
): ShowCardAction {
  return showCardAction(
    buttonTitle,
    confirmationBody(view),
    [executeAction(confirm.title, confirm.verb, confirm.data, { style: 'destructive' })],
    { style: 'destructive' },
  );
}

export const CANCEL_REQUEST_BUTTON = 'Cancel request';
export const CONFIRM_CANCEL_BUTTON = 'Yes, cancel request';

/** "Cancel request" on a request that may still be stopped: asks once, naming the request. */
export function cancelRequestButton(request: RequestView): ShowCardAction {
  const name = plainText(truncate(request.packageName, MAX_NAME_CHARS));
  const requested = request.createdAt ? ` (requested ${formatDate(request.createdAt)})` : '';
  const removal = request.kind === 'remove';
  const question = removal
    ? `Withdraw your request to give up ${name}${requested}?`
    : `Withdraw your request for ${name}${requested}?`;
  const consequence = removal
    ? 'You keep the access as it is.'
    : request.state === 'scheduled' && request.startsAt
      ? `Your access will not start on ${formatDate(request.startsAt)}. To get it later you would have to request it again.`
      : 'The approvers are no longer asked and nothing is granted. To get it later you would have to request it again.';
  return confirmInCard(
    CANCEL_REQUEST_BUTTON,
    { question, consequence },
    { title: CONFIRM_CANCEL_BUTTON, verb: Verbs.cancelRequest, data: { requestId: request.id } },
  );
}
