import type { Caller } from './auth.js';
import { MalformedRequestError, malformed, type RefusalKind } from './errors.js';
import { metadataMember } from './metadata.js';
import {
  compareForOrder,
  type ExpandItem,
  evalFilter,
  type FilterExpr,
  filterPaths,
  type SearchExpr,
} from './odata.js';
import { type GraphRequest, type GraphResponse, odata } from './router.js';
import type { TenantState } from './state.js';

export interface ViewContext {
  state: TenantState;
  caller: Caller | null;
  now: number;
}

export interface Navigation<T> {
  type: EntityType<unknown>;
  many: boolean;
  resolve(entity: T, ctx: ViewContext): unknown;
}

/** How one Graph type is shown: its JSON, its selectable properties and its `$expand`-able relationships. */
export interface EntityType<T> {
  name: string;
  properties: readonly string[];
  /** Properties returned without `$select` (Graph's default set), when smaller than `properties`. */
  defaultSelect?: readonly string[];
  /** Relationships Graph returns inline without `$expand`. */
  autoExpand?: readonly string[];
  /** Properties a bare `$search` term is matched against. */
  searchable?: readonly string[];
  toJson(entity: T, ctx: ViewContext): Record<string, unknown>;
  navigations?: Record<string, Navigation<T>>;
  /** Names a quirky tenant serves although the v1.0 metadata lacks them (e.g. PIM approval `steps`). */
  beyondMetadata?: readonly string[];
}

const badRequest = (message: string) => malformed('query', message);

/**
 * A name the devtenant does not serve: Graph's refusal when the metadata lacks it too, otherwise a devtenant gap
 * (`unmodelled`), which fails the tests just the same.
 */
function notAProperty(name: string, type: EntityType<unknown>, kind: RefusalKind) {
  if (metadataMember(type.name, name)) {
    return malformed('unmodelled', `The devtenant does not serve '${name}' on type '${type.name}' (Graph has it).`);
  }
  return malformed(kind, `Could not find a property named '${name}' on type '${type.name}'.`);
}

/** The devtenant's own lists may not offer a name the metadata lacks (the check that Graph would refuse it). */
function inMetadata(type: EntityType<unknown>, name: string, kind: RefusalKind): void {
  if (type.name !== 'complex' && !metadataMember(type.name, name) && !type.beyondMetadata?.includes(name)) {
    throw malformed(kind, `Could not find a property named '${name}' on type '${type.name}'.`);
  }
}

const keyIndexes = new WeakMap<readonly string[], Map<string, string>>();

/** Case-insensitive lookup of a property name (Graph accepts `$select=DisplayName`). */
function findKey(names: readonly string[], wanted: string): string | undefined {
  let index = keyIndexes.get(names);
  if (!index) {
    index = new Map(names.map((n) => [n.toLowerCase(), n]));
    keyIndexes.set(names, index);
  }
  return index.get(wanted.toLowerCase());
}

/** The same lookup over keys computed on the fly (JSON objects), without caching. */
function matchKey(keys: string[], wanted: string): string | undefined {
  const lower = wanted.toLowerCase();
  return keys.find((k) => k.toLowerCase() === lower);
}

const navigationNames = new WeakMap<object, string[]>();

function findNavigation(type: EntityType<unknown>, name: string): [string, Navigation<unknown>] | undefined {
  if (!type.navigations) return undefined;
  let names = navigationNames.get(type.navigations);
  if (!names) {
    names = Object.keys(type.navigations);
    navigationNames.set(type.navigations, names);
  }
  const key = findKey(names, name);
  return key ? [key, type.navigations[key]] : undefined;
}

/** The JSON of one entity with `$select` / `$expand` applied (nested options included). */
export function project(
  type: EntityType<unknown>,
  entity: unknown,
  ctx: ViewContext,
  select?: string[],
  expand?: ExpandItem[],
): Record<string, unknown> {
  const full = type.toJson(entity, ctx);
  const out = pickProperties(type, full, select);
  const expansions: ExpandItem[] = [...(expand ?? [])];
  for (const auto of type.autoExpand ?? []) {
    if (!expansions.some((e) => e.name.toLowerCase() === auto.toLowerCase())) expansions.push({ name: auto });
  }
  for (const item of expansions) {
    if (item.name === '*') throw badRequest("Expanding '*' is not supported by the devtenant; name the relationships.");
    const nav = findNavigation(type, item.name);
    if (!nav) throw notAProperty(item.name, type, 'expand');
    inMetadata(type, item.name, 'expand');
    const [key, navigation] = nav;
    out[key] = expandValue(navigation, entity, ctx, item);
  }
  return out;
}

function pickProperties(type: EntityType<unknown>, full: Record<string, unknown>, select?: string[]) {
  const explicit = select && !select.includes('*') ? select : undefined;
  if (!explicit && !type.defaultSelect) return { ...full };
  const out: Record<string, unknown> = {};
  if (full['@odata.type'] !== undefined) out['@odata.type'] = full['@odata.type'];
  if (!explicit) {
    for (const key of type.defaultSelect ?? []) out[key] = full[key] ?? null;
    return out;
  }
  for (const name of explicit) {
    const key = findKey(type.properties, name);
    if (key) {
      inMetadata(type, name, 'select');
      out[key] = full[key] ?? null;
    } else if (!findNavigation(type, name)) throw notAProperty(name, type, 'select');
    else inMetadata(type, name, 'select');
  }
  return out;
}

function expandValue(nav: Navigation<unknown>, entity: unknown, ctx: ViewContext, item: ExpandItem): unknown {
  const related = nav.resolve(entity, ctx);
  if (!nav.many) return related ? project(nav.type, related, ctx, item.select, item.expand) : null;
  let list = (related as unknown[]) ?? [];
  if (item.filter) list = applyFilter(nav.type, list, item.filter, ctx);
  return list.map((x) => project(nav.type, x, ctx, item.select, item.expand));
}

/** Reads `a/b/c` from an entity, following relationships as needed (for `$filter` and `$orderby`). */
export function readPath(type: EntityType<unknown>, entity: unknown, path: string[], ctx: ViewContext): unknown {
  let curType = type;
  let cur: unknown = entity;
  for (const segment of path) {
    if (cur === null || cur === undefined) return null;
    const nav = findNavigation(curType, segment);
    if (nav && !nav[1].many) {
      cur = nav[1].resolve(cur, ctx);
      curType = nav[1].type;
      continue;
    }
    const json = curType.toJson(cur, ctx);
    const key = matchKey(Object.keys(json), segment);
    const v = key ? json[key] : undefined;
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v ?? null;
    // A complex property (e.g. schedule/expiration): continue inside plain JSON.
    curType = plainType;
    cur = v;
  }
  return cur;
}

const plainType: EntityType<unknown> = {
  name: 'complex',
  properties: [],
  toJson: (e) => e as Record<string, unknown>,
};

function validatePath(type: EntityType<unknown>, path: string[], kind: RefusalKind = 'filter'): void {
  const first = path[0];
  if (findNavigation(type, first)) {
    inMetadata(type, first, kind);
    const [, nav] = findNavigation(type, first) as [string, Navigation<unknown>];
    if (nav.many)
      throw malformed(
        'unmodelled',
        `Filtering on the collection '${first}' needs a lambda operator, which the devtenant does not support.`,
      );
    if (path.length > 1) validatePath(nav.type, path.slice(1), kind);
    return;
  }
  if (!findKey(type.properties, first)) throw notAProperty(first, type, kind);
  inMetadata(type, first, kind);
}

export function applyFilter<T>(type: EntityType<unknown>, items: T[], filter: FilterExpr, ctx: ViewContext): T[] {
  for (const path of filterPaths(filter)) validatePath(type, path);
  return items.filter((e) => evalFilter(filter, (path) => readPath(type, e, path, ctx)));
}

function matchesSearch(type: EntityType<unknown>, entity: unknown, search: SearchExpr, ctx: ViewContext): boolean {
  const json = type.toJson(entity, ctx);
  const test = (term: { prop?: string; value: string }): boolean => {
    const props = term.prop ? [term.prop] : (type.searchable ?? ['displayName']);
    const needle = term.value.toLowerCase();
    return props.some((p) => {
      const key = matchKey(Object.keys(json), p);
      const v = key ? json[key] : undefined;
      return typeof v === 'string' && v.toLowerCase().includes(needle);
    });
  };
  return search.op === 'or' ? search.terms.some(test) : search.terms.every(test);
}

interface SkipToken {
  o: number;
}

function decodeSkipToken(token: string): number {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as SkipToken;
    if (Number.isInteger(parsed.o) && parsed.o >= 0) return parsed.o;
  } catch {
    // fall through
  }
  throw badRequest('The $skiptoken value is invalid or has expired.');
}

const encodeSkipToken = (offset: number): string => Buffer.from(JSON.stringify({ o: offset })).toString('base64url');

function nextLink(req: GraphRequest, offset: number): string {
  const params = new URLSearchParams();
  for (const [k, v] of req.query) if (k.toLowerCase() !== '$skiptoken') params.append(k, v);
  params.append('$skiptoken', encodeSkipToken(offset));
  const encodedPath = req.path
    .split('/')
    .map((s) =>
      encodeURIComponent(s).replace(/%27/g, "'").replace(/%28/g, '(').replace(/%29/g, ')').replace(/%3D/g, '='),
    )
    .join('/');
  return `${req.origin}/${req.version}${encodedPath}?${params.toString().replace(/%24/g, '$')}`;
}

export interface CollectionOptions {
  /** `@odata.context` fragment, e.g. `users` (prefixed with the metadata URL). */
  context: string;
  /** Graph needs `ConsistencyLevel: eventual` for `$search` on directory objects. */
  searchNeedsConsistencyLevel?: boolean;
}

export const viewContext = (req: GraphRequest): ViewContext => ({
  state: req.state,
  caller: req.caller,
  now: req.now,
});

export const contextUrl = (req: GraphRequest, fragment: string): string =>
  `${req.origin}/${req.version}/$metadata#${fragment}`;

/** A Graph collection response with `$filter`, `$search`, `$orderby`, `$count`, paging, `$select` and `$expand`. */
/**
 * Pages after the first reuse the membership the first page computed (for a minute), like a server-side cursor:
 * without it every page of a large collection would filter and sort the whole set again. The entities are the live
 * ones, so a page still shows each item's current state.
 */
const SNAPSHOT_MS = 60_000;
type Snapshots = Map<string, { list: unknown[]; at: number }>;
/** Per tenant (several devtenants may run in one test process). */
const snapshotsByTenant = new WeakMap<object, Snapshots>();

function snapshotsOf(req: GraphRequest): Snapshots {
  let map = snapshotsByTenant.get(req.state);
  if (!map) {
    map = new Map();
    snapshotsByTenant.set(req.state, map);
  }
  return map;
}

function snapshotKey(req: GraphRequest): string {
  const params = [...req.query].filter(([k]) => k.toLowerCase() !== '$skiptoken');
  return `${req.caller?.kind ?? ''}:${req.caller?.oid ?? ''}|${req.version}${req.path}?${new URLSearchParams(params)}`;
}

function remember(snapshots: Snapshots, key: string, list: unknown[]): void {
  snapshots.delete(key);
  snapshots.set(key, { list, at: Date.now() });
  if (snapshots.size > 16) snapshots.delete(snapshots.keys().next().value as string);
}

export function collection<T>(
  req: GraphRequest,
  type: EntityType<T>,
  items: T[] | (() => T[]),
  opts: CollectionOptions,
): GraphResponse {
  const q = odata(req);
  const ctx = viewContext(req);
  const anyType = type as EntityType<unknown>;
  const offset = q.skiptoken ? decodeSkipToken(q.skiptoken) : 0;
  const size = Math.min(q.top ?? req.state.pageSize, req.state.maxPageSize);
  const key = snapshotKey(req);
  const snapshots = snapshotsOf(req);
  const snapshot = offset > 0 ? snapshots.get(key) : undefined;
  const list =
    snapshot && Date.now() - snapshot.at < SNAPSHOT_MS
      ? snapshot.list
      : computeList(req, anyType, typeof items === 'function' ? items() : items, opts, q, ctx);
  if (!snapshot && list.length > offset + size) remember(snapshots, key, list);
  const page = list.slice(offset, offset + size);
  const body: Record<string, unknown> = { '@odata.context': contextUrl(req, opts.context) };
  if (q.count) body['@odata.count'] = list.length;
  body.value = page.map((e) => project(anyType, e, ctx, q.select, q.expand));
  if (offset + size < list.length) body['@odata.nextLink'] = nextLink(req, offset + size);
  return { status: 200, body };
}

function computeList(
  req: GraphRequest,
  anyType: EntityType<unknown>,
  items: unknown[],
  opts: CollectionOptions,
  q: ReturnType<typeof odata>,
  ctx: ViewContext,
): unknown[] {
  let list: unknown[] = items;
  if (q.filter) list = applyFilter(anyType, list, q.filter, ctx);
  if (q.search) {
    if (opts.searchNeedsConsistencyLevel && req.headers.consistencylevel?.toLowerCase() !== 'eventual') {
      throw new MalformedRequestError(
        'query',
        "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'",
        400,
        'Request_BadRequest',
      );
    }
    const search = q.search;
    list = list.filter((e) => matchesSearch(anyType, e, search, ctx));
  }
  if (q.orderby) {
    const orderby = q.orderby;
    for (const o of orderby) validatePath(anyType, o.path, 'orderby');
    list = [...list].sort((a, b) => {
      for (const o of orderby) {
        const c = compareForOrder(readPath(anyType, a, o.path, ctx), readPath(anyType, b, o.path, ctx));
        if (c !== 0) return o.desc ? -c : c;
      }
      return 0;
    });
  }
  return list;
}

/** A single-entity response with `$select` / `$expand`. */
export function entity<T>(req: GraphRequest, type: EntityType<T>, item: T, context: string): GraphResponse {
  const q = odata(req);
  const body = project(type as EntityType<unknown>, item, viewContext(req), q.select, q.expand);
  return { status: 200, body: { '@odata.context': contextUrl(req, `${context}/$entity`), ...body } };
}
