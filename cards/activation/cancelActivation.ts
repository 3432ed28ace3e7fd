import type { DirectoryScope, GroupAccess, PendingActivation } from '../../services/model/pim.js';
import type { ActionData, ShowCardAction } from '../elements.js';
import { confirmInCard } from '../requester/confirm.js';
import { Verbs } from '../verbs.js';
import { roleOf } from './format.js';

export const CANCEL_ACTIVATION_BUTTON = 'Cancel request';
export const CONFIRM_CANCEL_ACTIVATION_BUTTON = 'Yes, cancel it';

/**
 * "Cancel request" on an activation that has not started (waiting for approval, or accepted for a later start): asks
 * once in the card, naming the role, then PIM's cancel. `extra` goes with the confirm (the list's place).
 */
export function cancelActivationButton(
  requestId: string,
  accessId: GroupAccess,
  groupName: string,
  phase: PendingActivation['phase'],
  scope?: DirectoryScope,
  extra: ActionData = {},
): ShowCardAction {
  const consequence =
    phase === 'scheduled'
      ? 'The activation will not start. To get the role later you activate it again, with its rules as before.'
      : 'The approvers are no longer asked and nothing is granted. To get the role later you activate it again.';
  return confirmInCard(
    CANCEL_ACTIVATION_BUTTON,
    { question: `Cancel your request to become ${roleOf(accessId, groupName, scope)}?`, consequence },
    { title: CONFIRM_CANCEL_ACTIVATION_BUTTON, verb: Verbs.cancelActivation, data: { ...extra, requestId } },
  );
}
