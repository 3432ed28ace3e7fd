import type { ActiveRole } from '../../services/model/pim.js';
import { type CardElement, container, plainText, textBlock } from '../elements.js';
import { roleWord, timeText } from './format.js';

export interface ActiveRolesView {
  roles: ActiveRole[];
  now: string;
  /** The roles could not be read just now; the section says so instead of claiming there are none. */
  unavailable?: boolean;
}

/** The "Active group memberships" part of `my access`, next to the access package assignments. */
export function activeRolesSection(view: ActiveRolesView): CardElement[] {
  const title = textBlock('Active group memberships', { weight: 'bolder', spacing: 'medium', separator: true });
  if (view.unavailable) {
    return [title, textBlock('I could not read your group memberships just now; type **activate** to try again.')];
  }
  if (view.roles.length === 0) {
    return [
      title,
      textBlock('None right now. Type **activate** to see the roles you can activate.', { isSubtle: true }),
    ];
  }
  return [
    title,
    container(
      view.roles.map((role) => roleLine(role, view.now)),
      { spacing: 'small' },
    ),
  ];
}

function roleLine(role: ActiveRole, now: string): CardElement {
  const name = `**${plainText(role.group.displayName)}** (${roleWord(role.accessId)})`;
  const until = role.endDateTime ? `until ${timeText(role.endDateTime, now)}` : 'permanent assignment';
  return textBlock(`- ${name}: ${until}`, { spacing: 'none' });
}
