import MiniSearch, { type SearchOptions } from 'minisearch';
import type { PackageSummary } from '../model/entitlement.js';

/**
 * Ranks the packages a user may request against what they typed, tolerant of typos and word order (minisearch: BM25
 * with fuzzy and prefix matching). The index is built per search from that user's own list; nothing is shared.
 */

/** Words that say what the person wants rather than what they want it for ("I need access to the …"). */
const STOP_WORDS = new Set(
  (
    'a an and are am as at be been by can could do does for from get give got have having how i in into is it its ' +
    'let me my need needs needed no not of on or our please request requesting requests some that the this to ' +
    'access want wants wanted we what which with would you your like looking find show search us hi hello hey ' +
    'there just also new more any all yes ok thanks'
  ).split(/\s+/),
);

const BOOST = { displayName: 3, resources: 2, catalogName: 1.5, description: 1 };

export interface SearchOutcome {
  /** Best match first. */
  matches: PackageSummary[];
  /** The meaningful words of the query (after dropping words like "I need access to"). */
  terms: string[];
}

interface IndexedPackage {
  id: string;
  displayName: string;
  description: string;
  catalogName: string;
  resources: string;
}

/** Lower case, accents folded, stop words dropped: used for the index and the query alike. */
export function normaliseTerm(term: string): string | null {
  const folded = term
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase();
  if (folded.length < 2 || STOP_WORDS.has(folded)) return null;
  return folded;
}

/** The words of `query` that the search uses. */
export function queryTerms(query: string): string[] {
  return MiniSearch.getDefault('tokenize')(query)
    .map((t: string) => normaliseTerm(t))
    .filter((t: string | null): t is string => !!t);
}

/** Packages a person browses: hidden ones are reachable by link only, as in My Access. */
export function browsable(packages: PackageSummary[]): PackageSummary[] {
  return packages.filter((p) => !p.isHidden);
}

export function sortForCatalog(packages: PackageSummary[]): PackageSummary[] {
  return [...packages].sort(
    (a, b) => a.catalogName.localeCompare(b.catalogName) || a.displayName.localeCompare(b.displayName),
  );
}

function buildIndex(packages: PackageSummary[]): MiniSearch<IndexedPackage> {
  const index = new MiniSearch<IndexedPackage>({
    fields: ['displayName', 'description', 'catalogName', 'resources'],
    processTerm: normaliseTerm,
  });
  index.addAll(
    packages.map((p) => ({
      id: p.id,
      displayName: p.displayName,
      description: p.description,
      catalogName: p.catalogName,
      resources: p.resourceNames.join(' '),
    })),
  );
  return index;
}

const MATCH_OPTIONS: SearchOptions = {
  boost: BOOST,
  combineWith: 'OR',
  prefix: (term) => term.length >= 3,
  // Edits allowed per word: one from 4 letters, two (a swapped pair) from 7.
  fuzzy: (term) => (term.length >= 7 ? 2 : term.length >= 4 ? 1 : false),
};

/** Looser matching for "did you mean": names only, more typos allowed. */
const SUGGEST_OPTIONS: SearchOptions = {
  fields: ['displayName', 'catalogName', 'resources'],
  combineWith: 'OR',
  prefix: true,
  fuzzy: (term) => (term.length >= 3 ? 0.45 : false),
};

/** Ranks `packages` (hidden ones left out) by `query`; an empty query lists them all in catalog order. */
export function searchPackages(packages: PackageSummary[], query: string): SearchOutcome {
  const visible = browsable(packages);
  const terms = queryTerms(query);
  if (terms.length === 0) return { matches: sortForCatalog(visible), terms };
  return { matches: rank(visible, terms.join(' '), MATCH_OPTIONS), terms };
}

/** Close names for a query that matched nothing, best first (at most `limit`). */
export function suggestPackages(packages: PackageSummary[], query: string, limit = 3): PackageSummary[] {
  const terms = queryTerms(query);
  if (terms.length === 0) return [];
  return rank(browsable(packages), terms.join(' '), SUGGEST_OPTIONS).slice(0, limit);
}

function rank(packages: PackageSummary[], query: string, options: SearchOptions): PackageSummary[] {
  if (packages.length === 0) return [];
  const byId = new Map(packages.map((p) => [p.id, p]));
  const results = buildIndex(packages).search(query, options);
  return results
    .sort((a, b) => b.score - a.score || String(a.id).localeCompare(String(b.id)))
    .map((r) => byId.get(String(r.id)))
    .filter((p): p is PackageSummary => p !== undefined);
}
