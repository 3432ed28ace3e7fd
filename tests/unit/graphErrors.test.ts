import { describe, expect, it } from 'vitest';
import { SignInRequiredError, StepUpRequiredError } from '../../services/auth/tokens.js';
import {
  claimsFromWwwAuthenticate,
  DomainError,
  extractClaimsChallenge,
  GraphRequestError,
  GraphTransportError,
  parsePolicyRules,
  toDomainError,
} from '../../services/graph/errors.js';

const ACRS_CLAIMS = '{"access_token":{"acrs":{"essential":true, "value":"c1"}}}';

/** A GraphRequestError as the client builds it from Graph's error envelope (GRAPH-API.md section 2). */
function graphError(status: number, code: string, message: string, extra: Partial<GraphRequestError> = {}) {
  return new GraphRequestError({
    status,
    code,
    graphMessage: message,
    requestId: 'd2a7c9f1-0000-4000-8000-00000000beef',
    method: 'POST',
    path: '/v1.0/identityGovernance/privilegedAccess/group/assignmentScheduleRequests',
    ...extra,
  });
}

const activate = { action: 'activate Finance Admins' };

describe('PIM policy rule failures (400 RoleAssignmentRequestPolicyValidationFailed)', () => {
  const policyFailure = (rules: string) =>
    graphError(400, 'RoleAssignmentRequestPolicyValidationFailed', `The following policy rules failed: ${rules}`);

  it('treats MfaRule alone as a step-up', () => {
    const e = toDomainError(policyFailure('["MfaRule"]'), activate);
    expect(e).toMatchObject({ kind: 'stepUp', rules: ['MfaRule'], status: 400 });
    expect(e.claims).toBeUndefined();
    expect(e.userMessage).toMatch(/verify your identity/);
  });

  it.each([
    ['JustificationRule', 'a justification is required', /missing/],
    ['TicketingRule', 'a ticket number is required', /missing/],
    ['ExpirationRule', 'the duration is longer than the group allows', /shorter duration/],
    ['EligibilityRule', 'you are not eligible (any more)', /eligible again/],
  ])('explains %s in plain words', (rule, words, nextStep) => {
    const e = toDomainError(policyFailure(`["${rule}"]`), activate);
    expect(e.kind).toBe('policyRule');
    expect(e.rules).toEqual([rule]);
    expect(e.userMessage).toBe(`I couldn't activate Finance Admins: ${words}.`);
    expect(e.nextStep).toMatch(nextStep);
  });

  it('names every failed rule when several fail at once, MFA included', () => {
    const e = toDomainError(policyFailure('["MfaRule","JustificationRule","TicketingRule"]'), activate);
    expect(e.kind).toBe('policyRule');
    expect(e.rules).toEqual(['MfaRule', 'JustificationRule', 'TicketingRule']);
    expect(e.userMessage).toBe(
      "I couldn't activate Finance Admins: you need to verify your identity with multi-factor authentication, " +
        'a justification is required and a ticket number is required.',
    );
  });

  it('asks whoever is named when eligibility ran out, and reads unquoted rule lists', () => {
    const e = toDomainError(policyFailure('[EligibilityRule, ExpirationRule]'), {
      ...activate,
      who: 'Patti Fernandez',
    });
    expect(e.rules).toEqual(['EligibilityRule', 'ExpirationRule']);
    expect(e.nextStep).toBe('Ask Patti Fernandez to make you eligible again.');
  });
});

describe('claims challenges', () => {
  it('turns RoleAssignmentRequestAcrsValidationFailed into a step-up with the decoded claims', () => {
    const message =
      'The authentication context claims are missing. https://login.microsoftonline.com/common/oauth2/v2.0/authorize?' +
      'client_id=x&claims=%7B%22access_token%22%3A%7B%22acrs%22%3A%7B%22essential%22%3Atrue%2C%20%22value%22%3A%22c1%22%7D%7D%7D';
    const e = toDomainError(graphError(400, 'RoleAssignmentRequestAcrsValidationFailed', message), activate);
    expect(e).toMatchObject({
      kind: 'stepUp',
      claims: ACRS_CLAIMS,
      graphCode: 'RoleAssignmentRequestAcrsValidationFailed',
    });
    expect(JSON.parse(e.claims ?? '')).toEqual({ access_token: { acrs: { essential: true, value: 'c1' } } });
  });

  it('spots the Acrs marker in the message when the code is generic, and reads base64 claims', () => {
    const b64 = Buffer.from(ACRS_CLAIMS).toString('base64');
    const message = `RoleAssignmentRequestAcrsValidationFailed: sign in again with "claims=${b64}"`;
    const e = toDomainError(graphError(400, 'BadRequest', message), activate);
    expect(e).toMatchObject({ kind: 'stepUp', claims: ACRS_CLAIMS });
  });

  it('maps a 401 with a WWW-Authenticate claims challenge to a step-up, and a bare 401 to sign-in', () => {
    const claims = '{"access_token":{"acrs":{"essential":true,"value":"c2"}}}';
    const header = `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", error="insufficient_claims", claims="${Buffer.from(claims).toString('base64')}"`;
    const withClaims = graphError(401, 'InvalidAuthenticationToken', 'challenge', { wwwAuthenticate: header });
    expect(toDomainError(withClaims, activate)).toMatchObject({ kind: 'stepUp', claims });
    const bare = graphError(401, 'InvalidAuthenticationToken', 'Access token has expired or is not yet valid.');
    expect(toDomainError(bare, activate).kind).toBe('signInRequired');
  });

  it('extracts and decodes claims on their own', () => {
    expect(extractClaimsChallenge('no claims here')).toBeUndefined();
    expect(extractClaimsChallenge('x&claims=%7B%22a%22%3A1%7D&y=2')).toBe('{"a":1}');
    expect(extractClaimsChallenge('claims=not-json-at-all')).toBeUndefined();
    expect(claimsFromWwwAuthenticate(undefined)).toBeUndefined();
    expect(parsePolicyRules('The following policy rules failed: ["ExpirationRule","MfaRule"]')).toEqual([
      'ExpirationRule',
      'MfaRule',
    ]);
  });
});

describe('other PIM codes', () => {
  it('RoleAssignmentExists → already active or pending', () => {
    const e = toDomainError(graphError(400, 'RoleAssignmentExists', 'The Role assignment already exists.'), activate);
    expect(e).toMatchObject({ kind: 'conflict' });
    expect(e.userMessage).toBe("I couldn't activate Finance Admins: it is already active or pending.");
    const pending = graphError(400, 'PendingRoleAssignmentRequest', 'There already exists a pending request');
    expect(toDomainError(pending, activate).kind).toBe('conflict');
  });

  it('ActiveDurationTooShort → not in the first 5 minutes, with the time it becomes possible', () => {
    const err = graphError(
      400,
      'ActiveDurationTooShort',
      'The Active duration is too short. Miniumum Required is 5 minutes.',
    );
    const deactivate = { action: 'deactivate Finance Admins', activatedAt: new Date('2025-07-01T08:00:30Z') };
    const e = toDomainError(err, deactivate);
    expect(e.kind).toBe('policyRule');
    expect(e.userMessage).toMatch(/can't deactivate in the first 5 minutes/);
    expect(e.possibleFrom?.toISOString()).toBe('2025-07-01T08:05:30.000Z');
    expect(e.nextStep).toBe('Try again from {{DATE(2025-07-01T08:05:30Z, SHORT)}} {{TIME(2025-07-01T08:05:30Z)}}.');
    expect(toDomainError(err, { action: 'deactivate Finance Admins' }).nextStep).toMatch(/few minutes/);
  });

  it('RoleAssignmentDoesNotExist → not active any more', () => {
    const e = toDomainError(graphError(400, 'RoleAssignmentDoesNotExist', 'The Role assignment does not exist.'), {
      action: 'deactivate Finance Admins',
    });
    expect(e.kind).toBe('notFound');
    expect(e.userMessage).toBe("I couldn't deactivate Finance Admins: it is not active any more.");
  });
});

describe('HTTP statuses', () => {
  it('403 → not allowed, naming whom to ask', () => {
    const err = graphError(403, 'PermissionScopeNotGranted', 'Caller not authorized');
    const withWho = toDomainError(err, { action: 'approve this request', who: 'Megan Bowen' });
    expect(withWho).toMatchObject({ kind: 'notAllowed', status: 403 });
    expect(withWho.userMessage).toBe('You are not allowed to approve this request.');
    expect(withWho.nextStep).toBe('Ask Megan Bowen or your admin if you think you should be.');
    expect(toDomainError(err, { action: 'approve this request' }).nextStep).toBe(
      'Ask your admin if you think you should be.',
    );
  });

  it('404 → not found or expired', () => {
    const e = toDomainError(graphError(404, 'ResourceNotFound', 'Not found'), { action: 'approve this request' });
    expect(e.kind).toBe('notFound');
    expect(e.userMessage).toMatch(/expired/);
  });

  it('409 → already decided, by whom when known', () => {
    const err = graphError(409, 'Conflict', 'The approval stage has already been completed');
    expect(toDomainError(err, { action: 'approve this request', decidedBy: 'Adele Vance' })).toMatchObject({
      kind: 'alreadyDecided',
      userMessage: 'This was already decided by Adele Vance.',
    });
    expect(toDomainError(err, { action: 'approve this request' }).userMessage).toBe('This has already been decided.');
  });

  it('429 → throttled and 503/504 → unavailable, both "busy"', () => {
    const throttled = toDomainError(
      graphError(429, 'TooManyRequests', 'slow down', { retryAfterSeconds: 5 }),
      activate,
    );
    expect(throttled).toMatchObject({ kind: 'throttled', retryAfterSeconds: 5 });
    expect(throttled.userMessage).toBe('Microsoft Graph is busy, try again in a minute.');
    for (const status of [503, 504]) {
      const e = toDomainError(graphError(status, 'ServiceUnavailable', 'x'), activate);
      expect(e.kind).toBe('unavailable');
      expect(e.userMessage).toBe('Microsoft Graph is busy, try again in a minute.');
    }
  });

  it('an unknown 400 is a bad request naming the Graph code, never the Graph message', () => {
    const e = toDomainError(
      graphError(400, 'InvalidRequest', 'Adele Vance <adelev@contoso.com> was rejected'),
      activate,
    );
    expect(e.kind).toBe('badRequest');
    expect(e.userMessage).toContain('InvalidRequest');
    expect(`${e.userMessage} ${e.nextStep}`).not.toMatch(/Adele|adelev/);
  });

  it('anything else is unavailable with a generic message that keeps personal data out', () => {
    const e = toDomainError(
      graphError(500, 'UnknownError', 'Internal failure for user alexw@contoso.com (Alex Wilber)'),
      activate,
    );
    expect(e.kind).toBe('unavailable');
    expect(e.userMessage).toBe(
      'Something went wrong while trying to activate Finance Admins (error code UnknownError).',
    );
    expect(`${e.userMessage} ${e.nextStep}`).not.toMatch(/alexw|Alex Wilber/);
  });
});

describe('non-Graph failures', () => {
  it('timeouts and connection resets are unavailable', () => {
    for (const kind of ['timeout', 'network'] as const) {
      const e = toDomainError(new GraphTransportError(kind, 'GET', '/v1.0/me', 'ECONNRESET'), activate);
      expect(e.kind).toBe('unavailable');
      expect(e.userMessage).toBe('Microsoft Graph is busy, try again in a minute.');
    }
  });

  it('token errors become sign-in or step-up', () => {
    const user = { aadObjectId: 'u1' };
    expect(toDomainError(new SignInRequiredError(user), activate)).toMatchObject({ kind: 'signInRequired' });
    const consent = toDomainError(new SignInRequiredError(user, 'consentRequired'), activate);
    expect(consent.nextStep).toMatch(/consent/);
    expect(toDomainError(new StepUpRequiredError(ACRS_CLAIMS, user), activate)).toMatchObject({
      kind: 'stepUp',
      claims: ACRS_CLAIMS,
    });
  });

  it('keeps a DomainError and turns unknown throws into a generic unavailable', () => {
    const existing = new DomainError({ kind: 'notFound', userMessage: 'gone', nextStep: 'none' });
    expect(toDomainError(existing, activate)).toBe(existing);
    for (const thrown of [new TypeError('x is undefined'), 'a string', undefined]) {
      const e = toDomainError(thrown, activate);
      expect(e.kind).toBe('unavailable');
      expect(e.userMessage).toBe('Something went wrong while trying to activate Finance Admins.');
      expect(e).toBeInstanceOf(Error);
    }
  });
});
