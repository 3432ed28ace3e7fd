import { myAccessRoleSections } from '../../../cards/activation/activeRolesSection.js';
import type { RowNotice } from '../../../cards/activation/listCard.js';
import type { AdaptiveCard } from '../../../cards/elements.js';
import type { ListSection } from '../../../cards/paging.js';
import { SignInRequiredError } from '../../../services/auth/tokens.js';
import { loadActiveRoles } from '../../../services/pim/roles.js';
import type { ActingUser, BotServices } from '../../services.js';
import { deactivateOnce } from './active.js';

/**
 * The role sections of `my access` (composed by the requester journey next to the package assignments): the
 * person's current memberships and ownerships of PIM groups, and their active Microsoft Entra roles, with end times.
 * When Graph fails the sections say so instead of failing the whole card. A missing sign-in is not a Graph failure:
 * it goes up, so the person is asked to sign in like for any other command.
 */
export async function activeRolesSections(
  app: BotServices,
  user: ActingUser,
  place: { page?: number; notice?: RowNotice } = {},
): Promise<ListSection[]> {
  const now = app.clock.now().toISOString();
  try {
    const { roles, unavailable } = await loadActiveRoles(app.graph.forUser(user));
    if (unavailable.length > 0) app.log.warn({ unavailable }, 'active roles listed with parts missing');
    return myAccessRoleSections({ roles, now, missing: unavailable, ...place });
  } catch (err) {
    if (err instanceof SignInRequiredError) throw err;
    app.log.warn({ err }, 'could not read active roles');
    return myAccessRoleSections({ roles: [], now, unavailable: true, ...place });
  }
}

/**
 * Deactivate pressed in `my access`: ends the activation like everywhere else and says what came of it as the notice
 * of its row, for the requester journey to draw `my access` again; or a card of its own (not yours, a sign-in).
 */
export async function deactivateFromMyAccess(
  app: BotServices,
  user: ActingUser,
  requestId: string,
  clickedActivityId?: string,
): Promise<{ card: AdaptiveCard } | { notice?: RowNotice }> {
  const answer = await deactivateOnce(app, user, requestId, clickedActivityId);
  if ('card' in answer) return answer;
  const { record, notice } = answer;
  const text = notice?.text ?? answer.done;
  if (!text) return {};
  return {
    notice: {
      groupId: record.groupId,
      accessId: record.accessId,
      ...(record.directoryScopeId !== undefined ? { directoryScopeId: record.directoryScopeId } : {}),
      text,
      tone: notice?.tone ?? 'good',
    },
  };
}
