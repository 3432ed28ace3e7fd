import { expect } from 'vitest';
import type { DevtenantOptions } from '../../devtenant/index.js';
import { encodeUnsignedJwt } from '../../services/auth/localTokens.js';
import type { ManualClock } from '../../services/clock.js';
import { checkCard } from './cardCheck.js';
import { withAllPages } from './devtenantGraph.js';
import { type Stack, type StackOptions, startStack } from './stack.js';
import { type Card, cardsIn, cardText, type TeamsUser, teamsUser } from './teamsHarness.js';

/**
 * Drives the activation journey like a person in Teams and a browser would, on top of `startStack` (bot, devtenant
 * and the Teams-like harness over real HTTP, one shared manual clock). Shared by the activation tests that need a
 * stack of their own.
 */

export const TENANT = 'c0a70500-0000-4000-8000-000000000001';
export const ALEX = teamsUser('10000000-0000-4000-8000-000000000001', 'Alex Wilber');
export const MEGAN_ID = '10000000-0000-4000-8000-000000000002';
export const GROUP = {
  finance: '20000000-0000-4000-8000-000000000011',
  prod: '20000000-0000-4000-8000-000000000012',
  devtools: '20000000-0000-4000-8000-000000000013',
  secops: '20000000-0000-4000-8000-000000000014',
  azure: '20000000-0000-4000-8000-000000000015',
};
export const PIM = '/v1.0/identityGovernance/privilegedAccess/group';

export interface GraphLogEntry {
  method: string;
  path: string;
  caller: string | null;
  status: number;
  batchItem?: boolean;
}

export class ActivationDriver {
  /** What the client shows in place of a clicked card (invoke answers never reach the connector). */
  private readonly replies = new Map<string, { card: Card; at: number }>();

  private constructor(readonly stack: Stack) {}

  static async start(
    devtenant?: DevtenantOptions,
    opts: Pick<StackOptions, 'tokens' | 'env'> = {},
  ): Promise<ActivationDriver> {
    return new ActivationDriver(await startStack({ sharedClock: true, devtenant, ...opts }));
  }

  stop(): Promise<void> {
    return this.stack.stop();
  }

  get bot() {
    return this.stack.bot;
  }

  get teams() {
    return this.stack.teams;
  }

  get clock(): ManualClock {
    return this.stack.clock as ManualClock;
  }

  /** Moves the bot's and the devtenant's clocks together. */
  advance(seconds: number): Promise<void> {
    return this.stack.advance(seconds);
  }

  /** The devtenant's control plane (`/_devtenant/...`). */
  async control(path: string, body?: unknown, method = body === undefined ? 'GET' : 'POST'): Promise<any> {
    const res = await fetch(`${this.devtenantUrl}/_devtenant/${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return res.status === 204 ? undefined : res.json();
  }

  clearGraphLog(): Promise<void> {
    return this.stack.clearGraphLog();
  }

  async tick(): Promise<void> {
    const report = await this.stack.bot.watcher.tickNow();
    expect(report.sources.find((s) => s.name === 'activation')?.ok).toBe(true);
  }

  get botUrl(): string {
    return this.stack.bot.url;
  }

  get devtenantUrl(): string {
    return this.stack.devtenant?.url as string;
  }

  /** Graph round trips since the last clear (a $batch counts once). */
  async roundTrips(): Promise<GraphLogEntry[]> {
    return ((await this.stack.graphCalls()) as GraphLogEntry[]).filter((e) => !e.batchItem);
  }

  /** The selfActivate POSTs the devtenant saw since the last clear. */
  async postedActivations(): Promise<GraphLogEntry[]> {
    return (await this.roundTrips()).filter(
      (e) => e.method === 'POST' && e.path.startsWith(`${PIM}/assignmentScheduleRequests`),
    );
  }

  /** Graph as one person of the demo tenant, straight to the devtenant (for setting up and reading back). */
  async graph(oid: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
    const now = Math.floor(this.clock.now().getTime() / 1000);
    const token = encodeUnsignedJwt({ oid, tid: TENANT, scp: 'x', iat: now, exp: now + 3600 });
    const res = await fetch(`${this.devtenantUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    const parsed = text ? JSON.parse(text) : undefined;
    if (method !== 'GET' || !res.ok) return { status: res.status, body: parsed };
    const headers = { authorization: `Bearer ${token}` };
    return {
      status: res.status,
      body: await withAllPages(parsed, async (url) => (await fetch(url, { headers })).json()),
    };
  }

  async members(groupId: string): Promise<string[]> {
    const { body } = await this.graph(ALEX.aadObjectId, 'GET', `/v1.0/groups/${groupId}/members`);
    return body.value.map((m: { id: string }) => m.id);
  }

  /** Alex's active (assigned) memberships and ownerships of one group, as Graph lists them. */
  async activeInstances(groupId: string, oid = ALEX.aadObjectId): Promise<any[]> {
    const { body } = await this.graph(
      oid,
      'GET',
      `${PIM}/assignmentScheduleInstances/filterByCurrentUser(on='principal')`,
    );
    return body.value.filter((i: any) => i.groupId === groupId);
  }

  /** Types "activate" and returns the list card with its activity id. */
  async list(user: TeamsUser = ALEX, text = 'activate'): Promise<{ card: Card; id: string }> {
    const [event] = await this.stack.teams.say(user, text);
    const [card] = cardsIn(event.activity);
    return { card, id: event.activityId };
  }

  /** Presses a button; returns the card the bot answered with (Teams shows it in place of the clicked one). */
  async press(card: Card, title: string, inputs: Record<string, string> = {}, replyToId?: string, user = ALEX) {
    const reply = await this.stack.teams.click(user, card, title, inputs, replyToId);
    expect(reply.httpStatus).toBe(200);
    expect(reply.body?.type).toBe('application/vnd.microsoft.card.adaptive');
    const answer = reply.body!.value as Card;
    expect(checkCard(answer)).toEqual([]);
    if (replyToId) this.replies.set(replyToId, { card: answer, at: Date.now() });
    return answer;
  }

  /** The activation form of one role, opened from the list card like a person would. */
  async form(buttonTitle: string): Promise<{ form: Card; id: string }> {
    const { card, id } = await this.list();
    return { form: await this.press(card, buttonTitle, {}, id), id };
  }

  /** The card a person sees now under this activity id: the last invoke answer or connector update, whichever is newer. */
  current(activityId: string, user: TeamsUser = ALEX): Card {
    const events = this.stack.teams.cardsFor(user).filter((c) => c.event.activityId === activityId);
    const last = events.at(-1);
    const reply = this.replies.get(activityId);
    const card = reply && (!last || reply.at >= last.event.at) ? reply.card : last?.card;
    if (!card) throw new Error(`no card ${activityId}`);
    return card;
  }
}

export interface StepUpBrowser {
  /** The devtenant's sign-in page as the bot's step-up page redirected to it. */
  authorize: URL;
  /** Where the sign-in page sent the browser back: the bot's callback with `code` and `state`. */
  callback: URL;
}

/**
 * Follows the step-up link like a browser up to the callback (not opening it): the bot's page, the devtenant's
 * sign-in form, the verification. `signInAs` replaces the account on the sign-in form (the person picks another
 * account), as an object id or a user principal name of the demo tenant.
 */
export async function signInUntilCallback(signInUrl: string, opts: { signInAs?: string } = {}): Promise<StepUpBrowser> {
  const toAuthority = await fetch(signInUrl, { redirect: 'manual' });
  expect(toAuthority.status).toBe(302);
  const authorize = new URL(toAuthority.headers.get('location') as string);
  const formPage = await fetch(authorize);
  expect(formPage.status).toBe(200);
  const form = await formPage.text();
  const fields = new URLSearchParams({ otc: '482915' });
  for (const m of form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    fields.set(m[1], unescapeHtml(m[2]));
  }
  if (opts.signInAs) fields.set('login_hint', opts.signInAs);
  const verified = await fetch(authorize, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: fields.toString(),
    redirect: 'manual',
  });
  expect(verified.status).toBe(302);
  return { authorize, callback: new URL(verified.headers.get('location') as string) };
}

/** Opens a page of the bot like a browser; every answer must be an HTML page, never a stack trace. */
export async function openPage(url: string | URL): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { redirect: 'manual' });
  const text = await res.text();
  expect(res.headers.get('content-type')).toMatch(/text\/html/);
  expect(text).not.toMatch(/at .*\.ts:\d+|Error:|stack/i);
  return { status: res.status, text };
}

/** The visible words of one of the bot's pages: title and paragraphs, tags removed, entities decoded. */
export function pageWords(html: string): string {
  const main = /<main>([\s\S]*)<\/main>/.exec(html)?.[1] ?? html;
  return unescapeHtml(main.replace(/<\/(h1|p)>/g, '\n').replace(/<[^>]+>/g, '')).trim();
}

export function openUrl(card: Card, title: string): string {
  const action = (card.actions ?? []).find((a: any) => a.type === 'Action.OpenUrl' && a.title === title);
  if (!action) throw new Error(`no link "${title}" on the card`);
  return action.url;
}

function unescapeHtml(text: string): string {
  return text
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** The row (a top-level Container) of one group (or Entra role) in the activate list, as a card of its own, to read it and press its buttons. */
export function listRow(card: Card, groupName: string): Card {
  const found = (card.body ?? []).find(
    (el: any) => el.type === 'Container' && JSON.stringify(el.items?.[0] ?? {}).includes(`**${groupName}**`),
  );
  if (!found) throw new Error(`no row for "${groupName}" in: ${cardText(card)}`);
  return { type: 'AdaptiveCard', version: '1.5', body: [found] };
}
