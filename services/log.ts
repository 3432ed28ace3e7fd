import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger } from 'pino';

/**
 * Paths pino blanks out wherever they appear. Tokens, secrets and free text people type (justifications, answers,
 * messages) never reach a log line; ids and states do.
 */
const REDACTED_PATHS = [
  'token',
  'accessToken',
  'access_token',
  'authorization',
  'Authorization',
  'password',
  'secret',
  'clientSecret',
  'text',
  'justification',
  'answers',
  'headers.authorization',
  'req.headers.authorization',
  '*.token',
  '*.accessToken',
  '*.authorization',
  '*.Authorization',
  '*.justification',
  '*.text',
  '*.password',
  '*.secret',
];

const JWT_PATTERN = /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*\.?[A-Za-z0-9_-]*/g;

/** Scrubs anything that looks like a JWT out of a free-form string (error messages from libraries). */
export function scrub(text: string): string {
  return text.replace(JWT_PATTERN, '[token]');
}

export function createLogger(
  level: string = process.env.LOG_LEVEL ?? 'info',
  destination?: DestinationStream,
  name = 'access-bot',
): Logger {
  return pino(
    {
      name,
      level,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
      hooks: {
        logMethod(args, method) {
          const scrubbed = args.map((a) => (typeof a === 'string' ? scrub(a) : a)) as typeof args;
          method.apply(this, scrubbed);
        },
      },
      serializers: {
        err: (err: unknown) => {
          const e = err instanceof Error ? err : new Error(String(err));
          return { type: e.name, message: scrub(e.message), code: (e as { code?: unknown }).code };
        },
      },
    },
    destination,
  );
}
