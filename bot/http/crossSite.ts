import type { IncomingHttpHeaders } from 'node:http';

/**
 * Local mode accepts unauthenticated activities on loopback, so a web page open in the person's browser must not be
 * able to post one (a form or fetch from any site reaches 127.0.0.1). Browsers mark such requests with `Origin` and
 * `Sec-Fetch-Site`; Bot Framework, Teams and the Agents Playground send neither.
 */
export function crossSiteRefusal(headers: IncomingHttpHeaders): string | undefined {
  if (headers.origin !== undefined) return 'Requests from web pages are refused in local mode.';
  const site = headers['sec-fetch-site'];
  if (site !== undefined && site !== 'none') return 'Requests from web pages are refused in local mode.';
  return undefined;
}
