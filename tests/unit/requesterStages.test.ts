import { describe, expect, it } from 'vitest';
import { myRequestsCard } from '../../cards/requester/mine.js';
import { type RequestStatusView, requestNotificationCard, requestStatusCard } from '../../cards/requester/status.js';
import { decisionsOf } from '../../services/entitlement/decisions.js';
import type { RequestDecisions, RequestView } from '../../services/model/entitlement.js';
import { checkCard } from '../helpers/cardCheck.js';
import { buttonTitles, cardText } from '../helpers/teamsHarness.js';

/** A two-stage request while stage 2 waits, as its requester sees it (issue 13). Fixed clock, any TZ. */

const NOW = '2026-12-03T10:00:00.000Z';
const STAGE1_AT = '2026-12-02T16:30:00.000Z';

const request = (extra: Partial<RequestView> = {}): RequestView => ({
  id: '90000000-0000-4000-8000-000000000002',
  kind: 'add',
  state: 'pendingApproval',
  status: 'PendingApproval',
  packageId: '40000000-0000-4000-8000-000000000002',
  packageName: 'Production Databases – Eligible DBA',
  createdAt: '2026-12-02T09:55:00.000Z',
  ...extra,
});

const stage1Approved: RequestDecisions = {
  kind: 'read',
  stages: [{ stage: 1, result: 'approved', by: 'Megan Bowen', reason: 'ok for Q1', at: STAGE1_AT }],
};

const view = (more: Partial<RequestStatusView> = {}, extra: Partial<RequestView> = {}): RequestStatusView => ({
  request: request(extra),
  now: NOW,
  approvalStages: [{ approvers: ['Megan Bowen'] }, { approvers: ['Lynne Robbins', 'Miriam Graham'] }],
  eligibleRoles: [],
  decisions: stage1Approved,
  openStage: 2,
  ...more,
});

const APPROVED = 'Stage 1 approved by Megan Bowen: “ok for Q1”';
const SINCE_DATED = 'since {{DATE(2026-12-02T16:30:00Z, SHORT)}} {{TIME(2026-12-02T16:30:00Z)}}';
const WAITING_DATED = `Stage 2: waiting for Lynne Robbins or Miriam Graham ${SINCE_DATED}`;

describe('the decided stages while a later one waits', () => {
  it('the status card names who approved stage 1 and why, and who stage 2 waits for since when', () => {
    const card = requestStatusCard(view());
    expect(checkCard(card)).toEqual([]);
    const text = cardText(card);
    expect(text).toMatch(/^Production Databases – Eligible DBA\nPending approval\n/);
    expect(text).toContain(`${APPROVED}\n${WAITING_DATED}`);
    // The waiting line replaces the list of every stage's approvers.
    expect(text).not.toMatch(/Approvers/);
    expect(buttonTitles(card)).toContain('Remind approvers');
  });

  it('"since" is the time alone when it is the reader\'s today (the card refreshes on view)', () => {
    const text = cardText(requestStatusCard(view({ now: '2026-12-02T18:00:00.000Z', zone: 'Europe/Berlin' })));
    expect(text).toContain('Stage 2: waiting for Lynne Robbins or Miriam Graham since {{TIME(2026-12-02T16:30:00Z)}}');
  });

  it('the notification and my requests say it on one line, always with the date', () => {
    const note = requestNotificationCard(view({ now: '2026-12-02T18:00:00.000Z', zone: 'Europe/Berlin' }));
    expect(checkCard(note)).toEqual([]);
    expect(cardText(note)).toMatch(/^Production Databases – Eligible DBA: \*\*Pending approval\*\*/);
    expect(cardText(note)).toContain(`${APPROVED} · ${WAITING_DATED}`);

    const r = request();
    const mine = myRequestsCard({
      requests: [r],
      now: NOW,
      decisions: {
        [r.id]: { decisions: stage1Approved, stages: { count: 2, approvers: [[], ['Lynne Robbins']] }, openStage: 2 },
      },
    });
    expect(checkCard(mine)).toEqual([]);
    expect(cardText(mine)).toContain(`${APPROVED} · Stage 2: waiting for Lynne Robbins ${SINCE_DATED}`);
  });

  it('a stage whose policy hides its approvers waits "for approval"; a hidden stage 1 names nobody', () => {
    const hidden = view({
      approvalStages: [
        { approvers: ['Megan Bowen'], approverHidden: true },
        { approvers: ['Lynne'], approverHidden: true },
      ],
    });
    const text = cardText(requestStatusCard(hidden));
    expect(text).toContain('Stage 1 approved (the policy does not show who decided)');
    expect(text).toContain('Stage 2: waiting for approval since {{DATE(');
    expect(text).not.toMatch(/Megan|Lynne|ok for Q1/);
  });

  it('when Graph will not show Alex the approval, the card still says stage 1 was approved, naming nobody', () => {
    const text = cardText(requestStatusCard(view({ decisions: { kind: 'unreadable' } })));
    expect(text).toContain(
      'Stage 1 approved: I cannot see who decided or why.\nStage 2: waiting for Lynne Robbins or Miriam Graham',
    );
    expect(text).not.toMatch(/since/);
  });

  it('without a stage approved, or once decided, there is no waiting line', () => {
    const first = cardText(requestStatusCard(view({ openStage: undefined, decisions: undefined })));
    expect(first).not.toMatch(/Stage \d/);
    expect(first).toContain('Approvers Megan Bowen, then Lynne Robbins or Miriam Graham');
    const both: RequestDecisions = {
      kind: 'read',
      stages: [
        ...(stage1Approved.kind === 'read' ? stage1Approved.stages : []),
        { stage: 2, result: 'denied', by: 'Lynne Robbins' },
      ],
    };
    const denied = cardText(requestStatusCard(view({ decisions: both }, { state: 'denied', status: 'Denied' })));
    expect(denied).toContain(`${APPROVED}\nStage 2 denied by Lynne Robbins`);
    expect(denied).not.toMatch(/waiting/);
  });

  it("the requester's read keeps when each stage was decided", () => {
    const decisions = decisionsOf({
      id: 'x',
      stages: [
        {
          id: 's1',
          status: 'Completed',
          reviewResult: 'Approved',
          reviewedBy: { id: 'm', displayName: 'Megan Bowen' },
          reviewedDateTime: STAGE1_AT,
          justification: 'ok for Q1',
        },
        { id: 's2', status: 'InProgress', reviewResult: 'NotReviewed' },
      ],
    } as never);
    expect(decisions).toEqual(stage1Approved);
  });
});
