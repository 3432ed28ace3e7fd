import type { Caller } from './auth.js';
import { collection, type EntityType, entity } from './entity.js';
import { conflict, forbidden, GraphError, malformed, notFound } from './errors.js';
import type { AppInstallation, TeamsApp } from './model.js';
import { type GraphRequest, type GraphResponse, objectBody, type Router } from './router.js';
import type { TenantState } from './state.js';
import { iso } from './time.js';

/**
 * The Teams app catalog (`/appCatalogs/teamsApps`) and apps installed in a user's personal scope
 * (`/users/{id}/teamwork/installedApps`, their 1:1 chat): what the proactive installer and `npm run doctor` call.
 * Unlike the rest of the devtenant these routes enforce the permissions the Graph docs list, as Teams' Graph does.
 */

/** The docs' permission tables (application roles and delegated scopes), least privileged first. */
const CATALOG_READ = {
  roles: ['AppCatalog.Read.All', 'AppCatalog.ReadWrite.All'],
  scopes: [
    'AppCatalog.Submit',
    'AppCatalog.Read.All',
    'AppCatalog.ReadWrite.All',
    'Directory.Read.All',
    'Directory.ReadWrite.All',
  ],
};
const INSTALLATION_READ = {
  roles: [
    'TeamsAppInstallation.ReadForUser.All',
    'TeamsAppInstallation.ReadWriteSelfForUser.All',
    'TeamsAppInstallation.ReadWriteForUser.All',
  ],
  scopes: [
    'TeamsAppInstallation.ReadForUser',
    'TeamsAppInstallation.ReadWriteSelfForUser',
    'TeamsAppInstallation.ReadWriteForUser',
  ],
};
const INSTALLATION_WRITE = {
  roles: ['TeamsAppInstallation.ReadWriteSelfForUser.All', 'TeamsAppInstallation.ReadWriteForUser.All'],
  scopes: ['TeamsAppInstallation.ReadWriteSelfForUser', 'TeamsAppInstallation.ReadWriteForUser'],
};
type Permissions = typeof CATALOG_READ;

const grantedOf = (caller: Caller): string[] =>
  caller.kind === 'app'
    ? (Array.isArray(caller.claims.roles) ? caller.claims.roles : []).filter((r) => typeof r === 'string')
    : (typeof caller.claims.scp === 'string' ? caller.claims.scp : '').split(' ').filter(Boolean);

/** 403 worded as Teams' Graph words it ("Missing role permissions on the request. API requires one of ..."). */
function requirePermission(caller: Caller, needed: Permissions): string[] {
  const granted = grantedOf(caller);
  const list = caller.kind === 'app' ? needed.roles : needed.scopes;
  if (list.some((p) => granted.includes(p))) return granted;
  const kind = caller.kind === 'app' ? 'role' : 'scope';
  const held = caller.kind === 'app' ? 'Roles' : 'Scopes';
  throw forbidden(
    `Missing ${kind} permissions on the request. API requires one of '${list.join(', ')}'. ${held} on the request '${granted.join(', ')}'.`,
  );
}

/** The calling app's Entra app id (v2 tokens: `azp`; v1: `appid`). */
const callerAppId = (caller: Caller): string | undefined => {
  const id = caller.claims.azp ?? caller.claims.appid;
  return typeof id === 'string' ? id.toLowerCase() : undefined;
};

/**
 * With only a `...SelfForUser` permission an app sees and installs itself alone (UNCONFIRMED for reads: the docs list
 * the Self permission for them without saying what it shows; the devtenant shows only the calling app).
 */
function selfOnly(caller: Caller, granted: string[]): string | undefined {
  const broad =
    caller.kind === 'app' ? 'TeamsAppInstallation.ReadWriteForUser.All' : 'TeamsAppInstallation.ReadWriteForUser';
  const read = caller.kind === 'app' ? 'TeamsAppInstallation.ReadForUser.All' : 'TeamsAppInstallation.ReadForUser';
  if (granted.includes(broad) || granted.includes(read)) return undefined;
  return callerAppId(caller) ?? '';
}

export const teamsAppDefinitionType: EntityType<TeamsApp> = {
  name: 'microsoft.graph.teamsAppDefinition',
  properties: ['id', 'teamsAppId', 'displayName', 'version', 'publishingState', 'lastModifiedDateTime'],
  toJson: (app) => ({
    id: Buffer.from(`${app.id}##${app.version}`).toString('base64'),
    teamsAppId: app.id,
    displayName: app.displayName,
    version: app.version,
    publishingState: 'published',
    lastModifiedDateTime: iso(app.createdDateTime),
  }),
};

export const teamsAppType: EntityType<TeamsApp> = {
  name: 'microsoft.graph.teamsApp',
  properties: ['id', 'externalId', 'displayName', 'distributionMethod'],
  toJson: (app) => ({
    id: app.id,
    externalId: app.externalId,
    displayName: app.displayName,
    distributionMethod: app.distributionMethod,
  }),
  navigations: {
    appDefinitions: { type: teamsAppDefinitionType as EntityType<unknown>, many: true, resolve: (app) => [app] },
  },
};

interface ChatView {
  id: string;
  createdDateTime: number;
  tenantId: string;
}

const chatType: EntityType<ChatView> = {
  name: 'microsoft.graph.chat',
  properties: ['id', 'chatType', 'createdDateTime', 'lastUpdatedDateTime', 'tenantId', 'topic'],
  toJson: (c) => ({
    id: c.id,
    chatType: 'oneOnOne',
    createdDateTime: iso(c.createdDateTime),
    lastUpdatedDateTime: iso(c.createdDateTime),
    tenantId: c.tenantId,
    topic: null,
  }),
};

const chatOf = (state: TenantState, i: AppInstallation): ChatView => ({
  id: i.chatId,
  createdDateTime: i.createdDateTime,
  tenantId: state.tenant.id,
});

export const installationType: EntityType<AppInstallation> = {
  name: 'microsoft.graph.userScopeTeamsAppInstallation',
  properties: ['id'],
  toJson: (i) => ({ id: i.id }),
  navigations: {
    teamsApp: {
      type: teamsAppType as EntityType<unknown>,
      many: false,
      resolve: (i, ctx) => ctx.state.teamsApps.get(i.teamsAppId) ?? null,
    },
    teamsAppDefinition: {
      type: teamsAppDefinitionType as EntityType<unknown>,
      many: false,
      resolve: (i, ctx) => ctx.state.teamsApps.get(i.teamsAppId) ?? null,
    },
    chat: { type: chatType as EntityType<unknown>, many: false, resolve: (i, ctx) => chatOf(ctx.state, i) },
  },
};

/** Installs `teamsAppId` for the user (ids as Graph shows them: base64 of `user##app`, chat `19:{bot}_{user}@unq.gbl.spaces`). */
export function installApp(state: TenantState, userId: string, teamsAppId: string, at: number): AppInstallation {
  const app = state.teamsApps.get(teamsAppId) as TeamsApp;
  const installation: AppInstallation = {
    id: Buffer.from(`${userId}##${teamsAppId}`).toString('base64'),
    userId,
    teamsAppId,
    chatId: `19:${app.botId}_${userId}@unq.gbl.spaces`,
    createdDateTime: at,
  };
  state.appInstallations.set(installation.id, installation);
  return installation;
}

const userMissing = (id: string): GraphError =>
  new GraphError(
    404,
    'Request_ResourceNotFound',
    `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
  );

/** The user of a `/users/{id}/teamwork/...` path; a delegated caller reaches only their own apps. */
function userOf(req: GraphRequest, id: string): string {
  const user = req.state.user(id);
  if (!user) throw userMissing(id);
  if (req.caller.kind === 'user' && user.id !== req.caller.oid.toLowerCase()) {
    throw forbidden('The signed-in user may only read or change the apps installed in their own personal scope.');
  }
  return user.id;
}

function visibleInstallations(req: GraphRequest, userId: string, granted: string[]): AppInstallation[] {
  const onlyBot = selfOnly(req.caller, granted);
  return [...req.state.appInstallations.values()].filter(
    (i) => i.userId === userId && (onlyBot === undefined || req.state.teamsApps.get(i.teamsAppId)?.botId === onlyBot),
  );
}

function installationById(req: GraphRequest, userId: string, id: string): AppInstallation {
  const granted = requirePermission(req.caller, INSTALLATION_READ);
  const found = visibleInstallations(req, userOf(req, userId), granted).find((i) => i.id === id);
  if (!found) throw notFound(`The app installation '${id}' was not found for this user.`, 'NotFound');
  return found;
}

const BIND = /\/appCatalogs\/teamsApps\/([^/?#]+)$/i;

function install(req: GraphRequest, userIdParam: string): GraphResponse {
  const granted = requirePermission(req.caller, INSTALLATION_WRITE);
  const userId = userOf(req, userIdParam);
  const body = objectBody(req, 'userScopeTeamsAppInstallation', []);
  const bind = body['teamsApp@odata.bind'];
  const appId = typeof bind === 'string' ? BIND.exec(bind)?.[1]?.toLowerCase() : undefined;
  if (!appId) {
    throw malformed(
      'body',
      "Send 'teamsApp@odata.bind' with the catalog app's URL, https://graph.microsoft.com/v1.0/appCatalogs/teamsApps/{id}.",
    );
  }
  const app = req.state.teamsApps.get(appId);
  if (!app) throw notFound(`The Teams app '${appId}' is not in the app catalog.`, 'NotFound');
  const onlyBot = selfOnly(req.caller, granted);
  if (onlyBot !== undefined && app.botId !== onlyBot) {
    throw forbidden(
      `TeamsAppInstallation.ReadWriteSelfForUser lets an app install only itself; the Teams app '${app.id}' belongs to another app.`,
    );
  }
  const id = Buffer.from(`${userId}##${app.id}`).toString('base64');
  if (req.state.appInstallations.has(id)) {
    throw conflict(`The Teams app '${app.id}' is already installed for this user.`);
  }
  installApp(req.state, userId, app.id, req.now);
  return { status: 201 };
}

export function registerTeamwork(router: Router): void {
  const catalog = (req: GraphRequest) => {
    requirePermission(req.caller, CATALOG_READ);
    return [...req.state.teamsApps.values()];
  };
  router
    .add('GET', '/appCatalogs/teamsApps', 'any', (req) =>
      collection(req, teamsAppType, catalog(req), { context: 'appCatalogs/teamsApps' }),
    )
    .add('GET', '/appCatalogs/teamsApps/{id}', 'any', (req, [id]) => {
      const app = catalog(req).find((a) => a.id === id.toLowerCase());
      if (!app) throw notFound(`The Teams app '${id}' is not in the app catalog.`, 'NotFound');
      return entity(req, teamsAppType, app, 'appCatalogs/teamsApps');
    })
    .add('GET', '/users/{id}/teamwork/installedApps', 'any', (req, [userId]) => {
      const granted = requirePermission(req.caller, INSTALLATION_READ);
      const list = visibleInstallations(req, userOf(req, userId), granted);
      return collection(req, installationType, list, { context: `users('${userId}')/teamwork/installedApps` });
    })
    .add('POST', '/users/{id}/teamwork/installedApps', 'any', (req, [userId]) => install(req, userId))
    .add('GET', '/users/{id}/teamwork/installedApps/{id}', 'any', (req, [userId, id]) =>
      entity(req, installationType, installationById(req, userId, id), `users('${userId}')/teamwork/installedApps`),
    )
    .add('GET', '/users/{id}/teamwork/installedApps/{id}/chat', 'any', (req, [userId, id]) =>
      entity(req, chatType, chatOf(req.state, installationById(req, userId, id)), 'chats'),
    );
}
