/** A Graph error: turned into `{"error":{"code","message","innerError"}}` with `status` by the server. */
export class GraphError extends Error {
  readonly status: number;
  readonly code: string;
  readonly headers: Record<string, string>;

  constructor(status: number, code: string, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

export const badRequest = (message: string, code = 'BadRequest'): GraphError => new GraphError(400, code, message);

export const notFound = (message: string, code = 'ResourceNotFound'): GraphError => new GraphError(404, code, message);

export const forbidden = (message: string, code = 'Forbidden'): GraphError => new GraphError(403, code, message);

export const conflict = (message: string, code = 'Conflict'): GraphError => new GraphError(409, code, message);

export interface ErrorBody {
  error: { code: string; message: string; innerError: Record<string, string> };
}

export function errorBody(code: string, message: string, requestId: string, clientRequestId?: string): ErrorBody {
  const innerError: Record<string, string> = {
    date: new Date().toISOString().replace(/\.\d+Z$/, ''),
    'request-id': requestId,
  };
  innerError['client-request-id'] = clientRequestId ?? requestId;
  return { error: { code, message, innerError } };
}

/**
 * Why Graph refuses a request as malformed: an unknown `$select`/`$expand`/`$filter`/`$orderby` name, bad query
 * syntax, an unknown body property, a bad enum value, a missing required filter or an unknown path segment.
 * `unmodelled`: the metadata has the name but the devtenant does not serve it (a gap here, never a pass).
 */
export type RefusalKind =
  | 'select'
  | 'expand'
  | 'filter'
  | 'orderby'
  | 'query'
  | 'body'
  | 'enum'
  | 'requiredFilter'
  | 'path'
  | 'unmodelled';

/** A 400 the devtenant records as a malformed request (see refusals.ts); tests fail on any they did not expect. */
export class MalformedRequestError extends GraphError {
  constructor(
    readonly refusal: RefusalKind,
    message: string,
    status = 400,
    code = 'BadRequest',
  ) {
    super(status, code, message);
  }
}

export const malformed = (kind: RefusalKind, message: string): MalformedRequestError =>
  new MalformedRequestError(kind, message);
