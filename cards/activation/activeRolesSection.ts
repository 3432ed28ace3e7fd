import type { ActiveRole, RolePart } from '../../services/model/pim.js';
import { actionSet, type CardElement, callout, container, plainText, textBlock, truncate } from '../elements.js';
import type { ListSection } from '../paging.js';
import { Verbs } from '../verbs.js';
import { deactivateButton } from './deactivate.js';
import { missingPartsText, roleWord, scopeText, timeText } from './format.js';
import { noticeCallout, type RowNotice } from './listCard.js';

export interface ActiveRolesView {
  /** Active PIM group memberships/ownerships and (with `directoryScope`) active Microsoft Entra roles. */
  roles: ActiveRole[];
  now: string;
  /** The roles could not be read just now; the section says so instead of claiming there are none. */
  unavailable?: boolean;
  /** Parts Graph did not give (group names, the requests behind activations): the section names them. */
  missing?: RolePart[];
  /** The `my access` page the card shows: Deactivate sends it, so the card is drawn again at the same page. */
  page?: number;
  /** What the last Deactivate in this card did, by its row (or where the row was, when the role has ended). */
  notice?: RowNotice;
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
  const groups = view.roles.filter((r) => !r.directoryScope);
  return {
    title: gaps.length > 0 ? container([title, ...gaps]) : title,
    rows: rowsWithNotice(groups, view, false),
    whenEmpty: [textBlock('None right now. Type **activate** to see the roles you can activate.', { isSubtle: true })],
  };
}

/**
 * The "Active Microsoft Entra roles" part of `my access`: each role with its scope, end time and Deactivate. Shown
 * only when the person has one active (or just deactivated one), so people without Entra roles see no empty section.
 */
export function activeDirectoryRolesSection(view: ActiveRolesView): ListSection | undefined {
  const roles = view.unavailable ? [] : view.roles.filter((r) => r.directoryScope);
  const rows = rowsWithNotice(roles, view, true);
  if (rows.length === 0) return undefined;
  return {
    title: textBlock('Active Microsoft Entra roles', { weight: 'bolder', spacing: 'medium', separator: true }),
    rows,
    whenEmpty: [],
  };
}

/** Both role sections of `my access`, groups first. */
export function myAccessRoleSections(view: ActiveRolesView): ListSection[] {
  const directoryRoles = activeDirectoryRolesSection(view);
  return [activeRolesSection(view), ...(directoryRoles ? [directoryRoles] : [])];
}

function rowsWithNotice(roles: ActiveRole[], view: ActiveRolesView, directoryRoles: boolean): CardElement[] {
  const notice = view.notice && !!view.notice.directoryScopeId === directoryRoles ? view.notice : undefined;
  const rows = roles.map((role) => roleLine(role, view, notice && sameRole(role, notice) ? notice : undefined));
  // The role has ended (Deactivate did it): its notice stands where its row was.
  if (notice && !roles.some((role) => sameRole(role, notice))) rows.unshift(noticeCallout(notice));
  return rows;
}

function sameRole(role: ActiveRole, notice: RowNotice): boolean {
  return (
    role.group.id.toLowerCase() === notice.groupId.toLowerCase() &&
    role.accessId === notice.accessId &&
    role.directoryScope?.id.toLowerCase() === notice.directoryScopeId?.toLowerCase()
  );
}

function roleLine(role: ActiveRole, view: ActiveRolesView, notice?: RowNotice): CardElement {
  const scope = role.directoryScope;
  const what = scope ? plainText(scopeText(scope)) : roleWord(role.accessId);
  const name = `**${plainText(truncate(role.group.displayName, 120))}** (${what})`;
  const until = role.endDateTime ? `until ${timeText(role.endDateTime, view.now)}` : 'permanent assignment';
  const canEnd = role.assignmentType === 'activated' && !!role.requestId;
  return container(
    [
      textBlock(`${name}: ${until}`),
      ...(notice ? [noticeCallout(notice)] : []),
      ...(canEnd
        ? [
            actionSet([
              deactivateButton(
                role.requestId as string,
                role.accessId,
                role.group.displayName,
                scope,
                { page: view.page ?? 0 },
                Verbs.deactivateInMyAccess,
              ),
            ]),
          ]
        : []),
    ],
    { spacing: 'small' },
  );
}
