/**
 * Issue 6, "Done when": two bot processes on one Azurite container for a whole demo scenario: no duplicate approval
 * card, no missed one. Real journeys over HTTP: Azurite (the shared blob container), the devtenant (Graph), two bot
 * processes (tests/helpers/journeyBotProcess.ts, distinct instance ids, watchers on a short interval) and one
 * Teams-like connector whose inbound activities alternate between the two bots, like a load balancer.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningDevtenant, startDevtenant } from '../../devtenant/index.js';
import { type AzuriteHandle, startAzurite } from '../helpers/azurite.js';
import { Chats, type Shown } from '../helpers/chats.js';
import { decideInMyAccess, graphAs } from '../helpers/devtenantGraph.js';
import {
  bundleJourneyBot,
  duplicateSends,
  logLines,
  requestIdOf,
  sendsBySubject,
  startJourneyBot,
} from '../helpers/journeyBots.js';
import { buttonTitles, cardText, TeamsHarness, type TeamsUser, teamsUser } from '../helpers/teamsHarness.js';
import { type FixtureBot, killAllFixtureBots } from './processes.js';

/** The demo tenant's people (devtenant/seed/demo.json, which the devtenant loads by default). */
const SEED = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../devtenant/seed/demo.json'), 'utf8'));
const people: TeamsUser[] = SEED.users.map((u: { id: string; displayName: string }) =>
  teamsUser(u.id.toLowerCase(), u.displayName),
);
const named = (name: string) => {
  const found = people.find((p) => p.name === name);
  if (!found) throw new Error(`nobody called ${name} in the seed`);
  return found;
};
const alex = named('Alex Wilber');
const megan = named('Megan Bowen');
const isaiah = named('Isaiah Langer');
const patti = named('Patti Fernandez');
const lee = named('Lee Gu');
const diego = named('Diego Siciliani');
const irvin = named('Irvin Sayers');
const grady = named('Grady Archie');
const debra = named('Debra Berger');

/** The seed's pending requests and who approves each (a check that the scenario covers them). */
const SEEDED: Record<string, TeamsUser[]> = {
  // Isaiah's Salesforce request: the IT Operations Approvers group.
  'approval:em:90000000-0000-4000-8000-000000000001': [alex, megan, grady],
  // Johanna's Network Operations request: Alex.
  'approval:em:90000000-0000-4000-8000-000000000002': [alex],
  // Alex's Visio request: his manager Megan.
  'approval:em:90000000-0000-4000-8000-000000000003': [megan],
  // Lee's PIM activation of Network Admins: Alex and Patti.
  'approval:pim:b0000000-0000-4000-8000-000000000001': [alex, patti],
};

/**
 * Who Graph says must decide what, right now: for every person, the access package requests and PIM activations
 * awaiting their decision (asked as that person, straight to the devtenant). Subject -> approver ids.
 */
async function approversInGraph(devtenantUrl: string): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  const add = (subject: string, who: string) => out.set(subject, new Set([...(out.get(subject) ?? []), who]));
  for (const p of people) {
    const em = await graphAs(
      devtenantUrl,
      p.aadObjectId,
      'GET',
      "/identityGovernance/entitlementManagement/assignmentRequests/filterByCurrentUser(on='approver')",
    );
    for (const r of em.value) add(`approval:em:${r.id.toLowerCase()}`, p.aadObjectId);
    const pim = await graphAs(
      devtenantUrl,
      p.aadObjectId,
      'GET',
      "/identityGovernance/privilegedAccess/group/assignmentScheduleRequests/filterByCurrentUser(on='approver')",
    );
    for (const r of pim.value) add(`approval:pim:${r.id.toLowerCase()}`, p.aadObjectId);
  }
  return out;
}

/** One connector for both bots: each inbound activity goes to the next bot in turn. */
class BalancedHarness extends TeamsHarness {
  botUrls: string[] = [];
  readonly received = new Map<string, number>();
  private turn = 0;

  override async post(body: unknown, headers: Record<string, string> = {}) {
    this.botUrl = this.botUrls[this.turn++ % this.botUrls.length];
    this.received.set(this.botUrl, (this.received.get(this.botUrl) ?? 0) + 1);
    return super.post(body, headers);
  }
}

describe('two bot processes on one Azurite container for a whole demo scenario', () => {
  const root = mkdtempSync(join(tmpdir(), 'azurite-demo-'));
  let azurite: AzuriteHandle;
  let devtenant: RunningDevtenant;
  let teams: BalancedHarness;
  let bots: FixtureBot[] = [];

  beforeAll(async () => {
    [azurite, devtenant, teams] = await Promise.all([
      startAzurite(),
      startDevtenant({ port: 0, timing: { submittedToNextMs: 0, deliveringToDeliveredMs: 0 } }),
      new BalancedHarness('').start(),
      bundleJourneyBot(),
    ]);
  });
  afterAll(async () => {
    await killAllFixtureBots();
    await teams?.stop();
    await devtenant?.close();
    await azurite?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('sends every approver each approval card once, moves every status card, and runs each tick on one instance', async () => {
    const env = {
      STORAGE: `azureblob:demo-${process.pid}`,
      AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString,
      GRAPH_BASE_URL: devtenant.url,
      WATCH_INTERVAL_SECONDS: '0.3',
      APPROVAL_DIGEST_HOURS: '0',
    };
    const instances = ['demo-host-a:3978', 'demo-host-b:3978'];
    const logFiles = instances.map((_, i) => join(root, `bot-${i}.log`));
    bots = await Promise.all(
      instances.map((instanceId, i) => startJourneyBot({ env, instanceId, logFile: logFiles[i] })),
    );
    teams.botUrls = bots.map((b) => b.url);
    const chats = new Chats(teams, { ownChatOnly: true });
    const ticksOf = (i: number) => logLines(logFiles[i]).filter((l) => l.msg === 'watch tick');
    const allTicks = () => ticksOf(0).length + ticksOf(1).length;
    const approvalSends = () =>
      [...sendsBySubject(teams.events)].filter(([key]) => key.includes(' approval:')).map(([key, n]) => ({ key, n }));
    const hasCard = (user: TeamsUser, subject: string) =>
      approvalSends().some((s) => s.key === `${teams.conversationId(user)} ${subject}`);

    // Graph's own view of who approves what in the seeded tenant (it includes the seed's four pending requests).
    const seeded = await approversInGraph(devtenant.url);
    for (const [subject, approvers] of Object.entries(SEEDED)) {
      expect([...(seeded.get(subject) ?? [])].sort(), subject).toEqual(approvers.map((a) => a.aadObjectId).sort());
    }
    const byId = (id: string) => people.find((p) => p.aadObjectId === id) as TeamsUser;
    const everyCardOf = (graph: Map<string, Set<string>>) =>
      [...graph].every(([subject, ids]) => [...ids].every((id) => hasCard(byId(id), subject)));

    // People open the bot (the watchers are already running: cards for people not reachable yet wait in a queue).
    // Patti and Debra, both approvers, open it only later.
    const late = [patti, debra];
    const requesters = [alex, lee, diego, isaiah];
    const approvers = new Set([...seeded.values()].flatMap((ids) => [...ids]).concat([irvin.aadObjectId]));
    const early = people.filter((p) => !late.includes(p) && (requesters.includes(p) || approvers.has(p.aadObjectId)));
    await Promise.all(early.map((user) => teams.say(user, 'hello')));
    await teams.waitFor(
      () =>
        [...seeded].every(([subject, ids]) =>
          [...ids].every((id) => late.some((l) => l.aadObjectId === id) || hasCard(byId(id), subject)),
        ),
      15_000,
      'the seeded approval cards of the people who opened the bot',
    );

    // Requests that need approval by different approvers, each through both bots (the balancer alternates).
    const finance = await chats.request(alex, 'finance reports', { policy: 'Standard access (30 days)' });
    const netOps = await chats.request(lee, 'network operations', { justification: 'Joining the on-call rota' });
    const payroll = await chats.request(diego, 'payroll', { justification: 'Covering the payroll run in May' });
    const visio = await chats.request(isaiah, 'visio', { justification: 'Sales territory diagrams' });
    for (const status of [finance, netOps, payroll, visio]) expect(cardText(status.card)).toMatch(/Pending approval/);
    // Everything pending now, as Graph sees it: the seeded requests and the four new ones, each with its approver.
    const expected = await approversInGraph(devtenant.url);
    expect(expected.size).toBe(seeded.size + 4);
    for (const [status, approver] of [
      [finance, megan],
      [netOps, alex],
      [payroll, debra],
      [visio, irvin],
    ] as const) {
      expect([...(expected.get(`approval:em:${requestIdOf(status.card)}`) ?? [])]).toEqual([approver.aadObjectId]);
    }
    const reached = new Set([...early, ...late].map((p) => p.aadObjectId));
    for (const ids of expected.values()) for (const id of ids) expect(reached.has(id), `${byId(id).name}`).toBe(true);
    await teams.waitFor(
      () =>
        [...expected].every(([subject, ids]) =>
          [...ids].every((id) => id === debra.aadObjectId || id === patti.aadObjectId || hasCard(byId(id), subject)),
        ),
      15_000,
      'the approval cards of the new requests',
    );

    // The two late approvers open the bot now: their queued cards follow.
    await Promise.all(late.map((user) => teams.say(user, 'hello')));
    await teams.waitFor(() => everyCardOf(expected), 15_000, 'every approval card');

    // Decisions: three on the cards (through whichever bot the balancer picks), one in My Access, one seeded request.
    const card = (user: TeamsUser, text: RegExp): Shown => {
      const found = chats.all(user, text);
      expect(found, `${user.name}: ${text}`).toHaveLength(1);
      return found[0];
    };
    for (const [approver, text] of [
      [megan, /Alex Wilber asks for Finance Reports – Read/],
      [alex, /Lee Gu asks for Network Operations/],
      [debra, /Diego Siciliani asks for Payroll Administration/],
      [grady, /Isaiah Langer asks for Salesforce/],
    ] as const) {
      const reply = await chats.press(approver, card(approver, text), 'Approve');
      expect(cardText(reply.card)).toMatch(/Approved by you/);
    }
    await decideInMyAccess(devtenant.url, requestIdOf(visio.card), irvin.aadObjectId, 'Approve');

    // Every requester's status card moves to Delivered in place; the watcher tells each of them once.
    const statusCards: [TeamsUser, Shown, string][] = [
      [alex, finance, 'Finance Reports – Read'],
      [lee, netOps, 'Network Operations – Eligible Admin'],
      [diego, payroll, 'Payroll Administration'],
      [isaiah, visio, 'Visio & Project Licences'],
    ];
    const noted = (user: TeamsUser, title: string) =>
      chats.all(user, /Delivered/).some((c) => cardText(c.card).startsWith(`${title}: **Delivered**`));
    await teams.waitFor(
      () =>
        statusCards.every(
          ([user, status, title]) => /Delivered/.test(cardText(chats.current(user, status.id))) && noted(user, title),
        ) && /Approved by you/.test(cardText(card(irvin, /Isaiah Langer asks for Visio/).card)),
      15_000,
      'every status card delivered and the My Access decision on the card',
    );
    // The other approvers' copies of the seeded Salesforce request show Grady's decision.
    for (const other of [alex, megan]) {
      const copy = card(other, /Isaiah Langer asks for Salesforce/);
      expect(cardText(copy.card)).toMatch(/Approved by Grady Archie/);
      expect(buttonTitles(copy.card)).toEqual([]);
    }

    // A few more ticks with nothing new, then the counts.
    const settled = allTicks();
    await teams.waitFor(() => allTicks() >= settled + 3, 10_000, 'three more ticks');
    const want = Object.fromEntries(
      [...expected].flatMap(([subject, ids]) =>
        [...ids].map((id) => [`${teams.conversationId(byId(id))} ${subject}`, 1]),
      ),
    );
    expect(Object.fromEntries(approvalSends().map((s) => [s.key, s.n]))).toEqual(want);
    expect(duplicateSends(teams.events)).toEqual({});

    // The lease: one instance ran every tick; the other never ran one (both were up and served activities).
    const counts = [ticksOf(0).length, ticksOf(1).length];
    expect(counts.filter((n) => n > 0)).toHaveLength(1);
    expect(Math.max(...counts)).toBeGreaterThanOrEqual(5);
    for (const bot of bots) expect(teams.received.get(bot.url)).toBeGreaterThanOrEqual(10);

    await Promise.all(bots.map((b) => b.terminate()));
  }, 60_000);
});
