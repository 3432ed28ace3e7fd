import type { ActiveRole, RolePart } from '../../services/model/pim.js';
import { actionSet, type CardElement, callout, container, plainText, textBlock, truncate } from '../elements.js';
import type { ListSection } from '../paging.js';
import { deactivateButton } from './deactivate.js';
import { missingPartsText, roleWord, timeText } from './format.js';

export interface ActiveRolesView {
  roles: ActiveRole[];
  now: string;
  /** The roles could not be read just now; the section says so instead of claiming there are none. */
  unavailable?: boolean;
  /** Parts Graph did not give (group names, the requests behind activations): the section names them. */
  missing?: RolePart[];
}

/**
 * The "Active group memberships" part of `my access`, next to the access package assignments: one line per active
 * membership or ownership with its end time, and Deactivate for a just-in-time activation (a standing assignment is
 * not the person's to end).
 */
export function activeRolesSection(view: ActiveRolesView): ListSection {
  const title = textBlock('Active group memberships', { weight: 'bolder', spacing: 'medium', separator: true });
  if (view.unavailable) {
    return {
      title,
      rows: [],
      whenEmpty: [textBlock('I could not read your group memberships just now; type **activate** to try again.')],
    };
  }
  const gaps = view.missing?.length ? [callout([textBlock(missingPartsText(view.missing))], 'warning')] : [];
  return {
    title: gaps.length > 0 ? container([title, ...gaps]) : title,
    rows: view.roles.map((role) => roleLine(role, view.now)),
    whenEmpty: [textBlock('None right now. Type **activate** to see the roles you can activate.', { isSubtle: true })],
  };
}

function roleLine(role: ActiveRole, now: string): CardElement {
  const name = `**${plainText(truncate(role.group.displayName, 120))}** (${roleWord(role.accessId)})`;
  const until = role.endDateTime ? `until ${timeText(role.endDateTime, now)}` : 'permanent assignment';
  const canEnd = role.assignmentType === 'activated' && !!role.requestId;
  return container(
    [
      textBlock(`${name}: ${until}`),
      ...(canEnd
        ? [actionSet([deactivateButton(role.requestId as string, role.accessId, role.group.displayName)])]
        : []),
    ],
    { spacing: 'small' },
  );
}
