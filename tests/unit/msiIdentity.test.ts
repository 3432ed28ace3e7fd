import { describe, expect, it } from 'vitest';
import type { OboCredentialInput } from '../../services/auth/credentials.js';
import { type CredentialFactory, createTokenProvider } from '../../services/auth/index.js';
import { ConfigError, loadConfig } from '../../services/config.js';

const IDENTITY = '0000aaaa-0000-4000-8000-000000000001';
const ENTRA_APP = '0000bbbb-0000-4000-8000-000000000002';
const TENANT = 'c0a70500-0000-4000-8000-000000000001';
const MSI_ENV = {
  AUTH_MODE: 'entra',
  MicrosoftAppType: 'UserAssignedMSI',
  MicrosoftAppId: IDENTITY,
  MicrosoftAppTenantId: TENANT,
  MANAGED_IDENTITY_CLIENT_ID: IDENTITY,
  AAD_APP_CLIENT_ID: ENTRA_APP,
  APP_CREDENTIAL: 'managedIdentity',
  OAUTH_CONNECTION_NAME: 'AccessBotSso',
  PUBLIC_URL: 'https://bot.contoso.com',
};

describe('UserAssignedMSI: the Entra app is AAD_APP_CLIENT_ID, the identity is its credential', () => {
  it('keeps the two ids apart', () => {
    const c = loadConfig(MSI_ENV);
    expect(c.appId).toBe(IDENTITY);
    expect(c.entraAppId).toBe(ENTRA_APP);
  });

  it('refuses to start without AAD_APP_CLIENT_ID, or with a bad one, naming the setting', () => {
    const { AAD_APP_CLIENT_ID: _, ...missing } = MSI_ENV;
    expect(() => loadConfig(missing)).toThrow(ConfigError);
    expect(() => loadConfig(missing)).toThrow(/AAD_APP_CLIENT_ID is required when MicrosoftAppType=UserAssignedMSI/);
    expect(() => loadConfig({ ...MSI_ENV, AAD_APP_CLIENT_ID: 'not-a-guid' })).toThrow(/AAD_APP_CLIENT_ID must be/);
    expect(() => loadConfig({ ...MSI_ENV, MicrosoftAppPassword: 'hunter2' })).toThrow(
      /MicrosoftAppPassword must not be set when MicrosoftAppType=UserAssignedMSI/,
    );
  });

  it('keeps the bot registration as the Entra app for SingleTenant (client secret mode as before)', () => {
    const c = loadConfig({
      ...MSI_ENV,
      MicrosoftAppType: 'SingleTenant',
      APP_CREDENTIAL: 'secret',
      MicrosoftAppPassword: 'x',
    });
    expect(c.entraAppId).toBe(IDENTITY);
  });

  it('exchanges on behalf of the user as the Entra app with the managed identity, never a secret', async () => {
    const calls: OboCredentialInput[] = [];
    const factory: CredentialFactory = {
      onBehalfOf: (input) => {
        calls.push(input);
        return { getToken: async () => ({ token: 'graph-token', expiresOnTimestamp: Date.now() + 3600_000 }) };
      },
      app: () => {
        throw new Error('not used');
      },
    };
    const tokens = createTokenProvider(loadConfig(MSI_ENV), {
      clock: { now: () => new Date('2026-01-01T00:00:00Z') } as never,
      env: MSI_ENV,
      ssoTokenSource: async () => 'sso-token',
      credentialFactory: factory,
    });
    await tokens.userToken({ aadObjectId: 'u1', tenantId: TENANT }, ['https://graph.microsoft.com/.default']);
    expect(calls[0]?.clientId).toBe(ENTRA_APP);
    expect(calls[0]?.settings).toEqual({ kind: 'managedIdentity', managedIdentityClientId: IDENTITY });
  });
});
