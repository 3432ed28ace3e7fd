import { collection, type EntityType, entity } from './entity.js';
import { GraphError } from './errors.js';
import type { Group, User } from './model.js';
import type { GraphRequest, Router } from './router.js';
import type { TenantState } from './state.js';
import { iso } from './time.js';

/** Users, groups, members/owners, managers and `/me`. */

const USER_DEFAULT = [
  'businessPhones',
  'displayName',
  'givenName',
  'jobTitle',
  'mail',
  'mobilePhone',
  'officeLocation',
  'preferredLanguage',
  'surname',
  'userPrincipalName',
  'id',
] as const;

export const userType: EntityType<User> = {
  name: 'microsoft.graph.user',
  properties: [...USER_DEFAULT, 'department', 'employeeId', 'accountEnabled', 'companyName', 'userType'],
  defaultSelect: USER_DEFAULT,
  searchable: ['displayName', 'mail', 'userPrincipalName', 'givenName', 'surname'],
  toJson: (u, ctx) => ({
    id: u.id,
    businessPhones: u.businessPhones,
    displayName: u.displayName,
    givenName: u.givenName,
    surname: u.surname,
    jobTitle: u.jobTitle,
    mail: u.mail,
    mobilePhone: u.mobilePhone,
    officeLocation: u.officeLocation,
    preferredLanguage: u.preferredLanguage,
    userPrincipalName: u.userPrincipalName,
    department: u.department,
    employeeId: u.employeeId,
    accountEnabled: u.accountEnabled,
    companyName: u.companyName ?? ctx.state.tenant.displayName,
    userType: u.userType,
  }),
  navigations: {
    manager: {
      get type() {
        return directoryObjectType as EntityType<unknown>;
      },
      many: false,
      resolve: (u, ctx) => (u.managerId ? (ctx.state.user(u.managerId) ?? null) : null),
    },
  },
};

/** A user inside a directoryObject collection (members, owners, manager): carries `@odata.type`. */
export const directoryObjectType: EntityType<User> = {
  ...userType,
  toJson: (u, ctx) => ({ '@odata.type': '#microsoft.graph.user', ...userType.toJson(u, ctx) }),
};

export const groupType: EntityType<Group> = {
  name: 'microsoft.graph.group',
  properties: [
    'id',
    'displayName',
    'description',
    'mail',
    'mailEnabled',
    'mailNickname',
    'securityEnabled',
    'groupTypes',
    'visibility',
    'createdDateTime',
    'isAssignableToRole',
  ],
  searchable: ['displayName', 'description', 'mail'],
  toJson: (g) => ({
    id: g.id,
    createdDateTime: iso(g.createdDateTime),
    description: g.description,
    displayName: g.displayName,
    groupTypes: g.groupTypes,
    isAssignableToRole: null,
    mail: g.mail,
    mailEnabled: g.mailEnabled,
    mailNickname: g.mailNickname,
    securityEnabled: g.securityEnabled,
    visibility: g.visibility,
  }),
  navigations: {
    members: {
      type: directoryObjectType as EntityType<unknown>,
      many: true,
      resolve: (g, ctx) => principals(ctx.state, g, 'member'),
    },
    owners: {
      type: directoryObjectType as EntityType<unknown>,
      many: true,
      resolve: (g, ctx) => principals(ctx.state, g, 'owner'),
    },
  },
};

function principals(state: TenantState, group: Group, accessId: 'member' | 'owner'): User[] {
  return state
    .groupPrincipals(group, accessId)
    .map((id) => state.user(id))
    .filter((u): u is User => !!u)
    .sort((a, b) => a.displayName.localeCompare(b.displayName));
}

const missing = (id: string): GraphError =>
  new GraphError(
    404,
    'Request_ResourceNotFound',
    `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
  );

function userById(req: GraphRequest, id: string): User {
  const u = req.state.user(id);
  if (!u) throw missing(id);
  return u;
}

function groupById(req: GraphRequest, id: string): Group {
  const g = req.state.groups.get(id.toLowerCase());
  if (!g) throw missing(id);
  return g;
}

function manager(req: GraphRequest, u: User) {
  const m = u.managerId ? req.state.user(u.managerId) : undefined;
  if (!m) throw missing('manager');
  return entity(req, directoryObjectType, m, 'directoryObjects');
}

function sponsors(req: GraphRequest, u: User) {
  const list = u.sponsorIds.map((id) => req.state.user(id)).filter((s): s is User => !!s);
  return collection(req, directoryObjectType, list, { context: 'directoryObjects' });
}

function directReports(req: GraphRequest, u: User) {
  const reports = [...req.state.users.values()].filter((x) => x.managerId === u.id);
  return collection(req, directoryObjectType, reports, { context: 'directoryObjects' });
}

const me = (req: GraphRequest): User => userById(req, req.caller.oid);

export function registerDirectory(router: Router): void {
  const users = (req: GraphRequest) => [...req.state.users.values()];
  router
    .add('GET', '/users', 'any', (req) =>
      collection(req, userType, users(req), { context: 'users', searchNeedsConsistencyLevel: true }),
    )
    .add('GET', '/users/{id}', 'any', (req, [id]) => entity(req, userType, userById(req, id), 'users'))
    .add('GET', '/users/{id}/manager', 'any', (req, [id]) => manager(req, userById(req, id)))
    .add('GET', '/users/{id}/directReports', 'any', (req, [id]) => directReports(req, userById(req, id)))
    .add('GET', '/users/{id}/sponsors', 'any', (req, [id]) => sponsors(req, userById(req, id)))
    .add('GET', '/me', 'me', (req) => entity(req, userType, me(req), 'users'))
    .add('GET', '/me/manager', 'me', (req) => manager(req, me(req)))
    .add('GET', '/me/directReports', 'me', (req) => directReports(req, me(req)))
    .add('GET', '/groups', 'any', (req) =>
      collection(req, groupType, [...req.state.groups.values()], {
        context: 'groups',
        searchNeedsConsistencyLevel: true,
      }),
    )
    .add('GET', '/groups/{id}', 'any', (req, [id]) => entity(req, groupType, groupById(req, id), 'groups'))
    .add('GET', '/groups/{id}/members', 'any', (req, [id]) =>
      collection(req, directoryObjectType, principals(req.state, groupById(req, id), 'member'), {
        context: 'directoryObjects',
      }),
    )
    .add('GET', '/groups/{id}/owners', 'any', (req, [id]) =>
      collection(req, directoryObjectType, principals(req.state, groupById(req, id), 'owner'), {
        context: 'directoryObjects',
      }),
    );
}
