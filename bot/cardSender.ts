import { CardFactory, MessageFactory, type TurnContext } from 'botbuilder';
import { fitForTeams } from '../cards/size.js';
import type { CardJson } from './invokeResponse.js';

/**
 * Sends a card as its own activity (a card sent together with text cannot be updated later in Teams/Playground)
 * and returns the activity id so the card can be kept current.
 */
export async function sendCard(turn: TurnContext, card: CardJson): Promise<string | undefined> {
  const response = await turn.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(fitForTeams(card).card)));
  return response?.id;
}

export async function updateCard(turn: TurnContext, activityId: string, card: CardJson): Promise<void> {
  const activity = MessageFactory.attachment(CardFactory.adaptiveCard(fitForTeams(card).card));
  activity.id = activityId;
  await turn.updateActivity(activity);
}
