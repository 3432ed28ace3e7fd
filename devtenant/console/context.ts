import type { RequestLog } from '../control.js';
import type { User } from '../model.js';
import type { GraphResponse } from '../router.js';
import type { TenantState } from '../state.js';
import type { PageResponse, StepUp } from '../stepup.js';
import { type Dispatch, PersonGraph, personToken } from './graph.js';
import type { Html } from './html.js';
import type { PendingStepUp } from './stepUpFlow.js';

/** What a console page gets: the request, and the devtenant parts it acts through. */

export interface ConsoleRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  /** The urlencoded body of a POST. */
  form: URLSearchParams;
  headers: Record<string, string | undefined>;
  /** `http://127.0.0.1:5100`, where the console is served. */
  origin: string;
}

export interface ConsoleDeps {
  state: TenantState;
  log: RequestLog;
  stepUp: StepUp;
  dispatch: Dispatch;
  /** The control plane (`/_devtenant/...`), for the clock panel. */
  control: (method: string, sub: string, body: unknown) => GraphResponse;
  /** Activations waiting for their step-up sign-in, by the sign-in's `state`. */
  pendingStepUps: Map<string, PendingStepUp>;
}

export interface ConsoleContext extends ConsoleDeps {
  req: ConsoleRequest;
}

/** A bad form or link: the page says why, with status 400 (or the status given). */
export class FormError extends Error {
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export function htmlPage(status: number, body: Html | string): PageResponse {
  return {
    status,
    headers: {
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-store',
      'Content-Security-Policy':
        "default-src 'none'; style-src 'unsafe-inline'; script-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
      'X-Content-Type-Options': 'nosniff',
      // Not no-referrer: with it, Chromium sends `Origin: null` on the console's own form posts.
      'Referrer-Policy': 'same-origin',
    },
    body: String(body),
  };
}

/** 303 to a console page (after a POST, so a reload does not repeat the action). */
export function seeOther(location: string): PageResponse {
  return { status: 303, headers: { Location: location, 'Cache-Control': 'no-store' }, body: '' };
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isGuid = (text: string): boolean => GUID.test(text);

/** The person the console acts as: `as` from the form (POST) or the link (GET). */
export function personOf(ctx: ConsoleContext): User {
  const id = (ctx.req.method === 'POST' ? ctx.req.form.get('as') : null) ?? ctx.req.query.get('as') ?? '';
  if (!id) throw new FormError('Pick a person first: no "as" in this link or form.');
  const user = isGuid(id) ? ctx.state.users.get(id.toLowerCase()) : undefined;
  if (!user) throw new FormError(`There is no person with the id '${id}' in ${ctx.state.tenant.displayName}.`);
  return user;
}

export function graphAs(ctx: ConsoleContext, user: User): PersonGraph {
  return new PersonGraph(ctx.dispatch, user, personToken(ctx.state, user));
}

export const personName = (ctx: ConsoleDeps, id: string | null | undefined): string =>
  (id && ctx.state.user(id)?.displayName) || id || 'someone';
