import { AuthenticationError } from 'botframework-connector';
import { describe, expect, it } from 'vitest';
import { verifierUnavailable } from '../../bot/http/messages.js';

describe('an authentication failure is a 401 unless the signing keys could not be fetched (then 503)', () => {
  it('answers 503 only when Bot Framework could not be reached', () => {
    expect(verifierUnavailable(new AuthenticationError('Failed to load openID config: 502', 500))).toBe(true);
    expect(verifierUnavailable(new AuthenticationError('Failed to load Keys: 503', 500))).toBe(true);
    const fetchError = Object.assign(new Error('request to https://login.botframework.com failed'), {
      name: 'FetchError',
      code: 'ENOTFOUND',
    });
    expect(verifierUnavailable(fetchError)).toBe(true);
    expect(verifierUnavailable(Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }))).toBe(true);
  });

  it('answers 401 for every token problem, including botbuilder errors that carry no status', () => {
    expect(verifierUnavailable(new AuthenticationError('Unauthorized. No valid identity.', 401))).toBe(false);
    expect(verifierUnavailable(new AuthenticationError('The token has expired', 401))).toBe(false);
    // allowedCallersClaimsValidator and skill validation throw plain Errors for a token from a bot not allowed.
    expect(verifierUnavailable(new Error('Received a request from a bot with an app ID of "x".'))).toBe(false);
    expect(verifierUnavailable(new TypeError('missing claims'))).toBe(false);
    expect(verifierUnavailable(undefined)).toBe(false);
  });
});
