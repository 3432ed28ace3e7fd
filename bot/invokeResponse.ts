import type { AdaptiveCardInvokeResponse, InvokeResponse, TurnContext } from 'botbuilder';
import { fitForTeams } from '../cards/size.js';
import { sendCard } from './cardSender.js';

/** The one place that shapes `adaptiveCard/action` replies. Teams always gets HTTP 200; the outcome is in the body. */
export type CardJson = object;

const CARD_TYPE = 'application/vnd.microsoft.card.adaptive';

/** Every card the bot answers with or sends passes `fitForTeams` (here and in cardSender.ts): never over budget. */
export function cardReply(card: CardJson): AdaptiveCardInvokeResponse {
  const value = fitForTeams(card).card as Record<string, unknown>;
  return { statusCode: 200, type: CARD_TYPE, value };
}

export function messageReply(text: string): AdaptiveCardInvokeResponse {
  return {
    statusCode: 200,
    type: 'application/vnd.microsoft.activity.message',
    value: text as unknown as Record<string, unknown>,
  };
}

/** What a navigation click answers: the clicked card stays as it was and Teams shows this note under it. */
export const LEFT_AS_IT_WAS_NOTE = 'Opened below.';

/**
 * The answer to a button that goes somewhere else: its card is posted as a new message in the same conversation
 * (a group chat or channel thread included) and the clicked card is left exactly as it was. Teams has no "leave it"
 * answer: a card reply replaces the card (and would need the card we do not have), an empty body shows "Unable to
 * reach app"; an `activity.message` reply keeps the card and shows a short text (the Agents Playground shows it in a
 * dismissible note under the card). Answers that are not a card (sign-in, a message) pass through unchanged.
 */
export async function answerAsNavigation(
  turn: TurnContext,
  answer: AdaptiveCardInvokeResponse,
): Promise<AdaptiveCardInvokeResponse> {
  if (answer.statusCode !== 200 || answer.type !== CARD_TYPE) return answer;
  try {
    await sendCard(turn, answer.value as CardJson);
  } catch {
    // Teams would not take the new message (throttled, blocked): the clicked card still stays as it was.
    return messageReply(NOT_POSTED_NOTE);
  }
  return messageReply(LEFT_AS_IT_WAS_NOTE);
}

/** What a navigation click answers when the new card could not be posted. */
export const NOT_POSTED_NOTE = 'Teams did not take the new card just now. Click again in a moment.';

export function loginRequestReply(value: {
  text: string;
  connectionName: string;
  tokenExchangeResource: { id: string; uri: string };
  buttons: { type: 'signin'; title: string; value: string }[];
}): AdaptiveCardInvokeResponse {
  return { statusCode: 401, type: 'application/vnd.microsoft.activity.loginRequest', value };
}

export function invalidAuthCodeReply(): AdaptiveCardInvokeResponse {
  return {
    statusCode: 401,
    type: 'application/vnd.microsoft.error.invalidAuthCode',
    value: { code: '401', message: 'The sign-in code was not valid. Please sign in again.' },
  };
}

export function preconditionFailedReply(message: string): AdaptiveCardInvokeResponse {
  return {
    statusCode: 412,
    type: 'application/vnd.microsoft.error.preconditionFailed',
    value: { code: '412', message },
  };
}

export function asHttp200(body: AdaptiveCardInvokeResponse): InvokeResponse {
  return { status: 200, body };
}
