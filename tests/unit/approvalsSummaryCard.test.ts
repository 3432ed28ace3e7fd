import { describe, expect, it } from 'vitest';
import { approvalCard } from '../../cards/approver/approvalCard.js';
import { approvalsSummaryCard, bulkRefOf, bulkResultCard } from '../../cards/approver/listCards.js';
import type { ApprovalState, PendingApprovalItem, PersonRef } from '../../services/model/approvals.js';
import { checkCard } from '../helpers/cardCheck.js';
import { buttonTitles, cardText, findAction } from '../helpers/teamsHarness.js';

/** The "approvals" summary, its bulk question and the bulk result, as the reader (Alex) sees them. */

const NOW = '2026-12-03T12:00:00.000Z';
const alex: PersonRef = { id: 'a0000000-0000-4000-8000-00000000000a', displayName: 'Alex Wilber' };
const megan: PersonRef = { id: 'a0000000-0000-4000-8000-00000000000b', displayName: 'Megan Bowen' };
const binding = { op: '55555555-0000-4000-8000-000000000001', sig: 'x'.repeat(32) };

function request(n: number, who: string, pkg: string, extra: Partial<ApprovalState> = {}): ApprovalState {
  return {
    details: {
      kind: 'em',
      id: `90000000-0000-4000-8000-00000000000${n}`,
      requester: { id: `b0000000-0000-4000-8000-00000000000${n}`, displayName: who, manager: megan },
      target: { kind: 'em', packageId: 'p', packageName: pkg, grants: [] },
      answers: [],
      requestedAt: '2026-12-02T10:00:00.000Z',
      stages: [{ approvers: [alex, megan], escalationApprovers: [], justificationRequired: false, timeout: 'P14D' }],
    },
    currentStage: 1,
    stageStartedAt: '2026-12-02T10:00:00.000Z',
    escalated: false,
    decisions: [],
    ...extra,
  };
}

const isaiah = request(1, 'Isaiah Langer', 'Salesforce – Sales Cloud User');
const johanna = request(2, 'Johanna Lorenz', 'Network Operations');
const lee = request(3, 'Lee Gu', 'Visio');
const item = (state: ApprovalState): PendingApprovalItem => ({ state, needsReason: false });
const approvedBy = (state: ApprovalState, by: PersonRef): ApprovalState => ({
  ...state,
  decisions: [{ stage: 1, result: 'Approved', by, at: '2026-12-03T11:50:00.000Z' }],
  outcome: { kind: 'approved', by, at: '2026-12-03T11:50:00.000Z' },
});

describe('the approvals summary', () => {
  it('counts only what still waits and lists what was decided since, the reader as "you"', () => {
    const card = approvalsSummaryCard({
      items: [item(lee)],
      now: NOW,
      viewerId: alex.id,
      decided: [approvedBy(isaiah, alex), approvedBy(johanna, megan)],
      bulk: { refs: [bulkRefOf(lee)], binding },
    });
    expect(checkCard(card)).toEqual([]);
    const text = cardText(card);
    expect(text).toMatch(/^1 request waits for your decision$/m);
    expect(text).toMatch(/^Lee Gu Visio · /m);
    expect(text).toContain('Decided since this list was drawn');
    expect(text).toContain(
      'Isaiah Langer Salesforce – Sales Cloud User · Approved by you, on {{DATE(2026-12-03T11:50:00Z, SHORT)}} at {{TIME(2026-12-03T11:50:00Z)}}',
    );
    expect(text).toContain('Johanna Lorenz Network Operations · Approved by Megan Bowen');
    expect(text).not.toContain('Alex Wilber');
  });

  it('says where the cards are: following, further up, or both', () => {
    const items = [item(isaiah), item(johanna), item(lee)];
    const text = (cards?: { above: number; below: number }) =>
      cardText(approvalsSummaryCard({ items, now: NOW, cards }));
    expect(text({ above: 0, below: 3 })).toContain('Each one follows as its own card with Approve and Deny.');
    expect(text()).toContain('Each one has its own card in this chat with Approve and Deny.');
    expect(text({ above: 3, below: 0 })).toContain('Each one already has its own card further up in this chat');
    expect(text({ above: 2, below: 1 })).toContain(
      'Each one has its own card with Approve and Deny: 1 follows below, 2 are further up in this chat.',
    );
  });

  it('"Approve all shown" asks the bot first (it re-reads what waits), and approves nothing itself', () => {
    const refs = [isaiah, johanna].map(bulkRefOf);
    const card = approvalsSummaryCard({ items: [item(isaiah), item(johanna)], now: NOW, bulk: { refs, binding } });
    const button = findAction(card, 'Approve all shown')?.action;
    expect(button).toMatchObject({ type: 'Action.Execute', verb: 'reviewApproveAll' });
    expect(button.data).toEqual({ items: refs, op: binding.op, sig: binding.sig, page: 0 });
    expect(buttonTitles(card).some((t) => t.startsWith('Yes, approve'))).toBe(false);
  });

  const many = (n: number) =>
    Array.from({ length: n }, (_, k) => item(request(k + 1, `Requester ${k + 1}`, `Package ${k + 1}`)));
  const rows = (text: string) => text.split('\n').filter((l) => /^Requester \d+ Package \d+ · /.test(l));

  it('lists every request it counts: seven on one page, no pager', () => {
    const card = approvalsSummaryCard({ items: many(7), now: NOW, viewerId: alex.id });
    expect(checkCard(card)).toEqual([]);
    const text = cardText(card);
    expect(text).toMatch(/^7 requests wait for your decision$/m);
    expect(rows(text)).toHaveLength(7);
    expect(text).not.toContain('Showing');
    expect(buttonTitles(card)).not.toContain('Next');
  });

  it('twelve: pages of ten that say what they show, and the bulk question names the page and the rest', () => {
    const items = many(12);
    const first = approvalsSummaryCard({ items, now: NOW, viewerId: alex.id });
    expect(cardText(first)).toMatch(/^12 requests wait for your decision$/m);
    expect(cardText(first)).toContain('Showing 1–10 of 12.');
    expect(rows(cardText(first))).toHaveLength(10);
    expect(findAction(first, 'Next')?.action).toMatchObject({ verb: 'listApprovals', data: { page: 1 } });
    const second = approvalsSummaryCard({
      items,
      page: 1,
      now: NOW,
      viewerId: alex.id,
      confirm: { items: items.slice(10), binding, decidedSince: 0 },
    });
    const text = cardText(second);
    expect(text).toContain('Showing 11–12 of 12.');
    expect(rows(text)).toEqual(
      ['Requester 11', 'Requester 12'].map((r, k) => expect.stringMatching(`^${r} Package ${11 + k} · `)),
    );
    expect(text).toContain('Approve these 2 requests shown on this page?');
    expect(text).toContain('Only this page: the 10 requests on other pages stay as they are.');
    expect(findAction(second, 'Yes, approve 2 requests')?.action).toMatchObject({
      data: { items: items.slice(10).map((i) => bulkRefOf(i.state)) },
    });
    expect(buttonTitles(second)).toContain('Previous');
  });

  it('asks about exactly the requests still open, and says how many were decided since', () => {
    const card = approvalsSummaryCard({
      items: [item(johanna), item(lee)],
      now: NOW,
      viewerId: alex.id,
      decided: [approvedBy(isaiah, megan)],
      confirm: { items: [item(johanna), item(lee)], binding, decidedSince: 1 },
    });
    expect(checkCard(card)).toEqual([]);
    const text = cardText(card);
    expect(text).toContain('Approve these 2 requests? (1 was decided since this card was drawn)');
    expect(text).toContain('- Johanna Lorenz: Network Operations');
    expect(text).toContain('- Lee Gu: Visio');
    expect(text).not.toContain('- Isaiah Langer');
    const yes = findAction(card, 'Yes, approve 2 requests')?.action;
    expect(yes).toMatchObject({ verb: 'approveAll', data: { items: [johanna, lee].map(bulkRefOf), op: binding.op } });
    expect(findAction(card, 'Not now')?.action).toMatchObject({ verb: 'listApprovals', data: { page: 0 } });
    expect(buttonTitles(card)).not.toContain('Approve all shown');
  });

  it('asks nothing when all of the card was decided since, and says so', () => {
    const card = approvalsSummaryCard({
      items: [],
      now: NOW,
      viewerId: alex.id,
      decided: [approvedBy(isaiah, alex)],
    });
    expect(cardText(card)).toMatch(/^Nothing waits for your decision$/m);
    expect(cardText(card)).toContain('Approved by you');
    const none = approvalsSummaryCard({
      items: [item(johanna)],
      now: NOW,
      confirm: { items: [], binding, decidedSince: 2 },
    });
    expect(cardText(none)).toContain(
      'Nothing on this page is left to approve in one go (2 were decided since this card was drawn).',
    );
    expect(buttonTitles(none).some((t) => t.startsWith('Yes'))).toBe(false);
  });
});

describe('the reader is "you"', () => {
  it('in the summary, for a stage the reader decided (the request moved on to another stage)', () => {
    const movedOn: ApprovalState = {
      ...lee,
      currentStage: 2,
      decisions: [{ stage: 1, result: 'Approved', by: alex, at: '2026-12-03T11:00:00.000Z' }],
    };
    const card = approvalsSummaryCard({ items: [item(isaiah)], now: NOW, viewerId: alex.id, decided: [movedOn] });
    expect(cardText(card)).toContain(
      'Lee Gu Visio · stage 1 approved by you, on {{DATE(2026-12-03T11:00:00Z, SHORT)}} at {{TIME(2026-12-03T11:00:00Z)}}',
    );
  });

  it('in the bulk result', () => {
    const card = bulkResultCard(
      [
        { state: johanna, approved: true },
        { state: approvedBy(isaiah, alex), approved: false, note: 'already decided by you' },
      ],
      alex.id,
    );
    expect(cardText(card)).toContain('Isaiah Langer Salesforce – Sales Cloud User: already decided by you');
    expect(cardText(card)).not.toContain('Alex Wilber');
  });

  it("on the approval card: the reader's own decision, and the reader as the requester's manager", () => {
    const asManager = approvalCard({
      state: approvedBy(isaiah, megan),
      viewerId: megan.id,
      viewer: { canDecide: false, isRequester: false, others: [] },
      now: NOW,
      binding,
    });
    const text = cardText(asManager);
    expect(text).toMatch(/^Manager You$/m);
    expect(text).toMatch(/^Approved by you$/m);
    expect(text).not.toContain('Megan Bowen');
  });

  it('on the approval card the requester reads about their own request', () => {
    const own = approvalCard({
      state: isaiah,
      viewerId: isaiah.details.requester.id,
      viewer: { canDecide: false, isRequester: true, others: [alex, megan] },
      now: NOW,
      binding,
    });
    const text = cardText(own);
    expect(text).toMatch(/^You ask for Salesforce – Sales Cloud User$/m);
    expect(text).toMatch(/^Who You$/m);
    expect(text).toMatch(/^Waiting for Alex Wilber and Megan Bowen\.$/m);
    expect(text).not.toContain('Isaiah Langer');
  });
});
