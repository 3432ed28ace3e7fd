import type { AccessPackageAssignment } from '@microsoft/microsoft-graph-types';
import { describe, expect, it } from 'vitest';
import { whereToAskText } from '../../cards/requester/holding.js';
import { toAssignmentView } from '../../services/entitlement/parse.js';

/** Who the expiry reminder tells the person to ask, from the assignment's own policy as their token reads it. */

function assignment(requestApprovalSettings: object): AccessPackageAssignment {
  return {
    id: 'a1',
    state: 'delivered',
    accessPackage: { id: 'p1', displayName: 'Finance Reports – Read' },
    schedule: { expiration: { endDateTime: '2026-12-12T10:00:00Z' } },
    assignmentPolicy: { id: 'pol1', requestApprovalSettings } as never,
  } as AccessPackageAssignment;
}

const stage = (extra: object = {}) => ({
  durationBeforeAutomaticDenial: 'P7D',
  primaryApprovers: [
    { '@odata.type': '#microsoft.graph.singleUser', userId: 'u16', description: 'Debra Berger' },
    { '@odata.type': '#microsoft.graph.requestorManager', managerLevel: 1 },
  ],
  ...extra,
});
const ask = (settings: object) => whereToAskText(toAssignmentView(assignment(settings)));

describe('the reminder says who to ask', () => {
  it("names the policy's approvers as the requester reads them", () => {
    expect(ask({ isApprovalRequiredForAdd: true, stages: [stage()] })).toBe(
      'Questions about this access? Ask Debra Berger or your manager.',
    );
    expect(ask({ isApprovalRequiredForAdd: false, isApprovalRequiredForUpdate: true, stages: [stage()] })).toContain(
      'Ask Debra Berger',
    );
  });

  it('points to My Access when the policy hides its approvers, asks nobody, or names no one', () => {
    const myAccess = /^Questions about this access\? Ask in My Access \(https:\/\/myaccess\.microsoft\.com/;
    expect(
      ask({ isApprovalRequiredForAdd: true, stages: [stage({ approverInformationVisibility: 'notVisible' })] }),
    ).toMatch(myAccess);
    // Stages left on a policy that no longer needs approval name nobody who decides about this access.
    expect(ask({ isApprovalRequiredForAdd: false, isApprovalRequiredForUpdate: false, stages: [stage()] })).toMatch(
      myAccess,
    );
    expect(ask({ isApprovalRequiredForAdd: true, stages: [] })).toMatch(myAccess);
  });
});
