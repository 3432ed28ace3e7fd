import type { Verb } from './verbs.js';

// Object types (not interfaces) so a card is assignable to Record<string, unknown> at the bot edge.

/** Teams renders Adaptive Cards up to schema 1.5; every card this bot sends uses it. */
export const CARD_VERSION = '1.5';
export const CARD_SCHEMA = 'http://adaptivecards.io/schemas/adaptive-card.json';

export type Spacing = 'none' | 'small' | 'default' | 'medium' | 'large' | 'extraLarge' | 'padding';
export type TextColor = 'default' | 'dark' | 'light' | 'accent' | 'good' | 'warning' | 'attention';
export type TextSize = 'small' | 'default' | 'medium' | 'large' | 'extraLarge';
export type TextWeight = 'lighter' | 'default' | 'bolder';
export type HorizontalAlignment = 'left' | 'center' | 'right';
export type ContainerStyle = 'default' | 'emphasis' | 'good' | 'attention' | 'warning' | 'accent';
export type ActionStyle = 'default' | 'positive' | 'destructive';

/** Action data carries ids and small flags only; the bot reloads everything else server-side. */
export type DataScalar = string | number | boolean;
export type ActionDataValue = DataScalar | readonly DataScalar[] | Readonly<Record<string, DataScalar>>;
export type ActionData = Readonly<Record<string, ActionDataValue>>;

type ElementBase = {
  id?: string;
  spacing?: Spacing;
  separator?: boolean;
  isVisible?: boolean;
};

export type TextBlock = ElementBase & {
  type: 'TextBlock';
  text: string;
  wrap?: boolean;
  size?: TextSize;
  weight?: TextWeight;
  color?: TextColor;
  isSubtle?: boolean;
  maxLines?: number;
  horizontalAlignment?: HorizontalAlignment;
  style?: 'default' | 'heading';
};

export type Fact = {
  title: string;
  value: string;
};

export type FactSet = ElementBase & {
  type: 'FactSet';
  facts: Fact[];
};

export type Column = ElementBase & {
  type: 'Column';
  items: CardElement[];
  width?: 'auto' | 'stretch' | number | `${number}px`;
  verticalContentAlignment?: 'top' | 'center' | 'bottom';
  style?: ContainerStyle;
  selectAction?: SelectAction;
};

export type ColumnSet = ElementBase & {
  type: 'ColumnSet';
  columns: Column[];
  style?: ContainerStyle;
  selectAction?: SelectAction;
};

export type Container = ElementBase & {
  type: 'Container';
  items: CardElement[];
  style?: ContainerStyle;
  bleed?: boolean;
  selectAction?: SelectAction;
};

export type ActionSet = ElementBase & {
  type: 'ActionSet';
  actions: CardAction[];
};

type InputBase = ElementBase & {
  id: string;
  label?: string;
  isRequired?: boolean;
  errorMessage?: string;
};

export type TextInput = InputBase & {
  type: 'Input.Text';
  placeholder?: string;
  value?: string;
  maxLength?: number;
  isMultiline?: boolean;
  regex?: string;
  style?: 'text' | 'tel' | 'url' | 'email' | 'password';
};

export type Choice = {
  title: string;
  value: string;
};

export type ChoiceSetInput = InputBase & {
  type: 'Input.ChoiceSet';
  choices: Choice[];
  value?: string;
  style?: 'compact' | 'expanded' | 'filtered';
  isMultiSelect?: boolean;
  placeholder?: string;
  wrap?: boolean;
};

/** Dates are `YYYY-MM-DD` and times `HH:MM`, as Adaptive Cards define them (no time zone). */
export type DateInput = InputBase & {
  type: 'Input.Date';
  value?: string;
  min?: string;
  max?: string;
  placeholder?: string;
};

export type TimeInput = InputBase & {
  type: 'Input.Time';
  value?: string;
  min?: string;
  max?: string;
  placeholder?: string;
};

export type CardInput = TextInput | ChoiceSetInput | DateInput | TimeInput;
export type CardElement = TextBlock | FactSet | ColumnSet | Container | ActionSet | CardInput;

type ActionBase = {
  title: string;
  id?: string;
  style?: ActionStyle;
  tooltip?: string;
  isEnabled?: boolean;
  mode?: 'primary' | 'secondary';
};

export type ExecuteAction = ActionBase & {
  type: 'Action.Execute';
  verb: Verb;
  data?: ActionData;
  associatedInputs?: 'auto' | 'none';
};

export type ShowCardAction = ActionBase & {
  type: 'Action.ShowCard';
  card: ShownCard;
};

export type OpenUrlAction = ActionBase & {
  type: 'Action.OpenUrl';
  url: string;
};

export type CardAction = ExecuteAction | ShowCardAction | OpenUrlAction;
export type SelectAction = ExecuteAction | OpenUrlAction;

/** The card inside an Action.ShowCard: no version or refresh of its own. */
export type ShownCard = {
  type: 'AdaptiveCard';
  body: CardElement[];
  actions?: CardAction[];
};

export type RefreshDefinition = {
  action: { type: 'Action.Execute'; verb: Verb; data?: ActionData };
  /** User MRIs (`29:…`) whose clients refresh automatically; Teams allows at most 60. */
  userIds?: string[];
};

export type AdaptiveCard = {
  type: 'AdaptiveCard';
  $schema: typeof CARD_SCHEMA;
  version: typeof CARD_VERSION;
  body: CardElement[];
  actions?: CardAction[];
  refresh?: RefreshDefinition;
  fallbackText?: string;
  speak?: string;
  msteams?: { width: 'Full' };
};

type Options<T, Given extends keyof T> = Omit<T, 'type' | Given>;

/** Drops keys whose value is undefined so the JSON (and snapshots) only show what was set. */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

export type CardOptions = {
  actions?: CardAction[];
  refresh?: RefreshDefinition;
  fallbackText?: string;
  speak?: string;
  fullWidth?: boolean;
};

export function adaptiveCard(body: CardElement[], options: CardOptions = {}): AdaptiveCard {
  const { actions, refresh, fallbackText, speak, fullWidth } = options;
  return defined({
    type: 'AdaptiveCard',
    $schema: CARD_SCHEMA,
    version: CARD_VERSION,
    body,
    actions: actions && actions.length > 0 ? actions : undefined,
    refresh,
    fallbackText,
    speak,
    msteams: fullWidth ? { width: 'Full' } : undefined,
  });
}

export function textBlock(text: string, options: Options<TextBlock, 'text'> = {}): TextBlock {
  return defined({ type: 'TextBlock', text, wrap: true, ...options });
}

export function heading(text: string, options: Options<TextBlock, 'text'> = {}): TextBlock {
  return textBlock(text, { size: 'medium', weight: 'bolder', style: 'heading', ...options });
}

/** Facts whose value is undefined or empty are left out, so view models can pass optional fields straight in. */
export function factSet(
  facts: ReadonlyArray<readonly [title: string, value: string | undefined]>,
  options: Options<FactSet, 'facts'> = {},
): FactSet {
  const shown = facts.filter((fact): fact is readonly [string, string] => fact[1] !== undefined && fact[1] !== '');
  return defined({ type: 'FactSet', facts: shown.map(([title, value]) => ({ title, value })), ...options });
}

/** How something stands: done (good), needs attention soon (warning), failed (attention), in progress (accent). */
export type Tone = 'default' | 'accent' | 'good' | 'warning' | 'attention';

/**
 * Coloured text does not read in both Teams themes: warning yellow and good green on white are 1.5:1 and 2:1, the
 * attention red on dark grey 3.2:1 (WCAG asks 4.5:1). So a tone is drawn as the container style of that name, a pale
 * fill in light and dark alike, and the text inside keeps the default colour, which reads on it at 10:1 or more.
 */
function toneStyle(tone: Tone | TextColor | undefined): ContainerStyle | undefined {
  return tone === 'accent' || tone === 'good' || tone === 'warning' || tone === 'attention' ? tone : undefined;
}

function uncoloured(element: CardElement): CardElement {
  if (element.type !== 'TextBlock' || element.color === undefined) return element;
  const { color: _color, ...rest } = element;
  return rest;
}

/**
 * Sentences in a tone (a warning, an error, a notice): a band of the tone's container style holding them, which
 * takes the first block's spacing and separator. In the default tone a single block stays as it is.
 */
export function callout(items: CardElement[], tone: Tone | TextColor | undefined): CardElement {
  const style = toneStyle(tone);
  if (!style && items.length === 1) return items[0];
  const [first] = items;
  const inside = items.map((item, i) =>
    defined(i === 0 ? { ...uncoloured(item), spacing: undefined, separator: undefined } : uncoloured(item)),
  );
  return container(inside, { style, spacing: first?.spacing, separator: first?.separator });
}

/**
 * A short status ("Pending approval", "Delivered") as a pill: the tone's container style around the words only.
 * The words say the status; the fill only adds to it, so no meaning is carried by colour alone.
 */
export function statusPill(
  text: string,
  tone: Tone | TextColor | undefined,
  options: Options<TextBlock, 'text' | 'color'> = {},
): CardElement {
  const style = toneStyle(tone);
  const { spacing, separator, ...textOptions } = options;
  if (!style) return textBlock(text, options);
  return columnSet(
    [column([textBlock(text, textOptions)], { width: 'auto', style, verticalContentAlignment: 'center' })],
    {
      spacing,
      separator,
    },
  );
}

export function column(items: CardElement[], options: Options<Column, 'items'> = {}): Column {
  return defined({ type: 'Column', items, ...options });
}

export function columnSet(columns: Column[], options: Options<ColumnSet, 'columns'> = {}): ColumnSet {
  return defined({ type: 'ColumnSet', columns, ...options });
}

export function container(items: CardElement[], options: Options<Container, 'items'> = {}): Container {
  return defined({ type: 'Container', items, ...options });
}

export function actionSet(actions: CardAction[], options: Options<ActionSet, 'actions'> = {}): ActionSet {
  return defined({ type: 'ActionSet', actions, ...options });
}

export function textInput(id: string, options: Options<TextInput, 'id'> = {}): TextInput {
  return defined({ type: 'Input.Text', id, ...options });
}

export function choiceSetInput(
  id: string,
  choices: ReadonlyArray<Choice>,
  options: Options<ChoiceSetInput, 'id' | 'choices'> = {},
): ChoiceSetInput {
  return defined({ type: 'Input.ChoiceSet', id, choices: choices.map((c) => ({ ...c })), ...options });
}

const INPUT_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const INPUT_TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

/** A real calendar day written `YYYY-MM-DD`, the only value Input.Date accepts ("2026-02-30" is not one). */
export function isInputDate(text: string | undefined): text is string {
  const match = INPUT_DATE.exec(text ?? '');
  if (!match) return false;
  const [year, month, day] = match.slice(1).map(Number);
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** A clock time written `HH:MM` (00:00 to 23:59), the only value Input.Time accepts. */
export function isInputTime(text: string | undefined): text is string {
  return INPUT_TIME.test(text ?? '');
}

/** Only a valid `YYYY-MM-DD` goes into the input: anything else would be shown as typed text or break the picker. */
export function dateInput(id: string, options: Options<DateInput, 'id'> = {}): DateInput {
  const { value, min, max } = options;
  return defined({
    type: 'Input.Date',
    id,
    ...options,
    value: isInputDate(value) ? value : undefined,
    min: isInputDate(min) ? min : undefined,
    max: isInputDate(max) ? max : undefined,
  });
}

/** Only a valid `HH:MM` goes into the input. */
export function timeInput(id: string, options: Options<TimeInput, 'id'> = {}): TimeInput {
  const { value, min, max } = options;
  return defined({
    type: 'Input.Time',
    id,
    ...options,
    value: isInputTime(value) ? value : undefined,
    min: isInputTime(min) ? min : undefined,
    max: isInputTime(max) ? max : undefined,
  });
}

export function executeAction(
  title: string,
  verb: Verb,
  data?: ActionData,
  options: Options<ExecuteAction, 'title' | 'verb' | 'data'> = {},
): ExecuteAction {
  return defined({ type: 'Action.Execute', title, verb, data, ...options });
}

export function showCardAction(
  title: string,
  body: CardElement[],
  actions: CardAction[] = [],
  options: Options<ShowCardAction, 'title' | 'card'> = {},
): ShowCardAction {
  const card: ShownCard = actions.length > 0 ? { type: 'AdaptiveCard', body, actions } : { type: 'AdaptiveCard', body };
  return defined({ type: 'Action.ShowCard', title, card, ...options });
}

export function openUrlAction(
  title: string,
  url: string,
  options: Options<OpenUrlAction, 'title' | 'url'> = {},
): OpenUrlAction {
  return defined({ type: 'Action.OpenUrl', title, url, ...options });
}

export function refresh(verb: Verb, data?: ActionData, userIds?: string[]): RefreshDefinition {
  return defined({ action: defined({ type: 'Action.Execute' as const, verb, data }), userIds });
}

const EMPHASIS_AND_LINKS = /[\\*_[\]]/g;
const BULLET_AT_LINE_START = /^(\s*)([-+])(?=\s)/gm;
const NUMBER_AT_LINE_START = /^(\s*)(\d+)\.(?=\s)/gm;

/**
 * Makes text from people or Graph (names, justifications, search words) show literally in a TextBlock, which
 * otherwise renders a Markdown subset: `**x**` would turn bold, `[x](y)` into a link, `- x` into a list. Only those
 * characters are escaped, because some Teams clients show backslashes before other characters.
 */
export function plainText(text: string): string {
  return text
    .replace(EMPHASIS_AND_LINKS, (c) => `\\${c}`)
    .replace(BULLET_AT_LINE_START, '$1\\$2')
    .replace(NUMBER_AT_LINE_START, '$1$2\\.');
}

/** Shortens text to at most `max` characters, ending with an ellipsis when it was cut. */
export function truncate(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, Math.max(0, max - 1)).join('')}…`;
}
