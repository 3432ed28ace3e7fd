import { describe, expect, it } from 'vitest';
import { cancelRequestButton } from '../../cards/requester/confirm.js';
import { DECIDED_IN_MY_ACCESS, decisionLines } from '../../cards/requester/decisions.js';
import { giveUpConfirmCard, myAccessCard, myRequestsCard } from '../../cards/requester/mine.js';
import { type RequestStatusView, requestNotificationCard, requestStatusCard } from '../../cards/requester/status.js';
import { decisionsOf, hasDecisions } from '../../services/entitlement/decisions.js';
import { toPolicySummary, toRequestView } from '../../services/entitlement/parse.js';
import type { RequestDecisions, RequestView } from '../../services/model/entitlement.js';
import { checkCard } from '../helpers/cardCheck.js';
import { buttonTitles, type Card, cardText, findAction } from '../helpers/teamsHarness.js';

/** What the requester is told about how their access package request ended (issue 13). Fixed clock, any TZ. */

const NOW = '2026-12-03T10:00:00.000Z';
const REQUEST_ID = '90000000-0000-4000-8000-000000000001';

const request = (extra: Partial<RequestView> = {}): RequestView => ({
  id: REQUEST_ID,
  kind: 'add',
  state: 'denied',
  status: 'Denied',
  packageId: '40000000-0000-4000-8000-000000000007',
  packageName: 'Finance Reports',
  createdAt: '2026-12-02T09:55:00.000Z',
  completedAt: '2026-12-02T11:00:00.000Z',
  ...extra,
});

const view = (extra: Partial<RequestView> = {}, more: Partial<RequestStatusView> = {}): RequestStatusView => ({
  request: request(extra),
  now: NOW,
  approvalStages: [{ approvers: ['Megan Bowen'] }],
  eligibleRoles: [],
  ...more,
});

const meganDenied: RequestDecisions = {
  kind: 'read',
  stages: [{ stage: 1, result: 'denied', by: 'Megan Bowen', reason: 'Talk to Lee first, he owns the build agents' }],
};

const twoStages: RequestDecisions = {
  kind: 'read',
  stages: [
    { stage: 1, result: 'approved', by: 'Megan Bowen', reason: 'ok for Q1' },
    { stage: 2, result: 'denied', by: 'Lee Gu', reason: 'Talk to Lee first' },
  ],
};

describe('who decided and why, as the requester reads it', () => {
  it('the status card and the notification name the decider and quote the reason', () => {
    const v = view({}, { decisions: meganDenied });
    const card = requestStatusCard(v);
    expect(checkCard(card)).toEqual([]);
    expect(cardText(card)).toContain('Denied by Megan Bowen: “Talk to Lee first, he owns the build agents”');
    const note = requestNotificationCard(v);
    expect(checkCard(note)).toEqual([]);
    expect(cardText(note)).toContain('Denied by Megan Bowen: “Talk to Lee first, he owns the build agents”');
  });

  it('every stage of a multi-stage approval, numbered, on one line in the notification', () => {
    const v = view({}, { decisions: twoStages, approvalStages: [{ approvers: ['Megan'] }, { approvers: ['Lee'] }] });
    const text = cardText(requestStatusCard(v));
    expect(text).toContain('Stage 1 approved by Megan Bowen: “ok for Q1”');
    expect(text).toContain('Stage 2 denied by Lee Gu: “Talk to Lee first”');
    expect(cardText(requestNotificationCard(v))).toContain(
      'Stage 1 approved by Megan Bowen: “ok for Q1” · Stage 2 denied by Lee Gu: “Talk to Lee first”',
    );
  });

  it('a two-stage policy denied at stage 1 still says which stage', () => {
    const lines = decisionLines(meganDenied, { count: 2 });
    expect(lines).toEqual(['Stage 1 denied by Megan Bowen: “Talk to Lee first, he owns the build agents”']);
  });

  it('an approval with the decider on a delivered request', () => {
    const decisions: RequestDecisions = { kind: 'read', stages: [{ stage: 1, result: 'approved', by: 'Megan Bowen' }] };
    const card = requestStatusCard(view({ state: 'delivered', status: 'Delivered' }, { decisions }));
    expect(cardText(card)).toMatch(/Delivered[\s\S]*Approved by Megan Bowen/);
  });

  it('when Graph will not show who decided: "decided in My Access", never nothing', () => {
    const card = requestStatusCard(view({}, { decisions: { kind: 'unreadable' } }));
    expect(cardText(card)).toContain(DECIDED_IN_MY_ACCESS);
    expect(decisionLines({ kind: 'read', stages: [] }, { count: 1 })).toEqual([DECIDED_IN_MY_ACCESS]);
    // A decided stage with the all-zero reviewer: where, not who.
    expect(decisionLines({ kind: 'read', stages: [{ stage: 1, result: 'denied' }] }, { count: 1 })).toEqual([
      'Denied in My Access',
    ]);
  });

  it('approvers’ text is escaped and bounded', () => {
    const long: RequestDecisions = {
      kind: 'read',
      stages: [
        { stage: 1, result: 'denied', by: '**Eve**', reason: `[click](https://evil.example) ${'x'.repeat(900)}` },
      ],
    };
    const [line] = decisionLines(long, { count: 1 });
    // Markdown arrives as text (escaped), not as a link or bold.
    expect(line).toContain('\\[click\\](https://evil.example)');
    expect(line.startsWith('Denied by \\*\\*Eve\\*\\*: “')).toBe(true);
    expect(line.length).toBeLessThan(480);
  });

  it('expiry, cancellation and failed delivery say that instead of a decider', () => {
    expect(cardText(requestStatusCard(view({ state: 'expired', status: 'Expired' })))).toContain(
      'Nobody decided in time, so the request expired.',
    );
    expect(
      cardText(requestStatusCard(view({ state: 'canceled', status: 'Canceled' }, { canceledByRequester: true }))),
    ).toContain('You canceled this request.');
    expect(cardText(requestStatusCard(view({ state: 'canceled', status: 'Canceled' })))).toContain(
      'canceled outside this chat: by you in My Access, or by an admin',
    );
    expect(cardText(requestStatusCard(view({ state: 'deliveryFailed', status: 'DeliveryFailed' })))).toContain(
      'could not set up the access',
    );
    for (const state of ['expired', 'canceled', 'deliveryFailed'] as const)
      expect(hasDecisions(state, true)).toBe(false);
    expect(hasDecisions('denied', undefined)).toBe(true);
    expect(hasDecisions('delivered', false)).toBe(false);
  });

  it('a stage whose policy keeps the approver from the requester shows neither who nor why', () => {
    const policy = toPolicySummary({
      id: 'p1',
      requestApprovalSettings: {
        isApprovalRequiredForAdd: true,
        stages: [{ primaryApprovers: [] }, { primaryApprovers: [], approverInformationVisibility: 'notVisible' }],
      },
    } as never);
    expect(policy.stages.map((s) => s.approverHidden)).toEqual([undefined, true]);
    const v = view({}, { decisions: twoStages, approvalStages: policy.stages });
    const text = cardText(requestStatusCard(v));
    expect(text).toContain('Stage 1 approved by Megan Bowen: “ok for Q1”');
    expect(text).toContain('Stage 2 denied (the policy does not show who decided)');
    expect(text).not.toContain('Lee Gu');
    expect(text).not.toContain('Talk to Lee first');
  });

  it('reads reviewedBy, reviewResult and justification from the approval Graph returns', () => {
    const approval = {
      id: REQUEST_ID,
      stages: [
        {
          id: 's1',
          status: 'Completed',
          reviewResult: 'Approved',
          reviewedBy: { id: 'aaaaaaaa-0000-4000-8000-000000000001', displayName: 'Megan Bowen' },
          justification: 'ok for Q1',
        },
        {
          id: 's2',
          status: 'Completed',
          reviewResult: 'denied',
          reviewedBy: { id: '00000000-0000-0000-0000-000000000000', displayName: '' },
          justification: '',
        },
        { id: 's3', status: 'Expired', reviewResult: 'NotReviewed', reviewedBy: null },
      ],
    };
    expect(decisionsOf(approval as never)).toEqual({
      kind: 'read',
      stages: [
        { stage: 1, result: 'approved', by: 'Megan Bowen', reason: 'ok for Q1' },
        { stage: 2, result: 'denied' },
        { stage: 3, result: 'expired' },
      ],
    });
  });

  it('my requests names the decider under the denied request', () => {
    const card = myRequestsCard({
      requests: [request()],
      now: NOW,
      decisions: { [REQUEST_ID]: { decisions: meganDenied, stages: { count: 1 } } },
    });
    expect(checkCard(card)).toEqual([]);
    expect(cardText(card)).toMatch(
      /Finance Reports\*\*\nDenied · requested [^\n]*\nDenied by Megan Bowen: “Talk to Lee/,
    );
  });
});

/** The ShowCard behind "Cancel request": its one button, and the text it shows. */
function cancelConfirmation(card: Card): { text: string; confirm: any } {
  const found = findAction(card, 'Cancel request');
  expect(found?.action.type).toBe('Action.ShowCard');
  const inner = found?.action.card as Card;
  return { text: cardText(inner), confirm: findAction(inner, 'Yes, cancel request')?.action };
}

describe('Cancel request asks once, in the card', () => {
  it('names exactly what stops, and only the confirm sends cancelRequest', () => {
    const card = requestStatusCard(view({ state: 'pendingApproval', status: 'PendingApproval' }));
    expect(checkCard(card)).toEqual([]);
    const { text, confirm } = cancelConfirmation(card);
    expect(text).toMatch(
      /^Withdraw your request for Finance Reports \(requested \{\{DATE\(2026-12-02T09:55:00Z, SHORT\)\}\}\)\?/,
    );
    expect(text).toContain('The approvers are no longer asked');
    expect(confirm).toMatchObject({
      type: 'Action.Execute',
      verb: 'cancelRequest',
      data: { requestId: REQUEST_ID },
      style: 'destructive',
    });
  });

  it('in my requests and for a request that starts later too', () => {
    const pending = request({ state: 'pendingApproval', status: 'PendingApproval' });
    const list = myRequestsCard({ requests: [pending], now: NOW });
    expect(cancelConfirmation(list).confirm).toMatchObject({ verb: 'cancelRequest', data: { requestId: REQUEST_ID } });
    const later = cancelRequestButton(request({ state: 'scheduled', startsAt: '2026-12-10T08:00:00Z' }));
    expect(cardText(later.card as Card)).toContain(
      'Your access will not start on {{DATE(2026-12-10T08:00:00Z, SHORT)}}.',
    );
  });

  it('Give up access uses the same confirmation builder', () => {
    const card = giveUpConfirmCard({
      assignment: {
        id: 'a1',
        packageId: 'p',
        packageName: 'Finance Reports',
        state: 'delivered',
        canRenew: false,
        canGiveUp: true,
      },
      actionId: '11111111-1111-4111-8111-111111111111',
    });
    expect(cardText(card)).toMatch(/^Give up Finance Reports\?\nYou lose this access/);
  });
});

describe('access that starts later, the end the person chose, and renewals', () => {
  it('a scheduled request without approval: "Starts on", never "Approved, starts later"', () => {
    const card = requestStatusCard(
      view(
        {
          state: 'scheduled',
          status: 'PendingNotBefore',
          startsAt: '2026-12-10T08:00:00Z',
          requestedEndsAt: '2027-01-09T08:00:00Z',
        },
        { approvalStages: [] },
      ),
    );
    const text = cardText(card);
    expect(text).toMatch(
      /^Finance Reports\nStarts on \{\{DATE\(2026-12-10T08:00:00Z, SHORT\)\}\}\nYour access starts on \{\{DATE\(2026-12-10T08:00:00Z, SHORT\)\}\}\./,
    );
    expect(text).not.toMatch(/Approved/);
    expect(text).toContain('Access until {{DATE(2027-01-09T08:00:00Z, SHORT)}} (as you asked)');
  });

  it('the end date the person chose shows while the request waits', () => {
    const card = requestStatusCard(
      view({ state: 'pendingApproval', status: 'PendingApproval', requestedEndsAt: '2027-01-09T08:00:00Z' }),
    );
    expect(cardText(card)).toContain('Access until {{DATE(2027-01-09T08:00:00Z, SHORT)}} (as you asked)');
  });

  it('a renewal is labelled as one in the status card, the notification and my requests', () => {
    const renewal = request({ state: 'delivered', status: 'Delivered', renewal: true });
    expect(cardText(requestStatusCard(view({ ...renewal })))).toMatch(/^Renewal of Finance Reports\n/);
    expect(cardText(requestNotificationCard(view({ ...renewal })))).toMatch(
      /^Renewal of Finance Reports: \*\*Delivered/,
    );
    expect(cardText(myRequestsCard({ requests: [renewal], now: NOW }))).toContain('**Renewal of Finance Reports**');
    expect(cardText(requestStatusCard(view({ state: 'delivered', status: 'Delivered' })))).toMatch(
      /^Finance Reports\n/,
    );
  });

  it('Graph: a userAdd whose assignment began before the request is a renewal; the chosen end is read', () => {
    const renewed = toRequestView({
      id: REQUEST_ID,
      requestType: 'userAdd',
      state: 'delivered',
      createdDateTime: '2026-12-02T09:00:00Z',
      schedule: { startDateTime: '2026-12-02T09:00:00Z', expiration: { type: 'afterDuration', duration: 'P30D' } },
      assignment: { id: 'a1', schedule: { startDateTime: '2026-11-01T08:00:00Z' } },
    } as never);
    expect(renewed.renewal).toBe(true);
    expect(renewed.requestedEndsAt).toBe('2027-01-01T09:00:00.000Z');
    const fresh = toRequestView({
      id: REQUEST_ID,
      requestType: 'userAdd',
      state: 'delivered',
      createdDateTime: '2026-12-02T09:00:00Z',
      assignment: { id: 'a1', schedule: { startDateTime: '2026-12-02T09:00:05Z' } },
    } as never);
    expect(fresh.renewal).toBeUndefined();
  });

  it('my access lists access that starts later as "Starts on ..., until ..."', () => {
    const card = myAccessCard({
      assignments: [
        {
          id: 'a2',
          packageId: 'p2',
          packageName: 'Sandbox',
          state: 'delivered',
          startsAt: '2026-12-20T08:00:00Z',
          endsAt: '2027-01-20T08:00:00Z',
          canRenew: false,
          canGiveUp: true,
        },
      ],
      upcoming: [
        request({
          state: 'scheduled',
          status: 'PendingNotBefore',
          startsAt: '2026-12-10T08:00:00Z',
          requestedEndsAt: '2027-01-09T08:00:00Z',
        }),
      ],
      now: NOW,
    });
    expect(checkCard(card)).toEqual([]);
    const text = cardText(card);
    expect(text).toContain(
      '**Finance Reports**\nStarts on {{DATE(2026-12-10T08:00:00Z, SHORT)}}, until {{DATE(2027-01-09T08:00:00Z, SHORT)}}',
    );
    expect(text).toContain(
      '**Sandbox**\nStarts on {{DATE(2026-12-20T08:00:00Z, SHORT)}}, until {{DATE(2027-01-20T08:00:00Z, SHORT)}}',
    );
    expect(buttonTitles(card)).toContain('Yes, cancel request');
  });
});
