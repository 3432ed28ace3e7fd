import { randomUUID } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { authenticate, type Caller, callerLabel } from './auth.js';
import { type BatchItemInput, parseBatch, runBatch } from './batch.js';
import { registerConditionalAccess } from './conditional-access.js';
import { DevtenantConsole, isConsolePath } from './console/index.js';
import { type ControlDeps, handleControl, RequestLog } from './control.js';
import { registerDirectory } from './directory.js';
import { registerEntitlement } from './entitlement.js';
import { errorBody, forbidden, GraphError, MalformedRequestError, malformed } from './errors.js';
import { Faults, faultError } from './faults.js';
import { registerPim } from './pim.js';
import { registerPolicies } from './policies.js';
import { Refusals } from './refusals.js';
import { registerRoles } from './roles.js';
import { type GraphRequest, type GraphResponse, Router } from './router.js';
import type { TenantState } from './state.js';
import { StepUp } from './stepup.js';
import { registerTeamwork } from './teamwork.js';
import { iso } from './time.js';

/** The HTTP front: Graph routing, auth, error envelope, request log, faults, `$batch`, control plane, step-up page. */

const JSON_TYPE = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';
const BODY_LIMIT = 4 * 1024 * 1024;
const VERSIONS = new Set(['v1.0', 'beta']);
const OAUTH = /^\/([^/]+)\/oauth2\/v2\.0\/(authorize|token)\/?$/i;

export function buildRouter(): Router {
  const router = new Router();
  registerDirectory(router);
  registerEntitlement(router);
  registerPolicies(router);
  registerPim(router);
  registerTeamwork(router);
  registerConditionalAccess(router);
  registerRoles(router);
  return router;
}

interface GraphInput {
  method: string;
  version: string;
  /** Raw (still encoded) path after the version, and the query string without `?`. */
  rawPath: string;
  search: string;
  headers: Record<string, string | undefined>;
  bodyText: string;
  origin: string;
  batchItem: boolean;
  /** Dispatched by the console for a person (marked in the request log). */
  via?: 'console';
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function decodePath(raw: string): string {
  const segments = raw.split('/').map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      throw malformed('path', `The path segment '${s}' is not valid percent-encoding.`);
    }
  });
  const path = segments.join('/').replace(/\/+$/, '');
  return path.startsWith('/') ? path : `/${path}`;
}

function parseJson(text: string): unknown {
  if (!text.trim()) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw malformed(
      'body',
      'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.',
    );
  }
}

export class DevtenantServer {
  readonly router = buildRouter();
  readonly log = new RequestLog();
  readonly faults = new Faults();
  readonly refusals = new Refusals();
  readonly stepUp: StepUp;
  readonly console: DevtenantConsole;
  readonly http: http.Server;

  constructor(readonly state: TenantState) {
    this.stepUp = new StepUp(state);
    this.console = new DevtenantConsole({
      state,
      log: this.log,
      stepUp: this.stepUp,
      dispatch: (call) =>
        this.dispatch({
          method: call.method,
          version: 'v1.0',
          rawPath: call.path,
          search: call.search,
          headers: { authorization: `Bearer ${call.token}`, 'content-type': 'application/json' },
          bodyText: call.body === undefined ? '' : JSON.stringify(call.body),
          // Only for @odata links in the answer, which the console reads for their path.
          origin: 'http://127.0.0.1',
          batchItem: false,
          via: 'console',
        }),
      control: (method, sub, body) => handleControl(this.controlDeps(), method, sub, body),
    });
    this.http = http.createServer((req, res) => {
      this.handle(req, res).catch((err) => this.crash(res, err));
    });
    this.http.keepAliveTimeout = 30_000;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const rawPath = q < 0 ? rawUrl : rawUrl.slice(0, q);
    const search = q < 0 ? '' : rawUrl.slice(q + 1);
    const bodyText = await readBody(req);
    if (bodyText === null) {
      this.send(res, {
        status: 413,
        body: errorBody('RequestEntityTooLarge', 'The request body is larger than 4 MB.', randomUUID()),
      });
      return;
    }
    const headers = req.headers as Record<string, string | undefined>;
    const origin = `http://${headers.host ?? '127.0.0.1'}`;
    const slash = rawPath.indexOf('/', 1);
    const first = slash < 0 ? rawPath.slice(1) : rawPath.slice(1, slash);
    if (VERSIONS.has(first.toLowerCase())) {
      await this.graph(req, res, {
        method,
        version: first.toLowerCase(),
        rawPath: slash < 0 ? '/' : rawPath.slice(slash),
        search,
        headers,
        bodyText,
        origin,
        batchItem: false,
      });
    } else if (first === '_devtenant') {
      this.control(res, method, slash < 0 ? '/' : rawPath.slice(slash), bodyText);
    } else if (OAUTH.test(rawPath)) {
      this.oauth(res, method, rawPath, search, bodyText);
    } else if (isConsolePath(rawPath)) {
      const page = await this.console.handle({
        method,
        path: rawPath,
        query: new URLSearchParams(search),
        form: new URLSearchParams(bodyText),
        headers,
        origin,
      });
      res.writeHead(page.status, page.headers);
      res.end(page.body);
    } else {
      const requestId = randomUUID();
      this.send(res, {
        status: 404,
        body: errorBody('ResourceNotFound', `Invalid version: '${first}'. Use /v1.0 or /beta.`, requestId),
      });
    }
  }

  private async graph(req: IncomingMessage, res: ServerResponse, input: GraphInput): Promise<void> {
    const rule = this.faults.match(
      input.method,
      `${input.rawPath}${input.search ? `?${input.search}` : ''}`,
      input.version,
    );
    if (rule?.latencyMs) await sleep(rule.latencyMs);
    if (rule?.reset) {
      this.logEntry(input, null, 0);
      req.socket.destroy();
      return;
    }
    const response = rule?.status ? this.faultResponse(input, rule) : await this.dispatch(input);
    if (rule?.answerDelayMs) await sleep(rule.answerDelayMs);
    this.send(res, response);
  }

  private faultResponse(input: GraphInput, rule: Parameters<typeof faultError>[0]): GraphResponse {
    const f = faultError(rule);
    this.logEntry(input, null, f.status);
    return {
      status: f.status,
      headers: f.headers,
      body: errorBody(f.code, f.message, randomUUID(), input.headers['client-request-id']),
    };
  }

  /** One Graph call (top level or a `$batch` item): auth, routing, handler, error envelope, request log. */
  async dispatch(input: GraphInput): Promise<GraphResponse> {
    const requestId = randomUUID();
    let caller: Caller | null = null;
    let response: GraphResponse;
    let failure: string | undefined;
    try {
      this.state.tick();
      const expiryClock = this.state.quirks.tokenExpiryClock;
      caller = authenticate(input.headers.authorization, {
        tenantId: this.state.tenant.id,
        now:
          expiryClock === 'devtenant'
            ? this.state.now()
            : expiryClock === 'real'
              ? Date.now()
              : Number.NEGATIVE_INFINITY,
        isKnownUser: (oid) => !!this.state.users.get(oid.toLowerCase()),
      });
      response = await this.route(input, caller);
    } catch (err) {
      const e = err instanceof GraphError ? err : null;
      if (!e) failure = err instanceof Error ? (err.stack ?? err.message) : String(err);
      const status = e?.status ?? 500;
      const body = errorBody(
        e?.code ?? 'InternalServerError',
        e?.message ?? 'The devtenant failed to process this request.',
        requestId,
        input.headers['client-request-id'],
      );
      response = { status, body, headers: e?.headers };
      if (err instanceof MalformedRequestError) this.recordRefusal(input, caller, err);
    }
    response.headers = {
      'request-id': requestId,
      'client-request-id': input.headers['client-request-id'] ?? requestId,
      ...response.headers,
    };
    this.logEntry(input, caller, response.status, failure);
    return response;
  }

  private async route(input: GraphInput, caller: Caller): Promise<GraphResponse> {
    const path = decodePath(input.rawPath);
    if (path.toLowerCase() === '/$batch') {
      if (input.batchItem) throw malformed('path', 'A $batch request cannot contain another $batch.');
      if (input.method !== 'POST') throw new GraphError(405, 'BadRequest', 'Only POST is supported on $batch.');
      const items = parseBatch(parseJson(input.bodyText));
      return { status: 200, body: await runBatch(items, input.headers, (item) => this.batchItem(input, item)) };
    }
    const { route, params } = this.router.match(input.method, path);
    if (caller.kind === 'app' && route.audience === 'me')
      throw new GraphError(400, 'BadRequest', '/me request is only valid with delegated authentication flow.');
    if (caller.kind === 'app' && route.audience === 'user') {
      throw forbidden(
        'This API does not support application permissions ("Application: Not supported"); call it with a delegated user token.',
      );
    }
    const request: GraphRequest = {
      method: input.method,
      version: input.version,
      path,
      query: new URLSearchParams(input.search),
      headers: input.headers,
      body: parseJson(input.bodyText),
      caller,
      now: this.state.now(),
      origin: input.origin,
      state: this.state,
    };
    return route.handler(request, params);
  }

  private async batchItem(outer: GraphInput, item: BatchItemInput): Promise<GraphResponse> {
    const q = item.url.indexOf('?');
    const input: GraphInput = {
      ...outer,
      method: item.method,
      rawPath: q < 0 ? item.url : item.url.slice(0, q),
      search: q < 0 ? '' : item.url.slice(q + 1),
      headers: item.headers,
      bodyText: item.bodyText,
      batchItem: true,
    };
    const rule = this.faults.match(input.method, item.url, input.version);
    if (rule?.latencyMs) await sleep(rule.latencyMs);
    if (rule?.status) return this.faultResponse(input, rule);
    return this.dispatch(input);
  }

  private recordRefusal(input: GraphInput, caller: Caller | null, err: MalformedRequestError): void {
    this.refusals.record({
      method: input.method,
      path: `/${input.version}${input.rawPath}${input.search ? `?${input.search}` : ''}`,
      caller: callerLabel(caller),
      status: err.status,
      kind: err.refusal,
      message: err.message,
      time: iso(this.state.now()),
      ...(input.batchItem ? { batchItem: true } : {}),
    });
  }

  private logEntry(input: GraphInput, caller: Caller | null, status: number, error?: string): void {
    this.log.add({
      method: input.method,
      path: `/${input.version}${input.rawPath}${input.search ? `?${input.search}` : ''}`,
      caller: callerLabel(caller),
      status,
      time: iso(this.state.now()),
      ...(input.batchItem ? { batchItem: true } : {}),
      ...(input.via ? { via: input.via } : {}),
      ...(error ? { error } : {}),
    });
  }

  private control(res: ServerResponse, method: string, sub: string, bodyText: string): void {
    try {
      const body = parseJson(bodyText);
      this.send(res, handleControl(this.controlDeps(), method, sub, body));
    } catch (err) {
      if (!(err instanceof GraphError)) throw err;
      this.send(res, { status: err.status, body: errorBody(err.code, err.message, randomUUID()) });
    }
  }

  private controlDeps(): ControlDeps {
    return {
      state: this.state,
      log: this.log,
      faults: this.faults,
      refusals: this.refusals,
      onReset: () => {
        this.stepUp.clear();
        this.console.clear();
      },
    };
  }

  private oauth(res: ServerResponse, method: string, rawPath: string, search: string, bodyText: string): void {
    const m = OAUTH.exec(rawPath) as RegExpExecArray;
    const query = new URLSearchParams(search);
    const form = new URLSearchParams(bodyText);
    let tenant = m[1];
    try {
      tenant = decodeURIComponent(m[1]);
    } catch {
      // keep the raw segment; the page says the tenant is unknown
    }
    const page = this.stepUp.handle(method, tenant, m[2].toLowerCase(), form, query);
    res.writeHead(page.status, page.headers);
    res.end(page.body);
  }

  private send(res: ServerResponse, response: GraphResponse): void {
    const headers: Record<string, string> = { ...response.headers };
    if (response.body === undefined || response.status === 204) {
      res.writeHead(response.status, { ...headers, 'Content-Length': '0' });
      res.end();
      return;
    }
    const text = JSON.stringify(response.body);
    res.writeHead(response.status, {
      ...headers,
      'Content-Type': JSON_TYPE,
      'Content-Length': String(Buffer.byteLength(text)),
    });
    res.end(text);
  }

  /** Last resort: never let an exception take the process down or leave the client hanging. */
  private crash(res: ServerResponse, err: unknown): void {
    const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
    this.log.add({ method: '?', path: '?', caller: null, status: 500, time: iso(this.state.now()), error: message });
    if (res.headersSent || res.destroyed) {
      res.destroy();
      return;
    }
    this.send(res, {
      status: 500,
      body: errorBody('InternalServerError', 'The devtenant failed to process this request.', randomUUID()),
    });
  }
}

function readBody(req: IncomingMessage): Promise<string | null> {
  // Fast path: a request without a body (most GETs) needs no stream handling.
  if (req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined) {
    req.resume();
    return Promise.resolve('');
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > BODY_LIMIT) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? null : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
