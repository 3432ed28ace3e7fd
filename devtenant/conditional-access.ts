import type { Caller } from './auth.js';
import { collection, type EntityType, entity } from './entity.js';
import { forbidden, notFound } from './errors.js';
import type { AuthenticationContext } from './model.js';
import type { GraphRequest, Router } from './router.js';

/**
 * Conditional Access authentication contexts (v1.0 authenticationContextClassReference):
 * `GET /identity/conditionalAccess/authenticationContextClassReferences` and `/{id}`. Unlike the rest of the
 * devtenant, these reads check the token's permissions, so a tenant that never consented can be shown.
 */

const PATH = '/identity/conditionalAccess/authenticationContextClassReferences';
const CONTEXT = 'identity/conditionalAccess/authenticationContextClassReferences';

/** Microsoft Graph docs (list / get authenticationContextClassReference): the least privileged first, delegated and application alike. */
export const AUTH_CONTEXT_READ_PERMISSIONS = [
  'AuthenticationContext.Read.All',
  'AuthenticationContext.ReadWrite.All',
  'Policy.Read.ConditionalAccess',
  'Policy.ReadWrite.ConditionalAccess',
] as const;

export const authenticationContextType: EntityType<AuthenticationContext> = {
  name: 'microsoft.graph.authenticationContextClassReference',
  properties: ['id', 'displayName', 'description', 'isAvailable'],
  toJson: (c) => ({ id: c.id, displayName: c.displayName, description: c.description, isAvailable: c.isAvailable }),
};

/** Permissions the token carries: `roles` for an app token, `scp` (space-separated) for a user token. */
function granted(caller: Caller): string[] {
  if (caller.kind === 'app') return Array.isArray(caller.claims.roles) ? caller.claims.roles.map(String) : [];
  return typeof caller.claims.scp === 'string' ? caller.claims.scp.split(' ') : [];
}

/** Conditional Access answers a token without the permission so (AlexFilipin/ConditionalAccess#10, for its policies). */
function requirePermission(req: GraphRequest): void {
  const held = new Set(granted(req.caller).map((p) => p.toLowerCase()));
  if (AUTH_CONTEXT_READ_PERMISSIONS.some((p) => held.has(p.toLowerCase()))) return;
  throw forbidden(
    'You cannot perform the requested operation, required scopes are missing in the token.',
    'AccessDenied',
  );
}

function byId(req: GraphRequest, id: string): AuthenticationContext {
  const found = req.state.authenticationContexts.get(id.toLowerCase());
  if (!found) throw notFound(`authenticationContextClassReference '${id}' was not found.`);
  return found;
}

export function registerConditionalAccess(router: Router): void {
  router
    .add('GET', PATH, 'any', (req) => {
      requirePermission(req);
      return collection(req, authenticationContextType, [...req.state.authenticationContexts.values()], {
        context: CONTEXT,
      });
    })
    .add('GET', `${PATH}/{id}`, 'any', (req, [id]) => {
      requirePermission(req);
      return entity(req, authenticationContextType, byId(req, id), CONTEXT);
    });
}
