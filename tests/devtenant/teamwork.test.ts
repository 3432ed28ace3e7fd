import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestTenant, type TestTenant } from './client.js';
import { jwt, PEOPLE, TENANT_ID, userToken } from './tokens.js';

/** The Teams app catalog and per-user app installations, with the permissions Graph's docs list. */

let t: TestTenant;
const BOT_APP_ID = 'b0700000-0000-4000-8000-0000000000a1';
const MANIFEST_ID = '66b651c5-0173-4b07-811c-3ae25b5172f7';
const CATALOG_ID = '7a0e5b3c-0000-4000-8000-0000000000c1';
const ALEX_INSTALLATION = Buffer.from(`${PEOPLE.alex}##${CATALOG_ID}`).toString('base64');

const app = (roles: string[], appid = BOT_APP_ID) =>
  jwt({ oid: 'f0000000-0000-4000-8000-0000000000b0', tid: TENANT_ID, idtyp: 'app', appid, roles });
const bot = app(['AppCatalog.Read.All', 'TeamsAppInstallation.ReadWriteSelfForUser.All']);
const byExternalId = `/v1.0/appCatalogs/teamsApps?$filter=${encodeURIComponent(`externalId eq '${MANIFEST_ID}'`)}`;
const installedBot = (user: string) =>
  `/v1.0/users/${user}/teamwork/installedApps?$expand=teamsApp&$filter=${encodeURIComponent(`teamsApp/externalId eq '${MANIFEST_ID}'`)}`;

beforeAll(async () => {
  t = await startTestTenant();
});
afterAll(() => t.close());
beforeEach(() => t.reset());

describe('the org app catalog', () => {
  it('finds the bot by its manifest id, with its definition on $expand', async () => {
    const r = await t.get(`${byExternalId}&$expand=appDefinitions`, bot);
    expect(r.status).toBe(200);
    expect(r.body.value).toEqual([
      expect.objectContaining({
        id: CATALOG_ID,
        externalId: MANIFEST_ID,
        displayName: 'Access Bot',
        distributionMethod: 'organization',
        appDefinitions: [expect.objectContaining({ teamsAppId: CATALOG_ID, publishingState: 'published' })],
      }),
    ]);
    const org = await t.get(
      `/v1.0/appCatalogs/teamsApps?$filter=${encodeURIComponent("distributionMethod eq 'organization'")}`,
      bot,
    );
    expect(org.body.value.map((a: { id: string }) => a.id)).toEqual([CATALOG_ID]);
    const other = await t.get(byExternalId.replace(MANIFEST_ID, 'a3f1c2d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d'), bot);
    expect(other.body.value).toEqual([]);
  });

  it('refuses an app token without AppCatalog.Read.All with 403 naming the roles it needs and holds', async () => {
    const r = await t.get(byExternalId, app(['User.Read.All']));
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('Forbidden');
    expect(r.body.error.message).toBe(
      "Missing role permissions on the request. API requires one of 'AppCatalog.Read.All, AppCatalog.ReadWrite.All'. Roles on the request 'User.Read.All'.",
    );
  });

  it('refuses a property the metadata does not define', async () => {
    const r = await t.get('/v1.0/appCatalogs/teamsApps?$select=manifestId', bot);
    expect(r.status).toBe(400);
  });
});

describe("apps in a user's personal scope", () => {
  it('lists the bot installed for a user, filtered on the catalog app, and its 1:1 chat', async () => {
    const r = await t.get(installedBot(PEOPLE.alex), bot);
    expect(r.status).toBe(200);
    expect(r.body.value).toEqual([
      { id: ALEX_INSTALLATION, teamsApp: expect.objectContaining({ externalId: MANIFEST_ID }) },
    ]);
    const chat = await t.get(
      `/v1.0/users/${PEOPLE.alex}/teamwork/installedApps/${encodeURIComponent(ALEX_INSTALLATION)}/chat`,
      bot,
    );
    expect(chat.status).toBe(200);
    expect(chat.body).toMatchObject({ id: `19:${BOT_APP_ID}_${PEOPLE.alex}@unq.gbl.spaces`, chatType: 'oneOnOne' });
    expect((await t.get(installedBot(PEOPLE.megan), bot)).body.value).toEqual([]);
  });

  it('installs the bot for a user once (201, then 409)', async () => {
    const path = `/v1.0/users/${PEOPLE.megan}/teamwork/installedApps`;
    const body = { 'teamsApp@odata.bind': `https://graph.microsoft.com/v1.0/appCatalogs/teamsApps/${CATALOG_ID}` };
    const first = await t.post(path, bot, body);
    expect(first.status).toBe(201);
    expect(first.text).toBe('');
    expect((await t.get(installedBot(PEOPLE.megan), bot)).body.value).toHaveLength(1);
    expect((await t.post(path, bot, body)).status).toBe(409);
  });

  it('with only the Self permission an app installs itself, not another app', async () => {
    const body = { 'teamsApp@odata.bind': `https://graph.microsoft.com/v1.0/appCatalogs/teamsApps/${CATALOG_ID}` };
    const stranger = app(['TeamsAppInstallation.ReadWriteSelfForUser.All'], 'c0000000-0000-4000-8000-0000000000c2');
    const r = await t.post(`/v1.0/users/${PEOPLE.megan}/teamwork/installedApps`, stranger, body);
    expect(r.status).toBe(403);
    expect((await t.get(installedBot(PEOPLE.alex), stranger)).body.value).toEqual([]);
  });

  it('refuses an app token without a TeamsAppInstallation role, and a bad or unknown bind', async () => {
    const noRole = await t.get(installedBot(PEOPLE.alex), app(['AppCatalog.Read.All']));
    expect(noRole.status).toBe(403);
    expect(noRole.body.error.message).toMatch(
      /^Missing role permissions on the request\. API requires one of 'TeamsAppInstallation\.ReadForUser\.All, TeamsAppInstallation\.ReadWriteSelfForUser\.All, TeamsAppInstallation\.ReadWriteForUser\.All'\. Roles on the request 'AppCatalog\.Read\.All'\.$/,
    );
    const path = `/v1.0/users/${PEOPLE.megan}/teamwork/installedApps`;
    expect((await t.post(path, bot, { teamsApp: CATALOG_ID })).status).toBe(400);
    expect((await t.post(path, bot, { 'teamsApp@odata.bind': 'nonsense' })).status).toBe(400);
    const unknown = { 'teamsApp@odata.bind': '/appCatalogs/teamsApps/00000000-0000-4000-8000-000000000000' };
    expect((await t.post(path, bot, unknown)).status).toBe(404);
    expect((await t.post('/v1.0/users/nobody/teamwork/installedApps', bot, unknown)).status).toBe(404);
  });

  it('a delegated caller reaches only their own apps, with the delegated scope', async () => {
    const scoped = (oid: string) =>
      jwt({ oid, tid: TENANT_ID, scp: 'TeamsAppInstallation.ReadForUser', iat: 0, exp: 4_000_000_000 });
    expect((await t.get(installedBot(PEOPLE.alex), scoped(PEOPLE.alex))).status).toBe(200);
    expect((await t.get(installedBot(PEOPLE.alex), scoped(PEOPLE.megan))).status).toBe(403);
    const withoutScope = await t.get(installedBot(PEOPLE.alex), userToken(PEOPLE.alex));
    expect(withoutScope.status).toBe(403);
    expect(withoutScope.body.error.message).toMatch(/^Missing scope permissions on the request\./);
  });
});
