/**
 * Browser end-to-end harness: the devtenant, the bot (local mode) and the Microsoft 365 Agents Playground on free
 * ports, with headless Debian Chromium driving the Playground page through playwright-core.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { type Browser, chromium, type Locator, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe } from 'vitest';
import { type RunningBot, startBot } from '../../bot/app.js';
import { type DevtenantOptions, type RunningDevtenant, startDevtenant } from '../../devtenant/index.js';
import { type RunningPlayground, startPlayground } from '../../scripts/playground.js';
import { loadConfig } from '../../services/config.js';
import { createLogger } from '../../services/log.js';
import { cardJsonOf, type RenderedText, recordCards, renderCardInTheme, TOP_CARD } from './themeRender.js';

export { TOP_CARD };

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = path.resolve(import.meta.dirname, 'artifacts');

/** Outside CI a missing Chromium skips the browser suites (loudly); in CI it is a failure. */
export function browserAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.CI) throw new Error(`${CHROMIUM} is missing: .ci/run must install Debian chromium.`);
  console.warn(`\n!!! ${CHROMIUM} is missing: the browser end-to-end tests are SKIPPED. apt-get install chromium\n`);
  return false;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export interface E2E {
  devtenant: RunningDevtenant;
  bot: RunningBot;
  playground: RunningPlayground;
  browser: Browser;
  page: Page;
  stop(): Promise<void>;
}

export interface E2EOptions {
  /**
   * The reader's IANA zone: the browser page runs in it (what Teams renders `{{DATE()}}`/`{{TIME()}}` in) and so does
   * the Playground, which sends it to the bot as `localTimezone`. Default: the test process's zone.
   */
  timezoneId?: string;
  /** The devtenant's UNCONFIRMED choices this suite runs with (devtenant/README.md), e.g. what a requester may read. */
  quirks?: DevtenantOptions['quirks'];
}

export async function startE2E(env: Record<string, string> = {}, options: E2EOptions = {}): Promise<E2E> {
  const devtenant = await startDevtenant({ port: 0, ...(options.quirks ? { quirks: options.quirks } : {}) });
  const dataDir = path.join(os.tmpdir(), `access-bot-e2e-${process.pid}-${Date.now()}`);
  const config = loadConfig({
    PORT: '0',
    GRAPH_BASE_URL: devtenant.url,
    STORAGE: `sqlite:${dataDir}/bot.db`,
    WATCH_INTERVAL_SECONDS: '1',
    LOG_LEVEL: 'warn',
    ...env,
  });
  // As in `npm start`: the bot keeps the devtenant's time, so the console's clock buttons move both.
  const bot = await startBot(config, {
    log: createLogger(process.env.E2E_LOG_LEVEL ?? 'warn'),
    clock: devtenant.clock,
  });
  const playground = await startPlayground({
    botEndpoint: `${bot.url}/api/messages`,
    port: await freePort(),
    ...(options.timezoneId ? { env: { TZ: options.timezoneId } } : {}),
  });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const page = await browser.newPage({
    viewport: { width: 1280, height: 1000 },
    ...(options.timezoneId ? { timezoneId: options.timezoneId } : {}),
  });
  recordCards(page);
  await page.goto(playground.url);
  await page.locator('[data-lexical-editor="true"][role="textbox"]').waitFor({ timeout: 15_000 });
  return {
    devtenant,
    bot,
    playground,
    browser,
    page,
    async stop() {
      await browser.close().catch(() => undefined);
      await playground.stop();
      await bot.close();
      await devtenant.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * A browser suite: `describe.runIf(browserAvailable())` (skipped loudly outside CI when Chromium is missing, a
 * failure in CI), with one harness (startE2E(env)) started before its tests and stopped after them, and a full-page
 * screenshot in artifacts/ of every test that fails. Inside the tests, `e2e()` is the running harness.
 */
export function describeE2E(
  name: string,
  tests: (e2e: () => E2E) => void,
  env: Record<string, string> = {},
  options: E2EOptions = {},
): void {
  describe.runIf(browserAvailable())(name, () => {
    let running: E2E | undefined;
    beforeAll(async () => {
      running = await startE2E(env, options);
    }, 60_000);
    afterAll(async () => running?.stop());
    afterEach(async (ctx) => {
      if (ctx.task.result?.state === 'fail') {
        await saveFailureScreenshot(running?.page, ctx.task.name.replace(/\W+/g, '-'));
      }
    });
    tests(() => {
      if (!running) throw new Error('the browser end-to-end harness is not running (startE2E failed?)');
      return running;
    });
  });
}

/**
 * Types a message into the Playground's compose box and sends it; returns the card the bot answers with, pinned to
 * its position. Cards also arrive by themselves (approvals and reminders right after the Playground opens,
 * notifications later), so give `answer`, words of the expected answer: the newest card after the message that
 * holds them is returned. Without it, the first card after the message.
 */
export async function send(page: Page, text: string, answer?: string): Promise<Locator> {
  const before = await cardCount(page);
  await page.locator('[data-lexical-editor="true"][role="textbox"]').click();
  await page.keyboard.type(text);
  await page.locator('button[aria-label="Send Message"]').click();
  if (answer) return waitForCard(page, answer, { after: before });
  const count = await page.waitForFunction(
    ([selector, n]) => (document.querySelectorAll(selector).length > n ? n + 1 : 0),
    [TOP_CARD, before] as const,
    { timeout: 15_000 },
  );
  return page.locator(TOP_CARD).nth((await count.jsonValue()) - 1);
}

/** Clicks the button with this title on the card; resolves when that card's content changed. */
export async function clickOnCard(card: Locator, title: string): Promise<void> {
  await card.locator(`button[title="${title}"], button:has-text("${title}")`).first().click();
}

/** Types into the card's first text field (an approver's reason), as a person would. */
export async function typeReason(card: Locator, text: string): Promise<void> {
  const field = card.locator('.ac-input-container textarea, .ac-input-container input').first();
  await field.click();
  await field.pressSequentially(text);
}

export async function saveFailureScreenshot(page: Page | undefined, name: string): Promise<void> {
  if (!page) return;
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true }).catch(() => undefined);
}

/** How many top-level cards the chat shows now. */
export async function cardCount(page: Page): Promise<number> {
  return page.locator(TOP_CARD).count();
}

/**
 * Waits for the newest top-level card (after the first `after` ones, when given) whose text contains `text`, and
 * returns a locator pinned to its position: cards that arrive later (the watcher's, proactive ones) do not move it,
 * and an update in place keeps it.
 */
export async function waitForCard(
  page: Page,
  text: string,
  opts: { after?: number; timeout?: number } = {},
): Promise<Locator> {
  const found = await page.waitForFunction(
    ([selector, wanted, after]) => {
      const cards = Array.from(document.querySelectorAll<HTMLElement>(selector));
      for (let i = cards.length - 1; i >= after; i--) if (cards[i].innerText.includes(wanted)) return i + 1;
      return 0;
    },
    [TOP_CARD, text, opts.after ?? 0] as const,
    { timeout: opts.timeout ?? 15_000 },
  );
  return page.locator(TOP_CARD).nth((await found.jsonValue()) - 1);
}

export interface CardScreenshots {
  light: string;
  dark: string;
  /** The texts of the dark render, with the colours the browser computed for them. */
  darkTexts: RenderedText[];
}

/**
 * Saves what a person sees of one card, for the README and for review: `artifacts/<name>-light.png` from the
 * Playground, and `artifacts/<name>-dark.png`, the same card (the JSON the Playground received for it) drawn with the
 * Teams dark host config, since the Playground has no dark theme.
 */
export async function screenshotCard(page: Page, card: Locator, name: string): Promise<CardScreenshots> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await card.scrollIntoViewIfNeeded().catch(() => undefined);
  const light = path.join(ARTIFACTS, `${name}-light.png`);
  await card.screenshot({ path: light });
  const width = (await card.boundingBox())?.width ?? 600;
  const json = await cardJsonOf(page, card);
  const dark = await renderCardInTheme(page, json, 'dark', path.join(ARTIFACTS, `${name}-dark.png`), width);
  return { light, dark: dark.file, darkTexts: dark.texts };
}

/**
 * A card text's `{{DATE(…, SHORT)}}` / `{{TIME(…)}}` the way the Adaptive Cards renderer writes them
 * (adaptivecards text-formatters), in the page's own locale and zone, or in `timeZone` when given.
 */
export function renderInPage(page: Page, text: string, timeZone?: string): Promise<string> {
  return page.evaluate(
    ([t, zone]) =>
      t
        .replace(/\{\{DATE\(([^,)]+), SHORT\)\}\}/g, (_, at: string) =>
          new Date(at).toLocaleDateString(undefined, {
            day: 'numeric',
            weekday: 'short',
            month: 'short',
            year: 'numeric',
            ...(zone ? { timeZone: zone } : {}),
          }),
        )
        .replace(/\{\{TIME\(([^)]+)\)\}\}/g, (_, at: string) =>
          new Date(at).toLocaleTimeString(undefined, {
            hour: 'numeric',
            minute: '2-digit',
            ...(zone ? { timeZone: zone } : {}),
          }),
        ),
    [text, timeZone] as const,
  );
}

/** Types a message (`activate` by default) and returns the list card it answers with, pinned to its place. */
export async function openActivateList(page: Page, text = 'activate'): Promise<Locator> {
  const before = await cardCount(page);
  await send(page, text);
  return waitForCard(page, 'Your eligible roles', { after: before });
}

/**
 * screenshotCard of a card taller than the Playground's chat pane (the list): the window is made tall enough for the
 * whole card for the shot, so the chat's header does not cover it, and then put back.
 */
export async function screenshotTallCard(page: Page, card: Locator, name: string): Promise<void> {
  const viewport = page.viewportSize();
  const height = (await card.boundingBox())?.height ?? 0;
  if (viewport)
    await page.setViewportSize({ width: viewport.width, height: Math.ceil(Math.max(viewport.height, height + 600)) });
  try {
    await screenshotCard(page, card, name);
  } finally {
    if (viewport) await page.setViewportSize(viewport);
  }
}
