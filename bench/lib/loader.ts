import http from 'node:http';

/**
 * A small keep-alive HTTP load generator (node:http, one request in flight per connection). It stops at whichever
 * comes first: `maxRequests` sent or `maxDurationMs` elapsed, so a slow target cannot make a bench run for ever.
 */

export interface LoadOptions {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  /** The body of request number `i` (0-based). */
  body?: (i: number) => string | Buffer;
  connections: number;
  maxRequests: number;
  maxDurationMs: number;
  /** Per-request timeout; a timeout counts as an error. Default 15 s (Teams gives up on an invoke after 10–15 s). */
  timeoutMs?: number;
}

export interface LoadResult {
  requests: number;
  /** Requests that failed at the socket level or timed out. */
  errors: number;
  /** Count per HTTP status ("200", "500", …). */
  statuses: Record<string, number>;
  /** Latency of each completed request in ms, in completion order. */
  latenciesMs: number[];
  durationMs: number;
  requestsPerSecond: number;
  stoppedBy: 'count' | 'time';
}

export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.connections });
  const target = new URL(opts.url);
  const statuses: Record<string, number> = {};
  const latenciesMs: number[] = [];
  let issued = 0;
  let errors = 0;
  const started = performance.now();
  const deadline = started + opts.maxDurationMs;
  const more = () => issued < opts.maxRequests && performance.now() < deadline;

  const worker = async () => {
    while (more()) {
      const i = issued++;
      const t0 = performance.now();
      try {
        const status = await send(agent, target, opts, i);
        statuses[status] = (statuses[status] ?? 0) + 1;
        latenciesMs.push(performance.now() - t0);
      } catch {
        errors++;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: opts.connections }, worker));
  } finally {
    agent.destroy();
  }
  const durationMs = performance.now() - started;
  return {
    requests: issued,
    errors,
    statuses,
    latenciesMs,
    durationMs,
    requestsPerSecond: (latenciesMs.length / durationMs) * 1000,
    stoppedBy: issued >= opts.maxRequests ? 'count' : 'time',
  };
}

function send(agent: http.Agent, target: URL, opts: LoadOptions, i: number): Promise<number> {
  const body = opts.body?.(i);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        agent,
        hostname: target.hostname,
        port: target.port,
        path: `${target.pathname}${target.search}`,
        method: opts.method ?? (body === undefined ? 'GET' : 'POST'),
        headers: {
          ...(body === undefined
            ? {}
            : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }),
          ...opts.headers,
        },
        timeout: opts.timeoutMs ?? 15_000,
      },
      (res) => {
        res.on('data', () => undefined);
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}
