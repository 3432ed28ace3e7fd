/**
 * The dark-theme copy of a card the Playground shows. The Playground renders every card with one light host config,
 * so this takes the JSON the page received (the conversation websocket's createMessage/updateMessage, and the
 * answers to its Action.Execute invokes, which replace the clicked card) and draws it again with the adaptivecards
 * SDK and the Teams dark host config (hostConfigs/teams-dark.json) in a page of its own.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Locator, Page } from 'playwright-core';
import { type Theme, teamsHostConfig } from '../helpers/contrast.js';

type Json = Record<string, unknown>;

/** Top-level cards only: a card's Action.ShowCard renders another `.ac-adaptiveCard` inside it. */
export const TOP_CARD = '.ac-adaptiveCard:not(.ac-adaptiveCard .ac-adaptiveCard)';

const ADAPTIVE_CARD = 'application/vnd.microsoft.card.adaptive';
const SDK = createRequire(import.meta.url).resolve('adaptivecards/dist/adaptivecards.min.js');

interface ChatMessage {
  id: string;
  cards: Json[];
}

/** The bot's messages as the Playground page received them, in chat order, each with its adaptive cards. */
class CardRecorder {
  private readonly messages: ChatMessage[] = [];
  private readonly pending = new Set<Promise<void>>();

  constructor(page: Page) {
    page.on('websocket', (ws) => {
      if (!ws.url().includes('/_ws_conversation/')) return;
      ws.on('framereceived', (frame) => this.onFrame(String(frame.payload)));
    });
    page.on('response', (response) => {
      if (!response.url().endsWith('/_conversation/v1/invoke')) return;
      const parsed = this.onInvokeAnswer(response.request().postDataJSON(), response.json());
      this.pending.add(parsed);
      void parsed.finally(() => this.pending.delete(parsed));
    });
  }

  private onFrame(payload: string): void {
    let event: { action?: string; message?: { messageId?: string; attachments?: unknown[] } };
    try {
      event = JSON.parse(payload);
    } catch {
      return;
    }
    const id = event.message?.messageId;
    if (!id || (event.action !== 'createMessage' && event.action !== 'updateMessage')) return;
    const cards = (event.message?.attachments ?? [])
      .filter((a): a is { contentType: string; content: Json } => isObject(a) && a.contentType === ADAPTIVE_CARD)
      .map((a) => a.content);
    const known = this.messages.find((m) => m.id === id);
    if (known) known.cards = cards;
    else this.messages.push({ id, cards });
  }

  private async onInvokeAnswer(request: unknown, answer: Promise<unknown>): Promise<void> {
    const body = await answer.catch(() => undefined);
    const replyToId = isObject(request) ? request.replyToId : undefined;
    if (!isObject(body) || body.type !== ADAPTIVE_CARD || !isObject(body.value)) return;
    const message = this.messages.find((m) => m.id === replyToId);
    if (message) message.cards = [body.value];
  }

  /** Every card in chat order, once the invoke answers already received are read. */
  async cards(): Promise<Json[]> {
    await Promise.all([...this.pending]);
    return this.messages.flatMap((m) => m.cards);
  }
}

const recorders = new WeakMap<Page, CardRecorder>();

/** Starts recording the cards this page receives: call before it opens the Playground. */
export function recordCards(page: Page): void {
  if (!recorders.has(page)) recorders.set(page, new CardRecorder(page));
}

/**
 * The JSON of the card this locator shows: the N-th top-level card of the page is the N-th card the page received.
 * That is checked against the card's visible text; when it does not match (a card arrived some other way), the
 * newest received card whose texts the element shows is taken instead.
 */
export async function cardJsonOf(page: Page, card: Locator): Promise<Json> {
  const recorder = recorders.get(page);
  if (!recorder) throw new Error('dark capture: this page was not opened by startE2E (no card recording)');
  // The page may draw a websocket frame or an invoke answer a moment before playwright reports it here.
  const deadline = Date.now() + CAPTURE_WAIT_MS;
  for (;;) {
    const { index, text } = await card.evaluate(
      (el, selector) => ({
        index: Array.from(document.querySelectorAll(selector)).indexOf(el),
        text: (el as HTMLElement).innerText,
      }),
      TOP_CARD,
    );
    const received = await recorder.cards();
    const json = matchingCard(received, index, text);
    if (json) return json;
    if (Date.now() > deadline) {
      throw new Error(
        `dark capture: none of the ${received.length} cards the Playground received is the one shown as card ${index + 1} ("${text.slice(0, 80)}")`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const CAPTURE_WAIT_MS = 3000;

function matchingCard(received: Json[], index: number, text: string): Json | undefined {
  const shown = normalised(text);
  // `{{DATE(…)}}` and `{{TIME(…)}}` are drawn in the reader's zone: only the words around them are compared.
  const shows = (json: Json) =>
    visibleTexts(json)
      .flatMap((t) => t.split(/\{\{[^}]*\}\}/))
      .every((part) => shown.includes(normalised(part)));
  if (received[index] && shows(received[index])) return received[index];
  return received.findLast((json) => visibleTexts(json).length > 0 && shows(json));
}

/** A text element of a rendered card, with the colours the browser computed for it. */
export interface RenderedText {
  text: string;
  color: string;
  /** The opaque background it is painted on (translucent layers blended). */
  background: string;
  fontPx: number;
  fontWeight: number;
}

export interface ThemedRender {
  file: string;
  texts: RenderedText[];
}

/**
 * Draws the card JSON with the Teams host config of a theme in its own page (the SDK, a minimal Markdown for bold
 * and line breaks, the theme's chat background), saves a screenshot of it, and reads its texts' computed colours.
 */
export async function renderCardInTheme(
  page: Page,
  json: Json,
  theme: Theme,
  file: string,
  width: number,
): Promise<ThemedRender> {
  const config = teamsHostConfig(theme);
  const background = config.containerStyles.default.backgroundColor;
  const browser = page.context().browser();
  if (!browser) throw new Error('dark capture: the Playground page has no browser to open a render page in');
  const view = await browser.newPage({ viewport: { width: Math.ceil(width) + 40, height: 800 } });
  try {
    await view.setContent(`<!doctype html><html><head><style>
      body { margin: 0; padding: 20px; background: ${cssColor(background)}; font-family: 'Segoe UI', sans-serif; }
      #card { width: ${Math.ceil(width)}px; }
      .ac-pushButton { background: transparent; color: inherit; border: 1px solid currentColor; border-radius: 4px;
        padding: 4px 12px; font: inherit; font-weight: 600; }
      .ac-adaptiveCard p { margin: 0; }
      .ac-actionSet { flex-wrap: wrap !important; row-gap: 8px; }
      .ac-input { background: transparent; color: inherit; }
      </style></head><body><div id="card"></div></body></html>`);
    await view.addScriptTag({ content: readFileSync(SDK, 'utf8') });
    await view.evaluate(
      ({ card, hostConfig }) => {
        const AC = (window as any).AdaptiveCards;
        AC.AdaptiveCard.onProcessMarkdown = (text: string, result: any) => {
          const escaped = text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
          result.outputHtml = `<p>${escaped
            .replace(/\*\*(.+?)\*\*/g, '<strong>$1</strong>')
            .replace(/\\([\\*_[\]\-+.])/g, '$1')
            .replace(/\n/g, '<br>')}</p>`;
          result.didProcess = true;
        };
        const model = new AC.AdaptiveCard();
        model.hostConfig = new AC.HostConfig(hostConfig);
        model.parse(card);
        const rendered = model.render();
        document.getElementById('card')?.replaceChildren(rendered);
      },
      { card: json, hostConfig: config },
    );
    const texts = await readCardTexts(view.locator('#card'));
    await view.locator('#card').screenshot({ path: file });
    return { file, texts };
  } finally {
    await view.close();
  }
}

/** The visible texts of a rendered card (TextBlocks, facts, TextRuns), with their computed colours. */
export async function readCardTexts(card: Locator): Promise<RenderedText[]> {
  return card.evaluate(readTexts);
}

/** Runs in the page: self-contained (playwright sends its source). */
function readTexts(root: Element): RenderedText[] {
  const rgba = (value: string) => (value.match(/[\d.]+/g) ?? []).map(Number);
  const backgroundOf = (el: Element | null): number[] => {
    for (let at = el; at; at = at.parentElement) {
      const [r, g, b, a = 1] = rgba(getComputedStyle(at).backgroundColor);
      if (a === 0) continue;
      if (a >= 1) return [r, g, b];
      const under = backgroundOf(at.parentElement);
      return [r, g, b].map((c, i) => c * a + under[i] * (1 - a));
    }
    return [255, 255, 255];
  };
  return Array.from(root.querySelectorAll<HTMLElement>('.ac-textBlock, .ac-textRun'))
    .filter((el) => el.offsetParent !== null && el.innerText.trim() !== '')
    .map((el) => {
      const style = getComputedStyle(el);
      const [r, g, b] = backgroundOf(el);
      return {
        text: el.innerText.trim(),
        color: style.color,
        background: `rgb(${r}, ${g}, ${b})`,
        fontPx: Number.parseFloat(style.fontSize),
        fontWeight: Number(style.fontWeight),
      };
    });
}

/** Host configs write `#AARRGGBB`; CSS wants `#RRGGBBAA`. */
function cssColor(hex: string): string {
  const h = hex.replace('#', '');
  return h.length === 8 ? `#${h.slice(2)}${h.slice(0, 2)}` : `#${h}`;
}

/** The card's own texts a person sees first (body TextBlocks and facts, not hidden or inside a shown card). */
function visibleTexts(card: Json): string[] {
  const texts: string[] = [];
  const visit = (el: unknown) => {
    if (!isObject(el) || el.isVisible === false) return;
    if (el.type === 'TextBlock' && typeof el.text === 'string') texts.push(el.text);
    if (el.type === 'FactSet' && Array.isArray(el.facts))
      for (const f of el.facts) if (isObject(f)) texts.push(String(f.value));
    for (const key of ['items', 'columns'] as const) if (Array.isArray(el[key])) el[key].forEach(visit);
  };
  if (Array.isArray(card.body)) card.body.forEach(visit);
  return texts.slice(0, 6);
}

/** Letters and digits only, so Markdown and the renderer's whitespace do not matter. */
function normalised(text: string): string {
  return text.replace(/[^\p{L}\p{N}]/gu, '').toLowerCase();
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
