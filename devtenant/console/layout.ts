import type { User } from '../model.js';
import { clockPanel } from './clock.js';
import type { ConsoleDeps } from './context.js';
import { Html, html } from './html.js';
import { AREAS, type Area, areaLink } from './nav.js';

/** The frame of every console page: who you act as, the areas, the devtenant clock, then the page. */

const STYLE = `body{font-family:Segoe UI,Arial,sans-serif;margin:0;background:#f5f5f5;color:#1b1b1b}
header{background:#0f4a85;color:#fff;padding:10px 24px;display:flex;gap:24px;align-items:center;flex-wrap:wrap}
header a{color:#fff}header .who{font-weight:600}nav a{margin-right:14px}nav a.here{text-decoration:none;border-bottom:2px solid #fff}
main{padding:16px 24px;max-width:1100px}section{background:#fff;padding:12px 18px;margin:12px 0;box-shadow:0 1px 3px rgba(0,0,0,.15)}
h1{font-size:22px}h2{font-size:17px;margin:4px 0 10px}table{border-collapse:collapse;width:100%}
td,th{text-align:left;padding:5px 8px;border-bottom:1px solid #e5e5e5;vertical-align:top}th{font-weight:600;color:#444}
.notice{background:#dff6dd;border-left:4px solid #107c10;padding:8px 12px}.error{background:#fde7e9;border-left:4px solid #a80000;padding:8px 12px}
.muted{color:#666}.clock{display:flex;gap:8px;align-items:center;margin-left:auto}.clock form{margin:0}
button{background:#0067b8;color:#fff;border:0;padding:5px 12px;cursor:pointer}button.secondary{background:#5c5c5c}
textarea{width:100%;box-sizing:border-box}td.path{word-break:break-all;font-family:Consolas,monospace;font-size:12px;color:#444}td.nowrap{white-space:nowrap}label{display:block;margin:8px 0 2px}form.inline{display:inline}`;

export interface LayoutOptions {
  title: string;
  area: Area;
  person?: User;
  notice?: string;
  error?: string;
  body: Html;
}

export function layout(deps: ConsoleDeps, o: LayoutOptions): Html {
  const nav = o.person
    ? (Object.keys(AREAS) as (keyof typeof AREAS)[]).map(
        (a) => html`<a href="${areaLink(a, o.person)}" class="${a === o.area ? 'here' : ''}">${AREAS[a].title}</a>`,
      )
    : [];
  return html`<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>${o.title} · ${deps.state.tenant.displayName} devtenant console</title><style>${new Html(STYLE)}</style>
<script src="/console/console.js" defer></script></head><body>
<header><strong>${deps.state.tenant.displayName} devtenant console</strong>
${o.person ? html`<span class="who">Acting as ${o.person.displayName}</span> <a href="${areaLink('people', o.person)}">switch person</a>` : ''}
<nav>${nav}</nav>${clockPanel(deps, o.area, o.person)}</header>
<main><h1>${o.title}</h1>
${o.notice ? html`<p class="notice" role="status">${o.notice}</p>` : ''}
${o.error ? html`<p class="error" role="alert">${o.error}</p>` : ''}
${o.body}</main></body></html>`;
}
