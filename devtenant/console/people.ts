import type { PageResponse } from '../stepup.js';
import { type ConsoleContext, htmlPage } from './context.js';
import { html } from './html.js';
import { layout } from './layout.js';
import { areaLink, noticeOf } from './nav.js';

/** `/`: the demo people; pick one to act as. The choice rides along in every link (`?as=`). */

export function peoplePage(ctx: ConsoleContext): PageResponse {
  const current = ctx.req.query.get('as')?.toLowerCase();
  const person = current ? ctx.state.users.get(current) : undefined;
  const rows = [...ctx.state.users.values()].map((u) => {
    const manager = u.managerId ? ctx.state.user(u.managerId)?.displayName : undefined;
    const guest = u.userType === 'Guest' ? ` (guest, ${u.companyName ?? 'external'})` : '';
    return html`<tr data-person="${u.id}"${u.id === person?.id ? html` class="current"` : ''}>
<td><a href="${areaLink('access', u)}">${u.displayName}</a>${guest}</td><td>${u.jobTitle ?? ''}</td>
<td>${manager ?? '—'}</td><td class="muted">${u.userPrincipalName}</td></tr>`;
  });
  const body = html`<section><p>Act as any person of the demo tenant: see and do what My Access and the PIM portal
would let them. Every action is a Graph call made with that person's user token, so the bot sees it exactly as one made
in My Access. Alex Wilber is the person signed in to the Agents Playground.</p>
<table><thead><tr><th>Person</th><th>Job title</th><th>Manager</th><th>Sign-in name</th></tr></thead>
<tbody>${rows}</tbody></table></section>`;
  return htmlPage(200, layout(ctx, { title: 'Pick a person', area: 'people', person, notice: noticeOf(ctx), body }));
}
