import { z } from 'zod';
import type { LogEntry } from '../control.js';
import type { PageResponse } from '../stepup.js';
import { type ConsoleContext, FormError, htmlPage, isGuid, personName } from './context.js';
import { parseForm } from './forms.js';
import { html } from './html.js';
import { layout } from './layout.js';
import { noticeOf } from './nav.js';
import { clockTime } from './time.js';

/**
 * The request log: the last Graph calls, who made them and with which kind of token, filterable by person and by
 * source. The honest answer to "did the bot really act as me?": the bot's calls are the ones not marked "console".
 */

const SHOWN = 200;

const filters = z.object({
  as: z.string().optional(),
  person: z
    .string()
    .optional()
    .refine((v) => !v || v === 'app' || isGuid(v), { error: 'The person filter must be a person id or "app".' }),
  source: z
    .enum(['all', 'outside', 'console'], { error: 'The source filter must be all, outside or console.' })
    .default('all'),
  notice: z.string().optional(),
});

function matches(e: LogEntry, person: string | undefined, source: string): boolean {
  if (source === 'console' && e.via !== 'console') return false;
  if (source === 'outside' && e.via === 'console') return false;
  if (!person) return true;
  if (person === 'app') return !!e.caller?.startsWith('app:');
  return e.caller?.toLowerCase() === person.toLowerCase();
}

/** The path as a person reads it (`$filter=groupId eq '…'`), or as sent when it is not valid percent-encoding. */
function readablePath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

export function logPage(ctx: ConsoleContext): PageResponse {
  const f = parseForm(filters, ctx.req.query);
  const asId = f.as?.toLowerCase();
  const person = asId ? ctx.state.users.get(asId) : undefined;
  if (f.as && !person) throw new FormError(`There is no person with the id '${f.as}'.`);
  const all = ctx.log.list();
  const shown: LogEntry[] = [];
  for (let i = all.length - 1; i >= 0 && shown.length < SHOWN; i--) {
    if (matches(all[i], f.person, f.source)) shown.push(all[i]);
  }
  const rows = shown.map((e) => {
    const app = e.caller?.startsWith('app:');
    const who = e.caller === null ? 'no valid token' : app ? 'app' : personName(ctx, e.caller);
    return html`<tr><td class="nowrap">${clockTime(e.time)}</td><td>${who}</td><td>${e.caller === null ? '—' : app ? 'app' : 'user'}</td>
<td>${e.via ?? ''}</td><td>${e.method}</td><td class="path">${readablePath(e.path)}</td><td>${e.status}</td></tr>`;
  });
  const options = [...ctx.state.users.values()].map(
    (u) =>
      html`<option value="${u.id}"${u.id === f.person?.toLowerCase() ? html` selected` : ''}>${u.displayName}</option>`,
  );
  const sources = [
    ['all', 'everyone'],
    ['outside', 'not the console (the bot and others)'],
    ['console', 'the console only'],
  ].map(([v, label]) => html`<option value="${v}"${v === f.source ? html` selected` : ''}>${label}</option>`);
  const body = html`<section><form method="get" action="/console/log" class="filters">
${person ? html`<input type="hidden" name="as" value="${person.id}">` : ''}
<label for="person">Caller</label><select id="person" name="person" data-autosubmit><option value="">anyone</option><option value="app"${f.person === 'app' ? html` selected` : ''}>app (the bot's app-only token)</option>${options}</select>
<label for="source">Made by</label><select id="source" name="source" data-autosubmit>${sources}</select>
<button type="submit">Filter</button></form>
<p class="muted">The last ${SHOWN} calls that match, newest first. "console" marks calls this console made for a person; every other call came over HTTP (the bot, tests, curl).</p>
<table id="log"><thead><tr><th>Time (devtenant, UTC)</th><th>Caller</th><th>Token</th><th>Via</th><th>Method</th><th>Path</th><th>Status</th></tr></thead>
<tbody>${rows}</tbody></table></section>`;
  return htmlPage(200, layout(ctx, { title: 'Request log', area: 'log', person, notice: noticeOf(ctx), body }));
}
