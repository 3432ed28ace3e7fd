import { activeRolesSection as drawSection } from '../../../cards/activation/activeRolesSection.js';
import type { ListSection } from '../../../cards/paging.js';
import { SignInRequiredError } from '../../../services/auth/tokens.js';
import { loadActiveRoles } from '../../../services/pim/roles.js';
import type { ActingUser, BotServices } from '../../services.js';

/**
 * The "Active group memberships" section of `my access` (composed by the requester journey next to the package
 * assignments): the person's current memberships and ownerships of PIM groups with their end times. Two Graph round
 * trips at most; when Graph fails the section says so instead of failing the whole card. A missing sign-in is not a
 * Graph failure: it goes up, so the person is asked to sign in like for any other command.
 */
export async function activeRolesSection(app: BotServices, user: ActingUser): Promise<ListSection> {
  const now = app.clock.now().toISOString();
  try {
    const { roles, unavailable } = await loadActiveRoles(app.graph.forUser(user));
    if (unavailable.length > 0) app.log.warn({ unavailable }, 'active group memberships listed with parts missing');
    return drawSection({ roles, now, missing: unavailable });
  } catch (err) {
    if (err instanceof SignInRequiredError) throw err;
    app.log.warn({ err }, 'could not read active group memberships');
    return drawSection({ roles: [], now, unavailable: true });
  }
}
