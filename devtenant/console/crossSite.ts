/**
 * The console's guard against other web pages: a form on any site (or a page that rebinds its name to 127.0.0.1)
 * can reach the devtenant, so a POST must come from a console page itself, and every request must name a loopback
 * host. Same rule as bot/http/crossSite.ts, except that the console's own pages (same origin) may post.
 */

const LOOPBACK_HOST = /^(127\.0\.0\.1|localhost|\[::1\])(:\d{1,5})?$/i;

export function hostRefusal(host: string | undefined): string | undefined {
  if (host && LOOPBACK_HOST.test(host)) return undefined;
  return 'The console answers only on a loopback address (127.0.0.1, localhost or [::1]).';
}

export function crossSiteRefusal(
  method: string,
  headers: Record<string, string | undefined>,
  origin: string,
): string | undefined {
  if (method === 'GET' || method === 'HEAD') return undefined;
  const from = headers.origin;
  if (from !== undefined && from.toLowerCase() !== origin.toLowerCase()) {
    return `Refused: this form was sent from ${from}, not from the console (${origin}).`;
  }
  const site = headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    return `Refused: the browser says this form came from another site (Sec-Fetch-Site: ${site}).`;
  }
  return undefined;
}
