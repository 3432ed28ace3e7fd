import type { EligibleRole, GroupAccess, RolePart } from '../../services/model/pim.js';
import {
  type ActionData,
  type AdaptiveCard,
  actionSet,
  adaptiveCard,
  type CardElement,
  callout,
  container,
  executeAction,
  factSet,
  heading,
  plainText,
  textBlock,
  truncate,
} from '../elements.js';
import { pageOf, pagerActions, rangeText } from '../paging.js';
import { datedMomentText } from '../time.js';
import { Verbs } from '../verbs.js';
import { cancelActivationButton } from './cancelActivation.js';
import { deactivateButton } from './deactivate.js';
import { dateText, minutesText, missingPartsText, policySummary, roleWord, scopeText } from './format.js';
import { savedSetsSection } from './savedSetsSection.js';

/** What a click on one role's row did (Deactivate, Extend, Cancel), shown in that row when the list is drawn again. */
export interface RowNotice {
  groupId: string;
  accessId: GroupAccess;
  /** Set for a Microsoft Entra role's row. */
  directoryScopeId?: string;
  text: string;
  tone: 'good' | 'attention' | 'warning';
}

export const EXTEND_IN_LIST_BUTTON = 'Extend';

export interface EligibleListView {
  roles: EligibleRole[];
  now: string;
  /** What the person typed after "activate", when the list is narrowed to matching groups. */
  filter?: string;
  /** Parts Graph did not give: the card names them. */
  unavailable?: RolePart[];
  /** 0-based page to show. */
  page?: number;
  notice?: RowNotice;
  /** The names of the person's saved sets (bot/journeys/activation/savedSets.ts). */
  savedSets?: string[];
}

/** Each role shows its policy in full, so a page holds few of them; Previous and Next page through the rest. */
export const ROLES_PAGE_SIZE = 8;

/** The label of a role's Activate button; unique per role so people (and tests) can tell the buttons apart. */
export function activateButtonTitle(
  role: Pick<EligibleRole, 'accessId' | 'directoryScope'> & { group: { displayName: string } },
) {
  const scope = role.directoryScope;
  const suffix = scope ? (scope.id === '/' ? '' : ` (${scope.displayName ?? 'administrative unit'})`) : '';
  return `Activate ${truncate(role.group.displayName, 60)}${role.accessId === 'owner' ? ' (owner)' : suffix}`;
}

export function eligibleListCard(view: EligibleListView): AdaptiveCard {
  const { roles, now, filter } = view;
  const gaps = view.unavailable?.length
    ? [callout([textBlock(missingPartsText(view.unavailable), { wrap: true, spacing: 'small' })], 'warning')]
    : [];
  if (roles.length === 0) return emptyListCard(filter);
  const { items: shown, page } = pageOf(roles, view.page ?? 0, ROLES_PAGE_SIZE);
  const filterData = filter ? { filter: truncate(filter, 60) } : undefined;
  const range = rangeText(page);
  // The row's buttons send where the list was, so the answer is this list again, on the same page.
  const place: ActionData = { list: filterData ? { ...filterData, page: page.index } : { page: page.index } };
  const notice = view.notice;
  const noticeRow = notice && shown.find((r) => sameRole(r, notice));
  const topNotice = notice && !noticeRow ? [noticeCallout(notice)] : [];
  return adaptiveCard(
    [
      heading(filter ? `Your eligible roles matching "${plainText(truncate(filter, 40))}"` : 'Your eligible roles'),
      textBlock(
        [
          roles.some((r) => r.directoryScope)
            ? 'Activate a group membership, ownership or Microsoft Entra role when you need it; it ends by itself at its end time.'
            : 'Activate a membership or ownership when you need it; I remove you automatically when it ends.',
          ...(range ? [range] : []),
        ].join(' '),
        { isSubtle: true, spacing: 'small' },
      ),
      ...gaps,
      ...topNotice,
      ...shown.flatMap((role, i) => [
        // Groups come first, then Entra roles: the first role on the page gets the section's title.
        ...(role.directoryScope && !shown[i - 1]?.directoryScope
          ? [heading('Microsoft Entra roles', { size: 'medium', spacing: 'large' })]
          : []),
        roleSection(role, now, place, role === noticeRow ? notice : undefined),
      ]),
      ...savedSetsSection(view.savedSets ?? []),
    ],
    {
      actions: [
        ...pagerActions(page, Verbs.activateList, filterData),
        // Several at once (bot/journeys/activation/bulk.ts) when more than one role can be activated now.
        ...(roles.filter((r) => !r.active && !r.pending && r.policy).length > 1
          ? [executeAction('Activate several…', Verbs.activateSeveralForm, {}, { style: 'positive' })]
          : []),
        executeAction(
          'Refresh',
          Verbs.activateList,
          filterData ? { ...filterData, page: page.index } : { page: page.index },
        ),
      ],
      fallbackText: `You have ${roles.length} eligible group role(s). Type "activate" in Teams to see them.`,
    },
  );
}

function roleSection(role: EligibleRole, now: string, place: ActionData, notice?: RowNotice): CardElement {
  const items: CardElement[] = [
    textBlock(
      `**${plainText(truncate(role.group.displayName, 120))}** · ${roleWord(role.accessId, role.directoryScope)}`,
      {
        size: 'medium',
      },
    ),
    ...(role.group.description
      ? [textBlock(plainText(truncate(role.group.description, 160)), { isSubtle: true, spacing: 'none', maxLines: 3 })]
      : []),
    factSet([
      ['Scope', role.directoryScope ? plainText(scopeText(role.directoryScope)) : undefined],
      ['Now', statusText(role, now)],
      [
        'To activate',
        role.policy
          ? policySummary(role.policy)
          : `the ${role.directoryScope ? 'role' : 'group'} policy could not be read just now`,
      ],
      ['Eligible', eligibilityText(role)],
    ]),
    ...(notice ? [noticeCallout(notice)] : []),
  ];
  const actions = rowActions(role, place);
  if (actions.length > 0) items.push(actionSet(actions));
  return container(items, { separator: true, spacing: 'medium' });
}

/**
 * Active just in time: Extend and Deactivate. Not started yet: Cancel. Otherwise Activate, when the policy is known.
 * A standing assignment, or an activation whose request Graph did not give, has nothing to press.
 */
function rowActions(role: EligibleRole, place: ActionData) {
  const name = role.group.displayName;
  if (role.active) {
    const requestId = role.active.assignmentType === 'activated' ? role.active.requestId : undefined;
    if (!requestId) return [];
    return [
      executeAction(EXTEND_IN_LIST_BUTTON, Verbs.extend, { ...place, requestId }, { style: 'positive' }),
      deactivateButton(requestId, role.accessId, name, role.directoryScope, place),
    ];
  }
  if (role.pending) {
    return [
      cancelActivationButton(
        role.pending.requestId,
        role.accessId,
        name,
        role.pending.phase,
        role.directoryScope,
        place,
      ),
    ];
  }
  if (!role.policy) return [];
  return [executeAction(activateButtonTitle(role), Verbs.activateForm, formData(role), { style: 'positive' })];
}

/** The list has no refresh: every moment carries its date (cards/time.ts). */
function statusText(role: EligibleRole, now: string): string {
  const { active, pending } = role;
  if (active?.assignmentType === 'assigned') return 'Active: a standing assignment, with no end';
  if (active?.endDateTime) return `Active until ${datedMomentText(active.endDateTime)}`;
  if (active) return 'Active, with no end date';
  if (pending?.phase === 'scheduled') {
    const from = pending.startDateTime ? ` from ${datedMomentText(pending.startDateTime)}` : '';
    const until = pending.endDateTime ? ` until ${datedMomentText(pending.endDateTime)}` : '';
    return `Scheduled${from}${until}`;
  }
  if (pending) {
    const start = pending.startDateTime ? Date.parse(pending.startDateTime) : Number.NaN;
    const length = pending.durationMinutes ? minutesText(pending.durationMinutes) : undefined;
    if (start > Date.parse(now) + 60_000) {
      return `Waiting for approval: ${length ?? 'starting'} from ${datedMomentText(pending.startDateTime)}`;
    }
    const asked = pending.createdDateTime ? `requested ${datedMomentText(pending.createdDateTime)}` : undefined;
    const parts = [length, asked].filter(Boolean);
    return parts.length ? `Waiting for approval: ${parts.join(', ')}` : 'Waiting for approval';
  }
  return 'Not active';
}

/** What opens a role's activation form in place; an Entra role names its directory scope. */
export function formData(
  role: Pick<EligibleRole, 'accessId' | 'directoryScope'> & { group: { id: string } },
): ActionData {
  const data: ActionData = { groupId: role.group.id, accessId: role.accessId, here: true };
  return role.directoryScope ? { ...data, directoryScopeId: role.directoryScope.id } : data;
}

function sameRole(role: EligibleRole, notice: RowNotice): boolean {
  return (
    role.group.id.toLowerCase() === notice.groupId.toLowerCase() &&
    role.accessId === notice.accessId &&
    role.directoryScope?.id.toLowerCase() === notice.directoryScopeId?.toLowerCase()
  );
}

export function noticeCallout(notice: RowNotice): CardElement {
  return callout([textBlock(notice.text, { wrap: true, weight: 'bolder' })], notice.tone);
}

function eligibilityText(role: EligibleRole): string {
  const until = role.eligibleUntil ? `until ${dateText(role.eligibleUntil)}` : 'with no end date';
  const origin = role.origin;
  if (!origin) return until;
  const ends = origin.assignmentEndDateTime ? `, which ends ${dateText(origin.assignmentEndDateTime)}` : '';
  return `${until}, from the access package **${plainText(origin.accessPackageName)}**${ends}`;
}

function emptyListCard(filter?: string): AdaptiveCard {
  const text = filter
    ? `None of your eligible roles matches "${plainText(truncate(filter, 40))}".`
    : 'You have no eligible group memberships or ownerships right now.';
  return adaptiveCard(
    [
      heading('No eligible roles'),
      textBlock(text),
      textBlock(
        'An access package can make you eligible: type **request** *what you need* to find one, or ask your admin.',
        { isSubtle: true },
      ),
    ],
    {
      actions: [
        ...(filter ? [executeAction('Show all my roles', Verbs.activateList)] : []),
        executeAction('Find access', Verbs.showCatalog),
      ],
      fallbackText: text,
    },
  );
}
