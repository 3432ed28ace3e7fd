/**
 * What people see in their chats through a TeamsHarness: every card by activity id, with the invoke replies (which
 * Teams shows in place of the clicked card) layered over what the connector received. Shared by the journey tests
 * that follow cards across people (tests/integration/approver.test.ts, sponsors.test.ts) and the multi-process ones
 * (tests/helpers/journeyBots.ts: restart.test.ts, azuriteDemo.test.ts).
 */
import { expect } from 'vitest';
import { checkCard } from './cardCheck.js';
import {
  buttonTitles,
  type Card,
  cardsIn,
  cardText,
  findAction,
  type TeamsHarness,
  type TeamsUser,
} from './teamsHarness.js';

export interface Shown {
  card: Card;
  /** The activity the card lives in (a click's reply replaces the clicked card in place). */
  id: string;
}

export interface ChatsOptions {
  /** Every card a click answers with must pass checkCard (the rules Teams renders by). Default: not checked. */
  checkReplies?: boolean;
  /**
   * say() returns only what reached the person's own chat during the turn. Default: every card the connector got
   * meanwhile (a turn can also carry proactive sends to other people, e.g. from a watcher on a short interval).
   */
  ownChatOnly?: boolean;
}

export class Chats {
  private readonly replies = new Map<string, { card: Card; at: number }>();
  constructor(
    readonly teams: TeamsHarness,
    private readonly opts: ChatsOptions = {},
  ) {}

  /** The card a person sees now under this activity id: the last invoke reply or connector update, whichever is newer. */
  current(user: TeamsUser, activityId: string): Card {
    const last = this.teams
      .cardsFor(user)
      .filter((c) => c.event.activityId === activityId)
      .at(-1);
    const reply = this.replies.get(`${user.aadObjectId}/${activityId}`);
    const card = reply && (!last || reply.at >= last.event.at) ? reply.card : last?.card;
    if (!card) throw new Error(`no card ${activityId} in ${user.name}'s chat`);
    return card;
  }

  /** Every card in the person's chat (current version) whose text matches, in the order they first arrived. */
  all(user: TeamsUser, text: RegExp): Shown[] {
    const ids = [...new Set(this.teams.cardsFor(user).map((c) => c.event.activityId))];
    return ids
      .map((activityId) => ({ card: this.current(user, activityId), id: activityId }))
      .filter((s) => text.test(cardText(s.card)));
  }

  /** The newest card in the person's chat whose text matches (by activity, showing its current version). */
  find(user: TeamsUser, text: RegExp): Shown {
    const found = this.all(user, text).at(-1);
    if (!found) throw new Error(`${user.name} has no card matching ${text}`);
    return found;
  }

  /** Sends a message as the person; returns the cards the connector received during the turn (see ownChatOnly). */
  async say(user: TeamsUser, text: string): Promise<Shown[]> {
    const conversation = this.teams.conversationId(user);
    const events = (await this.teams.say(user, text)).filter(
      (e) => !this.opts.ownChatOnly || e.conversationId === conversation,
    );
    return events.flatMap((e) => cardsIn(e.activity).map((card) => ({ card, id: e.activityId })));
  }

  /**
   * Presses a button; returns the card the person sees next: the reply card replacing the clicked one (same
   * activity id), or for a navigation button the new card posted below it (its own activity id).
   */
  async press(user: TeamsUser, shown: Shown, title: string, inputs: Record<string, string> = {}): Promise<Shown> {
    const seen = await this.teams.open(user, shown.card, title, inputs, shown.id);
    const reply = seen.reply;
    expect(reply.httpStatus, `"${title}" answered ${JSON.stringify(reply.body)}`).toBe(200);
    if (seen.posted && seen.card && seen.activityId) {
      if (this.opts.checkReplies) expect(checkCard(seen.card)).toEqual([]);
      return { card: seen.card, id: seen.activityId };
    }
    expect(reply.body?.type, `"${title}" answered ${JSON.stringify(reply.body)}`).toBe(
      'application/vnd.microsoft.card.adaptive',
    );
    const card = reply.body!.value as Card;
    if (this.opts.checkReplies) expect(checkCard(card)).toEqual([]);
    this.replies.set(`${user.aadObjectId}/${shown.id}`, { card, at: Date.now() });
    return { card, id: shown.id };
  }

  /** press(), returning only the reply card. */
  async click(user: TeamsUser, shown: Shown, title: string, inputs: Record<string, string> = {}): Promise<Card> {
    return (await this.press(user, shown, title, inputs)).card;
  }

  /**
   * Requests an access package through the requester journey ("request <search>" → Request → Submit) and returns the
   * status card. With `policy`, the form's button of that name picks the policy (packages with several policies).
   */
  async request(
    user: TeamsUser,
    search: string,
    opts: { justification?: string; policy?: string; policyIndex?: number } = {},
  ): Promise<Shown> {
    const results = (await this.say(user, `request ${search}`)).find((s) => buttonTitles(s.card).includes('Request'));
    if (!results) throw new Error(`no Request button answered "request ${search}"`);
    let form = await this.press(user, results, 'Request');
    if (opts.policy) {
      const choice = findAction(form.card, opts.policy);
      if (!choice?.action.card) throw new Error(`no policy "${opts.policy}" on the form`);
      form = { card: choice.action.card, id: form.id };
    }
    const inputs = opts.justification ? { [`p${opts.policyIndex ?? 0}.justification`]: opts.justification } : {};
    return this.press(user, form, 'Submit request', inputs);
  }
}
