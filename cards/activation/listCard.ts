import type { EligibleRole, RolePart } from '../../services/model/pim.js';
import {
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
import { Verbs } from '../verbs.js';
import { dateText, missingPartsText, policySummary, roleWord, timeText } from './format.js';

export interface EligibleListView {
  roles: EligibleRole[];
  now: string;
  /** What the person typed after "activate", when the list is narrowed to matching groups. */
  filter?: string;
  /** Parts Graph did not give: the card names them. */
  unavailable?: RolePart[];
  /** 0-based page to show. */
  page?: number;
}

/** Each role shows its policy in full, so a page holds few of them; Previous and Next page through the rest. */
export const ROLES_PAGE_SIZE = 8;

/** The label of a role's Activate button; unique per role so people (and tests) can tell the buttons apart. */
export function activateButtonTitle(role: Pick<EligibleRole, 'accessId'> & { group: { displayName: string } }) {
  return `Activate ${truncate(role.group.displayName, 60)}${role.accessId === 'owner' ? ' (owner)' : ''}`;
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
  return adaptiveCard(
    [
      heading(filter ? `Your eligible roles matching "${plainText(truncate(filter, 40))}"` : 'Your eligible roles'),
      textBlock(
        [
          'Activate a membership or ownership when you need it; I remove you automatically when it ends.',
          ...(range ? [range] : []),
        ].join(' '),
        { isSubtle: true, spacing: 'small' },
      ),
      ...gaps,
      ...shown.map((role) => roleSection(role, now)),
    ],
    {
      actions: [
        ...pagerActions(page, Verbs.activateList, filterData),
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

function roleSection(role: EligibleRole, now: string): CardElement {
  const items: CardElement[] = [
    textBlock(`**${plainText(truncate(role.group.displayName, 120))}** · ${roleWord(role.accessId)}`, {
      size: 'medium',
    }),
    ...(role.group.description
      ? [textBlock(plainText(truncate(role.group.description, 160)), { isSubtle: true, spacing: 'none', maxLines: 3 })]
      : []),
    factSet([
      ['Now', statusText(role, now)],
      ['To activate', role.policy ? policySummary(role.policy) : 'the group policy could not be read just now'],
      ['Eligible', eligibilityText(role)],
    ]),
  ];
  if (canActivate(role)) {
    items.push(
      actionSet([
        executeAction(
          activateButtonTitle(role),
          Verbs.activateForm,
          { groupId: role.group.id, accessId: role.accessId, here: true },
          { style: 'positive' },
        ),
      ]),
    );
  }
  return container(items, { separator: true, spacing: 'medium' });
}

function canActivate(role: EligibleRole): boolean {
  return !role.active && !role.pendingRequestId && !!role.policy;
}

function statusText(role: EligibleRole, now: string): string {
  if (role.active?.endDateTime) return `active until ${timeText(role.active.endDateTime, now)}`;
  if (role.active) return 'active (permanent assignment)';
  if (role.pendingRequestId) return 'activation waiting for approval';
  return 'not active';
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
