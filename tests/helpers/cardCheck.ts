import * as AC from 'adaptivecards';
import { cardUtf16Bytes, MAX_CARD_UTF16_BYTES } from '../../cards/size.js';
import { allVerbs } from '../../cards/verbs.js';

/**
 * Checks an Adaptive Card the way Teams will treat it. Returns the problems found, each naming where it is
 * (`body[1].actions[0]`); an empty list means the card is fine.
 *
 * Two layers: the `adaptivecards` object model (unknown element/action types, duplicate ids, empty collections), then
 * our own walk over the JSON for what that library does not report: unknown or too-new properties, version, verbs,
 * Action.Submit, refresh.userIds, input ids, TextBlock text, action data shape and the card size.
 */
export const TEAMS_MAX_VERSION = { major: 1, minor: 5 };
/** The same budget the bot's own guard (cards/size.ts) enforces before sending. */
export const MAX_CARD_BYTES = MAX_CARD_UTF16_BYTES;
export const MAX_REFRESH_USER_IDS = 60;
/** Teams shows at most 6 buttons in one action list (the card's, an ActionSet's or a shown card's). */
export const MAX_ACTIONS = 6;
/** Data carries ids and flags; a longer string is text or state that belongs in storage. */
export const MAX_DATA_STRING_CHARS = 256;

export interface CardCheckOptions {
  /** Verbs accepted besides those in cards/verbs.ts (for cards under construction). */
  extraVerbs?: readonly string[];
}

type Json = Record<string, unknown>;

interface Walk {
  verbs: ReadonlySet<string>;
  problems: string[];
  inputIds: Map<string, string[]>;
}

/** Teams features that the adaptivecards 3.0 model marks as 1.6 or does not know, but Teams renders in 1.5 cards. */
const TEAMS_EXTENSIONS: Readonly<Record<string, readonly string[]>> = {
  'Input.ChoiceSet': ['choices.data'],
};

/** Keys the library parses with custom code, so they are missing from its property schemas. */
const STRUCTURAL_KEYS: Readonly<Record<string, readonly string[]>> = {
  AdaptiveCard: ['body', 'actions'],
  Container: ['items'],
  Column: ['items'],
  ColumnSet: ['columns'],
  ActionSet: ['actions'],
  'Action.ShowCard': ['card'],
};

export function checkCard(card: unknown, options: CardCheckOptions = {}): string[] {
  if (!isObject(card)) return ['the card is not a JSON object'];
  const walk: Walk = {
    verbs: new Set<string>([...allVerbs, ...(options.extraVerbs ?? [])]),
    problems: [],
    inputIds: new Map(),
  };
  walkCard(walk, card, '', true);
  return [
    ...envelopeProblems(card),
    ...sizeProblems(card),
    ...objectModelProblems(card),
    ...walk.problems,
    ...duplicateInputIds(walk.inputIds),
  ];
}

function envelopeProblems(card: Json): string[] {
  const problems: string[] = [];
  if (card.type !== 'AdaptiveCard') problems.push(`type must be "AdaptiveCard", not ${JSON.stringify(card.type)}`);
  const version = parseVersion(card.version);
  if (!version) problems.push(`version must be a string such as "1.5", not ${JSON.stringify(card.version)}`);
  else if (isNewerThanTeams(version))
    problems.push(`version ${card.version} is newer than Teams renders (1.5 at most)`);
  return problems;
}

function sizeProblems(card: Json): string[] {
  const bytes = cardUtf16Bytes(card);
  return bytes > MAX_CARD_BYTES ? [`the card is ${bytes} bytes in UTF-16; keep it under ${MAX_CARD_BYTES}`] : [];
}

function objectModelProblems(card: Json): string[] {
  const model = new AC.AdaptiveCard();
  const context = new AC.SerializationContext();
  try {
    model.parse(card, context);
  } catch (err) {
    return [`adaptivecards could not parse the card: ${(err as Error).message}`];
  }
  const problems: string[] = [];
  for (let i = 0; i < context.eventCount; i++) problems.push(`adaptivecards: ${context.getEventAt(i).message}`);
  for (const event of model.validateProperties().validationEvents) {
    if (isPeoplePickerFalseAlarm(event, card)) continue;
    problems.push(`adaptivecards: ${event.message}`);
  }
  return problems;
}

/** A people picker (`choices.data`) has no static choices by design; the library still calls that an error. */
function isPeoplePickerFalseAlarm(event: AC.IValidationEvent, card: Json): boolean {
  return (
    event.event === AC.ValidationEvent.CollectionCantBeEmpty &&
    event.message.includes('Input.ChoiceSet') &&
    JSON.stringify(card).includes('"choices.data"')
  );
}

function walkCard(walk: Walk, card: Json, path: string, topLevel: boolean): void {
  const extra = topLevel ? [...STRUCTURAL_KEYS.AdaptiveCard, 'msteams'] : STRUCTURAL_KEYS.AdaptiveCard;
  checkKeys(walk, card, path, 'AdaptiveCard', new AC.AdaptiveCard(), extra);
  eachOf(walk, card.body, at(path, 'body'), walkElement);
  eachOf(walk, card.actions, at(path, 'actions'), walkAction);
  checkActionCount(walk, card.actions, at(path, 'actions'));
  if (card.selectAction !== undefined) walkAction(walk, card.selectAction, at(path, 'selectAction'));
  if (card.refresh !== undefined) walkRefresh(walk, card.refresh, at(path, 'refresh'));
  if (topLevel && card.msteams !== undefined) checkMsteams(walk, card.msteams, at(path, 'msteams'));
}

function walkElement(walk: Walk, element: unknown, path: string): void {
  if (!isObject(element)) return void walk.problems.push(`${path}: an element must be an object`);
  const type = element.type;
  if (typeof type !== 'string') return void walk.problems.push(`${path}: element has no type`);
  const model = AC.GlobalRegistry.elements.createInstance(type, AC.Versions.v1_5);
  if (!model) return; // the object model already reports unknown element types
  checkKeys(walk, element, path, type, model, [...(STRUCTURAL_KEYS[type] ?? []), 'fallback']);
  if (type === 'TextBlock' && (typeof element.text !== 'string' || element.text.trim() === '')) {
    walk.problems.push(`${path}: TextBlock has no text`);
  }
  if (type.startsWith('Input.')) recordInputId(walk, element.id, path);
  walkChildren(walk, element, path);
}

function walkChildren(walk: Walk, element: Json, path: string): void {
  eachOf(walk, element.items, at(path, 'items'), walkElement);
  eachOf(walk, element.columns, at(path, 'columns'), walkColumn);
  eachOf(walk, element.actions, at(path, 'actions'), walkAction);
  checkActionCount(walk, element.actions, at(path, 'actions'));
  eachOf(walk, element.facts, at(path, 'facts'), (w, fact, p) => checkPlainKeys(w, fact, p, 'Fact', new AC.Fact()));
  eachOf(walk, element.choices, at(path, 'choices'), (w, c, p) => checkPlainKeys(w, c, p, 'Choice', new AC.Choice()));
  for (const key of ['selectAction', 'inlineAction'] as const) {
    if (element[key] !== undefined) walkAction(walk, element[key], at(path, key));
  }
  if (isObject(element.fallback)) walkElement(walk, element.fallback, at(path, 'fallback'));
}

function checkActionCount(walk: Walk, actions: unknown, path: string): void {
  if (Array.isArray(actions) && actions.length > MAX_ACTIONS) {
    walk.problems.push(`${path} has ${actions.length} buttons; Teams shows at most ${MAX_ACTIONS}`);
  }
}

function walkColumn(walk: Walk, column: unknown, path: string): void {
  if (!isObject(column)) return void walk.problems.push(`${path}: a column must be an object`);
  if (column.type !== undefined && column.type !== 'Column') {
    return void walk.problems.push(`${path}: ColumnSet.columns holds Column objects, not ${String(column.type)}`);
  }
  checkKeys(walk, column, path, 'Column', new AC.Column(), [...STRUCTURAL_KEYS.Column, 'fallback']);
  walkChildren(walk, column, path);
}

function walkAction(walk: Walk, action: unknown, path: string): void {
  if (!isObject(action)) return void walk.problems.push(`${path}: an action must be an object`);
  const type = action.type;
  if (type === 'Action.Submit') {
    walk.problems.push(`${path}: Action.Submit is not used in this bot; use Action.Execute (Universal Actions)`);
  }
  if (typeof type !== 'string') return void walk.problems.push(`${path}: action has no type`);
  const model = AC.GlobalRegistry.actions.createInstance(type, AC.Versions.v1_5);
  if (!model) return;
  checkKeys(walk, action, path, type, model, [...(STRUCTURAL_KEYS[type] ?? []), 'fallback']);
  if (type === 'Action.Execute') checkExecute(walk, action, path);
  if (type === 'Action.ShowCard') {
    if (isObject(action.card)) walkCard(walk, action.card, at(path, 'card'), false);
    else walk.problems.push(`${path}: Action.ShowCard has no card`);
  }
  if (isObject(action.fallback)) walkAction(walk, action.fallback, at(path, 'fallback'));
}

function checkExecute(walk: Walk, action: Json, path: string): void {
  const verb = action.verb;
  if (typeof verb !== 'string' || !walk.verbs.has(verb)) {
    walk.problems.push(`${path}: Action.Execute verb ${JSON.stringify(verb)} is not in cards/verbs.ts`);
  }
  if (action.data !== undefined) checkData(walk, action.data, at(path, 'data'));
}

function walkRefresh(walk: Walk, refresh: unknown, path: string): void {
  if (!isObject(refresh)) return void walk.problems.push(`${path}: refresh must be an object`);
  checkPlainKeys(walk, refresh, path, 'refresh', new AC.RefreshDefinition());
  if (!isObject(refresh.action) || refresh.action.type !== 'Action.Execute') {
    walk.problems.push(`${path}.action must be an Action.Execute`);
  } else {
    walkAction(walk, refresh.action, at(path, 'action'));
  }
  const userIds = refresh.userIds;
  if (userIds === undefined) return;
  if (!Array.isArray(userIds) || !userIds.every((id) => typeof id === 'string')) {
    walk.problems.push(`${path}.userIds must be a list of user ids`);
  } else if (userIds.length === 0) {
    walk.problems.push(
      `${path}.userIds is empty, which turns automatic refresh off: list the ids or leave refresh out`,
    );
  } else if (userIds.length > MAX_REFRESH_USER_IDS) {
    walk.problems.push(`${path}.userIds has ${userIds.length} users; Teams refreshes at most ${MAX_REFRESH_USER_IDS}`);
  }
}

function checkMsteams(walk: Walk, msteams: unknown, path: string): void {
  if (!isObject(msteams)) return void walk.problems.push(`${path} must be an object`);
  for (const key of Object.keys(msteams)) {
    if (key !== 'width' && key !== 'entities') walk.problems.push(`${path}: unknown Teams property "${key}"`);
  }
  if (msteams.width !== undefined && msteams.width !== 'Full') walk.problems.push(`${path}.width must be "Full"`);
}

/** Values must be ids, numbers or flags, or a flat list/object of them: never deeper, never long text. */
function checkData(walk: Walk, data: unknown, path: string): void {
  if (!isObject(data)) return void walk.problems.push(`${path} must be an object of ids and flags`);
  for (const [key, value] of Object.entries(data)) {
    const members = Array.isArray(value) ? value : isObject(value) ? Object.values(value) : [value];
    for (const member of members) checkDataScalar(walk, member, at(path, key));
  }
}

function checkDataScalar(walk: Walk, value: unknown, path: string): void {
  if (typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) walk.problems.push(`${path} is not a finite number`);
    return;
  }
  if (typeof value === 'string') {
    if (value.length > MAX_DATA_STRING_CHARS) {
      walk.problems.push(`${path} is ${value.length} characters: data carries ids, not text or state`);
    }
    return;
  }
  const what =
    value === null ? 'null' : Array.isArray(value) || isObject(value) ? 'nested deeper than one level' : typeof value;
  walk.problems.push(`${path} is ${what}: data values are strings, numbers or booleans`);
}

function recordInputId(walk: Walk, id: unknown, path: string): void {
  if (typeof id !== 'string' || id.trim() === '') return void walk.problems.push(`${path}: input has no id`);
  walk.inputIds.set(id, [...(walk.inputIds.get(id) ?? []), path]);
}

function duplicateInputIds(inputIds: Map<string, string[]>): string[] {
  return [...inputIds]
    .filter(([, paths]) => paths.length > 1)
    .map(([id, paths]) => `input id "${id}" is used ${paths.length} times (${paths.join(', ')})`);
}

interface PropertySchemaOwner {
  getSchema(): AC.SerializableObjectSchema;
}

function checkKeys(
  walk: Walk,
  json: Json,
  path: string,
  typeName: string,
  model: PropertySchemaOwner,
  extraKeys: readonly string[],
): void {
  const properties = propertiesOf(model);
  const teamsExtensions = TEAMS_EXTENSIONS[typeName] ?? [];
  for (const key of Object.keys(json)) {
    if (key === 'type' || extraKeys.includes(key) || teamsExtensions.includes(key)) continue;
    const property = properties.get(key);
    const where = path || 'card';
    if (!property) walk.problems.push(`${where}: unknown property "${key}" on ${typeName}`);
    else if (isNewerThanTeams(property.targetVersion)) {
      walk.problems.push(
        `${where}: ${typeName}.${key} needs Adaptive Cards ${property.targetVersion}; Teams renders 1.5`,
      );
    }
  }
}

function checkPlainKeys(walk: Walk, json: unknown, path: string, typeName: string, model: PropertySchemaOwner): void {
  if (!isObject(json)) return void walk.problems.push(`${path}: ${typeName} must be an object`);
  checkKeys(walk, json, path, typeName, model, []);
}

function propertiesOf(model: PropertySchemaOwner): Map<string, AC.PropertyDefinition> {
  const schema = model.getSchema();
  const properties = new Map<string, AC.PropertyDefinition>();
  for (let i = 0; i < schema.getCount(); i++) {
    const property = schema.getItemAt(i);
    properties.set(property.name, property);
  }
  return properties;
}

function eachOf(walk: Walk, list: unknown, path: string, visit: (walk: Walk, item: unknown, path: string) => void) {
  if (list === undefined) return;
  if (!Array.isArray(list)) return void walk.problems.push(`${path} must be a list`);
  list.forEach((item, i) => {
    visit(walk, item, `${path}[${i}]`);
  });
}

function parseVersion(value: unknown): { major: number; minor: number } | undefined {
  const match = typeof value === 'string' ? /^(\d+)\.(\d+)$/.exec(value) : null;
  return match ? { major: Number(match[1]), minor: Number(match[2]) } : undefined;
}

function isNewerThanTeams(version: { major: number; minor: number }): boolean {
  const max = TEAMS_MAX_VERSION;
  return version.major > max.major || (version.major === max.major && version.minor > max.minor);
}

function at(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
