import { describe, expect, it } from 'vitest';
import { checkOAuthConnection, type SignInResourceClient } from '../../bot/auth/oauthConnectionCheck.js';
import { loadConfig } from '../../services/config.js';

/** The doctor's OAuth connection line: the connection's Token Exchange URL must be the bot's Application ID URI. */

const APP_ID = '9a8b7c6d-0000-4000-8000-000000000001';
const config = loadConfig({
  AUTH_MODE: 'entra',
  MicrosoftAppId: APP_ID,
  MicrosoftAppTenantId: 'c0a70500-0000-4000-8000-000000000001',
  OAUTH_CONNECTION_NAME: 'AccessBotSSO',
  PUBLIC_URL: 'https://accessbot.contoso.com',
});

const answering =
  (answer: () => Promise<{ tokenExchangeResource?: { uri?: string } }>, seen: string[] = []) =>
  async (): Promise<SignInResourceClient> => ({
    getSignInResource: async (connectionName) => {
      seen.push(connectionName);
      return answer();
    },
  });

describe('doctor: OAuth connection', () => {
  it('passes when the connection exchanges tokens for api://botid-{appId}', async () => {
    const seen: string[] = [];
    const result = await checkOAuthConnection(
      config,
      answering(async () => ({ tokenExchangeResource: { uri: `api://botid-${APP_ID}` } }), seen),
    );
    expect(seen).toEqual(['AccessBotSSO']);
    expect(result).toMatchObject({ status: 'ok' });
  });

  it('fails naming both URIs and the portal setting when the Token Exchange URL is another', async () => {
    const result = await checkOAuthConnection(
      config,
      answering(async () => ({ tokenExchangeResource: { uri: 'api://contoso.com/other' } })),
    );
    expect(result.status).toBe('fail');
    expect(result.detail).toBe(
      `AccessBotSSO has Token Exchange URL api://contoso.com/other, not api://botid-${APP_ID}`,
    );
    expect(result.fix).toMatch(
      /OAuth Connection Settings: a connection named AccessBotSSO .*Token Exchange URL api:\/\/botid-/,
    );
  });

  it('fails when the connection has no Token Exchange URL (SSO cannot work)', async () => {
    const result = await checkOAuthConnection(
      config,
      answering(async () => ({})),
    );
    expect(result).toMatchObject({ status: 'fail', detail: 'AccessBotSSO has no Token Exchange URL' });
  });

  it('reports the token API status when it refuses, and "could not be checked" when it is not reached', async () => {
    const refused = await checkOAuthConnection(
      config,
      answering(async () => {
        throw Object.assign(new Error('Connection setting not found'), { statusCode: 404 });
      }),
    );
    expect(refused.detail).toMatch(/token API answered 404 for AccessBotSSO: Connection setting not found/);
    const unreachable = await checkOAuthConnection(config, async () => {
      throw new Error('getaddrinfo ENOTFOUND login.microsoftonline.com');
    });
    expect(unreachable).toMatchObject({ status: 'fail', detail: expect.stringMatching(/^could not be checked/) });
    expect(unreachable.fix).toMatch(/Azure portal/);
  });
});
