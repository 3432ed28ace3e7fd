import { z } from 'zod';
import type { User } from '../model.js';
import type { PageResponse } from '../stepup.js';
import { type ConsoleContext, FormError, graphAs, htmlPage, personOf, seeOther } from './context.js';
import { guidField, parseForm, textField } from './forms.js';
import { GraphRefusal } from './graph.js';
import { href, html } from './html.js';
import { layout } from './layout.js';
import { areaLink, noticeOf } from './nav.js';
import { when } from './time.js';
import type { AssignmentView, PackageView, Question, RequestView, Requirement } from './views.js';

/** My Access for one person: packages they may request, their requests (cancel) and assignments. */

const EM = '/identityGovernance/entitlementManagement';
const CANCELABLE = new Set(['submitted', 'pendingApproval', 'scheduled']);

const hiddenAs = (person: User) => html`<input type="hidden" name="as" value="${person.id}">`;

export async function accessPage(ctx: ConsoleContext): Promise<PageResponse> {
  const person = personOf(ctx);
  const graph = graphAs(ctx, person);
  const [packages, requests, assignments] = await Promise.all([
    graph.list<PackageView>(`${EM}/accessPackages/filterByCurrentUser(on='allowedRequestor')`, { $expand: 'catalog' }),
    graph.list<RequestView>(`${EM}/assignmentRequests/filterByCurrentUser(on='target')`, { $expand: 'accessPackage' }),
    graph.list<AssignmentView>(`${EM}/assignments/filterByCurrentUser(on='target')`, { $expand: 'accessPackage' }),
  ]);
  const packageRows = packages.map(
    (
      p,
    ) => html`<tr><td>${p.displayName}</td><td>${p.catalog?.displayName ?? ''}</td><td class="muted">${p.description}</td>
<td><a href="${href('/console/access/request', { as: person.id, package: p.id })}">Request</a></td></tr>`,
  );
  const requestRows = [...requests].reverse().map(
    (r) => html`<tr data-request="${r.id}"><td>${r.accessPackage?.displayName ?? ''}</td><td>${r.requestType}</td>
<td>${r.state} (${r.status})</td><td>${when(r.createdDateTime)}</td><td class="muted">${r.justification ?? ''}</td>
<td>${
      CANCELABLE.has(r.state ?? '')
        ? html`<form method="post" action="/console/access/cancel" class="inline">${hiddenAs(person)}
<input type="hidden" name="request" value="${r.id}"><button type="submit" class="secondary">Cancel request</button></form>`
        : ''
    }</td></tr>`,
  );
  const assignmentRows = assignments.map(
    (a) => html`<tr><td>${a.accessPackage?.displayName ?? ''}</td><td>${a.state}</td>
<td>${when(a.schedule?.startDateTime)}</td><td>${when(a.schedule?.expiration?.endDateTime)}</td></tr>`,
  );
  const body = html`<section id="packages"><h2>Access packages ${person.displayName} can request</h2>
${packageRows.length ? html`<table><thead><tr><th>Package</th><th>Catalog</th><th>Description</th><th></th></tr></thead><tbody>${packageRows}</tbody></table>` : html`<p class="muted">None.</p>`}</section>
<section id="requests"><h2>Requests</h2>
${requestRows.length ? html`<table><thead><tr><th>Package</th><th>Type</th><th>State</th><th>Created</th><th>Justification</th><th></th></tr></thead><tbody>${requestRows}</tbody></table>` : html`<p class="muted">No requests.</p>`}</section>
<section id="assignments"><h2>Assignments</h2>
${assignmentRows.length ? html`<table><thead><tr><th>Package</th><th>State</th><th>From</th><th>Until</th></tr></thead><tbody>${assignmentRows}</tbody></table>` : html`<p class="muted">No assignments.</p>`}</section>`;
  return htmlPage(200, layout(ctx, { title: 'My Access', area: 'access', person, notice: noticeOf(ctx), body }));
}

interface Typed {
  policy?: string;
  justification?: string;
  answers?: Map<string, string[]>;
}

/** The request form: the policies Graph says the person may use, their questions and the justification. */
export async function requestFormPage(
  ctx: ConsoleContext,
  problem?: { status: number; message: string; typed: Typed; packageId: string },
): Promise<PageResponse> {
  const person = personOf(ctx);
  const packageId =
    problem?.packageId ?? parseForm(z.object({ package: guidField('The package') }), ctx.req.query).package;
  const graph = graphAs(ctx, person);
  const pkg = await graph.get<PackageView>(`${EM}/accessPackages/${packageId}`);
  const requirements = (
    await graph.post<{ value: Requirement[] }>(`${EM}/accessPackages/${packageId}/getApplicablePolicyRequirements`)
  ).value;
  const typed = problem?.typed ?? {};
  const policies = requirements.map((r, i) => {
    const questions = (r.questions ?? []).map((q) => questionField(q, typed.answers?.get(q.id) ?? []));
    return html`<fieldset><legend><label class="inline"><input type="radio" name="policy" value="${r.policyId}"${(typed.policy ? r.policyId === typed.policy : i === 0) ? html` checked` : ''}>
${r.policyDisplayName}</label></legend><p class="muted">${r.policyDescription}
${r.isApprovalRequiredForAdd ? ' Needs approval.' : ' No approval needed.'}${r.isRequestorJustificationRequired ? ' A justification is required.' : ''}</p>
${questions}</fieldset>`;
  });
  const form = requirements.length
    ? html`<form method="post" action="/console/access/request">${hiddenAs(person)}
<input type="hidden" name="package" value="${packageId}">${policies}
<label for="justification">Justification</label><textarea id="justification" name="justification" rows="3">${typed.justification ?? ''}</textarea>
<p><button type="submit">Submit request</button> <a href="${areaLink('access', person)}">Back</a></p></form>`
    : html`<p>No policy of this package lets ${person.displayName} request it (Graph's getApplicablePolicyRequirements is empty).</p>`;
  const body = html`<section><h2>${pkg.displayName}</h2><p class="muted">${pkg.description}</p>${form}</section>`;
  return htmlPage(
    problem?.status ?? 200,
    layout(ctx, {
      title: `Request ${pkg.displayName}`,
      area: 'access',
      person,
      error: problem?.message,
      body,
    }),
  );
}

function questionField(q: Question, values: string[]) {
  const name = `q:${q.id}`;
  const required = q.isRequired ? ' (required)' : '';
  if (q['@odata.type'] === '#microsoft.graph.accessPackageTextInputQuestion') {
    return html`<label for="${name}">${q.text}${required}</label>
<input type="text" id="${name}" name="${name}" value="${values[0] ?? ''}">`;
  }
  const choices = (q.choices ?? []).map(
    (c) =>
      html`<option value="${c.actualValue}"${values.includes(c.actualValue) ? html` selected` : ''}>${c.text ?? c.actualValue}</option>`,
  );
  return html`<label for="${name}">${q.text}${required}</label>
<select id="${name}" name="${name}"${q.isMultipleSelectionAllowed ? html` multiple` : ''}>${q.isMultipleSelectionAllowed ? '' : html`<option value="">Choose…</option>`}${choices}</select>`;
}

const requestForm = z.object({
  package: guidField('The package'),
  policy: guidField('The policy'),
  justification: textField('The justification', 1000),
});

const ANSWER_KEY = /^q:([0-9a-f-]{36})$/i;

export async function submitRequest(ctx: ConsoleContext): Promise<PageResponse> {
  const person = personOf(ctx);
  const form = parseForm(requestForm, ctx.req.form);
  const answers = answersOf(ctx.req.form);
  try {
    await graphAs(ctx, person).post(`${EM}/assignmentRequests`, {
      requestType: 'userAdd',
      assignment: { accessPackageId: form.package, assignmentPolicyId: form.policy },
      ...(form.justification ? { justification: form.justification } : {}),
      answers: [...answers].flatMap(([id, values]) =>
        values.map((value) => ({
          '@odata.type': '#microsoft.graph.accessPackageAnswerString',
          value,
          answeredQuestion: { id },
        })),
      ),
    });
  } catch (err) {
    if (!(err instanceof GraphRefusal)) throw err;
    return requestFormPage(ctx, {
      status: err.status,
      message: `Graph refused the request (${err.status} ${err.code}): ${err.message}`,
      typed: { policy: form.policy, justification: form.justification, answers },
      packageId: form.package,
    });
  }
  return seeOther(areaLink('access', person, { notice: 'requested' }));
}

function answersOf(form: URLSearchParams): Map<string, string[]> {
  const answers = new Map<string, string[]>();
  for (const key of new Set(form.keys())) {
    const id = ANSWER_KEY.exec(key)?.[1];
    if (!id) continue;
    const values = form
      .getAll(key)
      .map((v) => v.trim())
      .filter((v) => v !== '');
    if (values.some((v) => v.length > 500)) throw new FormError('An answer is longer than 500 characters.');
    if (values.length) answers.set(id, values);
  }
  return answers;
}

export async function cancelRequest(ctx: ConsoleContext): Promise<PageResponse> {
  const person = personOf(ctx);
  const form = parseForm(z.object({ request: guidField('The request') }), ctx.req.form);
  await graphAs(ctx, person).post(`${EM}/assignmentRequests/${form.request}/cancel`);
  return seeOther(areaLink('access', person, { notice: 'canceled' }));
}
