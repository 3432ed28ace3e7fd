import { describe, expect, it } from 'vitest';
import { decisionData, parseBulkRef, reviewBulkData } from '../../bot/journeys/approver/schemas.js';
import { approvalCard, outcomeTitle, subjectLine } from '../../cards/approver/approvalCard.js';
import { approvalsSummaryCard, whatLine } from '../../cards/approver/listCards.js';
import { approvalPath, approvalVersion, requestPath, stagePath } from '../../services/approvals/graphShapes.js';
import { finalReadUrl, outcomeFromRequest } from '../../services/approvals/outcome.js';
import { StageSegments } from '../../services/approvals/segment.js';
import type { ApprovalState, EntraRoleTarget } from '../../services/model/approvals.js';
import { checkCard } from '../helpers/cardCheck.js';
import { buttonTitles, cardText } from '../helpers/teamsHarness.js';

/** The approver card's bits for Microsoft Entra role activations (ROLE_APPROVALS_BETA): wording, paths, card data. */

const person = (n: number, displayName: string) => ({
  id: `10000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  displayName,
});
const ALEX = person(1, 'Alex Wilber');
const MEGAN = person(2, 'Megan Bowen');
const REQUEST = 'af000000-0000-4000-8000-000000000099';
const NOW = '2026-12-06T10:00:00.000Z';
const binding = { op: '00000000-0000-4000-8000-000000000001', sig: 'abcdefghijklmnopqrstuv' };

const WHOLE: EntraRoleTarget = {
  kind: 'role',
  roleDefinitionId: '29232cdf-9323-42fd-ade2-1d097af3e4de',
  roleName: 'Exchange Administrator',
  directoryScopeId: '/',
};
const EUROPE: EntraRoleTarget = {
  kind: 'role',
  roleDefinitionId: '729827e3-9c14-49f7-bb1b-9608f156bbb8',
  roleName: 'Helpdesk Administrator',
  directoryScopeId: '/administrativeUnits/ad000000-0000-4000-8000-000000000001',
  scopeName: 'Contoso Europe',
};

function state(target: EntraRoleTarget, over: Partial<ApprovalState> = {}): ApprovalState {
  return {
    details: {
      kind: 'role',
      id: REQUEST,
      requester: { ...ALEX, jobTitle: 'Cloud Operations Engineer' },
      target,
      justification: 'Mailbox move for Berlin',
      answers: [],
      ticket: { number: 'INC0049001', system: 'ServiceNow' },
      requestedAt: '2026-12-06T09:55:00.000Z',
      duration: 'PT2H',
      stages: [{ approvers: [MEGAN], escalationApprovers: [], justificationRequired: true }],
    },
    currentStage: 1,
    escalated: false,
    decisions: [],
    ...over,
  };
}

const megansView = (s: ApprovalState) =>
  approvalCard({
    state: s,
    viewerId: MEGAN.id,
    viewer: { canDecide: !s.outcome, isRequester: false, others: [] },
    now: NOW,
    binding,
  });

describe('the approval card of an Entra role activation', () => {
  it('names the role, its scope (whole directory or the administrative unit), requester, why, ticket and length', () => {
    const card = megansView(state(WHOLE));
    const text = cardText(card);
    expect(text).toMatch(/^Microsoft Entra role activation\n/);
    expect(text).toContain('Alex Wilber asks to activate the Exchange Administrator role (whole directory)');
    expect(text).toMatch(/Role Exchange Administrator\nScope whole directory/);
    expect(text).toContain('Ticket INC0049001 (ServiceNow)');
    expect(text).toContain('Access 2 hours once approved');
    expect(text).toContain('Why Mailbox move for Berlin');
    expect(buttonTitles(card)).toEqual(['Approve', 'Deny']);
    expect(card.body?.find((el: { id?: string }) => el.id === 'reason')).toMatchObject({ isRequired: true });
    expect(checkCard(card)).toEqual([]);

    const unit = cardText(megansView(state(EUROPE)));
    expect(unit).toContain('the Helpdesk Administrator role (administrative unit Contoso Europe)');
    expect(unit).toMatch(/Scope administrative unit Contoso Europe/);
    const unnamed = { ...EUROPE, scopeName: undefined };
    expect(subjectLine(state(unnamed))).toMatch(/role \(an administrative unit\)$/);
  });

  it('says where it was decided when Graph did not say who, and links the Entra admin center when unsure', () => {
    expect(outcomeTitle({ kind: 'denied' }, MEGAN.id, 'role')).toBe('Denied in the Microsoft Entra admin center');
    expect(outcomeTitle({ kind: 'approved', by: MEGAN }, MEGAN.id, 'role')).toBe('Approved by you');
    const unsure = megansView(state(WHOLE, { outcome: { kind: 'unconfirmed' } }));
    const links = (unsure.actions ?? []).filter((a: { type: string }) => a.type === 'Action.OpenUrl');
    expect(links).toEqual([
      expect.objectContaining({ title: 'Check in the Entra admin center', url: 'https://entra.microsoft.com' }),
    ]);
  });

  it('lists as "<role> role (<scope>)" in the approvals summary', () => {
    expect(whatLine(state(EUROPE))).toBe('Helpdesk Administrator role (administrative unit Contoso Europe)');
    const card = approvalsSummaryCard({
      items: [{ state: state(WHOLE), needsReason: true }],
      now: NOW,
      unavailable: ['roleRequests'],
    });
    expect(cardText(card)).toContain('Exchange Administrator role (whole directory)');
    expect(cardText(card)).toContain('I could not load Microsoft Entra role activation requests just now');
  });
});

describe('Graph paths of role approvals (beta) and of role requests (v1.0)', () => {
  it('decides through beta roleAssignmentApprovals/{id}/steps/{stepId}, reads the request in v1.0', () => {
    expect(approvalVersion('role')).toBe('beta');
    expect(approvalVersion('pim')).toBe('v1.0');
    expect(approvalPath('role', REQUEST)).toBe(`/roleManagement/directory/roleAssignmentApprovals/${REQUEST}`);
    const segment = new StageSegments().of('role');
    expect(segment).toBe('steps');
    expect(stagePath('role', REQUEST, 's1', segment)).toBe(
      `/roleManagement/directory/roleAssignmentApprovals/${REQUEST}/steps/s1`,
    );
    expect(requestPath('role', REQUEST)).toBe(`/roleManagement/directory/roleAssignmentScheduleRequests/${REQUEST}`);
    expect(finalReadUrl('role', REQUEST)).toMatch(/\?\$select=id,status,completedDateTime$/);
    expect(outcomeFromRequest('role', { id: REQUEST, status: 'Provisioned' })).toMatchObject({ kind: 'approved' });
    expect(outcomeFromRequest('role', { id: REQUEST, status: 'Denied' })).toMatchObject({ kind: 'denied' });
    expect(outcomeFromRequest('role', { id: REQUEST, status: 'PendingApproval' })).toBe('pending');
  });
});

describe('card data naming a role approval (untrusted)', () => {
  const base = { id: REQUEST, stage: 1, op: binding.op, sig: binding.sig };
  it('accepts kind role in a decision and in "Approve all shown", and nothing else new', () => {
    expect(decisionData.parse({ ...base, kind: 'role' }).kind).toBe('role');
    expect(decisionData.safeParse({ ...base, kind: 'roles' }).success).toBe(false);
    expect(parseBulkRef(`role:${REQUEST}:1`)).toEqual({ kind: 'role', id: REQUEST, stage: 1 });
    const bulk = { items: [`role:${REQUEST}:1`], op: binding.op, sig: binding.sig };
    expect(reviewBulkData.safeParse(bulk).success).toBe(true);
    expect(reviewBulkData.safeParse({ ...bulk, items: [`beta:${REQUEST}:1`] }).success).toBe(false);
  });
});
