import { errorBody, GraphError, malformed } from './errors.js';

const badRequest = (message: string) => malformed('body', message);

import type { GraphResponse } from './router.js';

/** JSON `$batch`: up to 20 requests, `dependsOn`, one status per item (GRAPH-API.md §7.2). */

export const BATCH_LIMIT = 20;
const METHODS = ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'];

export interface BatchItemInput {
  method: string;
  /** Relative URL with query, e.g. `/users/abc?$select=id`. */
  url: string;
  headers: Record<string, string | undefined>;
  bodyText: string;
}

export type DispatchItem = (item: BatchItemInput) => Promise<GraphResponse>;

interface BatchRequest {
  id: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
  dependsOn: string[];
}

function parseItem(raw: unknown, index: number, seen: Set<string>): BatchRequest {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw))
    throw badRequest(`Batch request ${index} is not an object.`);
  const r = raw as Record<string, unknown>;
  for (const key of Object.keys(r)) {
    if (!['id', 'method', 'url', 'headers', 'body', 'dependsOn', 'atomicityGroup'].includes(key)) {
      throw badRequest(`Batch request ${index} has an unknown property '${key}'.`);
    }
  }
  if (typeof r.id !== 'string' || !r.id) throw badRequest(`Batch request ${index} needs a string 'id'.`);
  if (seen.has(r.id)) throw badRequest(`Batch request id '${r.id}' is used more than once.`);
  if (typeof r.method !== 'string' || !METHODS.includes(r.method.toUpperCase())) {
    throw badRequest(`Batch request '${r.id}' has an invalid method '${String(r.method)}'.`);
  }
  if (typeof r.url !== 'string' || !r.url) throw badRequest(`Batch request '${r.id}' needs a 'url'.`);
  const headers = parseHeaders(r);
  const dependsOn = r.dependsOn === undefined ? [] : r.dependsOn;
  if (!Array.isArray(dependsOn) || dependsOn.some((d) => typeof d !== 'string' || !seen.has(d))) {
    throw badRequest(`Batch request '${r.id}' has a dependsOn that does not name an earlier request.`);
  }
  seen.add(r.id);
  return {
    id: r.id,
    method: r.method.toUpperCase(),
    url: r.url,
    headers,
    body: r.body,
    dependsOn: dependsOn as string[],
  };
}

function parseHeaders(r: Record<string, unknown>): Record<string, string> {
  if (r.headers === undefined || r.headers === null) return {};
  if (typeof r.headers !== 'object' || Array.isArray(r.headers))
    throw badRequest(`Batch request '${String(r.id)}' has invalid headers.`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.headers as Record<string, unknown>)) {
    if (typeof v !== 'string') throw badRequest(`Batch request '${String(r.id)}' header '${k}' must be a string.`);
    out[k.toLowerCase()] = v;
  }
  return out;
}

export function parseBatch(body: unknown): BatchRequest[] {
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw badRequest('Invalid batch payload: a JSON object with "requests" is expected.');
  const record = body as Record<string, unknown>;
  for (const key of Object.keys(record))
    if (key !== 'requests') throw badRequest(`Invalid batch payload: unknown property '${key}'.`);
  const requests = record.requests;
  if (!Array.isArray(requests) || requests.length === 0)
    throw badRequest('Invalid batch payload: "requests" must be a non-empty array.');
  if (requests.length > BATCH_LIMIT) {
    throw badRequest(`The number of requests in the batch (${requests.length}) exceeds the limit of ${BATCH_LIMIT}.`);
  }
  const seen = new Set<string>();
  return requests.map((raw, i) => parseItem(raw, i, seen));
}

const itemError = (id: string, status: number, code: string, message: string) => ({
  id,
  status,
  headers: { 'Content-Type': 'application/json' },
  body: errorBody(code, message, id),
});

/** Runs the items in order (so `dependsOn` chains hold) and returns the `$batch` response body. */
export async function runBatch(
  items: BatchRequest[],
  outerHeaders: Record<string, string | undefined>,
  dispatch: DispatchItem,
) {
  const statuses = new Map<string, number>();
  const responses: unknown[] = [];
  for (const item of items) {
    const failed = item.dependsOn.find((d) => (statuses.get(d) ?? 0) >= 400);
    if (failed) {
      statuses.set(item.id, 424);
      responses.push(
        itemError(item.id, 424, 'FailedDependency', `Request '${item.id}' depends on '${failed}', which failed.`),
      );
      continue;
    }
    const response = await runItem(item, outerHeaders, dispatch);
    statuses.set(item.id, (response as { status: number }).status);
    responses.push(response);
  }
  return { responses };
}

async function runItem(item: BatchRequest, outerHeaders: Record<string, string | undefined>, dispatch: DispatchItem) {
  if (/^[a-z][a-z0-9+.-]*:/i.test(item.url)) {
    return itemError(item.id, 400, 'BadRequest', 'Batch request URLs must be relative to the version, e.g. "/me".');
  }
  const hasBody = item.body !== undefined && item.body !== null;
  if (hasBody && !item.headers['content-type']) {
    return itemError(
      item.id,
      400,
      'BadRequest',
      `Write request id : ${item.id} does not contain Content-Type header or body.`,
    );
  }
  const url = item.url.startsWith('/') ? item.url : `/${item.url}`;
  if (/^\/\$batch(\?|$)/i.test(url))
    return itemError(item.id, 400, 'BadRequest', 'A $batch request cannot contain another $batch.');
  const headers = { ...item.headers, authorization: outerHeaders.authorization };
  const bodyText = hasBody ? (typeof item.body === 'string' ? item.body : JSON.stringify(item.body)) : '';
  try {
    const res = await dispatch({ method: item.method, url, headers, bodyText });
    const out: Record<string, unknown> = {
      id: item.id,
      status: res.status,
      headers: { ...(res.body === undefined ? {} : { 'Content-Type': 'application/json' }), ...res.headers },
    };
    if (res.body !== undefined) out.body = res.body;
    return out;
  } catch (err) {
    const e =
      err instanceof GraphError
        ? err
        : new GraphError(500, 'InternalServerError', 'The devtenant failed to process this request.');
    return itemError(item.id, e.status, e.code, e.message);
  }
}
