import type { ServerResponse } from 'node:http';

/** Set on every response: no MIME sniffing of our JSON or pages, and no server banner. */
export function applySecurityHeaders(res: ServerResponse): void {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.removeHeader('Server');
}
