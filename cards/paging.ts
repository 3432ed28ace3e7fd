import { type ActionData, type CardElement, type ExecuteAction, executeAction } from './elements.js';
import type { Verb } from './verbs.js';

/**
 * Paging for list cards. Teams refuses a message over 100 KB (UTF-16), so no list card shows everything: each shows
 * one page with Previous and Next, whose data carries the 0-based `page` the card's verb reads back.
 */

export interface Page {
  /** 0-based, already clamped to the pages there are. */
  index: number;
  size: number;
  total: number;
}

/** Highest page index a card action may ask for (the verbs' schemas bound `page` with it). */
export const MAX_PAGE_INDEX = 500;

export function pageCount(page: Pick<Page, 'size' | 'total'>): number {
  return Math.max(1, Math.ceil(page.total / page.size));
}

/** The page `index` of `items`; an index past the end shows the last page (the list shrank since the click). */
export function pageOf<T>(items: readonly T[], index: number, size: number): { items: T[]; page: Page } {
  const last = pageCount({ size, total: items.length }) - 1;
  const clamped = Math.min(Math.max(0, Math.trunc(index) || 0), last);
  return {
    items: items.slice(clamped * size, (clamped + 1) * size),
    page: { index: clamped, size, total: items.length },
  };
}

/** "Showing 11–20 of 67." when there is more than one page; undefined otherwise. */
export function rangeText(page: Page): string | undefined {
  if (pageCount(page) <= 1) return undefined;
  const first = page.index * page.size + 1;
  const last = Math.min(page.total, first + page.size - 1);
  return `Showing ${first}–${last} of ${page.total}.`;
}

/** Previous and Next, each only where there is a page to go to. */
export function pagerActions(page: Page, verb: Verb, data: ActionData = {}): ExecuteAction[] {
  const actions: ExecuteAction[] = [];
  if (page.index > 0) actions.push(executeAction('Previous', verb, { ...data, page: page.index - 1 }));
  if (page.index < pageCount(page) - 1) actions.push(executeAction('Next', verb, { ...data, page: page.index + 1 }));
  return actions;
}

/** A titled list inside a paged card: its rows are shown a page at a time, together with the other sections' rows. */
export interface ListSection {
  title: CardElement;
  rows: CardElement[];
  /** Shown under the title instead of rows when there are none (nothing to show, or it could not be read). */
  whenEmpty: CardElement[];
}

/**
 * One page of several sections read as one list: `size` rows per page in section order, each section's title above
 * its rows on every page they appear on. A section without rows appears on the page where its place falls.
 */
export function pagedSections(
  sections: readonly ListSection[],
  index: number,
  size: number,
): { body: CardElement[]; page: Page } {
  const total = sections.reduce((sum, s) => sum + s.rows.length, 0);
  const { page } = pageOf(Array.from({ length: total }), index, size);
  const start = page.index * size;
  const end = start + size;
  const last = pageCount(page) - 1;
  const body: CardElement[] = [];
  let before = 0;
  for (const section of sections) {
    if (section.rows.length === 0) {
      if (Math.min(Math.floor(before / size), last) === page.index) body.push(section.title, ...section.whenEmpty);
      continue;
    }
    const shown = section.rows.slice(Math.max(0, start - before), Math.max(0, end - before));
    if (shown.length > 0) body.push(section.title, ...shown);
    before += section.rows.length;
  }
  return { body, page };
}
