/** JSON $batch: at most 20 requests per call, dependsOn chains kept together, per-item 429s retried once. */

export type BatchMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export interface BatchRequest {
  id: string;
  method: BatchMethod;
  /** Relative to the version root, like the facade's paths: '/groups/{id}'. */
  url: string;
  body?: unknown;
  headers?: Record<string, string>;
  dependsOn?: string[];
}

export interface BatchItemResult<T = unknown> {
  id: string;
  status: number;
  body: T;
  headers: Record<string, string>;
}

/** One entry of a $batch response's `responses` array, as Graph sends it. */
export interface RawBatchResponse {
  id?: unknown;
  status?: unknown;
  headers?: unknown;
  body?: unknown;
}

export const MAX_BATCH_SIZE = 20;

const METHODS = new Set<string>(['GET', 'POST', 'PATCH', 'PUT', 'DELETE']);

export interface BatchDeps {
  /** POSTs one chunk to /$batch and returns its `responses`. */
  send(chunk: BatchRequest[]): Promise<RawBatchResponse[]>;
  sleep(ms: number): Promise<void>;
  maxRetryAfterSeconds: number;
}

export async function runBatch(requests: BatchRequest[], deps: BatchDeps): Promise<BatchItemResult[]> {
  validateBatch(requests);
  const results = new Map<string, BatchItemResult>();
  await sendInChunks(requests, deps, results);
  const retry = itemsToRetry(requests, results);
  if (retry.length > 0) {
    const wait = Math.max(...retry.map((r) => retryAfterOf(results.get(r.id))));
    if (wait <= deps.maxRetryAfterSeconds) {
      await deps.sleep(wait * 1000);
      const retried = new Set(retry.map((r) => r.id));
      const again = retry.map((r) => ({ ...r, dependsOn: r.dependsOn?.filter((d) => retried.has(d)) }));
      await sendInChunks(again, deps, results);
    }
  }
  return requests.map((r) => results.get(r.id) ?? missingResult(r.id));
}

async function sendInChunks(
  requests: BatchRequest[],
  deps: BatchDeps,
  results: Map<string, BatchItemResult>,
): Promise<void> {
  for (const chunk of chunkBatchRequests(requests)) {
    const wanted = new Set(chunk.map((r) => r.id));
    for (const raw of await deps.send(chunk)) {
      const result = normalise(raw);
      if (result && wanted.has(result.id)) results.set(result.id, result);
    }
  }
}

/** 429 items, plus items that failed only because something they depend on was throttled (424). */
function itemsToRetry(requests: BatchRequest[], results: Map<string, BatchItemResult>): BatchRequest[] {
  const retry = new Set(requests.filter((r) => results.get(r.id)?.status === 429).map((r) => r.id));
  if (retry.size === 0) return [];
  let grew = true;
  while (grew) {
    grew = false;
    for (const r of requests) {
      const failedDependency = results.get(r.id)?.status === 424;
      if (!retry.has(r.id) && failedDependency && r.dependsOn?.some((d) => retry.has(d))) {
        retry.add(r.id);
        grew = true;
      }
    }
  }
  return requests.filter((r) => retry.has(r.id));
}

function retryAfterOf(result?: BatchItemResult): number {
  const key = Object.keys(result?.headers ?? {}).find((k) => k.toLowerCase() === 'retry-after');
  const seconds = key ? Number(result?.headers[key]) : Number.NaN;
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : 1;
}

export function validateBatch(requests: BatchRequest[]): void {
  const ids = new Set<string>();
  for (const r of requests) {
    if (!r.id || typeof r.id !== 'string') throw new Error('Every batch request needs a non-empty string id.');
    if (ids.has(r.id)) throw new Error(`Batch request id "${r.id}" is used twice.`);
    ids.add(r.id);
    if (!METHODS.has(r.method)) throw new Error(`Batch request "${r.id}" has an unsupported method "${r.method}".`);
    if (!r.url || /^[a-z][a-z0-9+.-]*:/i.test(r.url)) {
      throw new Error(`Batch request "${r.id}" needs a URL relative to the version root, like /groups/{id}.`);
    }
  }
  for (const r of requests) {
    for (const d of r.dependsOn ?? []) {
      if (!ids.has(d)) throw new Error(`Batch request "${r.id}" depends on "${d}", which is not in the batch.`);
    }
  }
}

/**
 * Splits into chunks of at most `size`, in request order, never separating requests linked by dependsOn (Graph only
 * resolves dependencies inside one batch).
 */
export function chunkBatchRequests(requests: BatchRequest[], size = MAX_BATCH_SIZE): BatchRequest[][] {
  const groups = dependencyGroups(requests);
  const chunks: BatchRequest[][] = [];
  let current: BatchRequest[] = [];
  for (const group of groups) {
    if (group.length > size) {
      throw new Error(`A dependsOn chain of ${group.length} requests cannot fit in one batch of ${size}.`);
    }
    if (current.length + group.length > size) {
      chunks.push(current);
      current = [];
    }
    current.push(...group);
  }
  if (current.length > 0) chunks.push(current);
  const order = new Map(requests.map((r, i) => [r.id, i]));
  return chunks.map((c) => c.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0)));
}

/** Connected groups of requests (through dependsOn), ordered by their first request. */
function dependencyGroups(requests: BatchRequest[]): BatchRequest[][] {
  const parent = new Map(requests.map((r) => [r.id, r.id]));
  const root = (id: string): string => {
    let at = id;
    while (parent.get(at) !== at) at = parent.get(at) ?? at;
    return at;
  };
  for (const r of requests) {
    for (const d of r.dependsOn ?? []) {
      if (parent.has(d)) parent.set(root(d), root(r.id));
    }
  }
  const groups = new Map<string, BatchRequest[]>();
  for (const r of requests) {
    const key = root(r.id);
    const group = groups.get(key) ?? [];
    group.push(r);
    groups.set(key, group);
  }
  return [...groups.values()];
}

/** The wire shape of one request; a body needs an explicit Content-Type inside a batch. */
export function toWireRequest(r: BatchRequest): Record<string, unknown> {
  const headers = { ...r.headers };
  if (r.body !== undefined && !Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) {
    headers['Content-Type'] = 'application/json';
  }
  return {
    id: r.id,
    method: r.method,
    url: r.url,
    ...(r.body !== undefined ? { body: r.body } : {}),
    ...(Object.keys(headers).length > 0 ? { headers } : {}),
    ...(r.dependsOn && r.dependsOn.length > 0 ? { dependsOn: r.dependsOn } : {}),
  };
}

function normalise(raw: RawBatchResponse): BatchItemResult | undefined {
  if (typeof raw?.id !== 'string' && typeof raw?.id !== 'number') return undefined;
  const headers: Record<string, string> = {};
  if (raw.headers && typeof raw.headers === 'object') {
    for (const [k, v] of Object.entries(raw.headers as Record<string, unknown>)) headers[k] = String(v);
  }
  return { id: String(raw.id), status: Number(raw.status) || 0, body: raw.body ?? null, headers };
}

function missingResult(id: string): BatchItemResult {
  return {
    id,
    status: 502,
    body: { error: { code: 'MissingBatchResponse', message: 'Graph returned no response for this request.' } },
    headers: {},
  };
}
