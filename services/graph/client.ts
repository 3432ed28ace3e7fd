import { Client, ResponseType } from '@microsoft/microsoft-graph-client';
import { GRAPH_DEFAULT_SCOPE, SignInRequiredError, type TokenProvider, type UserRef } from '../auth/tokens.js';
import type { Logger } from '../log.js';
import { type BatchItemResult, type BatchRequest, type RawBatchResponse, runBatch, toWireRequest } from './batch.js';
import { GraphRequestError } from './errors.js';
import {
  AuthMiddleware,
  ChainFailure,
  DEFAULT_RETRY_POLICY,
  ErrorPassThrough,
  FetchHandler,
  type HttpExchange,
  RetryMiddleware,
  type RetryPolicy,
  retryAfterSeconds,
  TimeoutMiddleware,
} from './middleware.js';
import { DEFAULT_MAX_PAGES, isCollectionPage, readAllPages } from './pages.js';

export type { BatchItemResult, BatchMethod, BatchRequest } from './batch.js';
export type { RetryPolicy } from './middleware.js';

export type GraphVersion = 'v1.0' | 'beta';

export interface GraphCallOptions {
  version?: GraphVersion;
  /** Query options, e.g. { $filter: "status eq 'PendingApproval'", $top: '50' }; values are URL-encoded here. */
  query?: Record<string, string>;
  /** Extra headers, e.g. { Prefer: 'include-unknown-enum-members' }. */
  headers?: Record<string, string>;
}

export interface GraphListOptions extends GraphCallOptions {
  /** Stop following @odata.nextLink after this many pages (default 50). */
  maxPages?: number;
}

/** One HTTP exchange with Graph, as logged: the path carries query option names only, never their values. */
export interface GraphRequestInfo {
  method: string;
  path: string;
  status: number;
  ms: number;
}

/** Graph calls made as one principal (a user with their delegated token, or the app). Paths are version-relative. */
export interface GraphFacade {
  get<T>(path: string, opts?: GraphCallOptions): Promise<T>;
  /** Resolves to undefined for 204 No Content. */
  post<T = undefined>(path: string, body: unknown, opts?: GraphCallOptions): Promise<T>;
  patch<T = undefined>(path: string, body: unknown, opts?: GraphCallOptions): Promise<T>;
  /** All `value` items, following @odata.nextLink (same host only) up to maxPages. */
  list<T>(path: string, opts?: GraphListOptions): Promise<T[]>;
  /**
   * Results in request order; chunks of 20; items answered 429 are retried once after their Retry-After. A collection
   * item comes back with every page in `value` (its @odata.nextLink followed); a page that fails fails the item.
   */
  batch(requests: BatchRequest[], opts?: { version?: GraphVersion }): Promise<BatchItemResult[]>;
}

export interface Graph {
  forUser(user: UserRef): GraphFacade;
  /**
   * As this person outside their own turns (the watcher): with their background token only (TokenProvider
   * `backgroundUserToken`); without one every call fails with SignInRequiredError('noBackgroundToken').
   */
  forBackgroundUser(user: UserRef): GraphFacade;
  forApp(): GraphFacade;
}

export interface CreateGraphOptions {
  /** Graph root without version, e.g. https://graph.microsoft.com or the devtenant's http://127.0.0.1:5100. */
  baseUrl: string;
  tokens: TokenProvider;
  /** Per attempt (GRAPH_TIMEOUT_MS). */
  timeoutMs: number;
  log: Logger;
  fetchImpl?: typeof fetch;
  /** Called once per HTTP exchange (retries included), e.g. to count round trips in benchmarks. */
  onRequest?: (info: GraphRequestInfo) => void;
  /** Token scopes; default the Graph `.default` scope. */
  scopes?: string[];
  retry?: Partial<RetryPolicy>;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createGraph(opts: CreateGraphOptions): Graph {
  const root = parseBaseUrl(opts.baseUrl);
  if (!(opts.timeoutMs > 0)) throw new Error('createGraph: timeoutMs must be more than 0.');
  const settings: FacadeSettings = {
    root,
    log: opts.log,
    describe: (url) => describeUrl(url, root),
    retry: { ...DEFAULT_RETRY_POLICY, ...opts.retry },
    sleep: opts.sleep ?? defaultSleep,
  };
  const observe = (exchange: HttpExchange) => {
    const info = { method: exchange.method, path: settings.describe(exchange.url), status: exchange.status };
    const entry = { ...info, ms: exchange.ms };
    opts.log.debug({ graph: { ...entry, attempt: exchange.attempt } }, 'graph request');
    opts.onRequest?.(entry);
  };
  const scopes = opts.scopes ?? [GRAPH_DEFAULT_SCOPE];
  const clientFor = (getToken: () => Promise<string>) =>
    Client.initWithMiddleware({
      baseUrl: root.href,
      defaultVersion: 'v1.0',
      middleware: [
        new ErrorPassThrough(),
        new AuthMiddleware(getToken),
        new RetryMiddleware(settings.retry, settings.sleep),
        new TimeoutMiddleware(opts.timeoutMs, settings.describe),
        new FetchHandler(opts.fetchImpl ?? fetch, settings.describe, observe),
      ],
    });
  return {
    forUser(user) {
      if (!user?.aadObjectId) throw new Error('graph.forUser needs the user (aadObjectId).');
      const snapshot = { ...user };
      return new GraphFacadeImpl(
        clientFor(() => opts.tokens.userToken(snapshot, scopes)),
        settings,
      );
    },
    forBackgroundUser(user) {
      if (!user?.aadObjectId) throw new Error('graph.forBackgroundUser needs the user (aadObjectId).');
      const snapshot = { ...user };
      return new GraphFacadeImpl(
        clientFor(async () => {
          const token = await opts.tokens.backgroundUserToken?.(snapshot, scopes);
          if (!token) throw new SignInRequiredError(snapshot, 'noBackgroundToken');
          return token;
        }),
        settings,
      );
    },
    forApp() {
      return new GraphFacadeImpl(
        clientFor(() => opts.tokens.appToken(scopes)),
        settings,
      );
    },
  };
}

interface GraphRoot {
  /** Origin plus path prefix, no trailing slash. */
  href: string;
  origin: string;
  pathPrefix: string;
}

interface FacadeSettings {
  root: GraphRoot;
  log: Logger;
  describe: (url: string) => string;
  retry: RetryPolicy;
  sleep: (ms: number) => Promise<void>;
}

/** A version-relative request: path plus already-encoded query string. */
interface Target {
  version: GraphVersion;
  relative: string;
}

class GraphFacadeImpl implements GraphFacade {
  constructor(
    private readonly client: Client,
    private readonly settings: FacadeSettings,
  ) {}

  async get<T>(path: string, opts: GraphCallOptions = {}): Promise<T> {
    return this.send<T>('GET', this.target(path, opts), undefined, opts.headers);
  }

  async post<T = undefined>(path: string, body: unknown, opts: GraphCallOptions = {}): Promise<T> {
    return this.send<T>('POST', this.target(path, opts), body, opts.headers);
  }

  async patch<T = undefined>(path: string, body: unknown, opts: GraphCallOptions = {}): Promise<T> {
    return this.send<T>('PATCH', this.target(path, opts), body, opts.headers);
  }

  async list<T>(path: string, opts: GraphListOptions = {}): Promise<T[]> {
    const maxPages = opts.maxPages ?? DEFAULT_MAX_PAGES;
    if (!(maxPages >= 1)) throw new Error('list: maxPages must be at least 1.');
    const target = this.target(path, opts);
    const first = await this.send<unknown>('GET', target, undefined, opts.headers);
    return readAllPages<T>(first, this.pageReader(this.settings.describe(this.urlOf(target)), maxPages, opts.headers));
  }

  async batch(requests: BatchRequest[], opts: { version?: GraphVersion } = {}): Promise<BatchItemResult[]> {
    const results = await this.batchFirstPages(requests, opts);
    const version = opts.version ?? 'v1.0';
    return Promise.all(results.map((result, i) => this.withAllPages(result, requests[i], version)));
  }

  /** A 200 collection item with a nextLink gets the rest of its pages; a failed page turns the item into that error. */
  private async withAllPages(
    result: BatchItemResult,
    request: BatchRequest | undefined,
    version: GraphVersion,
  ): Promise<BatchItemResult> {
    if (result.status !== 200 || !isCollectionPage(result.body) || !result.body['@odata.nextLink']) return result;
    const describe = this.settings.describe(`${this.settings.root.href}/${version}${request?.url ?? ''}`);
    try {
      const value = await readAllPages(result.body, this.pageReader(describe, DEFAULT_MAX_PAGES, request?.headers));
      const { '@odata.nextLink': _followed, ...rest } = result.body;
      return { ...result, body: { ...rest, value } };
    } catch (err) {
      const e = err instanceof GraphRequestError ? err : undefined;
      const status = e?.status ?? 502;
      const code = e?.code ?? 'NextPageFailed';
      const message = e?.graphMessage || (err instanceof Error ? err.message : 'A later page could not be read.');
      return { ...result, status, body: { error: { code, message } }, headers: {} };
    }
  }

  private pageReader(describe: string, maxPages: number, headers?: Record<string, string>) {
    return {
      describe,
      maxPages,
      next: (link: string) => this.send<unknown>('GET', this.nextTarget(link), undefined, headers),
      onTruncated: () =>
        this.settings.log.warn({ graph: { path: describe, maxPages } }, 'graph list stopped at maxPages'),
    };
  }

  private async batchFirstPages(
    requests: BatchRequest[],
    opts: { version?: GraphVersion },
  ): Promise<BatchItemResult[]> {
    const target: Target = { version: opts.version ?? 'v1.0', relative: '/$batch' };
    return runBatch(requests, {
      send: async (chunk) => {
        const body = await this.send<{ responses?: RawBatchResponse[] }>('POST', target, {
          requests: chunk.map(toWireRequest),
        });
        if (!body || !Array.isArray(body.responses)) throw new Error('Graph $batch answered without responses.');
        return body.responses;
      },
      sleep: this.settings.sleep,
      maxRetryAfterSeconds: this.settings.retry.maxRetryAfterSeconds,
    });
  }

  private async send<T>(
    method: 'GET' | 'POST' | 'PATCH',
    target: Target,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<T> {
    let request = this.client.api(target.relative).version(target.version).responseType(ResponseType.RAW);
    if (headers) request = request.headers(headers);
    let response: Response;
    try {
      if (method === 'GET') response = await request.get();
      else if (method === 'POST') response = await request.post(body);
      else response = await request.patch(body);
    } catch (err) {
      throw err instanceof ChainFailure ? err.inner : err;
    }
    const path = this.settings.describe(this.urlOf(target));
    if (!response.ok) throw await toGraphRequestError(response, method, path);
    return readBody<T>(response, method, path);
  }

  private target(path: string, opts: GraphCallOptions): Target {
    return { version: opts.version ?? 'v1.0', relative: relativeWithQuery(path, opts.query) };
  }

  /** nextLink is absolute; it is followed only on our own Graph host, so a token never leaves for another one. */
  private nextTarget(nextLink: string): Target {
    const { root } = this.settings;
    let url: URL;
    try {
      url = new URL(nextLink, `${root.href}/`);
    } catch {
      throw new Error('Graph returned an unreadable @odata.nextLink.');
    }
    const prefix = `${root.pathPrefix}/`;
    if (url.origin !== root.origin || !url.pathname.startsWith(prefix)) {
      throw new Error(`Graph returned an @odata.nextLink on another host (${url.origin}); not followed.`);
    }
    const [version, ...rest] = url.pathname.slice(prefix.length).split('/');
    if (version !== 'v1.0' && version !== 'beta')
      throw new Error('Graph returned an @odata.nextLink without a version.');
    return { version, relative: `/${rest.join('/')}${url.search}` };
  }

  private urlOf(target: Target): string {
    return `${this.settings.root.href}/${target.version}${target.relative}`;
  }
}

function parseBaseUrl(baseUrl: string): GraphRoot {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new Error(`createGraph: baseUrl "${baseUrl}" is not an absolute URL.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new Error('createGraph: baseUrl must be http or https.');
  }
  const pathPrefix = url.pathname.replace(/\/+$/, '');
  return { href: `${url.origin}${pathPrefix}`, origin: url.origin, pathPrefix };
}

const QUERY_KEY = /^\$?[A-Za-z][A-Za-z0-9_.-]*$/;

/** '/me/x' + { $filter: "a eq 'b'" } → "/me/x?$filter=a%20eq%20'b'". A '?' already in the path is kept. */
function relativeWithQuery(path: string, query?: Record<string, string>): string {
  if (typeof path !== 'string' || !path.startsWith('/') || path.startsWith('//')) {
    throw new Error('Graph paths are relative to the version root and start with one "/", like /me.');
  }
  const [pathOnly] = path.split('?');
  if (pathOnly?.split('/').some((segment) => segment === '..' || segment === '.')) {
    throw new Error('Graph paths may not contain "." or ".." segments.');
  }
  const pairs = Object.entries(query ?? {}).map(([key, value]) => {
    if (!QUERY_KEY.test(key)) throw new Error(`"${key}" is not a valid query option name.`);
    return `${key}=${encodeURIComponent(String(value))}`;
  });
  if (pairs.length === 0) return path;
  return `${path}${path.includes('?') ? '&' : '?'}${pairs.join('&')}`;
}

/** Path after the Graph root, with query option names only and any segment holding an address masked. */
export function describeUrl(url: string, root: { origin: string; pathPrefix: string }): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return '[unreadable url]';
  }
  let path = parsed.pathname;
  if (parsed.origin === root.origin && path.startsWith(root.pathPrefix)) path = path.slice(root.pathPrefix.length);
  const masked = path
    .split('/')
    .map((segment) => (/@|%40/.test(segment) ? '[upn]' : segment))
    .join('/');
  const keys = [...new Set([...parsed.searchParams.keys()])];
  return keys.length > 0 ? `${masked}?${keys.join('&')}` : masked;
}

async function toGraphRequestError(response: Response, method: string, path: string): Promise<GraphRequestError> {
  const text = await response.text();
  let envelope: { error?: { code?: unknown; message?: unknown; innerError?: Record<string, unknown> } } = {};
  try {
    envelope = text ? JSON.parse(text) : {};
  } catch {
    // Not JSON (a proxy's HTML page): the status alone has to do.
  }
  const error = envelope?.error ?? {};
  const inner = error.innerError ?? {};
  const requestId = inner['request-id'] ?? response.headers.get('request-id') ?? undefined;
  return new GraphRequestError({
    status: response.status,
    code: typeof error.code === 'string' ? error.code : undefined,
    graphMessage: typeof error.message === 'string' ? error.message : undefined,
    requestId: typeof requestId === 'string' ? requestId : undefined,
    retryAfterSeconds: retryAfterSeconds(response.headers),
    wwwAuthenticate: response.headers.get('www-authenticate') ?? undefined,
    method,
    path,
  });
}

async function readBody<T>(response: Response, method: string, path: string): Promise<T> {
  const text = await response.text();
  if (!text) return undefined as T;
  const type = response.headers.get('content-type') ?? '';
  if (!/json/i.test(type)) return text as T;
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new GraphRequestError({ status: 502, code: 'InvalidJsonResponse', method, path });
  }
}
