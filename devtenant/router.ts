import type { Caller } from './auth.js';
import { GraphError, malformed } from './errors.js';
import { acceptedInBody, checkBody } from './metadata.js';
import { parseQueryOptions, type QueryOptions } from './odata.js';
import type { TenantState } from './state.js';

export interface GraphRequest {
  method: string;
  version: string;
  /** Decoded path after the version, without a trailing slash, e.g. `/users/abc/manager`. */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | undefined>;
  body: unknown;
  /** Set by the router for routes that need a caller. */
  caller: Caller;
  now: number;
  /** `http://127.0.0.1:5100`, for absolute `@odata.nextLink`s. */
  origin: string;
  state: TenantState;
}

export interface GraphResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/**
 * `user`: delegated only ("Application: Not supported" → 403); `any`: user or app token; `me`: delegated,
 * an app token gets Graph's 400 for `/me`.
 */
export type Audience = 'user' | 'any' | 'me';
export type Handler = (req: GraphRequest, params: string[]) => GraphResponse;

interface Route {
  method: string;
  pattern: RegExp;
  audience: Audience;
  handler: Handler;
}

const TOKEN = /\{(id|on)\}/g;

/** `'/users/{id}/manager'` → a case-insensitive regex; `{on}` matches a function argument with or without quotes. */
function compile(template: string): RegExp {
  let out = '';
  let last = 0;
  for (const m of template.matchAll(TOKEN)) {
    out += template.slice(last, m.index).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    out += m[1] === 'id' ? '([^/]+)' : "'?([^'/)]*)'?";
    last = (m.index ?? 0) + m[0].length;
  }
  out += template.slice(last).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${out}$`, 'i');
}

export class Router {
  private readonly routes: Route[] = [];
  private readonly knownSegments = new Set<string>();
  /** Every registered route, for the README and the robustness test. */
  readonly templates: { method: string; template: string; audience: Audience }[] = [];

  add(method: string, template: string, audience: Audience, handler: Handler): this {
    this.routes.push({ method, pattern: compile(template), audience, handler });
    this.templates.push({ method, template, audience });
    for (const seg of template.split('/')) {
      if (seg && !seg.includes('{')) this.knownSegments.add(seg.toLowerCase());
    }
    return this;
  }

  match(method: string, path: string): { route: Route; params: string[] } {
    let methodMismatch = false;
    for (const route of this.routes) {
      const m = route.pattern.exec(path);
      if (!m) continue;
      if (route.method !== method) {
        methodMismatch = true;
        continue;
      }
      return { route, params: m.slice(1).map((p) => p ?? '') };
    }
    if (methodMismatch) {
      throw new GraphError(
        405,
        'BadRequest',
        `The HTTP method '${method}' is not supported for the resource '${path}'.`,
      );
    }
    throw malformed('path', `Resource not found for the segment '${this.unknownSegment(path)}'.`);
  }

  /** The first segment Graph would not recognise (ids after a known collection are fine). */
  private unknownSegment(path: string): string {
    const segments = path.split('/').filter(Boolean);
    for (let i = 0; i < segments.length; i++) {
      const seg = segments[i];
      const name = seg.replace(/\(.*$/, '').toLowerCase();
      if (this.knownSegments.has(seg.toLowerCase()) || this.knownSegments.has(name)) continue;
      if (i > 0 && this.knownSegments.has(segments[i - 1].toLowerCase())) continue;
      return seg;
    }
    return segments[segments.length - 1] ?? '';
  }
}

const optionsCache = new WeakMap<URLSearchParams, QueryOptions>();

/** Parsed OData options of a request (parsed once). */
export function odata(req: GraphRequest): QueryOptions {
  let opts = optionsCache.get(req.query);
  if (!opts) {
    opts = parseQueryOptions(req.query);
    optionsCache.set(req.query, opts);
  }
  return opts;
}

/** Validates a JSON body against the Graph metadata of its type (names, nested ones and enum values included). */
export function objectBody(req: GraphRequest, typeName: string, allowed?: readonly string[]): Record<string, unknown> {
  const body = req.body;
  if (body === undefined || body === null) throw malformed('body', 'Empty Payload. JSON content expected.');
  if (typeof body !== 'object' || Array.isArray(body))
    throw malformed('body', 'Invalid request body: a JSON object is expected.');
  const record = body as Record<string, unknown>;
  checkBody(typeName, record);
  if (allowed) rejectUnknown(record, typeName, allowed);
  return record;
}

/** Names the metadata does not define are refused as Graph does; names it defines but the devtenant ignores, too. */
export function rejectUnknown(record: Record<string, unknown>, typeName: string, allowed: readonly string[]): void {
  for (const key of Object.keys(record)) {
    if (key.startsWith('@') || key.includes('@odata.')) continue;
    if (allowed.includes(key)) continue;
    if (acceptedInBody(typeName, key)) {
      throw malformed(
        'unmodelled',
        `The devtenant does not accept the property '${key}' of '${typeName}' in this request.`,
      );
    }
    throw malformed(
      'body',
      `The property '${key}' does not exist on type '${typeName}'. Make sure to only use property names that are defined by the type.`,
    );
  }
}

/** Case-insensitive enum input (Graph accepts `userAdd`, `UserAdd`, ...); returns the canonical spelling. */
export function enumValue<T extends string>(value: unknown, allowed: readonly T[], property: string): T {
  if (typeof value === 'string') {
    const found = allowed.find((a) => a.toLowerCase() === value.toLowerCase());
    if (found) return found;
  }
  throw malformed(
    'enum',
    `Invalid value '${String(value)}' for property '${property}'. Allowed values: ${allowed.join(', ')}.`,
  );
}

export function optionalString(record: Record<string, unknown>, key: string): string | null {
  const v = record[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') throw malformed('body', `Property '${key}' must be a string.`);
  return v;
}

export function optionalObject(record: Record<string, unknown>, key: string): Record<string, unknown> | null {
  const v = record[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'object' || Array.isArray(v)) throw malformed('body', `Property '${key}' must be an object.`);
  return v as Record<string, unknown>;
}

export const ok = (body: unknown): GraphResponse => ({ status: 200, body });
