import type { PackageHolding, PackageSummary } from '../../services/model/entitlement.js';
import {
  type AdaptiveCard,
  actionSet,
  adaptiveCard,
  type CardAction,
  type CardElement,
  container,
  executeAction,
  heading,
  plainText,
  textBlock,
  truncate,
} from '../elements.js';
import { pagerActions } from '../paging.js';
import { Verbs } from '../verbs.js';
import { heldNextText, holdingActions, WAITING_TEXT, youHaveThisText } from './holding.js';

/** Search results and the catalog: one page of packages, each with Details and Request. */

export interface PackageListView {
  /** What the person searched for; undefined for the whole catalog. */
  query?: string;
  /** This page only. */
  packages: PackageSummary[];
  total: number;
  /** 0-based. */
  page: number;
  pageSize: number;
  /** Stored search that Previous and Next page through; undefined for the catalog. */
  searchId?: string;
  /** Graph returned no catalog or resource names, so the ranking used names and descriptions only. */
  limitedRanking?: boolean;
  /** What the person already holds or waits for, by package id; undefined when it could not be read. */
  holdings?: ReadonlyMap<string, PackageHolding>;
}

/** Where a list card stood (its stored search, if any, and page), so "Back to the catalog" can bring it back. */
export interface CatalogPlace {
  searchId?: string;
  page: number;
}

export function placeData(place: CatalogPlace | undefined): Record<string, string | number> {
  if (!place) return {};
  return place.searchId ? { searchId: place.searchId, page: place.page } : { page: place.page };
}

function holdingLines(holding: PackageHolding | undefined): CardElement[] {
  if (!holding) return [];
  if (holding.kind === 'waiting') return [textBlock(WAITING_TEXT, { spacing: 'small', wrap: true })];
  const next = heldNextText(holding);
  return [
    textBlock(`**${youHaveThisText(holding.assignment)}**${next ? ` ${next}` : ''}`, { spacing: 'small', wrap: true }),
  ];
}

export function packageLine(pkg: PackageSummary, holding?: PackageHolding, from?: CatalogPlace): CardElement {
  const about = [pkg.catalogName, truncate(pkg.description, 160)].filter((t) => t.trim() !== '').map(plainText);
  return container(
    [
      textBlock(`**${plainText(pkg.displayName)}**`),
      ...(about.length > 0 ? [textBlock(about.join(' · '), { isSubtle: true, spacing: 'none' })] : []),
      ...holdingLines(holding),
      actionSet([
        executeAction('Details', Verbs.showDetails, { packageId: pkg.id, ...placeData(from) }),
        ...holdingActions(pkg.id, holding),
      ]),
    ],
    { separator: true, spacing: 'medium' },
  );
}

function title(view: PackageListView): string {
  return view.query === undefined
    ? 'Access packages you can request'
    : `Access packages for "${plainText(truncate(view.query.trim(), 80))}"`;
}

function rangeLine(view: PackageListView): string {
  const first = view.page * view.pageSize + 1;
  const last = first + view.packages.length - 1;
  if (view.total === 0) return 'There is no access package you can request right now.';
  if (view.total <= view.packages.length && view.page === 0) {
    return view.total === 1 ? '1 package.' : `${view.total} packages, best match first.`;
  }
  return `Showing ${first}–${last} of ${view.total}.`;
}

export function packageListCard(view: PackageListView): AdaptiveCard {
  const page = { index: view.page, size: view.pageSize, total: view.total };
  const actions: CardAction[] = [
    ...pagerActions(page, Verbs.showMore, view.searchId ? { searchId: view.searchId } : {}),
    executeAction('My requests', Verbs.myRequests),
  ];
  const notes: CardElement[] = view.limitedRanking
    ? [textBlock('Matched on package names and descriptions only.', { isSubtle: true, size: 'small' })]
    : [];
  return adaptiveCard(
    [
      heading(title(view)),
      textBlock(rangeLine(view), { isSubtle: true, spacing: 'none' }),
      ...notes,
      ...view.packages.map((p) =>
        packageLine(p, view.holdings?.get(p.id), { searchId: view.searchId, page: view.page }),
      ),
    ],
    { actions, fallbackText: `${view.total} access packages.` },
  );
}

export interface NoMatchView {
  query: string;
  /** Close names, best first. */
  suggestions: PackageSummary[];
  holdings?: ReadonlyMap<string, PackageHolding>;
}

export function noMatchCard(view: NoMatchView): AdaptiveCard {
  const typed = plainText(truncate(view.query.trim(), 80));
  const body: CardElement[] = [
    heading('No access package found'),
    textBlock(`Nothing you can request matches "${typed}".`, { wrap: true }),
  ];
  if (view.suggestions.length > 0) {
    body.push(textBlock('Did you mean one of these?', { weight: 'bolder', spacing: 'medium' }));
    body.push(...view.suggestions.map((p) => packageLine(p, view.holdings?.get(p.id))));
  } else {
    body.push(
      textBlock(
        'Try the name of the app, group or site you need (for example "payroll" or "finance reports"), or browse everything you can request. Type **my access** to see what you already have.',
        { spacing: 'small', wrap: true },
      ),
    );
  }
  return adaptiveCard(body, {
    actions: [executeAction('Browse the catalog', Verbs.showCatalog), executeAction('Help', Verbs.help)],
    fallbackText: `No access package found for "${view.query.slice(0, 80)}".`,
  });
}
