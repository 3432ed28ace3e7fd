import { type Context, GraphClientError, type Middleware } from '@microsoft/microsoft-graph-client';
import { GraphTransportError } from './errors.js';

/** Turns a request URL into something safe to log (no query values, no UPNs). */
export type DescribeUrl = (url: string) => string;

export interface HttpExchange {
  method: string;
  url: string;
  /** 0 when no response arrived (timeout, connection failure). */
  status: number;
  ms: number;
  attempt: number;
}

abstract class Link implements Middleware {
  private next?: Middleware;

  abstract execute(context: Context): Promise<void>;

  setNext(next: Middleware): void {
    this.next = next;
  }

  protected async forward(context: Context): Promise<void> {
    if (!this.next) throw new Error('The Graph middleware chain ends too early.');
    await this.next.execute(context);
  }
}

/**
 * GraphRequest.send rewraps every failure that is not a GraphClientError into a GraphError, which would lose
 * SignInRequiredError, StepUpRequiredError and timeouts. This box carries them through; the facade unwraps it.
 */
export class ChainFailure extends GraphClientError {
  constructor(readonly inner: unknown) {
    super('Graph middleware failure');
    Object.setPrototypeOf(this, ChainFailure.prototype);
  }
}

export class ErrorPassThrough extends Link {
  async execute(context: Context): Promise<void> {
    try {
      await this.forward(context);
    } catch (err) {
      throw err instanceof ChainFailure ? err : new ChainFailure(err);
    }
  }
}

/** Adds the bearer token for this principal to every request, whatever the scheme (the library's only does https). */
export class AuthMiddleware extends Link {
  constructor(private readonly getToken: () => Promise<string>) {
    super();
  }

  async execute(context: Context): Promise<void> {
    const token = await this.getToken();
    setHeader(context, 'Authorization', `Bearer ${token}`);
    await this.forward(context);
  }
}

export interface RetryPolicy {
  maxRetries: number;
  /** A longer Retry-After is not waited for: the request fails as throttled. */
  maxRetryAfterSeconds: number;
  /** First backoff step when the server gives no Retry-After; doubles per attempt. */
  baseDelayMs: number;
  /** Upper bound for all waits of one request together. */
  maxTotalWaitMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxRetries: 3,
  maxRetryAfterSeconds: 10,
  baseDelayMs: 500,
  maxTotalWaitMs: 20_000,
};

/** Which attempt of a request an exchange is, for the log; keyed by the request's context. */
const attempts = new WeakMap<Context, number>();

/**
 * Retries 429, 503 and 504 (and connection failures for reads) with Retry-After or exponential backoff. POST and
 * PATCH are retried only on 429 and 503, where Graph did not process the request; a 504 or a dropped connection may
 * have been processed, so those writes are left to the caller.
 */
export class RetryMiddleware extends Link {
  constructor(
    private readonly policy: RetryPolicy,
    private readonly sleep: (ms: number) => Promise<void>,
  ) {
    super();
  }

  async execute(context: Context): Promise<void> {
    const method = methodOf(context);
    let waited = 0;
    for (let attempt = 0; ; attempt++) {
      attempts.set(context, attempt);
      let failure: unknown;
      try {
        await this.forward(context);
      } catch (err) {
        failure = err;
      }
      const delay = this.delayBeforeRetry(method, context.response, failure, attempt, waited);
      if (delay === undefined) {
        if (failure !== undefined) throw failure;
        return;
      }
      await this.sleep(delay);
      waited += delay;
    }
  }

  private delayBeforeRetry(
    method: string,
    response: Response | undefined,
    failure: unknown,
    attempt: number,
    waited: number,
  ): number | undefined {
    if (attempt >= this.policy.maxRetries) return undefined;
    let delay: number | undefined;
    if (failure !== undefined) {
      const retryable = failure instanceof GraphTransportError && failure.kind === 'network' && isIdempotent(method);
      delay = retryable ? this.backoff(attempt) : undefined;
    } else if (response && isRetryableStatus(method, response.status)) {
      const retryAfter = retryAfterSeconds(response.headers);
      if (retryAfter !== undefined && retryAfter > this.policy.maxRetryAfterSeconds) return undefined;
      delay = retryAfter !== undefined ? retryAfter * 1000 : this.backoff(attempt);
    }
    if (delay === undefined || waited + delay > this.policy.maxTotalWaitMs) return undefined;
    return delay;
  }

  private backoff(attempt: number): number {
    const jitter = 0.8 + Math.random() * 0.4;
    return Math.round(this.policy.baseDelayMs * 2 ** attempt * jitter);
  }
}

function isIdempotent(method: string): boolean {
  return method === 'GET' || method === 'HEAD' || method === 'PUT' || method === 'DELETE' || method === 'OPTIONS';
}

function isRetryableStatus(method: string, status: number): boolean {
  if (status === 429 || status === 503) return true;
  return status === 504 && isIdempotent(method);
}

/** Retry-After in seconds (delta-seconds or an HTTP date); undefined when absent or unreadable. */
export function retryAfterSeconds(headers: Headers): number | undefined {
  const value = headers.get('retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

/** Each attempt gets its own deadline (GRAPH_TIMEOUT_MS), covering the response body too. */
export class TimeoutMiddleware extends Link {
  constructor(
    private readonly timeoutMs: number,
    private readonly describe: DescribeUrl,
  ) {
    super();
  }

  async execute(context: Context): Promise<void> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.timeoutMs);
    context.options = { ...context.options, signal: controller.signal };
    try {
      await this.forward(context);
    } catch (err) {
      if (controller.signal.aborted) {
        throw new GraphTransportError('timeout', methodOf(context), this.describe(urlOf(context)));
      }
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Statuses whose Response must have a null body. */
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/**
 * The end of the chain (the library's HTTPMessageHandler, with an injectable fetch). It reads the whole body inside
 * the timeout and reports every exchange, with status 0 when none arrived.
 */
export class FetchHandler implements Middleware {
  constructor(
    private readonly fetchImpl: typeof fetch,
    private readonly describe: DescribeUrl,
    private readonly observe: (exchange: HttpExchange) => void,
  ) {}

  async execute(context: Context): Promise<void> {
    const method = methodOf(context);
    const url = urlOf(context);
    const attempt = attempts.get(context) ?? 0;
    const started = performance.now();
    let status = 0;
    try {
      const response = await this.fetchImpl(url, context.options);
      const body = await response.arrayBuffer();
      status = response.status;
      context.response = new Response(NULL_BODY_STATUSES.has(status) ? null : body, {
        status,
        statusText: response.statusText,
        headers: response.headers,
      });
    } catch (err) {
      if (context.options?.signal?.aborted) throw err;
      throw new GraphTransportError('network', method, this.describe(url), causeCode(err));
    } finally {
      this.observe({ method, url, status, ms: Math.round(performance.now() - started), attempt });
    }
  }
}

function causeCode(err: unknown): string | undefined {
  const cause = (err as { cause?: { code?: unknown } } | null)?.cause;
  const code = cause?.code ?? (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function methodOf(context: Context): string {
  const fromOptions = context.options?.method;
  if (fromOptions) return fromOptions.toUpperCase();
  return typeof context.request === 'string' ? 'GET' : context.request.method.toUpperCase();
}

function urlOf(context: Context): string {
  return typeof context.request === 'string' ? context.request : context.request.url;
}

type HeaderBag = Record<string, string>;

function headerBag(context: Context): HeaderBag {
  const headers = context.options?.headers;
  if (!headers) return {};
  if (headers instanceof Headers) {
    const bag: HeaderBag = {};
    headers.forEach((value, key) => {
      bag[key] = value;
    });
    return bag;
  }
  if (Array.isArray(headers)) return Object.fromEntries(headers);
  return { ...(headers as HeaderBag) };
}

function setHeader(context: Context, name: string, value: string): void {
  const bag = headerBag(context);
  for (const key of Object.keys(bag)) {
    if (key.toLowerCase() === name.toLowerCase()) delete bag[key];
  }
  bag[name] = value;
  context.options = { ...context.options, headers: bag };
}
