/**
 * A Teams-like client for integration tests: posts activities to the bot over HTTP as a chosen user, and runs a
 * connector (the `serviceUrl`) that records what the bot sends, updates and deletes. `click` presses an
 * Action.Execute button on a card by its title, filling inputs by id, like the Teams client does.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TeamsUser {
  aadObjectId: string;
  name: string;
  teamsId: string;
}

export interface ConnectorEvent {
  kind: 'send' | 'update' | 'delete' | 'createConversation';
  conversationId: string;
  activityId: string;
  activity: any;
  at: number;
}

export type Card = Record<string, any>;

export interface InvokeReply {
  httpStatus: number;
  body: { statusCode: number; type: string; value: any } | undefined;
}

const TENANT = 'c0a70500-0000-4000-8000-000000000001';
const BOT = { id: '28:access-bot', name: 'Access Bot' };

export function teamsUser(aadObjectId: string, name: string): TeamsUser {
  return { aadObjectId, name, teamsId: `29:${aadObjectId}` };
}

export class TeamsHarness {
  readonly events: ConnectorEvent[] = [];
  private server?: http.Server;
  private nextId = 1;
  serviceUrl = '';

  constructor(public botUrl: string) {}

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => this.onConnectorRequest(req, res));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.serviceUrl = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}/`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  conversationId(user: TeamsUser): string {
    return `a:personal-${user.aadObjectId}`;
  }

  baseActivity(user: TeamsUser, extra: Record<string, unknown>): Record<string, unknown> {
    return {
      id: randomUUID(),
      channelId: 'msteams',
      serviceUrl: this.serviceUrl,
      timestamp: new Date().toISOString(),
      from: { id: user.teamsId, name: user.name, aadObjectId: user.aadObjectId },
      recipient: BOT,
      conversation: { id: this.conversationId(user), conversationType: 'personal', tenantId: TENANT },
      channelData: { tenant: { id: TENANT } },
      locale: 'en-US',
      ...extra,
    };
  }

  /** Posts any body to /api/messages and returns the HTTP status and parsed body. */
  async post(
    body: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: any; text: string }> {
    const res = await fetch(`${this.botUrl}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: any;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, body: parsed, text };
  }

  /** Sends a message as the user; returns what the bot sent to the connector during that turn. */
  async say(user: TeamsUser, text: string): Promise<ConnectorEvent[]> {
    const before = this.events.length;
    const res = await this.post(this.baseActivity(user, { type: 'message', text, textFormat: 'plain' }));
    if (res.status >= 300) throw new Error(`bot answered ${res.status}: ${res.text}`);
    return this.events.slice(before);
  }

  async install(user: TeamsUser): Promise<ConnectorEvent[]> {
    const before = this.events.length;
    await this.post(this.baseActivity(user, { type: 'installationUpdate', action: 'add' }));
    await this.post(
      this.baseActivity(user, {
        type: 'conversationUpdate',
        membersAdded: [{ id: BOT.id }, { id: user.teamsId, aadObjectId: user.aadObjectId }],
      }),
    );
    return this.events.slice(before);
  }

  /** Sends an adaptiveCard/action invoke with the given verb and data. */
  async invoke(user: TeamsUser, verb: string, data: Record<string, unknown>, replyToId?: string): Promise<InvokeReply> {
    const res = await this.post(
      this.baseActivity(user, {
        type: 'invoke',
        name: 'adaptiveCard/action',
        replyToId,
        value: { action: { type: 'Action.Execute', id: randomUUID(), verb, data }, trigger: 'manual' },
      }),
    );
    return { httpStatus: res.status, body: res.body };
  }

  /**
   * Presses the Action.Execute button titled `title` on `card` (searching ActionSets, card actions and ShowCards),
   * sending the values of the card's inputs (their defaults, overridden by `inputs`) merged into the action data.
   */
  async click(
    user: TeamsUser,
    card: Card,
    title: string,
    inputs: Record<string, string> = {},
    replyToId?: string,
  ): Promise<InvokeReply> {
    const found = findAction(card, title);
    if (!found) throw new Error(`No button "${title}" on the card. Buttons: ${buttonTitles(card).join(', ')}`);
    if (found.action.type !== 'Action.Execute') throw new Error(`"${title}" is a ${found.action.type}`);
    const values: Record<string, string> = {};
    for (const input of collectInputs(found.scopes)) {
      if (input.value !== undefined) values[input.id] = String(input.value);
    }
    for (const [id, value] of Object.entries(inputs)) {
      if (!collectInputs(found.scopes).some((i) => i.id === id)) throw new Error(`No input "${id}" for "${title}"`);
      values[id] = value;
    }
    return this.invoke(user, found.action.verb, { ...(found.action.data ?? {}), ...values }, replyToId);
  }

  /**
   * Presses a button and returns the card the person sees next: the replacement of the clicked card (an action on
   * its own subject), or the new card posted below it (navigation: the invoke answers with a short message).
   */
  async open(
    user: TeamsUser,
    card: Card,
    title: string,
    inputs: Record<string, string> = {},
    replyToId?: string,
  ): Promise<{ reply: InvokeReply; card?: Card; activityId?: string; posted: boolean }> {
    const before = this.events.length;
    const reply = await this.click(user, card, title, inputs, replyToId);
    if (reply.body?.type !== 'application/vnd.microsoft.activity.message') {
      return { reply, card: reply.body?.value, activityId: replyToId, posted: false };
    }
    const conv = this.conversationId(user);
    const sent = this.events
      .slice(before)
      .filter((e) => e.kind === 'send' && e.conversationId === conv && cardsIn(e.activity).length > 0);
    const first = sent[0];
    return { reply, card: first && cardsIn(first.activity)[0], activityId: first?.activityId, posted: true };
  }

  /** Cards the bot sent or updated in the user's chat, newest last. */
  cardsFor(user: TeamsUser): { event: ConnectorEvent; card: Card }[] {
    const conv = this.conversationId(user);
    return this.events
      .filter((e) => e.conversationId === conv && (e.kind === 'send' || e.kind === 'update'))
      .flatMap((event) => cardsIn(event.activity).map((card) => ({ event, card })));
  }

  /** The current version of the card with this activity id (last send or update wins). */
  currentCard(user: TeamsUser, activityId: string): Card | undefined {
    const matches = this.cardsFor(user).filter((c) => c.event.activityId === activityId);
    return matches.at(-1)?.card;
  }

  async waitFor<T>(probe: () => T | undefined | false, timeoutMs = 5000, what = 'condition'): Promise<T> {
    const start = Date.now();
    for (;;) {
      const value = probe();
      if (value) return value;
      if (Date.now() - start > timeoutMs) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  private onConnectorRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const activity = raw ? JSON.parse(raw) : undefined;
      const url = new URL(req.url ?? '/', 'http://x');
      const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
      // /v3/conversations[/{conversationId}/activities[/{activityId}]]
      if (parts[0] !== 'v3' || parts[1] !== 'conversations') {
        res.writeHead(404);
        res.end();
        return;
      }
      const conversationId = parts[2];
      if (!conversationId && req.method === 'POST') {
        const id = `a:created-${this.nextId++}`;
        this.record('createConversation', id, id, activity);
        json(res, 200, { id, activityId: undefined });
        return;
      }
      if (parts[3] === 'members') {
        json(res, 200, { id: parts[4], name: 'Member' });
        return;
      }
      if (req.method === 'POST') {
        const id = `act-${this.nextId++}`;
        this.record('send', conversationId, id, activity);
        json(res, 200, { id });
      } else if (req.method === 'PUT') {
        this.record('update', conversationId, parts[4], activity);
        json(res, 200, { id: parts[4] });
      } else if (req.method === 'DELETE') {
        this.record('delete', conversationId, parts[4], undefined);
        res.writeHead(200);
        res.end();
      } else {
        res.writeHead(405);
        res.end();
      }
    });
  }

  private record(kind: ConnectorEvent['kind'], conversationId: string, activityId: string, activity: any): void {
    this.events.push({ kind, conversationId, activityId, activity, at: Date.now() });
  }
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  // restify patches http.ServerResponse (writeHead no longer returns `this`), so never chain.
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

export function cardsIn(activity: any): Card[] {
  return (activity?.attachments ?? [])
    .filter((a: any) => a.contentType === 'application/vnd.microsoft.card.adaptive')
    .map((a: any) => a.content);
}

interface FoundAction {
  action: any;
  /** The card bodies whose inputs this action gathers (the action's own card and the ShowCard parents). */
  scopes: Card[];
}

export function findAction(card: Card, title: string, parents: Card[] = []): FoundAction | undefined {
  const scopes = [...parents, card];
  for (const action of allActions(card)) {
    if (action.title === title) return { action, scopes };
  }
  for (const action of allActions(card)) {
    if (action.type === 'Action.ShowCard' && action.card) {
      const inner = findAction(action.card, title, scopes);
      if (inner) return inner;
    }
  }
  return undefined;
}

export function buttonTitles(card: Card): string[] {
  const titles: string[] = [];
  for (const action of allActions(card)) {
    titles.push(action.title);
    if (action.type === 'Action.ShowCard' && action.card) titles.push(...buttonTitles(action.card));
  }
  return titles;
}

function allActions(card: Card): any[] {
  const found: any[] = [...(card.actions ?? [])];
  walk(card.body ?? [], (el) => {
    if (el.type === 'ActionSet') found.push(...(el.actions ?? []));
    if (el.selectAction) found.push(el.selectAction);
  });
  return found;
}

function collectInputs(cards: Card[]): any[] {
  const inputs: any[] = [];
  for (const card of cards) walk(card.body ?? [], (el) => el.type?.startsWith('Input.') && inputs.push(el));
  return inputs;
}

function walk(elements: any[], visit: (el: any) => void): void {
  for (const el of elements) {
    visit(el);
    if (Array.isArray(el.items)) walk(el.items, visit);
    if (Array.isArray(el.columns)) walk(el.columns, visit);
  }
}

/** All visible text of a card, for assertions about what a person would read. */
export function cardText(card: Card): string {
  const texts: string[] = [];
  const visit = (el: any) => {
    if (el.type === 'TextBlock') texts.push(el.text);
    if (el.type === 'FactSet') for (const f of el.facts) texts.push(`${f.title} ${f.value}`);
    if (el.type === 'RichTextBlock') for (const i of el.inlines ?? []) texts.push(typeof i === 'string' ? i : i.text);
  };
  walk(card.body ?? [], visit);
  return texts.join('\n');
}
