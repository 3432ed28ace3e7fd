import type { Activity, InvokeResponse, TurnContext } from 'botbuilder';
import type { Request, Response } from 'restify';
import type { Logger } from '../../services/log.js';
import { checkActivity } from '../activityGuard.js';
import { readJsonBody } from './body.js';
import { crossSiteRefusal } from './crossSite.js';
import type { EdgeAdapter } from './edgeAdapter.js';

export interface MessagesRouteParts {
  adapter: EdgeAdapter;
  log: Logger;
  localMode: boolean;
  run(turn: TurnContext): Promise<void>;
}

/**
 * `POST /api/messages`. The body is read and bounded here (no generic body parser runs before it), checked as an
 * activity, then authenticated by CloudAdapter. Only an activity that passed all of that reaches middleware (which
 * keeps conversation references) and the bot.
 */
export function messagesRoute({ adapter, log, localMode, run }: MessagesRouteParts) {
  return async (req: Request, res: Response) => {
    if (localMode) {
      const refusal = crossSiteRefusal(req.headers);
      if (refusal) {
        req.resume();
        return refuse(res, 403, 'Forbidden', refusal);
      }
    }
    const body = await readJsonBody(req);
    if (!body.ok) {
      if (body.status === 413 || body.status === 415) res.setHeader('Connection', 'close');
      return refuse(res, body.status, body.status === 400 ? 'BadRequest' : codeFor(body.status), body.reason);
    }
    const verdict = checkActivity(body.value);
    if (!verdict.ok) return refuse(res, 400, 'BadRequest', verdict.reason);

    const activity = withDates(body.value as Activity);
    const authHeader = String(req.headers.authorization ?? '');
    let turnStarted = false;
    let invokeResponse: InvokeResponse | undefined;
    try {
      invokeResponse = await adapter.processChecked(authHeader, activity, async (turn) => {
        turnStarted = true;
        await run(turn);
      });
    } catch (err) {
      if (!turnStarted) return refuseUnauthenticated(res, log, err);
      log.error({ err, activityType: activity.type }, 'activity processing failed');
      if (!res.headersSent) refuse(res, 400, 'BadRequest', 'The activity could not be processed.');
      return;
    }
    res.status(invokeResponse?.status ?? 200);
    if (invokeResponse?.body !== undefined) res.json(invokeResponse.body);
    else res.end();
  };
}

function refuseUnauthenticated(res: Response, log: Logger, err: unknown) {
  const reason = err instanceof Error ? err.message.slice(0, 200) : 'unknown';
  if (authStatusOf(err) === 401) {
    log.warn({ reason }, 'refused an activity that is not authenticated');
    return refuse(res, 401, 'Unauthorized', 'The request does not carry a valid Bot Framework token.');
  }
  // Fetching Bot Framework's signing keys failed (network, DNS, their outage): we cannot tell who sent this.
  log.warn({ reason }, 'could not authenticate an activity');
  res.setHeader('Retry-After', '30');
  return refuse(res, 503, 'ServiceUnavailable', 'The sender could not be verified right now; try again later.');
}

/** botframework-connector's AuthenticationError carries the status it means; a failed key download has none or 500. */
function authStatusOf(err: unknown): number | undefined {
  const status = (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

function refuse(res: Response, status: number, code: string, message: string) {
  res.status(status);
  res.json({ error: { code, message } });
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
