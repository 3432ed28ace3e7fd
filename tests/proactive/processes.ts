/**
 * Child bot processes for the crash and multi-process tests. Their entries are bundled with esbuild (our code only;
 * packages stay external) so each start pays for loading the bot, not for transpiling TypeScript. The child's side
 * of the protocol (LOADED, GO, READY, SIGTERM): tests/proactive/fixtures/fixtureProtocol.ts.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { build } from 'esbuild';
import { type ConnectorEvent, cardsIn } from '../helpers/teamsHarness.js';

const ROOT = resolve(import.meta.dirname, '../..');

/**
 * Bundles a child process's entry (a path from the project root) to node_modules/.cache/access-bot-tests/
 * `<name>-<pid>.mjs`, under node_modules so its bare imports resolve to the project's packages. Returns the bundle.
 */
export async function bundleChildProcess(entry: string, name: string): Promise<string> {
  const dir = join(ROOT, 'node_modules', '.cache', 'access-bot-tests');
  mkdirSync(dir, { recursive: true });
  const outfile = join(dir, `${name}-${process.pid}.mjs`);
  await build({
    entryPoints: [join(ROOT, entry)],
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    target: 'node20',
    outfile,
    logLevel: 'warning',
  });
  return outfile;
}

/** Bundles the fixture (tests/proactive/fixtures/botProcess.ts). */
export function bundleFixture(): Promise<string> {
  return bundleChildProcess('tests/proactive/fixtures/botProcess.ts', 'botProcess');
}

const live = new Set<FixtureBot>();

/** kill -9 every fixture process still running (afterAll, so a failed test leaves nothing behind). */
export async function killAllFixtureBots(): Promise<void> {
  await Promise.all([...live].map((bot) => bot.kill9()));
}

export class FixtureBot {
  url = '';
  done = false;
  exited = false;
  stderr = '';
  private loaded = false;

  private constructor(readonly child: ChildProcess) {
    live.add(this);
    child.once('exit', () => {
      this.exited = true;
      live.delete(this);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-4000);
    });
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => this.onLine(line));
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  static async start(bundle: string, env: Record<string, string>, timeoutMs = 60_000): Promise<FixtureBot> {
    return (await FixtureBot.preload(bundle, env, timeoutMs)).go(timeoutMs);
  }

  /** Starts the process and waits until it has loaded the bot's code; go() then starts the bot. */
  static async preload(bundle: string, env: Record<string, string>, timeoutMs = 60_000): Promise<FixtureBot> {
    const child = spawn(process.execPath, [bundle], {
      cwd: ROOT,
      env: { ...process.env, ...env, FIXTURE_WAIT_FOR_GO: '1' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const bot = new FixtureBot(child);
    await bot.until(() => bot.loaded, timeoutMs, 'loaded');
    return bot;
  }

  async go(timeoutMs = 60_000): Promise<this> {
    this.child.stdin?.write('GO\n');
    await this.until(() => this.url !== '', timeoutMs, 'ready');
    return this;
  }

  waitUntilDone(timeoutMs: number): Promise<void> {
    return this.until(() => this.done, timeoutMs, 'done');
  }

  /** kill -9; resolves with the time of the kill once the process is gone. */
  async kill9(): Promise<number> {
    const at = Date.now();
    await this.stopWith('SIGKILL');
    return at;
  }

  /** Graceful stop (SIGTERM: the bot closes, releasing its lease); kill -9 if it does not exit in 10 s. */
  async terminate(): Promise<void> {
    const force = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await this.stopWith('SIGTERM');
    clearTimeout(force);
  }

  private onLine(line: string): void {
    if (line === 'LOADED') this.loaded = true;
    if (line.startsWith('READY ')) this.url = line.slice('READY '.length);
    if (line === 'DONE') this.done = true;
  }

  private async until(done: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      if (this.exited) throw new Error(`fixture bot exited before it was ${what}: ${this.stderr}`);
      if (Date.now() > deadline) throw new Error(`fixture bot not ${what} within ${timeoutMs} ms: ${this.stderr}`);
      await sleep(10);
    }
  }

  private stopWith(signal: NodeJS.Signals): Promise<void> {
    if (this.exited) return Promise.resolve();
    return new Promise((gone) => {
      this.child.once('exit', () => gone());
      this.child.kill(signal);
    });
  }
}

export interface NumberedSend {
  n: number;
  user: string;
  /** The pid of the process that sent it. */
  from: number;
  at: number;
  order: number;
}

/** The numbered test cards the connector received, in arrival order. */
export function numberedSends(events: ConnectorEvent[]): NumberedSend[] {
  const sends: NumberedSend[] = [];
  for (const event of events) {
    if (event.kind !== 'send') continue;
    for (const card of cardsIn(event.activity)) {
      const [title, sender] = (card.body ?? []).map((b: { text?: string }) => b.text ?? '');
      const match = /^Card (\d+) for (.+)$/.exec(title ?? '');
      const from = /^from (\d+)$/.exec(sender ?? '');
      if (match && from) {
        sends.push({ n: Number(match[1]), user: match[2], from: Number(from[1]), at: event.at, order: sends.length });
      }
    }
  }
  return sends;
}

/** What one kill -9 did: the card that was in flight then (the last one its process sent), and whether it came twice. */
export interface KillOutcome {
  pid: number;
  inFlight?: NumberedSend;
  duplicated: boolean;
}

/**
 * Checks the exactly-once guarantee (bot/proactive/notifier.ts), counted per kill. Every card arrived. A card may
 * arrive again only as the recovery of a kill: the copy before the repeat is the card that was in flight at that
 * kill (the last card its killed process sent: the kill fell between the connector accepting it and the `sent`
 * record), and the repeat is the very next card that arrived from anyone (the process that took over sends the
 * interrupted card before any other). So each kill adds at most one copy, and only of its own in-flight card; a card
 * sent again after two kills (in flight at both) arrives three times, which is allowed. Returns the copies that
 * were repeated (in arrival order), what each kill did (in kill order), and every copy outside that rule.
 */
export function checkExactlyOnce(
  sends: NumberedSend[],
  expected: { n: number; user: string }[],
  killedPids: Set<number>,
): { duplicates: NumberedSend[]; kills: KillOutcome[]; problems: string[] } {
  const problems: string[] = [];
  const cardOf = (s: { n: number; user: string }) => `card ${s.n} for ${s.user}`;
  const byCard = new Map<string, NumberedSend[]>();
  for (const s of sends) byCard.set(cardOf(s), [...(byCard.get(cardOf(s)) ?? []), s]);
  const lastOf = new Map<number, NumberedSend>();
  for (const s of sends) lastOf.set(s.from, s);
  const duplicates: NumberedSend[] = [];
  for (const { n, user } of expected) {
    const copies = byCard.get(cardOf({ n, user })) ?? [];
    if (copies.length === 0) problems.push(`${cardOf({ n, user })} never arrived`);
    for (let i = 0; i + 1 < copies.length; i++) {
      const [copy, repeat] = [copies[i], copies[i + 1]];
      duplicates.push(copy);
      const where = `${cardOf(copy)} arrived again (copy ${i + 2} of ${copies.length}, first from ${copy.from})`;
      if (!killedPids.has(copy.from)) problems.push(`${where}, but process ${copy.from} was not killed`);
      else if (lastOf.get(copy.from) !== copy) {
        problems.push(`${where}, but it was not the card in flight when process ${copy.from} was killed`);
      } else if (sends[copy.order + 1] !== repeat) {
        problems.push(`${where}, but not as the first card after the kill of process ${copy.from}`);
      }
    }
  }
  const unexpected = new Set([...byCard.keys()].filter((k) => !expected.some((e) => cardOf(e) === k)));
  for (const card of unexpected) problems.push(`${card} was never meant to be sent`);
  const kills = [...killedPids].map((pid) => {
    const inFlight = lastOf.get(pid);
    return { pid, inFlight, duplicated: inFlight !== undefined && duplicates.includes(inFlight) };
  });
  duplicates.sort((a, b) => a.order - b.order);
  return { duplicates, kills, problems };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
