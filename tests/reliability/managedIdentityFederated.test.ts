import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenProvider } from '../../services/auth/index.js';
import { GRAPH_DEFAULT_SCOPE } from '../../services/auth/tokens.js';
import { systemClock } from '../../services/clock.js';
import { loadConfig } from '../../services/config.js';
import { redirectTls, type StubAuthority, startStubAuthority } from '../helpers/stubAuthority.js';

/**
 * The deployed bot (infra/azure.bicep) has no secret: MicrosoftAppId is a user-assigned managed identity, and the Entra
 * app (AAD_APP_CLIENT_ID) that holds the consented Graph permissions trusts that identity through a federated
 * credential. With the real @azure/identity credentials, App Service's managed identity endpoint (a stub on loopback,
 * reached through the IDENTITY_ENDPOINT / IDENTITY_HEADER variables App Service sets) and a stub Entra token endpoint
 * that answers only the identity's assertion, every Graph token must be the Entra app's: app-only reads
 * (client_credentials) and on-behalf-of (jwt-bearer) alike, each with client_id = the Entra app and
 * client_assertion = the identity's token for api://AzureADTokenExchange, never a client secret.
 */

const TENANT = 'c0a70500-0000-4000-8000-000000000001';
const IDENTITY = '0000aaaa-0000-4000-8000-00000000a001';
const ENTRA_APP = '0000bbbb-0000-4000-8000-00000000b002';
const IDENTITY_HEADER = 'identity-header-canary-5521';
const MI_ASSERTION = 'managed-identity-assertion-for-token-exchange';
const ENV = {
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

interface IdentityRequest {
  resource: string | null;
  clientId: string | null;
  header: string | undefined;
}

let stub: StubAuthority;
let identityEndpoint: Server;
const identityRequests: IdentityRequest[] = [];
let restoreTls: () => void;
const savedEnv: Record<string, string | undefined> = {};

beforeAll(async () => {
  stub = await startStubAuthority({
    tenantId: TENANT,
    clientId: ENTRA_APP,
    clientSecret: 'no-secret-exists',
    clientAssertion: MI_ASSERTION,
    accessToken: ({ grantType }) => `graph-token-${grantType.split(':').pop()}`,
  });
  restoreTls = redirectTls(stub);
  // App Service's identity endpoint (api-version 2019-08-01): GET ?resource=...&client_id=..., X-IDENTITY-HEADER.
  identityEndpoint = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const request = {
      resource: url.searchParams.get('resource'),
      clientId: url.searchParams.get('client_id'),
      header: req.headers['x-identity-header'] as string | undefined,
    };
    identityRequests.push(request);
    res.setHeader('content-type', 'application/json');
    if (request.header !== IDENTITY_HEADER) {
      res.statusCode = 401;
      res.end(JSON.stringify({ error: 'unauthorized' }));
      return;
    }
    res.end(
      JSON.stringify({
        access_token: MI_ASSERTION,
        expires_on: String(Math.floor(Date.now() / 1000) + 3600),
        resource: request.resource,
        token_type: 'Bearer',
        client_id: request.clientId,
      }),
    );
  });
  await new Promise<void>((resolve) => identityEndpoint.listen(0, '127.0.0.1', resolve));
  const port = (identityEndpoint.address() as AddressInfo).port;
  for (const name of ['IDENTITY_ENDPOINT', 'IDENTITY_HEADER', 'MSI_ENDPOINT', 'MSI_SECRET']) {
    savedEnv[name] = process.env[name];
    delete process.env[name];
  }
  process.env.IDENTITY_ENDPOINT = `http://127.0.0.1:${port}/msi/token`;
  process.env.IDENTITY_HEADER = IDENTITY_HEADER;
});

afterAll(async () => {
  for (const [name, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  restoreTls?.();
  await stub?.close();
  await new Promise<void>((resolve) => identityEndpoint?.close(() => resolve()));
});

describe('UserAssignedMSI with a federated credential, over the real credential classes', () => {
  const tokens = () =>
    createTokenProvider(loadConfig(ENV), {
      clock: systemClock,
      env: ENV,
      ssoTokenSource: async () => 'sso-token-of-megan',
    });

  it('gets app-only Graph tokens as the Entra app, signed in by the identity, with no secret', async () => {
    expect(await tokens().appToken([GRAPH_DEFAULT_SCOPE])).toBe('graph-token-client_credentials');
    const sent = stub.requests.filter((r) => r.form?.grant_type === 'client_credentials');
    expect(sent).toHaveLength(1);
    expect(sent[0]?.form).toMatchObject({
      client_id: ENTRA_APP,
      client_assertion: MI_ASSERTION,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    });
    expect(sent[0]?.form).not.toHaveProperty('client_secret');
    expect(sent[0]?.secretMatched).toBe(true);
    // The identity was asked for a token exchange assertion, as itself, with App Service's header.
    expect(identityRequests.at(-1)).toEqual({
      resource: 'api://AzureADTokenExchange',
      clientId: IDENTITY,
      header: IDENTITY_HEADER,
    });
  });

  it('exchanges the user token on behalf of the user as the Entra app, with the same assertion', async () => {
    const graph = await tokens().userToken({ aadObjectId: 'megan', tenantId: TENANT }, [GRAPH_DEFAULT_SCOPE]);
    expect(graph).toBe('graph-token-jwt-bearer');
    const obo = stub.requests.find((r) => r.form?.grant_type === 'urn:ietf:params:oauth:grant-type:jwt-bearer');
    expect(obo?.form).toMatchObject({
      client_id: ENTRA_APP,
      client_assertion: MI_ASSERTION,
      assertion: 'sso-token-of-megan',
      requested_token_use: 'on_behalf_of',
    });
    expect(obo?.form).not.toHaveProperty('client_secret');
  });
});
