import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * WCAG 2 contrast of card text under a Teams host config: the colour a TextBlock, Fact or TextRun gets (its `color`
 * and `isSubtle` in the foreground colours of the container style it sits in) against that style's background.
 */

export type Rgba = readonly [r: number, g: number, b: number, a: number];

export interface HostConfigJson {
  containerStyles: Record<
    string,
    { backgroundColor: string; foregroundColors: Record<string, Record<string, string>> }
  >;
  fontTypes: { default: { fontSizes: Record<string, number>; fontWeights: Record<string, number> } };
  actions: { showCard: { style: string } };
  factSet: { title: TextStyleJson; value: TextStyleJson };
}
interface TextStyleJson {
  size?: string;
  color?: string;
  weight?: string;
  isSubtle?: boolean;
}

export const THEMES = ['light', 'dark'] as const;
export type Theme = (typeof THEMES)[number];

const HOST_CONFIGS = path.resolve(import.meta.dirname, '../e2e/hostConfigs');

/** The Teams host config of a theme, as committed in tests/e2e/hostConfigs/. */
export function teamsHostConfig(theme: Theme): HostConfigJson {
  return JSON.parse(readFileSync(path.join(HOST_CONFIGS, `teams-${theme}.json`), 'utf8'));
}

/** `#RGB`, `#RRGGBB`, `#AARRGGBB` (alpha first, as host configs write it), `rgb()` or `rgba()` (computed styles). */
export function parseColor(text: string): Rgba {
  const value = text.trim();
  const fn = /^rgba?\(([^)]+)\)$/.exec(value);
  if (fn) {
    const [r, g, b, a = 1] = fn[1]
      .split(/[\s,/]+/)
      .filter(Boolean)
      .map(Number);
    return [r, g, b, a];
  }
  let hex = value.replace(/^#/, '');
  if (hex.length === 3) hex = [...hex].map((c) => c + c).join('');
  if (!/^([0-9a-f]{6}|[0-9a-f]{8})$/i.test(hex)) throw new Error(`not a colour: ${text}`);
  const alpha = hex.length === 8 ? Number.parseInt(hex.slice(0, 2), 16) / 255 : 1;
  const rgb = hex.slice(-6);
  return [0, 2, 4].map((i) => Number.parseInt(rgb.slice(i, i + 2), 16)).concat(alpha) as unknown as Rgba;
}

/** A translucent colour painted over an opaque one. */
export function over(top: Rgba, under: Rgba): Rgba {
  const a = top[3];
  return [0, 1, 2].map((i) => top[i] * a + under[i] * (1 - a)).concat(1) as unknown as Rgba;
}

function luminance([r, g, b]: Rgba): number {
  const channel = (c: number) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
}

/** WCAG contrast ratio (1 to 21) of a foreground, blended onto its background, against that background. */
export function contrastRatio(foreground: Rgba, background: Rgba): number {
  const fg = luminance(over(foreground, background));
  const bg = luminance(background);
  return (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
}

/** WCAG "large text": 18 pt (24 px), or 14 pt (18.67 px) bold. Large text needs 3:1, the rest 4.5:1. */
export function requiredRatio(fontPx: number, fontWeight: number): number {
  return fontPx >= 24 || (fontPx >= 18.66 && fontWeight >= 600) ? 3 : 4.5;
}

export interface TextContrast {
  where: string;
  text: string;
  ratio: number;
  required: number;
}

type Json = Record<string, unknown>;

/** The contrast of every text in the card (TextBlock, Fact title and value, TextRun) under one host config. */
export function cardTextContrasts(card: unknown, config: HostConfigJson): TextContrast[] {
  const found: TextContrast[] = [];
  const fonts = config.fontTypes.default;
  const measure = (where: string, text: string, style: string, t: TextStyleJson) => {
    const container = config.containerStyles[style] ?? config.containerStyles.default;
    const colours = named(container.foregroundColors, t.color) ?? container.foregroundColors.default;
    const fg = parseColor(t.isSubtle ? colours.subtle : colours.default);
    const ratio = contrastRatio(fg, parseColor(container.backgroundColor));
    const px = named(fonts.fontSizes, t.size) ?? fonts.fontSizes.default;
    const weight = named(fonts.fontWeights, t.weight) ?? fonts.fontWeights.default;
    found.push({ where, text, ratio, required: requiredRatio(px, weight) });
  };
  const visitCard = (node: Json, where: string, style: string) => {
    for (const [i, el] of list(node.body).entries()) visitElement(el, `${where}body[${i}]`, style);
    visitActions(node.actions, `${where}actions`, style);
  };
  const visitActions = (actions: unknown, where: string, style: string) => {
    list(actions).forEach((action, i) => {
      // An Action.ShowCard's card is drawn in the host's show-card style (emphasis in Teams).
      if (action.type === 'Action.ShowCard' && isObject(action.card)) {
        visitCard(action.card, `${where}[${i}].card.`, config.actions.showCard.style ?? style);
      }
    });
  };
  const visitElement = (el: Json, where: string, parentStyle: string) => {
    const style = typeof el.style === 'string' && el.type !== 'TextBlock' ? el.style : parentStyle;
    if (el.type === 'TextBlock') measure(where, String(el.text), style, textStyleOf(el));
    if (el.type === 'FactSet') {
      list(el.facts).forEach((fact, i) => {
        measure(`${where}.facts[${i}].title`, String(fact.title), style, config.factSet.title);
        measure(`${where}.facts[${i}].value`, String(fact.value), style, config.factSet.value);
      });
    }
    if (el.type === 'RichTextBlock') {
      list(el.inlines).forEach((run, i) => {
        measure(`${where}.inlines[${i}]`, String(run.text), style, textStyleOf(run));
      });
    }
    for (const [i, child] of list(el.items).entries()) visitElement(child, `${where}.items[${i}]`, style);
    for (const [i, child] of list(el.columns).entries()) visitElement(child, `${where}.columns[${i}]`, style);
    if (el.type === 'ActionSet') visitActions(el.actions, `${where}.actions`, style);
  };
  if (isObject(card)) visitCard(card, '', 'default');
  return found;
}

/** A TextBlock with `style: "heading"` and nothing else set is drawn large and bolder (the SDK's textStyles). */
function textStyleOf(el: Json): TextStyleJson {
  const heading = el.style === 'heading';
  return {
    size: typeof el.size === 'string' ? el.size : heading ? 'large' : undefined,
    weight: typeof el.weight === 'string' ? el.weight : heading ? 'bolder' : undefined,
    color: typeof el.color === 'string' ? el.color : undefined,
    isSubtle: el.isSubtle === true,
  };
}

/** The texts that fail WCAG contrast, each as `where "text": ratio < required`. */
export function contrastProblems(card: unknown, config: HostConfigJson): string[] {
  return cardTextContrasts(card, config)
    .filter((c) => c.ratio < c.required)
    .map((c) => `${c.where || 'card'} "${c.text.slice(0, 60)}": ${c.ratio.toFixed(2)}:1 < ${c.required}:1`);
}

/** Card JSON and host configs spell enum values in any case ("extraLarge", "ExtraLarge"). */
function named<T>(record: Record<string, T>, key: string | undefined): T | undefined {
  const wanted = (key ?? 'default').toLowerCase();
  return Object.entries(record).find(([name]) => name.toLowerCase() === wanted)?.[1];
}

function list(value: unknown): Json[] {
  return Array.isArray(value) ? value.filter(isObject) : [];
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
