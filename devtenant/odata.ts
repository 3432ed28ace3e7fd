import { malformed } from './errors.js';

const badRequest = (message: string) => malformed('query', message);

import { parseTimestamp } from './time.js';

/** The OData subset Graph clients send: `$filter`, `$select`, `$expand` (nested), `$top`, `$skiptoken`, `$search`, `$count`, `$orderby`. */

export type Literal = string | number | boolean | null;
export type Operand =
  | { k: 'prop'; path: string[] }
  | { k: 'lit'; v: Literal }
  | { k: 'fn'; name: 'tolower' | 'toupper'; arg: Operand };
export type CompareOp = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';
export type FilterExpr =
  | { k: 'and' | 'or'; l: FilterExpr; r: FilterExpr }
  | { k: 'not'; e: FilterExpr }
  | { k: 'cmp'; op: CompareOp; l: Operand; r: Operand }
  | { k: 'in'; l: Operand; list: Literal[] }
  | { k: 'str'; name: 'contains' | 'startswith' | 'endswith'; a: Operand; b: Operand }
  | { k: 'bool'; e: Operand };

export interface ExpandItem {
  name: string;
  select?: string[];
  expand?: ExpandItem[];
  filter?: FilterExpr;
}
export interface OrderBy {
  path: string[];
  desc: boolean;
}
export interface SearchExpr {
  op: 'and' | 'or';
  terms: { prop?: string; value: string }[];
}
export interface QueryOptions {
  filter?: FilterExpr;
  select?: string[];
  expand?: ExpandItem[];
  top?: number;
  skiptoken?: string;
  search?: SearchExpr;
  count?: boolean;
  orderby?: OrderBy[];
}

const SUPPORTED = new Set(['$filter', '$select', '$expand', '$top', '$skiptoken', '$search', '$count', '$orderby']);

export function parseQueryOptions(params: URLSearchParams): QueryOptions {
  const seen = new Set<string>();
  const opts: QueryOptions = {};
  for (const [rawName, value] of params) {
    const name = rawName.toLowerCase();
    if (!name.startsWith('$')) continue;
    if (!SUPPORTED.has(name)) throw badRequest(`Query option '${rawName}' is not supported.`);
    if (seen.has(name))
      throw badRequest(`Query option '${rawName}' was specified more than once but it must be specified at most once.`);
    seen.add(name);
    applyOption(opts, name, value);
  }
  return opts;
}

function applyOption(opts: QueryOptions, name: string, value: string): void {
  switch (name) {
    case '$filter':
      opts.filter = parseFilter(value);
      break;
    case '$select':
      opts.select = parseSelect(value);
      break;
    case '$expand':
      opts.expand = parseExpand(value);
      break;
    case '$top':
      opts.top = parseTop(value);
      break;
    case '$skiptoken':
      opts.skiptoken = value;
      break;
    case '$search':
      opts.search = parseSearch(value);
      break;
    case '$count':
      if (!/^(true|false)$/i.test(value))
        throw badRequest(
          `Invalid value '${value}' for $count query option found. Valid values are 'true' and 'false'.`,
        );
      opts.count = value.toLowerCase() === 'true';
      break;
    case '$orderby':
      opts.orderby = parseOrderBy(value);
      break;
  }
}

function parseTop(value: string): number {
  if (!/^\d+$/.test(value.trim()))
    throw badRequest(
      `Invalid value '${value}' for $top query option found. The $top query option requires a non-negative integer value.`,
    );
  const top = Number(value.trim());
  if (top < 1 || top > 999)
    throw badRequest(`Invalid page size specified: '${value}'. Must be between 1 and 999 inclusive.`);
  return top;
}

const IDENT = /^[A-Za-z_@][\w.@]*(\/[A-Za-z_][\w.]*)*$/;

export function parseSelect(value: string): string[] {
  const names = value.split(',').map((s) => s.trim());
  for (const n of names) if (!IDENT.test(n) && n !== '*') throw badRequest(`Syntax error in $select: '${value}'.`);
  return names;
}

function parseOrderBy(value: string): OrderBy[] {
  return value.split(',').map((part) => {
    const m = /^\s*([A-Za-z_][\w/]*)(?:\s+(asc|desc))?\s*$/i.exec(part);
    if (!m) throw badRequest(`Syntax error in $orderby: '${value}'.`);
    return { path: m[1].split('/'), desc: (m[2] ?? '').toLowerCase() === 'desc' };
  });
}

/** `$search="displayName:alex" OR "mail:alex"` or a bare `"finance"`. */
export function parseSearch(value: string): SearchExpr {
  const text = value.trim();
  if (!text) throw badRequest('The $search query option requires a value.');
  const quoted = [...text.matchAll(/"([^"]*)"/g)].map((m) => m[1]);
  const raw = quoted.length > 0 ? quoted : [text];
  const rest = text.replace(/"[^"]*"/g, ' ').trim();
  if (quoted.length > 0 && rest && !/^(\s*(AND|OR)\s*)+$/.test(rest))
    throw badRequest(`Syntax error in $search: '${value}'.`);
  const op = /\bOR\b/.test(rest) ? 'or' : 'and';
  const terms = raw.map((t) => {
    const m = /^([A-Za-z]\w*):(.*)$/.exec(t);
    return m ? { prop: m[1], value: m[2].trim() } : { value: t.trim() };
  });
  return { op, terms };
}

// ---------- $expand ----------

function splitTopLevel(text: string, sep: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "'") quote = !quote;
    else if (!quote && c === '(') depth++;
    else if (!quote && c === ')') depth--;
    else if (!quote && depth === 0 && c === sep) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
    if (depth < 0) throw badRequest(`Unbalanced parentheses in '${text}'.`);
  }
  if (depth !== 0 || quote) throw badRequest(`Unbalanced parentheses or quotes in '${text}'.`);
  parts.push(text.slice(start));
  return parts;
}

export function parseExpand(value: string): ExpandItem[] {
  return splitTopLevel(value, ',').map((raw) => {
    const part = raw.trim();
    const m = /^([A-Za-z_][\w.]*)(?:\((.*)\))?$/s.exec(part);
    if (!m) throw badRequest(`Syntax error in $expand: '${part}'.`);
    const item: ExpandItem = { name: m[1] };
    if (m[2]?.trim()) applyNestedOptions(item, m[2]);
    return item;
  });
}

function applyNestedOptions(item: ExpandItem, text: string): void {
  for (const opt of splitTopLevel(text, ';')) {
    const m = /^\s*(\$?\w+)\s*=(.*)$/s.exec(opt);
    if (!m) throw badRequest(`Syntax error in $expand options: '${text}'.`);
    const name = m[1].toLowerCase().replace(/^(?!\$)/, '$');
    if (name === '$select') item.select = parseSelect(m[2]);
    else if (name === '$expand') item.expand = parseExpand(m[2]);
    else if (name === '$filter') item.filter = parseFilter(m[2]);
    else throw badRequest(`Query option '${m[1]}' is not supported inside $expand.`);
  }
}

// ---------- $filter ----------

type Token = { t: 'punct'; v: '(' | ')' | ',' } | { t: 'word'; v: string } | { t: 'lit'; v: Literal };

const NUMBER = /^-?\d+(\.\d+)?$/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const GUID_AHEAD = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?![\w-])/i;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === '(' || c === ')' || c === ',') {
      tokens.push({ t: 'punct', v: c });
      i++;
    } else if (GUID_AHEAD.test(text.slice(i, i + 37))) {
      tokens.push({ t: 'lit', v: text.slice(i, i + 36) });
      i += 36;
    } else if (c === "'") {
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) throw badRequest(`Syntax error: unterminated string literal in '${text}'.`);
        if (text[i] === "'") {
          if (text[i + 1] === "'") {
            value += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += text[i++];
      }
      tokens.push({ t: 'lit', v: value });
    } else if (/[0-9-]/.test(c)) {
      const m = /^[-0-9A-Za-z:.+]+/.exec(text.slice(i));
      const word = m ? m[0] : c;
      i += word.length;
      if (NUMBER.test(word)) tokens.push({ t: 'lit', v: Number(word) });
      else if (GUID.test(word) || parseTimestamp(word) !== null) tokens.push({ t: 'lit', v: word });
      else
        throw badRequest(`Syntax error: '${word}' is not a valid literal at position ${i - word.length} in '${text}'.`);
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][\w./]*/.exec(text.slice(i));
      const word = m ? m[0] : c;
      i += word.length;
      tokens.push({ t: 'word', v: word });
    } else {
      throw badRequest(`Syntax error: character '${c}' is not valid at position ${i} in '${text}'.`);
    }
  }
  return tokens;
}

const COMPARE = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);
const STRING_FUNCS = new Set(['contains', 'startswith', 'endswith']);

class FilterParser {
  private pos = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly text: string,
  ) {}

  parse(): FilterExpr {
    if (this.tokens.length === 0) throw badRequest('The $filter query option requires an expression.');
    const e = this.or();
    if (this.pos < this.tokens.length) throw this.error();
    return e;
  }

  private error(): Error {
    const tok = this.tokens[this.pos];
    const near = tok ? String(tok.v) : 'end of expression';
    return badRequest(`Invalid filter clause: syntax error near '${near}' in '${this.text}'.`);
  }

  private peekWord(): string | null {
    const tok = this.tokens[this.pos];
    return tok?.t === 'word' ? tok.v.toLowerCase() : null;
  }

  private expectPunct(v: '(' | ')' | ','): void {
    const tok = this.tokens[this.pos];
    if (tok?.t !== 'punct' || tok.v !== v) throw this.error();
    this.pos++;
  }

  private isPunct(v: string): boolean {
    const tok = this.tokens[this.pos];
    return tok?.t === 'punct' && tok.v === v;
  }

  private or(): FilterExpr {
    let l = this.and();
    while (this.peekWord() === 'or') {
      this.pos++;
      l = { k: 'or', l, r: this.and() };
    }
    return l;
  }

  private and(): FilterExpr {
    let l = this.not();
    while (this.peekWord() === 'and') {
      this.pos++;
      l = { k: 'and', l, r: this.not() };
    }
    return l;
  }

  private not(): FilterExpr {
    if (this.peekWord() === 'not') {
      this.pos++;
      return { k: 'not', e: this.not() };
    }
    return this.comparison();
  }

  private comparison(): FilterExpr {
    if (this.isPunct('(')) {
      this.pos++;
      const e = this.or();
      this.expectPunct(')');
      return e;
    }
    const word = this.peekWord();
    if (word && STRING_FUNCS.has(word) && this.tokens[this.pos + 1]?.t === 'punct') {
      this.pos += 2;
      const a = this.operand();
      this.expectPunct(',');
      const b = this.operand();
      this.expectPunct(')');
      return this.maybeCompareBool({ k: 'str', name: word as 'contains', a, b });
    }
    const l = this.operand();
    const op = this.peekWord();
    if (op && COMPARE.has(op)) {
      this.pos++;
      return { k: 'cmp', op: op as CompareOp, l, r: this.operand() };
    }
    if (op === 'in') {
      this.pos++;
      return { k: 'in', l, list: this.literalList() };
    }
    return { k: 'bool', e: l };
  }

  /** `contains(a,'b') eq true` is valid OData too. */
  private maybeCompareBool(e: FilterExpr): FilterExpr {
    const op = this.peekWord();
    if (op !== 'eq' && op !== 'ne') return e;
    this.pos++;
    const rhs = this.operand();
    if (rhs.k !== 'lit' || typeof rhs.v !== 'boolean') throw this.error();
    return rhs.v === (op === 'eq') ? e : { k: 'not', e };
  }

  private literalList(): Literal[] {
    this.expectPunct('(');
    const list: Literal[] = [];
    for (;;) {
      const tok = this.tokens[this.pos++];
      if (tok?.t !== 'lit') throw this.error();
      list.push(tok.v);
      if (this.isPunct(')')) break;
      this.expectPunct(',');
    }
    this.pos++;
    return list;
  }

  private operand(): Operand {
    const tok = this.tokens[this.pos++];
    if (!tok) throw this.error();
    if (tok.t === 'lit') return { k: 'lit', v: tok.v };
    if (tok.t !== 'word') {
      this.pos--;
      throw this.error();
    }
    const lower = tok.v.toLowerCase();
    if (lower === 'true' || lower === 'false') return { k: 'lit', v: lower === 'true' };
    if (lower === 'null') return { k: 'lit', v: null };
    if (this.isPunct('(')) {
      if (lower !== 'tolower' && lower !== 'toupper') {
        if (/\/(any|all)$/i.test(tok.v))
          throw badRequest(`Lambda expressions ('${tok.v}') are not supported by the devtenant.`);
        throw badRequest(`An unknown function with name '${tok.v}' was found in '${this.text}'.`);
      }
      this.pos++;
      const arg = this.operand();
      this.expectPunct(')');
      return { k: 'fn', name: lower, arg };
    }
    return { k: 'prop', path: tok.v.split('/') };
  }
}

export function parseFilter(text: string): FilterExpr {
  return new FilterParser(tokenize(text), text).parse();
}

/** Every property path a filter reads. */
export function filterPaths(e: FilterExpr): string[][] {
  const out: string[][] = [];
  const operand = (o: Operand): void => {
    if (o.k === 'prop') out.push(o.path);
    else if (o.k === 'fn') operand(o.arg);
  };
  const walk = (x: FilterExpr): void => {
    if (x.k === 'and' || x.k === 'or') {
      walk(x.l);
      walk(x.r);
    } else if (x.k === 'not') walk(x.e);
    else if (x.k === 'cmp') {
      operand(x.l);
      operand(x.r);
    } else if (x.k === 'in') operand(x.l);
    else if (x.k === 'str') {
      operand(x.a);
      operand(x.b);
    } else if (x.k === 'bool') operand(x.e);
  };
  walk(e);
  return out;
}

/** Literal values compared with `eq` against a property, only along `and` chains (for filters Graph requires). */
export function requiredEqValues(e: FilterExpr | undefined, prop: string): string[] {
  if (!e) return [];
  if (e.k === 'and') return [...requiredEqValues(e.l, prop), ...requiredEqValues(e.r, prop)];
  if (e.k !== 'cmp' || e.op !== 'eq') return [];
  const [p, l] = e.l.k === 'prop' ? [e.l, e.r] : [e.r, e.l];
  if (p.k !== 'prop' || l.k !== 'lit' || p.path.join('/').toLowerCase() !== prop.toLowerCase()) return [];
  return [String(l.v)];
}

// ---------- evaluation ----------

export type PathReader = (path: string[]) => unknown;

function value(o: Operand, read: PathReader): unknown {
  if (o.k === 'lit') return o.v;
  if (o.k === 'prop') return read(o.path);
  const v = value(o.arg, read);
  if (typeof v !== 'string') return v;
  return o.name === 'tolower' ? v.toLowerCase() : v.toUpperCase();
}

function compare(a: unknown, b: unknown): number | null {
  if (a === null || a === undefined || b === null || b === undefined) return (a ?? null) === (b ?? null) ? 0 : null;
  if (typeof a === 'string' && typeof b === 'string') {
    const da = parseTimestamp(a);
    const db = parseTimestamp(b);
    if (da !== null && db !== null) return da - db;
    const la = a.toLowerCase();
    const lb = b.toLowerCase();
    return la < lb ? -1 : la > lb ? 1 : 0;
  }
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return a === b ? 0 : a ? 1 : -1;
  return String(a).toLowerCase() === String(b).toLowerCase() ? 0 : null;
}

const OPS: Record<CompareOp, (c: number | null) => boolean> = {
  eq: (c) => c === 0,
  ne: (c) => c !== 0,
  gt: (c) => c !== null && c > 0,
  ge: (c) => c !== null && c >= 0,
  lt: (c) => c !== null && c < 0,
  le: (c) => c !== null && c <= 0,
};

export function evalFilter(e: FilterExpr, read: PathReader): boolean {
  switch (e.k) {
    case 'and':
      return evalFilter(e.l, read) && evalFilter(e.r, read);
    case 'or':
      return evalFilter(e.l, read) || evalFilter(e.r, read);
    case 'not':
      return !evalFilter(e.e, read);
    case 'cmp':
      return OPS[e.op](compare(value(e.l, read), value(e.r, read)));
    case 'in': {
      const v = value(e.l, read);
      return e.list.some((x) => compare(v, x) === 0);
    }
    case 'str': {
      const a = value(e.a, read);
      const b = value(e.b, read);
      if (typeof a !== 'string' || typeof b !== 'string') return false;
      const la = a.toLowerCase();
      const lb = b.toLowerCase();
      if (e.name === 'contains') return la.includes(lb);
      return e.name === 'startswith' ? la.startsWith(lb) : la.endsWith(lb);
    }
    case 'bool':
      return value(e.e, read) === true;
  }
}

export function compareForOrder(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  return compare(a, b) ?? 0;
}
