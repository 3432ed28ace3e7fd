import restify from 'restify';
import { withDeadline } from '../services/doctor/types.js';
import { MAX_BODY_BYTES } from './http/body.js';
import { type ActivityHandler, messagesRoute } from './http/messages.js';
import { applySecurityHeaders } from './http/securityHeaders.js';
import type { BotServices } from './services.js';

export { MAX_BODY_BYTES };

/** A client gets this long to send its headers and body; a slow drip (slowloris) is cut off after it. */
const REQUEST_TIMEOUT_MS = 30_000;

export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
  /** Extra facts shown with the check's result (e.g. people the bot cannot reach); never affects readiness. */
  details?(): unknown;
}

export interface ServerParts {
  app: BotServices;
  /** What `/api/messages` does with a body it has read (bot/http/messages.ts). */
  handleActivity: ActivityHandler;
  readiness: ReadinessCheck[];
  /** Extra routes (e.g. the step-up pages) added by other parts of the edge. */
  routes?: (server: restify.Server) => void;
}

export function createServer({ app, handleActivity, readiness, routes }: ServerParts): restify.Server {
  // name '' keeps restify from announcing itself in a Server header.
  const server = restify.createServer({ name: '', handleUncaughtExceptions: false });
  server.server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.server.headersTimeout = REQUEST_TIMEOUT_MS;
  server.pre((_req, res, next) => {
    applySecurityHeaders(res);
    next();
  });
  server.use(restify.plugins.queryParser({ mapParams: false }));
  // No generic body parser: /api/messages reads its own body, bounded and JSON only (restify's gunzips unbounded).
  server.post('/api/messages', messagesRoute({ handleActivity, localMode: app.config.authMode === 'local' }));

  server.get('/healthz', async (_req, res) => {
    res.json({ status: 'ok' });
  });

  const checkReadiness = cachedFor(READINESS_CACHE_MS, () => runReadiness(readiness));
  server.get('/readyz', async (_req, res) => {
    // Details (e.g. people the bot cannot reach) are in memory and always current; only the checks are shared.
    const results = (await checkReadiness()).map((r, i) => {
      const details = readiness[i].details;
      return r.ok && details ? { ...r, details: details() } : r;
    });
    const ready = results.every((r) => r.ok);
    res.status(ready ? 200 : 503);
    res.json({ status: ready ? 'ready' : 'not ready', checks: results });
  });

  routes?.(server);

  server.on('restifyError', (req, _res, err, callback) => {
    // Body parser and routing errors: answer with a reason, never a stack trace.
    const status = typeof err.statusCode === 'number' ? err.statusCode : 500;
    if (status >= 500) app.log.error({ err, path: req.path() }, 'request failed');
    err.toJSON = () => ({
      error: { code: err.name?.replace(/Error$/, '') || 'Error', message: publicMessage(status) },
    });
    return callback();
  });

  return server;
}

/** /readyz is public in entra mode: probes within this window share one run of the checks (one storage write). */
const READINESS_CACHE_MS = 5000;

async function runReadiness(readiness: ReadinessCheck[]) {
  return Promise.all(
    readiness.map(async (r) => {
      try {
        await withDeadline(r.check(), 3000);
        return { name: r.name, ok: true as const };
      } catch (err) {
        return { name: r.name, ok: false as const, error: shortReason(err) };
      }
    }),
  );
}

/** The first line of an error's message, bounded: enough for an operator, never a stack or a connection string. */
function shortReason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message
    .split('\n')[0]
    .replace(/(AccountKey|SharedAccessSignature|sig)=[^;&\s]+/gi, '$1=…')
    .slice(0, 160);
}

function cachedFor<T>(ms: number, run: () => Promise<T>): () => Promise<T> {
  let last: { at: number; result: Promise<T> } | undefined;
  return () => {
    const now = Date.now();
    if (!last || now - last.at >= ms) last = { at: now, result: run() };
    return last.result;
  };
}

function publicMessage(status: number): string {
  if (status === 413) return `The request body is larger than ${MAX_BODY_BYTES / 1024} kB.`;
  if (status === 400) return 'The request body is not valid JSON.';
  if (status === 404) return 'There is nothing at this address.';
  if (status === 405) return 'This method is not allowed here.';
  if (status === 415) return 'Send the activity as application/json.';
  return 'The request could not be processed.';
}
