import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { checkOAuthConnection, signInResourceClient } from '../../bot/auth/oauthConnectionCheck.js';
import { mintToken, type RunningDevtenant, startDevtenant } from '../../devtenant/index.js';
import { LOCAL_APP_ROLES } from '../../services/auth/localTokens.js';
import { type CheckResult, runDoctor } from '../../services/doctor/index.js';
import { redirectTls, type StubAuthority, startStubAuthority } from '../helpers/stubAuthority.js';

/**
 * `npm run doctor` in entra mode with real credentials really sent: the app-only Graph token and the Bot Service
 * token comes from a stub Entra (tests/helpers/stubAuthority.ts; the bot keeps its real host names), Graph is the
 * devtenant (its Teams app catalog and installations enforce the application roles as Graph does), and the OAuth
 * connection is read from the stub's Bot Service token API (GET /api/botsignin/GetSignInResource), as the doctor
 * does against the real one.
 */

const TENANT = 'c0a70500-0000-4000-8000-000000000001';
const APP_ID = '9a8b7c6d-0000-4000-8000-0000000000d1';
const SECRET = 'doctor-entra-secret-Jq4~Lm';
const CONNECTION = 'AccessBotSSO';
const TEAMS_APP_ID = '66b651c5-0173-4b07-811c-3ae25b5172f7';
const EXPECTED_URI = `api://botid-${APP_ID}`;

/** What the stub's app registration holds this run: its Graph application roles and its OAuth connection. */
let roles: string[] = [...LOCAL_APP_ROLES];
let connection: { tokenExchangeUrl: string } | undefined | 'reset';

let devtenant: RunningDevtenant;
let stub: StubAuthority;
let restoreTls: () => void;

beforeAll(async () => {
  devtenant = await startDevtenant({ port: 0 });
  stub = await startStubAuthority({
    tenantId: TENANT,
    clientId: APP_ID,
    clientSecret: SECRET,
    accessToken: ({ scope }) =>
      /api\.botframework\.com/.test(scope)
        ? stub.signedToken({ aud: 'https://api.botframework.com', appid: APP_ID })
        : mintToken({ oid: 'b0700000-0000-4000-8000-0000000000d0', tid: TENANT, idtyp: 'app', appid: APP_ID, roles }),
    signInResource: ({ connectionName, msAppId }) =>
      connectionName === CONNECTION && msAppId === APP_ID ? connection : undefined,
  });
  restoreTls = redirectTls(stub);
});
afterAll(async () => {
  restoreTls?.();
  await Promise.all([stub?.close(), devtenant?.close()]);
});
beforeEach(() => {
  roles = [...LOCAL_APP_ROLES];
  connection = { tokenExchangeUrl: EXPECTED_URI };
});

const ENV = {
  AUTH_MODE: 'entra',
  MicrosoftAppId: APP_ID,
  MicrosoftAppType: 'SingleTenant',
  MicrosoftAppTenantId: TENANT,
  MicrosoftAppPassword: SECRET,
  OAUTH_CONNECTION_NAME: CONNECTION,
  PUBLIC_URL: 'https://accessbot.contoso.test',
  STORAGE: 'memory',
};

/** The doctor as scripts/doctor.ts runs it, in this process (where the stub's TLS redirection applies). */
async function doctor(): Promise<Map<string, CheckResult>> {
  const env = { ...ENV, GRAPH_BASE_URL: devtenant.url };
  const report = await runDoctor({
    env,
    teamsAppId: TEAMS_APP_ID,
    oauthConnection: (config) => checkOAuthConnection(config, signInResourceClient(config, env)),
  });
  expect(report.mode).toBe('entra');
  return new Map(report.results.map((r) => [r.name, r]));
}

const PORTAL = new RegExp(
  `^In the Azure portal: Azure Bot → Configuration → OAuth Connection Settings: a connection named ${CONNECTION} .*Token Exchange URL api://botid-${APP_ID}`,
);

describe('npm run doctor, entra mode: Graph application permissions of the Teams app catalog', () => {
  it('finds the app in the org catalog and reads installations with the roles granted', async () => {
    const results = await doctor();
    expect(results.get('app-only Graph token')?.status).toBe('ok');
    expect(results.get('Teams app in the org catalog')).toMatchObject({
      status: 'ok',
      detail: `${TEAMS_APP_ID} (catalog id 7a0e5b3c-0000-4000-8000-0000000000c1)`,
    });
    expect(results.get('permission TeamsAppInstallation.ReadWriteSelfForUser.All')?.status).toBe('ok');
    // The secret went to the token endpoint (and was accepted): the tokens are the stub's, not made up.
    expect(stub.requests.some((r) => r.path.endsWith('/oauth2/v2.0/token') && r.secretMatched)).toBe(true);
  });

  it('names AppCatalog.Read.All when the app token lacks it, and the installation role when that is missing', async () => {
    roles = LOCAL_APP_ROLES.filter((r) => r !== 'AppCatalog.Read.All' && !r.startsWith('TeamsAppInstallation'));
    const results = await doctor();
    const catalog = results.get('Teams app in the org catalog');
    expect(catalog?.status).toBe('fail');
    expect(catalog?.detail).toMatch(
      /^Graph refused the catalog read \(403 Forbidden: Missing role permissions .*\): AppCatalog\.Read\.All is not granted$/,
    );
    expect(catalog?.fix).toMatch(
      new RegExp(
        `App registrations → ${APP_ID} → API permissions: add the Microsoft Graph application permission AppCatalog\\.Read\\.All .*grant admin consent`,
      ),
    );
    const install = results.get('permission TeamsAppInstallation.ReadWriteSelfForUser.All');
    expect(install?.status).toBe('fail');
    expect(install?.detail).toMatch(/403 Forbidden.*TeamsAppInstallation\.ReadWriteSelfForUser\.All is not granted/);
    // The other reads still pass: only what is missing is named.
    expect(results.get('permission User.Read.All')?.status).toBe('ok');
  });
});

describe('npm run doctor, entra mode: the Azure Bot OAuth connection through the Bot Service token API', () => {
  it("passes when the connection's Token Exchange URL is the bot's Application ID URI", async () => {
    expect((await doctor()).get('OAuth connection')).toEqual({
      name: 'OAuth connection',
      status: 'ok',
      detail: `${CONNECTION}, Token Exchange URL ${EXPECTED_URI}`,
    });
    // Asked with the bot's own Bot Framework token, for the configured connection.
    expect(stub.requests).toContainEqual(
      expect.objectContaining({ host: 'api.botframework.com', path: '/api/botsignin/GetSignInResource' }),
    );
  });

  it('fails naming both URLs when the connection has another Token Exchange URL', async () => {
    connection = { tokenExchangeUrl: 'api://botid-00000000-0000-4000-8000-000000000000' };
    const result = (await doctor()).get('OAuth connection');
    expect(result).toMatchObject({
      status: 'fail',
      detail: `${CONNECTION} has Token Exchange URL api://botid-00000000-0000-4000-8000-000000000000, not ${EXPECTED_URI}`,
      fix: expect.stringMatching(PORTAL),
    });
  });

  it('fails with the portal fix when the connection does not exist (404)', async () => {
    connection = undefined;
    const result = (await doctor()).get('OAuth connection');
    expect(result?.status).toBe('fail');
    expect(result?.detail).toMatch(new RegExp(`^the Bot Service token API answered 404 for ${CONNECTION}`));
    expect(result?.fix).toMatch(PORTAL);
  });

  it('fails with the portal fix when the token API drops the connection', async () => {
    connection = 'reset';
    const result = (await doctor()).get('OAuth connection');
    expect(result?.status).toBe('fail');
    expect(result?.detail).toMatch(/^could not be checked \(the Bot Service token API was not reached: /);
    expect(result?.fix).toMatch(PORTAL);
  });
});
