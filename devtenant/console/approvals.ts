import { z } from 'zod';
import type { PageResponse } from '../stepup.js';
import { type ConsoleContext, FormError, graphAs, htmlPage, personOf, seeOther } from './context.js';
import { guidField, parseForm, textField } from './forms.js';
import { GraphRefusal, type PersonGraph } from './graph.js';
import { type Html, html } from './html.js';
import { layout } from './layout.js';
import { areaLink, noticeOf } from './nav.js';
import { when } from './time.js';
import type { ApprovalView, PimRequestView, RequestView } from './views.js';

/** What waits for the person's decision: access package requests and PIM activations; Approve / Deny with a reason. */

const EM = '/identityGovernance/entitlementManagement';
const PIM = '/identityGovernance/privilegedAccess/group';

function decisionForm(ctx: ConsoleContext, kind: 'em' | 'pim', id: string): Html {
  const person = personOf(ctx);
  const field = `reason-${id}`;
  return html`<form method="post" action="/console/approvals/decide" data-approval="${id}">
<input type="hidden" name="as" value="${person.id}"><input type="hidden" name="kind" value="${kind}"><input type="hidden" name="id" value="${id}">
<label for="${field}">Reason</label><textarea id="${field}" name="reason" rows="2"></textarea>
<button type="submit" name="decision" value="Approve">Approve</button> <button type="submit" name="decision" value="Deny" class="secondary">Deny</button></form>`;
}

export async function approvalsPage(
  ctx: ConsoleContext,
  problem?: { status: number; message: string },
): Promise<PageResponse> {
  const person = personOf(ctx);
  const graph = graphAs(ctx, person);
  const [em, pim] = await Promise.all([
    graph.list<RequestView>(`${EM}/assignmentRequests/filterByCurrentUser(on='approver')`, {
      $expand: 'accessPackage,requestor',
    }),
    graph.list<PimRequestView>(`${PIM}/assignmentScheduleRequests/filterByCurrentUser(on='approver')`, {
      $expand: 'principal,group',
    }),
  ]);
  const emItems = em.map(
    (
      r,
    ) => html`<section class="approval" data-request="${r.id}"><h2>${r.requestor?.displayName ?? 'Someone'} asks for ${r.accessPackage?.displayName ?? 'an access package'}</h2>
<p>Requested ${when(r.createdDateTime)}. Justification: <q>${r.justification ?? ''}</q></p>
${(r.answers ?? []).map((a) => html`<p class="muted">Answer: ${a.displayValue ?? a.value}</p>`)}
${decisionForm(ctx, 'em', r.id)}</section>`,
  );
  const pimItems = pim.map(
    (
      r,
    ) => html`<section class="approval" data-request="${r.id}"><h2>${r.principal?.displayName ?? 'Someone'} asks to activate ${r.accessId} of ${r.group?.displayName ?? 'a group'}</h2>
<p>Requested ${when(r.createdDateTime)} for ${r.scheduleInfo?.expiration?.duration ?? 'the policy maximum'}. Justification: <q>${r.justification ?? ''}</q>
${r.ticketInfo?.ticketNumber ? html` Ticket: ${r.ticketInfo.ticketNumber}` : ''}</p>
${decisionForm(ctx, 'pim', r.approvalId ?? r.id)}</section>`,
  );
  const body = html`<h2>Access package requests</h2>${emItems.length ? emItems : html`<p class="muted">Nothing waits for ${person.displayName}.</p>`}
<h2>PIM activations</h2>${pimItems.length ? pimItems : html`<p class="muted">Nothing waits for ${person.displayName}.</p>`}`;
  return htmlPage(
    problem?.status ?? 200,
    layout(ctx, {
      title: 'Approvals',
      area: 'approvals',
      person,
      notice: noticeOf(ctx),
      error: problem?.message,
      body,
    }),
  );
}

const decideForm = z.object({
  kind: z.enum(['em', 'pim'], { error: 'The kind of approval must be em or pim.' }),
  id: guidField('The approval'),
  decision: z.enum(['Approve', 'Deny'], { error: 'The decision must be Approve or Deny.' }),
  reason: textField('The reason', 1000),
});

/** The stage that waits for this approver, read the way My Access does. */
async function waitingStage(graph: PersonGraph, root: string, segment: 'stages' | 'steps'): Promise<string> {
  const approval = await graph.get<ApprovalView>(root);
  const stages = (segment === 'steps' ? approval.steps : approval.stages) ?? [];
  const stage = stages.find((s) => s.status === 'InProgress' && s.assignedToMe);
  if (!stage) throw new FormError(`Nothing waits for ${graph.person.displayName}'s decision here any more.`, 409);
  return stage.id;
}

export async function decide(ctx: ConsoleContext): Promise<PageResponse> {
  const person = personOf(ctx);
  const form = parseForm(decideForm, ctx.req.form);
  const graph = graphAs(ctx, person);
  const segment = form.kind === 'em' ? 'stages' : ctx.state.quirks.pimApprovalSegment;
  const root =
    form.kind === 'em' ? `${EM}/accessPackageAssignmentApprovals/${form.id}` : `${PIM}/assignmentApprovals/${form.id}`;
  try {
    const stageId = await waitingStage(graph, root, segment);
    await graph.patch(`${root}/${segment}/${stageId}`, { reviewResult: form.decision, justification: form.reason });
  } catch (err) {
    if (err instanceof GraphRefusal)
      return approvalsPage(ctx, {
        status: err.status,
        message: `Graph refused the decision (${err.status} ${err.code}): ${err.message}`,
      });
    if (err instanceof FormError) return approvalsPage(ctx, { status: err.status, message: err.message });
    throw err;
  }
  return seeOther(areaLink('approvals', person, { notice: form.decision === 'Approve' ? 'approved' : 'denied' }));
}
