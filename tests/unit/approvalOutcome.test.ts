import { describe, expect, it } from 'vitest';
import { outcomeTitle } from '../../cards/approver/approvalCard.js';
import { finalReadUrl, outcomeFromRequest } from '../../services/approvals/outcome.js';
import type { ApprovalOutcome } from '../../services/model/approvals.js';

/** What an approver's card says once a request left the pending list, for every status Graph documents. */

const pim = (status: string | null) => outcomeFromRequest('pim', { id: 'r1', status, completedDateTime: null });

describe('PIM request status → outcome', () => {
  it.each([
    ['Granted', 'approved'],
    ['Provisioned', 'approved'],
    ['PendingProvisioning', 'approved'],
    ['PendingScheduleCreation', 'approved'],
    ['ScheduleCreated', 'approved'],
    ['AdminApproved', 'approved'],
    ['PendingExternalProvisioning', 'approved'],
    ['Denied', 'denied'],
    ['AdminDenied', 'denied'],
    ['Canceled', 'canceled'],
    ['TimedOut', 'expired'],
    ['Revoked', 'revoked'],
    ['PendingRevocation', 'revoked'],
    ['Failed', 'failed'],
    ['FailedAsResourceIsLocked', 'failed'],
    ['Invalid', 'failed'],
  ])('%s is %s', (status, kind) => {
    expect(pim(status)).toMatchObject({ kind });
    expect(pim(status.toUpperCase())).toMatchObject({ kind });
  });

  it('still waiting (PendingApproval, PendingAdminDecision) is no outcome yet', () => {
    expect(pim('PendingApproval')).toBe('pending');
    expect(pim('pendingAdminDecision')).toBe('pending');
  });

  it('an unknown or missing status is unknown, never approved', () => {
    expect(pim('SomethingNew')).toEqual({ kind: 'unknown', status: 'SomethingNew', at: undefined });
    expect(pim(null)).toMatchObject({ kind: 'unknown' });
    expect(outcomeTitle(pim('SomethingNew') as ApprovalOutcome, 'me')).toMatch(/Ended with status "SomethingNew"/);
    expect(outcomeTitle(pim('Failed') as ApprovalOutcome, 'me')).toMatch(/^Failed/);
  });

  it('an error body (a failed read) is no outcome at all', () => {
    const error = { error: { code: 'BadRequest', message: "Could not find a property named 'state'" } };
    expect(outcomeFromRequest('pim', error)).toBeUndefined();
    expect(outcomeFromRequest('em', error)).toBeUndefined();
    expect(outcomeFromRequest('pim', undefined)).toBeUndefined();
  });

  it('reads only properties each request type has (a PIM request has no state)', () => {
    expect(finalReadUrl('pim', 'r1')).toMatch(/\?\$select=id,status,completedDateTime$/);
    expect(finalReadUrl('em', 'r1')).toMatch(/\?\$select=id,state,status,completedDateTime$/);
  });
});

describe('EM request state → outcome', () => {
  const em = (state: string, status = '') => outcomeFromRequest('em', { id: 'r1', state, status });
  it.each([
    ['delivered', 'approved'],
    ['delivering', 'approved'],
    ['partiallyDelivered', 'approved'],
    ['scheduled', 'approved'],
    ['deliveryFailed', 'failed'],
    ['denied', 'denied'],
    ['canceled', 'canceled'],
  ])('%s is %s', (state, kind) => expect(em(state)).toMatchObject({ kind }));

  it('expired by status, waiting, and unknown', () => {
    expect(em('denied', 'Expired')).toMatchObject({ kind: 'expired' });
    expect(em('pendingApproval')).toBe('pending');
    expect(em('unknownFutureValue')).toMatchObject({ kind: 'unknown' });
  });
});
