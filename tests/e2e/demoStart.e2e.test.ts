/**
 * `npm start` as a person runs it: the command from package.json in a child process (its own ports and state folder),
 * its terminal read as they would read it, and the Playground page in Chromium.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { PEOPLE } from '../devtenant/tokens.js';
import { decideInMyAccess } from '../helpers/devtenantGraph.js';
import {
  browserAvailable,
  CHROMIUM,
  clickOnCard,
  freePort,
  TOP_CARD,
  typeReason,
  waitForCard,
} from './playgroundE2E.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const START = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } })
  .scripts.start;
const BANNER_END = 'Press Ctrl-C to stop all three.\n';
/** Alex's seeded request for Visio, waiting for his manager Megan (devtenant/seed/demo.json). */
const ALEX_VISIO_REQUEST = '90000000-0000-4000-8000-000000000003';

interface Demo {
  playgroundUrl: string;
  devtenantUrl: string;
  /** What the terminal printed after the banner, line by line. */
  linesAfterBanner(): string[];
  stderr(): string;
  waitFor(what: string, ok: () => boolean, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

const running = new Set<Demo>();
const stateDir = mkdtempSync(path.join(os.tmpdir(), 'access-bot-demo-state-'));

afterAll(async () => {
  await Promise.allSettled([...running].map((d) => d.stop()));
  rmSync(stateDir, { recursive: true, force: true });
});

/** Runs package.json's `start` command as npm would, on free ports, with the watcher every second. */
async function startDemo(env: Record<string, string> = {}): Promise<Demo> {
  const child: ChildProcess = spawn(START, {
    cwd: ROOT,
    shell: true,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      PATH: `${path.join(ROOT, 'node_modules/.bin')}${path.delimiter}${process.env.PATH}`,
      PORT: '0',
      DEVTENANT_PORT: String(await freePort()),
      PLAYGROUND_PORT: String(await freePort()),
      DEMO_STATE_DIR: stateDir,
      WATCH_INTERVAL_SECONDS: '1',
      LOG_LEVEL: 'info',
      ...env,
    },
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const waitFor = async (what: string, ok: () => boolean, timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!ok()) {
      if (child.exitCode !== null) throw new Error(`npm start exited while waiting for ${what}: ${stderr}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; terminal:\n${stdout}\n${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const demo: Demo = {
    playgroundUrl: '',
    devtenantUrl: '',
    linesAfterBanner: () => (stdout.split(BANNER_END)[1] ?? '').split('\n').filter((l) => l.trim() !== ''),
    stderr: () => stderr,
    waitFor,
    async stop() {
      running.delete(demo);
      if (child.exitCode === null && child.pid) process.kill(-child.pid, 'SIGTERM');
      await exited;
    },
  };
  running.add(demo);
  await waitFor('the banner', () => stdout.includes(BANNER_END));
  demo.playgroundUrl = /Agents Playground\): (\S+)/.exec(stdout)?.[1] ?? '';
  demo.devtenantUrl = (/Microsoft Graph\): (\S+)\/v1\.0/.exec(stdout)?.[1] ?? '').replace('localhost', '127.0.0.1');
  return demo;
}

/**
 * Opens the Playground as Alex, waits until the cards pushed to him stop arriving, and returns their first lines;
 * `then` acts on the page before the browser closes.
 */
async function cardsPushedToAlex(demo: Demo, then?: (page: Page) => Promise<void>): Promise<string[]> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox'] });
  try {
    const page = await browser.newPage();
    await page.goto(demo.playgroundUrl);
    const cards = page.locator(TOP_CARD);
    await cards.first().waitFor({ timeout: 20_000 });
    let seen = -1;
    while (seen !== (await cards.count())) {
      seen = await cards.count();
      await page.waitForTimeout(3000);
    }
    // A card's first line names it; its date ("ends on Sat, Dec 12, 2026") may turn over between two runs.
    const texts = await cards.allInnerTexts();
    await then?.(page);
    return texts
      .map((t) =>
        t
          .trim()
          .split('\n')[0]
          .replace(/ on \w{3}, .*$/, ' on …'),
      )
      .sort();
  } finally {
    await browser.close();
  }
}

describe.runIf(browserAvailable())('npm start', () => {
  it('prints nothing after the banner while nothing happens but who it cannot reach yet, and one line per decision', async () => {
    // The watcher's slower rounds (the multi-stage probe, the approvers' digest) every few seconds too, so that these
    // 20 s hold what 5 minutes of the default settings would: about 20 ticks, with nothing happening.
    const demo = await startDemo({ APPROVAL_STAGE_PROBE_MINUTES: '0.05', APPROVAL_DIGEST_HOURS: '0.002' });
    await new Promise((r) => setTimeout(r, 20_000));
    const idle = demo.linesAfterBanner();
    expect(idle).toHaveLength(1);
    expect(idle[0]).toMatch(
      /^\d\d:\d\d:\d\d {2}Not reachable yet: .*Alex Wilber.*Megan Bowen.* — they have not opened the bot; their cards wait$/,
    );
    expect(idle[0]).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/);
    // Restify's DEP0111 warning (and anything else) stays off the terminal.
    expect(demo.stderr()).toBe('');

    await decideInMyAccess(demo.devtenantUrl, ALEX_VISIO_REQUEST, PEOPLE.megan, 'Deny', 'Licence budget is spent');
    await demo.waitFor('the narrated decision', () => demo.linesAfterBanner().length > 1, 15_000);
    await new Promise((r) => setTimeout(r, 3000)); // a few more ticks: nothing else may follow
    const lines = demo.linesAfterBanner().slice(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^\d\d:\d\d:\d\d {2}Megan Bowen denied Alex Wilber's request for Visio & Project Licences: no card in a chat to update yet$/,
    );
    expect(demo.linesAfterBanner().join('\n')).not.toContain('Licence budget');
    await demo.stop();
  }, 90_000);

  it('pushes the same cards to the Playground user on a second start as on the first, and narrates a click once', async () => {
    const first = await startDemo();
    const firstCards = await cardsPushedToAlex(first);
    const firstSent = first.linesAfterBanner().filter((l) => l.includes('sent to Alex Wilber'));
    await first.stop();

    const second = await startDemo();
    let secondSent: string[] = [];
    const secondCards = await cardsPushedToAlex(second, async (page) => {
      secondSent = second.linesAfterBanner().filter((l) => l.includes('sent to Alex Wilber'));
      // Alex approves Lee's activation in the Playground: the terminal says so, once, without his reason.
      const before = second.linesAfterBanner().length;
      const card = await waitForCard(page, 'Lee Gu asks to activate membership of Network Admins');
      await typeReason(card, 'Go ahead with the firmware change');
      await clickOnCard(card, 'Approve');
      const approved = () => second.linesAfterBanner().filter((l) => l.includes('Alex Wilber approved'));
      await second.waitFor('the narrated approval', () => approved().length > 0, 15_000);
      await page.waitForTimeout(3000);
      expect(approved()).toHaveLength(1);
      expect(approved()[0]).toMatch(
        /^\d\d:\d\d:\d\d {2}Alex Wilber approved Lee Gu's activation of Network Admins: card updated for Alex Wilber$/,
      );
      expect(second.linesAfterBanner().slice(before).join('\n')).not.toContain('firmware');
    });
    await second.stop();

    // The seeded approvals that wait for Alex and his expiry reminder arrive both times.
    expect(firstCards.length).toBeGreaterThanOrEqual(3);
    expect(secondCards).toEqual(firstCards);
    expect(firstSent.length).toBeGreaterThanOrEqual(3);
    expect(secondSent.map(withoutTime)).toEqual(firstSent.map(withoutTime));
  }, 120_000);
});

function withoutTime(line: string): string {
  return line.replace(/^\d\d:\d\d:\d\d {2}/, '');
}
