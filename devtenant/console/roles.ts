import { z } from 'zod';
import type { User } from '../model.js';
import type { PageResponse } from '../stepup.js';
import { iso } from '../time.js';
import { type ConsoleContext, graphAs, htmlPage, personOf, seeOther } from './context.js';
import { guidField, parseForm, textField } from './forms.js';
import { GraphRefusal, type PersonGraph } from './graph.js';
import { type Html, html } from './html.js';
import { layout } from './layout.js';
import { areaLink, noticeOf } from './nav.js';
import { activationRules, describeRules } from './pimRules.js';
import { startStepUp } from './stepUpFlow.js';
import { when } from './time.js';
import type { PimInstanceView, PimRequestView } from './views.js';

/** The PIM portal for one person: eligible and active group roles; activate, deactivate, cancel a pending request. */

const PIM = '/identityGovernance/privilegedAccess/group';
const OPEN = new Set(['PendingApproval', 'Granted', 'PendingScheduleCreation', 'PendingProvisioning']);

const hidden = (name: string, value: string) => html`<input type="hidden" name="${name}" value="${value}">`;

async function eligibleRow(
  graph: PersonGraph,
  person: User,
  e: PimInstanceView,
  active: PimInstanceView | undefined,
): Promise<Html> {
  const group = e.group?.displayName ?? e.groupId;
  const key = `${e.groupId}-${e.accessId}`;
  if (active) {
    return html`<tr data-group="${e.groupId}"><td>${group}</td><td>${e.accessId}</td><td>Active until ${when(active.endDateTime)}</td>
<td><form method="post" action="/console/roles/deactivate">${hidden('as', person.id)}${hidden('group', e.groupId)}${hidden('accessId', e.accessId)}
<button type="submit" class="secondary">Deactivate ${group}</button></form></td></tr>`;
  }
  const rules = await activationRules(graph, e.groupId, e.accessId);
  return html`<tr data-group="${e.groupId}"><td>${group}</td><td>${e.accessId}</td><td>Eligible until ${when(e.endDateTime)}<br><span class="muted">${describeRules(rules)}</span></td>
<td><form method="post" action="/console/roles/activate">${hidden('as', person.id)}${hidden('group', e.groupId)}${hidden('accessId', e.accessId)}
<label for="minutes-${key}">Minutes (up to ${rules.maximumMinutes})</label><input type="number" id="minutes-${key}" name="minutes" value="${rules.maximumMinutes}" min="5">
<label for="justification-${key}">Justification${rules.justification ? ' (required)' : ''}</label><textarea id="justification-${key}" name="justification" rows="2"></textarea>
${rules.ticket ? html`<label for="ticket-${key}">Ticket number (required)</label><input type="text" id="ticket-${key}" name="ticketNumber"><label for="system-${key}">Ticket system</label><input type="text" id="system-${key}" name="ticketSystem">` : ''}
<p><button type="submit">Activate ${group}</button></p></form></td></tr>`;
}

export async function rolesPage(
  ctx: ConsoleContext,
  problem?: { status: number; message: string },
): Promise<PageResponse> {
  const person = personOf(ctx);
  const graph = graphAs(ctx, person);
  const [eligible, active, requests] = await Promise.all([
    graph.list<PimInstanceView>(`${PIM}/eligibilityScheduleInstances/filterByCurrentUser(on='principal')`, {
      $expand: 'group',
    }),
    graph.list<PimInstanceView>(`${PIM}/assignmentScheduleInstances/filterByCurrentUser(on='principal')`, {
      $expand: 'group',
    }),
    graph.list<PimRequestView>(`${PIM}/assignmentScheduleRequests/filterByCurrentUser(on='principal')`, {
      $expand: 'group',
    }),
  ]);
  const activeOf = (e: PimInstanceView) => active.find((a) => a.groupId === e.groupId && a.accessId === e.accessId);
  const rows = await Promise.all(eligible.map((e) => eligibleRow(graph, person, e, activeOf(e))));
  const permanent = active
    .filter((a) => a.assignmentType !== 'Activated')
    .map((a) => html`<li>${a.group?.displayName ?? a.groupId} (${a.accessId}), permanent</li>`);
  const open = requests
    .filter((r) => r.action === 'selfActivate' && OPEN.has(r.status ?? ''))
    .map(
      (
        r,
      ) => html`<tr data-request="${r.id}"><td>${r.group?.displayName ?? r.groupId}</td><td>${r.status}</td><td>${when(r.createdDateTime)}</td>
<td class="muted">${r.justification ?? ''}</td><td><form method="post" action="/console/roles/cancel">${hidden('as', person.id)}${hidden('request', r.id)}
<button type="submit" class="secondary">Cancel request</button></form></td></tr>`,
    );
  const body = html`<section id="eligible"><h2>Eligible roles</h2>
${rows.length ? html`<table><thead><tr><th>Group</th><th>Role</th><th>Now</th><th></th></tr></thead><tbody>${rows}</tbody></table>` : html`<p class="muted">${person.displayName} is eligible for no PIM group role.</p>`}
${permanent.length ? html`<p>Also a permanent member: </p><ul>${permanent}</ul>` : ''}</section>
<section id="open"><h2>Open activation requests</h2>
${open.length ? html`<table><thead><tr><th>Group</th><th>Status</th><th>Created</th><th>Justification</th><th></th></tr></thead><tbody>${open}</tbody></table>` : html`<p class="muted">None.</p>`}</section>`;
  return htmlPage(
    problem?.status ?? 200,
    layout(ctx, { title: 'PIM roles', area: 'roles', person, notice: noticeOf(ctx), error: problem?.message, body }),
  );
}

const activateForm = z.object({
  group: guidField('The group'),
  accessId: z.enum(['member', 'owner'], { error: 'The role must be member or owner.' }),
  minutes: z
    .string({ error: 'The duration is missing.' })
    .trim()
    .regex(/^\d{1,6}$/, { error: 'The duration must be a whole number of minutes.' })
    .transform(Number),
  justification: textField('The justification', 1000),
  ticketNumber: textField('The ticket number', 100),
  ticketSystem: textField('The ticket system', 100),
});

/** A Graph refusal shown on the roles page, with Graph's status and words. */
export function refused(ctx: ConsoleContext, err: unknown, what: string): Promise<PageResponse> {
  if (!(err instanceof GraphRefusal)) throw err;
  return rolesPage(ctx, {
    status: err.status,
    message: `Graph refused the ${what} (${err.status} ${err.code}): ${err.message}`,
  });
}

export async function activate(ctx: ConsoleContext): Promise<PageResponse> {
  const person = personOf(ctx);
  const form = parseForm(activateForm, ctx.req.form);
  const body = {
    action: 'selfActivate',
    principalId: person.id,
    groupId: form.group,
    accessId: form.accessId,
    ...(form.justification ? { justification: form.justification } : {}),
    scheduleInfo: {
      startDateTime: iso(ctx.state.now()),
      expiration: { type: 'afterDuration', duration: `PT${form.minutes}M` },
    },
    ...(form.ticketNumber || form.ticketSystem
      ? { ticketInfo: { ticketNumber: form.ticketNumber, ticketSystem: form.ticketSystem } }
      : {}),
  };
  const graph = graphAs(ctx, person);
  try {
    const rules = await activationRules(graph, form.group, form.accessId);
    // The PIM portal asks for the extra sign-in first: the devtenant's own page, then back here to submit.
    if (rules.mfa || rules.authenticationContext) return startStepUp(ctx, person, body, rules.authenticationContext);
    await graph.post(`${PIM}/assignmentScheduleRequests`, body);
  } catch (err) {
    return refused(ctx, err, 'activation');
  }
  return seeOther(areaLink('roles', person, { notice: 'activated' }));
}

export async function deactivate(ctx: ConsoleContext): Promise<PageResponse> {
  const person = personOf(ctx);
  const form = parseForm(activateForm.pick({ group: true, accessId: true }), ctx.req.form);
  try {
    await graphAs(ctx, person).post(`${PIM}/assignmentScheduleRequests`, {
      action: 'selfDeactivate',
      principalId: person.id,
      groupId: form.group,
      accessId: form.accessId,
    });
  } catch (err) {
    return refused(ctx, err, 'deactivation');
  }
  return seeOther(areaLink('roles', person, { notice: 'deactivated' }));
}

export async function cancelActivation(ctx: ConsoleContext): Promise<PageResponse> {
  const person = personOf(ctx);
  const form = parseForm(z.object({ request: guidField('The request') }), ctx.req.form);
  try {
    await graphAs(ctx, person).post(`${PIM}/assignmentScheduleRequests/${form.request}/cancel`);
  } catch (err) {
    return refused(ctx, err, 'cancellation');
  }
  return seeOther(areaLink('roles', person, { notice: 'pimCanceled' }));
}
