import type { Activity, InvokeResponse, TurnContext } from 'botbuilder';
import type { Request, Response } from 'restify';
import type { Logger } from '../../services/log.js';
import { checkActivity } from '../activityGuard.js';
import { readJsonBody } from './body.js';
import { crossSiteRefusal } from './crossSite.js';
import { type EdgeAdapter, InboundAuthError } from './edgeAdapter.js';

export interface ActivityHandlerParts {
  adapter: EdgeAdapter;
  log: Logger;
  run(turn: TurnContext): Promise<void>;
}

/** What `/api/messages` answers: an HTTP status, a JSON body (or none) and extra headers. */
export interface ActivityAnswer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** An activity body already read and parsed, with the request's Authorization header, turned into the answer. */
export type ActivityHandler = (value: unknown, authHeader: string) => Promise<ActivityAnswer>;

export interface MessagesRouteParts {
  handleActivity: ActivityHandler;
  localMode: boolean;
}

/**
 * `POST /api/messages`. The body is read and bounded here (no generic body parser runs before it), then handed to
 * `handleActivity`.
 */
export function messagesRoute({ handleActivity, localMode }: MessagesRouteParts) {
  return async (req: Request, res: Response) => {
    if (localMode) {
      const refusal = crossSiteRefusal(req.headers);
      if (refusal) {
        req.resume();
        return send(res, refuse(403, 'Forbidden', refusal));
      }
    }
    const body = await readJsonBody(req);
    if (!body.ok) {
      if (body.status === 413 || body.status === 415) res.setHeader('Connection', 'close');
      return send(res, refuse(body.status, body.status === 400 ? 'BadRequest' : codeFor(body.status), body.reason));
    }
    send(res, await handleActivity(body.value, String(req.headers.authorization ?? '')));
  };
}

/**
 * The body is checked as an activity, then authenticated by CloudAdapter. Only an activity that passed all of that
 * reaches middleware (which keeps conversation references) and the bot.
 */
export function activityHandler({ adapter, log, run }: ActivityHandlerParts): ActivityHandler {
  return async (value, authHeader) => {
    const verdict = checkActivity(value);
    if (!verdict.ok) return refuse(400, 'BadRequest', verdict.reason);

    const activity = withDates(value as Activity);
    let invokeResponse: InvokeResponse | undefined;
    try {
      invokeResponse = await adapter.processChecked(authHeader, activity, run);
    } catch (err) {
      if (err instanceof InboundAuthError) return refuseUnauthenticated(log, err.cause);
      log.error({ err, activityType: activity.type }, 'activity processing failed');
      return refuse(400, 'BadRequest', 'The activity could not be processed.');
    }
    return { status: invokeResponse?.status ?? 200, body: invokeResponse?.body };
  };
}

function send(res: Response, answer: ActivityAnswer): void {
  if (res.headersSent) return;
  for (const [name, value] of Object.entries(answer.headers ?? {})) res.setHeader(name, value);
  res.status(answer.status);
  if (answer.body !== undefined) res.json(answer.body);
  else res.end();
}

function refuseUnauthenticated(log: Logger, err: unknown): ActivityAnswer {
  const reason = err instanceof Error ? err.message.slice(0, 200) : 'unknown';
  if (!verifierUnavailable(err)) {
    log.warn({ reason }, 'refused an activity that is not authenticated');
    return refuse(401, 'Unauthorized', 'The request does not carry a valid Bot Framework token.');
  }
  log.warn({ reason }, 'could not authenticate an activity');
  return {
    ...refuse(503, 'ServiceUnavailable', 'The sender could not be verified right now; try again later.'),
    headers: { 'Retry-After': '30' },
  };
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH']);

/**
 * True when the sender could not be checked because Bot Framework's signing keys could not be fetched (network, DNS,
 * their outage: node-fetch's FetchError, or botframework-connector's AuthenticationError with a 5xx status). Every
 * other failure (a missing, forged, expired or foreign token, botbuilder's plain claim-validation errors) is a 401.
 */
export function verifierUnavailable(err: unknown): boolean {
  const e = err as { statusCode?: unknown; name?: unknown; code?: unknown; errno?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  if (typeof e.statusCode === 'number') return e.statusCode >= 500;
  if (e.name === 'FetchError') return true;
  return NETWORK_CODES.has(String(e.code ?? e.errno ?? ''));
}

function refuse(status: number, code: string, message: string): ActivityAnswer {
  return { status, body: { error: { code, message } } };
}

function codeFor(status: number): string {
  return status === 413 ? 'PayloadTooLarge' : 'UnsupportedMediaType';
}

/** What CloudAdapter.process does before processActivity: timestamps become Dates, the raw text is kept. */
function withDates(activity: Activity): Activity {
  const raw = activity as Activity & Record<string, unknown>;
  for (const [field, rawField] of [
    ['timestamp', 'rawTimestamp'],
    ['expiration', 'rawExpiration'],
    ['localTimestamp', 'rawLocalTimestamp'],
  ] as const) {
    const value = raw[field];
    if (typeof value === 'string') {
      raw[rawField] = value;
      const date = new Date(value);
      if (Number.isNaN(date.getTime())) delete raw[field];
      else raw[field] = date;
    }
  }
  return activity;
}
