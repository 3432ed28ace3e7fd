import { directoryObjectType } from './directory.js';
import { collection, type EntityType, entity } from './entity.js';
import { notFound } from './errors.js';
import type { ConnectedOrganization, User } from './model.js';
import type { GraphRequest, Router } from './router.js';
import type { TenantState } from './state.js';
import { iso } from './time.js';

/**
 * Connected organizations and their sponsors (GRAPH-API.md §3.3 subject sets, §4.13 poller):
 * `GET .../connectedOrganizations`, `/{id}`, `/{id}/internalSponsors`, `/{id}/externalSponsors`.
 * The property set is Graph's connectedOrganization resource; GRAPH-API.md does not list it (README: UNCONFIRMED).
 */

const EM = '/identityGovernance/entitlementManagement';
const CONTEXT = 'identityGovernance/entitlementManagement/connectedOrganizations';

export const connectedOrganizationType: EntityType<ConnectedOrganization> = {
  name: 'microsoft.graph.connectedOrganization',
  properties: ['id', 'displayName', 'description', 'identitySources', 'state', 'createdDateTime', 'modifiedDateTime'],
  searchable: ['displayName', 'description'],
  toJson: (o) => ({
    id: o.id,
    displayName: o.displayName,
    description: o.description,
    identitySources: o.identitySources,
    state: o.state,
    createdDateTime: iso(o.createdDateTime),
    modifiedDateTime: iso(o.createdDateTime),
  }),
};

/** Sponsors that are users of the tenant (a seed may name nobody else). */
export function sponsorsOf(state: TenantState, org: ConnectedOrganization, kind: 'internal' | 'external'): User[] {
  const ids = kind === 'internal' ? org.internalSponsors : org.externalSponsors;
  return ids.map((id) => state.user(id)).filter((u): u is User => !!u);
}

function orgById(req: GraphRequest, id: string): ConnectedOrganization {
  const org = req.state.connectedOrganizations.get(id.toLowerCase());
  if (!org) throw notFound(`Connected organization '${id}' was not found.`);
  return org;
}

export function registerConnectedOrganizations(router: Router): void {
  const sponsors =
    (kind: 'internal' | 'external') =>
    (req: GraphRequest, [id]: string[]) =>
      collection(req, directoryObjectType, sponsorsOf(req.state, orgById(req, id), kind), {
        context: 'directoryObjects',
      });
  router
    .add('GET', `${EM}/connectedOrganizations`, 'any', (req) =>
      collection(
        req,
        connectedOrganizationType,
        [...req.state.connectedOrganizations.values()].sort((a, b) => a.createdDateTime - b.createdDateTime),
        { context: CONTEXT },
      ),
    )
    .add('GET', `${EM}/connectedOrganizations/{id}`, 'any', (req, [id]) =>
      entity(req, connectedOrganizationType, orgById(req, id), CONTEXT),
    )
    .add('GET', `${EM}/connectedOrganizations/{id}/internalSponsors`, 'any', sponsors('internal'))
    .add('GET', `${EM}/connectedOrganizations/{id}/externalSponsors`, 'any', sponsors('external'));
}
