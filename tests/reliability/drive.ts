/**
 * Drives the three journeys through the Teams-like harness the way a person would (type, then press buttons on the
 * cards the bot returned). Shared by the reliability suites and the benches (round trips, concurrency). Every step
 * throws with a clear message when the bot did not answer with what the next step needs.
 */
import {
  buttonTitles,
  type Card,
  cardsIn,
  cardText,
  type InvokeReply,
  type TeamsHarness,
  type TeamsUser,
  teamsUser,
} from '../helpers/teamsHarness.js';

export const ALEX = teamsUser('10000000-0000-4000-8000-000000000001', 'Alex Wilber');
export const MEGAN = teamsUser('10000000-0000-4000-8000-000000000002', 'Megan Bowen');

export const ADAPTIVE_CARD = 'application/vnd.microsoft.card.adaptive';

/** The card answered to an Action.Execute, or an error naming what came back instead. */
export function replyCard(reply: InvokeReply, what: string): Card {
  if (reply.httpStatus !== 200 || reply.body?.type !== ADAPTIVE_CARD || !reply.body.value) {
    throw new Error(`${what}: expected HTTP 200 with a card, got ${reply.httpStatus} ${JSON.stringify(reply.body)}`);
  }
  return reply.body.value;
}

/** The single card the bot sent in reply to a message. */
export async function sayForCard(teams: TeamsHarness, user: TeamsUser, text: string): Promise<Card> {
  const sent = await teams.say(user, text);
  // Only this person's chat: with several people at once, other chats get cards during the same turn.
  const mine = sent.filter((e) => e.conversationId === teams.conversationId(user));
  const cards = mine.flatMap((e) => cardsIn(e.activity));
  if (cards.length === 0) throw new Error(`"${text}": the bot sent no card`);
  return cards[cards.length - 1];
}

export function hasButton(card: Card, title: string): boolean {
  return buttonTitles(card).includes(title);
}

/** Presses a button and returns the card the person sees next (the clicked one's replacement, or a new card). */
export async function press(
  teams: TeamsHarness,
  user: TeamsUser,
  card: Card,
  title: string,
  inputs: Record<string, string> = {},
  replyToId?: string,
): Promise<Card> {
  const seen = await teams.open(user, card, title, inputs, replyToId);
  if (seen.posted && seen.card) return seen.card;
  return replyCard(seen.reply, `"${title}"`);
}

// ---------- requester ----------

export async function search(teams: TeamsHarness, user: TeamsUser, words: string): Promise<Card> {
  const card = await sayForCard(teams, user, `request ${words}`);
  if (!hasButton(card, 'Request')) throw new Error(`search "${words}" found nothing: ${cardText(card).slice(0, 200)}`);
  return card;
}

/** The request form of the best match on a package list (its first "Request" button). */
export function openForm(teams: TeamsHarness, user: TeamsUser, list: Card): Promise<Card> {
  return press(teams, user, list, 'Request');
}

/** Submits the form's first policy with this justification; returns the status card. */
export async function submitForm(
  teams: TeamsHarness,
  user: TeamsUser,
  form: Card,
  justification: string,
): Promise<InvokeReply> {
  return teams.click(user, form, 'Submit request', { 'p0.justification': justification });
}

// ---------- approver ----------

/**
 * The approval card in the approver's chat for `requesterName` asking for `packageName` (sent by the watcher or by
 * "approvals"), with its activity id so the click updates that card.
 */
export function approvalCardFor(
  teams: TeamsHarness,
  approver: TeamsUser,
  requesterName: string,
  packageName: string,
): { card: Card; activityId: string } | undefined {
  const asks = `${requesterName} asks for ${packageName}`;
  const found = teams
    .cardsFor(approver)
    .filter((c) => hasButton(c.card, 'Approve') && cardText(c.card).includes(asks))
    .at(-1);
  return found ? { card: found.card, activityId: found.event.activityId } : undefined;
}

/** Makes the approver's card arrive: "approvals" in their chat (the watcher would push it too). */
export async function fetchApprovalCard(
  teams: TeamsHarness,
  approver: TeamsUser,
  requesterName: string,
  packageName: string,
): Promise<{ card: Card; activityId: string }> {
  const already = approvalCardFor(teams, approver, requesterName, packageName);
  if (already) return already;
  await teams.say(approver, 'approvals');
  const found = approvalCardFor(teams, approver, requesterName, packageName);
  if (!found) throw new Error(`${approver.name} has no approval card for ${requesterName} asking for ${packageName}`);
  return found;
}

// ---------- activation ----------

export async function eligibleList(teams: TeamsHarness, user: TeamsUser): Promise<Card> {
  const card = await sayForCard(teams, user, 'activate');
  if (!buttonTitles(card).some((t) => t.startsWith('Activate '))) {
    throw new Error(`"activate" listed nothing to activate: ${cardText(card).slice(0, 200)}`);
  }
  return card;
}

export function openActivateForm(teams: TeamsHarness, user: TeamsUser, list: Card, groupName: string): Promise<Card> {
  return press(teams, user, list, `Activate ${groupName}`);
}

export function activate(
  teams: TeamsHarness,
  user: TeamsUser,
  form: Card,
  justification: string,
): Promise<InvokeReply> {
  return teams.click(user, form, 'Activate', { justification });
}
