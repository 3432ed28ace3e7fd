import { z } from 'zod';
import { badRequest, notFound } from './errors.js';
import type { Faults } from './faults.js';
import type { RefusalExpectation, Refusals } from './refusals.js';
import type { GraphResponse } from './router.js';
import type { TenantState } from './state.js';
import { iso } from './time.js';

/** `/_devtenant/*`: the test and demo control plane (clock, request log, faults, reset). Never called by the bot. */

export interface LogEntry {
  method: string;
  /** Path with query, including the version (`/v1.0/me?$select=id`). */
  path: string;
  /** Caller oid, `app:<oid>` for app tokens, null without a valid token. */
  caller: string | null;
  status: number;
  /** Devtenant clock time (ISO). */
  time: string;
  batchItem?: boolean;
  /** `console`: the devtenant console made this call for a person (with their user token). */
  via?: 'console';
  /** Only for 500s: what went wrong inside the devtenant. */
  error?: string;
}

const LOG_LIMIT = 50_000;

export class RequestLog {
  private entries: LogEntry[] = [];

  add(entry: LogEntry): void {
    if (this.entries.length >= LOG_LIMIT) this.entries.splice(0, LOG_LIMIT / 10);
    this.entries.push(entry);
  }

  list(): LogEntry[] {
    return this.entries;
  }

  clear(): void {
    this.entries = [];
  }
}

const clockBody = z.strictObject({
  advanceSeconds: z.number().finite().optional(),
  set: z.string().optional(),
  freeze: z.boolean().optional(),
});

export interface ControlDeps {
  state: TenantState;
  log: RequestLog;
  faults: Faults;
  refusals: Refusals;
  /** Also forgets step-up sign-in codes and anything else held outside the tenant state. */
  onReset: () => void;
}

function clockView(state: TenantState) {
  return { now: iso(state.now()), frozen: state.clock.frozen, pendingEvents: state.pendingEvents };
}

function moveClock(state: TenantState, body: unknown): GraphResponse {
  const parsed = clockBody.safeParse(body ?? {});
  if (!parsed.success) throw badRequest(`Invalid clock body: ${z.prettifyError(parsed.error).replace(/\n/g, ' ')}`);
  const { advanceSeconds, set, freeze } = parsed.data;
  if (advanceSeconds === undefined && set === undefined && freeze === undefined) {
    throw badRequest('Send {"advanceSeconds": n}, {"set": "<ISO time>"} or {"freeze": true|false}.');
  }
  const target = set === undefined ? undefined : Date.parse(set);
  if (target !== undefined && Number.isNaN(target)) throw badRequest(`'set' must be an ISO timestamp, got '${set}'.`);
  // Freeze before moving (and thaw after) so a frozen clock lands exactly on the requested instant.
  if (freeze === true) state.clock.freeze(true);
  if (target !== undefined) state.clock.set(target);
  if (advanceSeconds !== undefined) state.clock.advance(advanceSeconds * 1000);
  if (freeze === false) state.clock.freeze(false);
  state.tick();
  return { status: 200, body: clockView(state) };
}

const REFUSAL_KINDS = [
  'select',
  'expand',
  'filter',
  'orderby',
  'query',
  'body',
  'enum',
  'requiredFilter',
  'path',
  'unmodelled',
] as const;

const expectationBody = z.strictObject({
  pathPattern: z.string().min(1),
  method: z.string().optional(),
  kind: z.enum(REFUSAL_KINDS).optional(),
});

function parseExpectation(body: unknown): RefusalExpectation {
  const parsed = expectationBody.safeParse(body ?? {});
  if (!parsed.success) throw badRequest(`Invalid expectation: ${z.prettifyError(parsed.error).replace(/\n/g, ' ')}`);
  try {
    new RegExp(parsed.data.pathPattern);
  } catch (err) {
    throw badRequest(`Invalid pathPattern '${parsed.data.pathPattern}': ${(err as Error).message}`);
  }
  return parsed.data;
}

const INDEX = {
  name: 'devtenant control plane',
  endpoints: [
    'GET  /_devtenant/clock',
    'POST /_devtenant/clock {"advanceSeconds": n} | {"set": iso} | {"freeze": bool}',
    'GET|DELETE /_devtenant/requests',
    'GET|POST|DELETE /_devtenant/faults {"rules": [...]}',
    'GET|DELETE /_devtenant/refusals',
    'POST /_devtenant/refusals/expected {"pathPattern": regex, "method"?, "kind"?}',
    'POST /_devtenant/reset',
  ],
};

/** Handles one control-plane request; `sub` is the path after `/_devtenant`. */
export function handleControl(deps: ControlDeps, method: string, sub: string, body: unknown): GraphResponse {
  const key = `${method} ${sub.replace(/\/+$/, '') || '/'}`;
  switch (key) {
    case 'GET /':
      return { status: 200, body: INDEX };
    case 'GET /clock':
      return { status: 200, body: clockView(deps.state) };
    case 'POST /clock':
      return moveClock(deps.state, body);
    case 'GET /requests':
      return { status: 200, body: deps.log.list() };
    case 'DELETE /requests':
      deps.log.clear();
      return { status: 204 };
    case 'GET /faults':
      return { status: 200, body: { rules: deps.faults.list() } };
    case 'POST /faults':
      deps.faults.add(body);
      return { status: 200, body: { rules: deps.faults.list() } };
    case 'DELETE /faults':
      deps.faults.clear();
      return { status: 204 };
    case 'GET /refusals':
      return {
        status: 200,
        body: { refusals: deps.refusals.list(), unexpected: deps.refusals.unexpected().length },
      };
    case 'DELETE /refusals':
      deps.refusals.clear();
      return { status: 204 };
    case 'POST /refusals/expected':
      deps.refusals.expect(parseExpectation(body));
      return { status: 204 };
    case 'POST /reset':
      deps.state.reset();
      deps.log.clear();
      deps.faults.clear();
      deps.onReset();
      return { status: 200, body: clockView(deps.state) };
    default:
      throw notFound(`No devtenant control endpoint '${method} /_devtenant${sub}'. See GET /_devtenant.`);
  }
}
