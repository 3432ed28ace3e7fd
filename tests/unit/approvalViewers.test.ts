import { describe, expect, it } from 'vitest';
import { mayViewRecord, withReader } from '../../bot/journeys/approver/viewers.js';
import type { ApprovalRecord } from '../../services/approvals/store.js';

/** Who may see an approval's stored record (issue 12 item 4): requester, approvers the record holds, known readers. */

const person = (n: number, displayName: string) => ({
  id: `10000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  displayName,
});
const JOHANNA = person(12, 'Johanna Lorenz');
const ALEX = person(1, 'Alex Wilber');
const PATTI = person(5, 'Patti Fernandez');
const MEGAN = person(2, 'Megan Bowen');
const LYNNE = person(6, 'Lynne Robbins');

function record(over: Partial<ApprovalRecord> = {}): ApprovalRecord {
  return {
    state: {
      details: {
        kind: 'em',
        id: '90000000-0000-4000-8000-000000000002',
        requester: JOHANNA,
        target: { kind: 'em', packageId: 'p', packageName: 'Network Operations', grants: [] },
        justification: 'Joining the network on-call rotation',
        answers: [],
        stages: [
          { approvers: [ALEX], escalationApprovers: [PATTI], justificationRequired: false },
          { approvers: [], escalationApprovers: [], justificationRequired: false },
        ],
      },
      currentStage: 2,
      escalated: false,
      decisions: [{ stage: 2, result: 'Denied', by: MEGAN, reason: 'No' }],
      outcome: { kind: 'denied', by: MEGAN },
    },
    shownTo: [],
    updatedAt: '2026-12-02T23:50:00.000Z',
    ...over,
  };
}

describe('mayViewRecord', () => {
  it('lets the requester, every stage approver (escalation ones too) and deciders see the record', () => {
    for (const p of [JOHANNA, ALEX, PATTI, MEGAN]) expect(mayViewRecord(record(), p.id), p.displayName).toBe(true);
    expect(mayViewRecord(record(), ALEX.id.toUpperCase())).toBe(true);
  });

  it('refuses anyone else, and an empty id', () => {
    expect(mayViewRecord(record(), LYNNE.id)).toBe(false);
    expect(mayViewRecord(record(), '')).toBe(false);
  });

  it('lets someone see it once their own read succeeded, remembered in the record', () => {
    const read = withReader(record(), LYNNE.id.toUpperCase());
    expect(read?.readers).toEqual([LYNNE.id]);
    expect(mayViewRecord(read as ApprovalRecord, LYNNE.id)).toBe(true);
    expect(withReader(read as ApprovalRecord, LYNNE.id), 'nothing to write the second time').toBeUndefined();
  });
});
