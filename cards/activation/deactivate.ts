import type { GroupAccess } from '../../services/model/entitlement.js';
import type { DirectoryScope } from '../../services/model/pim.js';
import type { ActionData, ShowCardAction } from '../elements.js';
import { confirmInCard } from '../requester/confirm.js';
import { type Verb, Verbs } from '../verbs.js';
import { roleOf } from './format.js';

export const DEACTIVATE_BUTTON = 'Deactivate';
export const CONFIRM_DEACTIVATE_BUTTON = 'Yes, deactivate';

/**
 * "Deactivate" asks once, in the card (nothing reaches the bot before the confirm), and says exactly what stops:
 * the person's membership or ownership of this group, now, until they activate it again. `extra` goes with the
 * confirm (the list sends where it was, to draw itself again); `verb` is the handler of the confirm (`my access`
 * has its own, which draws that card again).
 */
export function deactivateButton(
  requestId: string,
  accessId: GroupAccess,
  groupName: string,
  scope?: DirectoryScope,
  extra: ActionData = {},
  verb: Verb = Verbs.deactivate,
): ShowCardAction {
  const role = roleOf(accessId, groupName, scope);
  return confirmInCard(
    DEACTIVATE_BUTTON,
    {
      question: `Stop being ${role} now?`,
      consequence: `You will stop being ${role} as soon as PIM ends the activation. To get it back later you activate it again, with its rules (justification, approval) as before.`,
    },
    { title: CONFIRM_DEACTIVATE_BUTTON, verb, data: { ...extra, requestId } },
  );
}
