/**
 * Starts the real bot in child processes (tests/helpers/journeyBotProcess.ts) against the devtenant, for tests that
 * restart the bot or run several instances. Bundled once per test process with esbuild (our code only; packages stay
 * external), like tests/proactive/processes.ts does for its fixture; the processes are FixtureBots, so
 * killAllFixtureBots() cleans them up.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { userToken } from '../devtenant/tokens.js';
import { FixtureBot } from '../proactive/processes.js';
import {
  buttonTitles,
  type Card,
  type ConnectorEvent,
  cardsIn,
  cardText,
  findAction,
  type TeamsHarness,
  type TeamsUser,
} from './teamsHarness.js';

const ROOT = resolve(import.meta.dirname, '../..');

let bundled: Promise<string> | undefined;

export function bundleJourneyBot(): Promise<string> {
  bundled ??= (async () => {
    const dir = join(ROOT, 'node_modules', '.cache', 'access-bot-tests');
    mkdirSync(dir, { recursive: true });
    const outfile = join(dir, `journeyBot-${process.pid}.mjs`);
    await build({
      entryPoints: [join(ROOT, 'tests/helpers/journeyBotProcess.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      packages: 'external',
      target: 'node20',
      outfile,
      logLevel: 'warning',
    });
    return outfile;
  })();
  return bundled;
}

export interface JourneyBotOptions {
  /** The bot's environment (STORAGE, GRAPH_BASE_URL, WATCH_INTERVAL_SECONDS, …). */
  env: Record<string, string>;
  instanceId: string;
  /** Where the process appends its pino log lines (read with logLines). */
  logFile: string;
  leaseTtlMs?: number;
}

export async function startJourneyBot(opts: JourneyBotOptions): Promise<FixtureBot> {
  return FixtureBot.start(await bundleJourneyBot(), {
    LOG_LEVEL: 'info',
    ...opts.env,
    JOURNEY_INSTANCE: opts.instanceId,
    JOURNEY_LOG_FILE: opts.logFile,
    ...(opts.leaseTtlMs ? { JOURNEY_LEASE_TTL_MS: String(opts.leaseTtlMs) } : {}),
  });
}

/** The parsed log lines a journey bot wrote so far. */
export function logLines(logFile: string): { msg: string; time: number; [k: string]: unknown }[] {
  if (!existsSync(logFile)) return [];
  return readFileSync(logFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

/** What a card is about, to count copies: an approval, a request's status, or else its first line of text. */
export function subjectOfCard(card: Card): string {
  const refresh = card.refresh?.action;
  if (refresh?.verb === 'refreshApproval' && refresh.data?.id)
    return `approval:${refresh.data.kind}:${refresh.data.id}`;
  if (refresh?.data?.requestId) return `request:${refresh.data.requestId}`;
  return `text:${cardText(card).split('\n')[0]}`;
}

/** Every card the connector received as a new message (proactive or a turn's reply), per chat and subject. */
export function sendsBySubject(events: ConnectorEvent[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const event of events) {
    if (event.kind !== 'send') continue;
    for (const card of cardsIn(event.activity)) {
      const key = `${event.conversationId} ${subjectOfCard(card)}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return counts;
}

/** The subjects that reached some chat more than once, with their counts (empty when nobody got a duplicate). */
export function duplicateSends(events: ConnectorEvent[]): Record<string, number> {
  return Object.fromEntries([...sendsBySubject(events)].filter(([, n]) => n > 1));
}

export interface Shown {
  card: Card;
  /** The activity the card lives in (a click's reply replaces the clicked card in place). */
  id: string;
}

/**
 * What people see in their chats through a TeamsHarness: every card by activity id, with the invoke replies (which
 * Teams shows in place of the clicked card) layered over what the connector received.
 */
export class Chats {
  private readonly replies = new Map<string, { card: Card; at: number }>();
  constructor(readonly teams: TeamsHarness) {}

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

  /** Every card in the person's chat (current version) whose text matches. */
  all(user: TeamsUser, text: RegExp): Shown[] {
    const ids = [...new Set(this.teams.cardsFor(user).map((c) => c.event.activityId))];
    return ids
      .map((activityId) => ({ card: this.current(user, activityId), id: activityId }))
      .filter((s) => text.test(cardText(s.card)));
  }

  async say(user: TeamsUser, text: string): Promise<Shown[]> {
    const conversation = this.teams.conversationId(user);
    const events = (await this.teams.say(user, text)).filter((e) => e.conversationId === conversation);
    return events.flatMap((e) => cardsIn(e.activity).map((card) => ({ card, id: e.activityId })));
  }

  /** Presses a button; the reply card replaces the clicked one (same activity id). */
  async click(user: TeamsUser, shown: Shown, title: string, inputs: Record<string, string> = {}): Promise<Shown> {
    const reply = await this.teams.click(user, shown.card, title, inputs, shown.id);
    if (reply.httpStatus !== 200 || reply.body?.type !== 'application/vnd.microsoft.card.adaptive') {
      throw new Error(`"${title}" answered ${reply.httpStatus} ${JSON.stringify(reply.body)}`);
    }
    const card = reply.body.value as Card;
    this.replies.set(`${user.aadObjectId}/${shown.id}`, { card, at: Date.now() });
    return { card, id: shown.id };
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
    let form = await this.click(user, results, 'Request');
    if (opts.policy) {
      const choice = findAction(form.card, opts.policy);
      if (!choice?.action.card) throw new Error(`no policy "${opts.policy}" on the form`);
      form = { card: choice.action.card, id: form.id };
    }
    const inputs = opts.justification ? { [`p${opts.policyIndex ?? 0}.justification`]: opts.justification } : {};
    return this.click(user, form, 'Submit request', inputs);
  }
}

/** Graph as a person, straight to the devtenant (as if in My Access or the PIM portal). */
export async function graphAs(
  devtenantUrl: string,
  who: string,
  method: string,
  pathAndQuery: string,
  body?: unknown,
): Promise<any> {
  const res = await fetch(`${devtenantUrl}/v1.0${pathAndQuery}`, {
    method,
    headers: { authorization: `Bearer ${userToken(who)}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${pathAndQuery} answered ${res.status}: ${text}`);
  return text ? JSON.parse(text) : undefined;
}

const EM = '/identityGovernance/entitlementManagement';

/** An approver decides, in My Access, the stage of an access package request that waits for them. */
export async function decideInMyAccess(
  devtenantUrl: string,
  requestId: string,
  approver: string,
  decision: 'Approve' | 'Deny',
): Promise<void> {
  const root = `${EM}/accessPackageAssignmentApprovals/${requestId}`;
  const approval = await graphAs(devtenantUrl, approver, 'GET', root);
  const stage = approval.stages.find((s: any) => s.status === 'InProgress' && s.assignedToMe);
  if (!stage) throw new Error(`no stage of ${requestId} waits for ${approver}`);
  await graphAs(devtenantUrl, approver, 'PATCH', `${root}/stages/${stage.id}`, {
    reviewResult: decision,
    justification: 'Decided in My Access',
  });
}

/** The request id a status card follows. */
export const requestIdOf = (card: Card): string => card.refresh?.action?.data?.requestId;
