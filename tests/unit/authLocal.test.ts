import { describe, expect, it } from 'vitest';
import { createTokenProvider } from '../../services/auth/index.js';
import {
  decodeJwtClaims,
  encodeUnsignedJwt,
  LOCAL_DELEGATED_SCOPES,
  LocalTokenProvider,
} from '../../services/auth/localTokens.js';
import { GRAPH_DEFAULT_SCOPE, StepUpRequiredError, type UserRef } from '../../services/auth/tokens.js';
import { ManualClock } from '../../services/clock.js';
import { loadConfig } from '../../services/config.js';

const TENANT = 'c0a70500-0000-4000-8000-000000000001';
const alex: UserRef = {
  aadObjectId: '10000000-0000-4000-8000-000000000001',
  name: 'Alex Wilber',
  upn: 'alexw@contoso.com',
};
const megan: UserRef = { aadObjectId: '10000000-0000-4000-8000-000000000002', name: 'Megan Bowen' };

function setup() {
  const clock = new ManualClock(new Date('2025-07-01T08:00:00Z'));
  return { clock, tokens: new LocalTokenProvider({ tenantId: TENANT, clock }) };
}

function header(token: string): unknown {
  return JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8'));
}

function stepUpToken(user: UserRef, clock: ManualClock): string {
  const now = Math.floor(clock.now().getTime() / 1000);
  return encodeUnsignedJwt({ oid: user.aadObjectId, tid: TENANT, amr: ['pwd', 'mfa'], acrs: ['c1'], exp: now + 600 });
}

describe('LocalTokenProvider user tokens', () => {
  it('builds an unsigned JWT with real Entra claim names', async () => {
    const { tokens } = setup();
    const token = await tokens.userToken(alex, [GRAPH_DEFAULT_SCOPE]);
    expect(token.split('.')).toHaveLength(3);
    expect(token.endsWith('.')).toBe(true);
    expect(header(token)).toEqual({ alg: 'none', typ: 'JWT' });
    const claims = decodeJwtClaims(token);
    expect(claims).toMatchObject({
      oid: alex.aadObjectId,
      tid: TENANT,
      name: 'Alex Wilber',
      upn: 'alexw@contoso.com',
      aud: 'https://graph.microsoft.com',
      ver: '2.0',
      iat: Date.parse('2025-07-01T08:00:00Z') / 1000,
      exp: Date.parse('2025-07-01T09:00:00Z') / 1000,
    });
    expect(String(claims?.scp).split(' ')).toEqual([...LOCAL_DELEGATED_SCOPES]);
    expect(claims?.scp).toContain('EntitlementMgmt-SubjectAccess.ReadWrite');
    expect(claims?.amr).toBeUndefined();
    expect(claims?.acrs).toBeUndefined();
    expect(claims?.idtyp).toBeUndefined();
    expect(claims?.roles).toBeUndefined();
  });

  it('puts explicitly requested scopes into scp and uses the user tenant when known', async () => {
    const { tokens } = setup();
    const token = await tokens.userToken({ ...megan, tenantId: 'other-tenant' }, [
      'https://graph.microsoft.com/User.Read',
      'PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup',
    ]);
    expect(decodeJwtClaims(token)).toMatchObject({
      scp: 'User.Read PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup',
      tid: 'other-tenant',
    });
    expect(decodeJwtClaims(token)?.upn).toBeUndefined();
  });

  it('follows the injected clock', async () => {
    const { tokens, clock } = setup();
    clock.advance(2 * 3_600_000);
    const claims = decodeJwtClaims(await tokens.userToken(alex, [GRAPH_DEFAULT_SCOPE]));
    expect(claims?.iat).toBe(Date.parse('2025-07-01T10:00:00Z') / 1000);
  });
});

describe('LocalTokenProvider app tokens', () => {
  it('carries roles, idtyp app and appid, and no user claims', async () => {
    const clock = new ManualClock(new Date('2025-07-01T08:00:00Z'));
    const tokens = new LocalTokenProvider({ tenantId: TENANT, clock, appObjectId: 'app-oid-1' });
    const claims = decodeJwtClaims(await tokens.appToken([GRAPH_DEFAULT_SCOPE]));
    expect(claims).toMatchObject({ oid: 'app-oid-1', tid: TENANT, idtyp: 'app', aud: 'https://graph.microsoft.com' });
    expect(claims?.roles).toEqual(expect.arrayContaining(['EntitlementManagement.Read.All']));
    expect(typeof claims?.appid).toBe('string');
    expect(claims?.scp).toBeUndefined();
    expect(claims?.upn).toBeUndefined();
  });
});

describe('step-up tokens', () => {
  it('are returned for their own user only, and only until they expire', async () => {
    const { tokens, clock } = setup();
    const strong = stepUpToken(alex, clock);
    tokens.storeStepUpToken(alex, strong, new Date(clock.now().getTime() + 10 * 60_000));

    expect(await tokens.userToken(alex, [GRAPH_DEFAULT_SCOPE])).toBe(strong);
    expect(await tokens.userToken({ aadObjectId: alex.aadObjectId.toUpperCase() }, [GRAPH_DEFAULT_SCOPE])).toBe(strong);
    const megansToken = await tokens.userToken(megan, [GRAPH_DEFAULT_SCOPE]);
    expect(megansToken).not.toBe(strong);
    expect(decodeJwtClaims(megansToken)).toMatchObject({ oid: megan.aadObjectId });
    expect(decodeJwtClaims(megansToken)?.amr).toBeUndefined();

    clock.advance(8 * 60_000);
    expect(await tokens.userToken(alex, [GRAPH_DEFAULT_SCOPE])).toBe(strong);
    clock.advance(2 * 60_000);
    const after = await tokens.userToken(alex, [GRAPH_DEFAULT_SCOPE]);
    expect(after).not.toBe(strong);
    expect(decodeJwtClaims(after)?.amr).toBeUndefined();
    expect(decodeJwtClaims(after)?.acrs).toBeUndefined();
  });

  it('refuses a token issued for someone else, or with a bad expiry', () => {
    const { tokens, clock } = setup();
    const later = new Date(clock.now().getTime() + 600_000);
    expect(() => tokens.storeStepUpToken(megan, stepUpToken(alex, clock), later)).toThrow(/different user/);
    expect(() => tokens.storeStepUpToken(alex, stepUpToken(alex, clock), new Date('nope'))).toThrow(/expiry/);
    expect(() => tokens.storeStepUpToken(alex, '', later)).toThrow(/empty/);
  });

  it('asks for step-up when claims are requested and no step-up token is held', async () => {
    const { tokens, clock } = setup();
    const claims = '{"access_token":{"acrs":{"essential":true,"value":"c1"}}}';
    const error = await tokens.userToken(alex, [GRAPH_DEFAULT_SCOPE], claims).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StepUpRequiredError);
    expect(error).toMatchObject({ claims });
    tokens.storeStepUpToken(alex, stepUpToken(alex, clock), new Date(clock.now().getTime() + 600_000));
    expect(decodeJwtClaims(await tokens.userToken(alex, [GRAPH_DEFAULT_SCOPE], claims))?.acrs).toEqual(['c1']);
  });
});

describe('createTokenProvider in local mode', () => {
  it('builds a LocalTokenProvider for the configured local tenant', async () => {
    const config = loadConfig({ LOCAL_TENANT_ID: 'local-tenant-1' });
    const clock = new ManualClock(new Date('2025-07-01T08:00:00Z'));
    const provider = createTokenProvider(config, { clock });
    expect(provider).toBeInstanceOf(LocalTokenProvider);
    expect(decodeJwtClaims(await provider.userToken(alex, [GRAPH_DEFAULT_SCOPE]))?.tid).toBe('local-tenant-1');
  });

  it('decodeJwtClaims returns null for things that are not JWTs', () => {
    expect(decodeJwtClaims('not a token')).toBeNull();
    expect(decodeJwtClaims('a.b.c')).toBeNull();
    expect(decodeJwtClaims(`x.${Buffer.from('[1]').toString('base64url')}.`)).toBeNull();
  });
});
