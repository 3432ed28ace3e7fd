import type { AdaptiveCardInvokeResponse, InvokeResponse } from 'botbuilder';
import { fitForTeams } from '../cards/size.js';

/** The one place that shapes `adaptiveCard/action` replies. Teams always gets HTTP 200; the outcome is in the body. */
export type CardJson = object;

/** Every card the bot answers with or sends passes `fitForTeams` (here and in cardSender.ts): never over budget. */
export function cardReply(card: CardJson): AdaptiveCardInvokeResponse {
  const value = fitForTeams(card).card as Record<string, unknown>;
  return { statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value };
}

export function messageReply(text: string): AdaptiveCardInvokeResponse {
  return {
    statusCode: 200,
    type: 'application/vnd.microsoft.activity.message',
    value: text as unknown as Record<string, unknown>,
  };
}

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
