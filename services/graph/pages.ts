/**
 * Every page of a Graph collection: follows `@odata.nextLink` until the last page (or `maxPages`). The facade uses it
 * for `list` and for every collection answered inside a `$batch`, so no read in services/ stops at the first page.
 */

export interface CollectionPage<T = unknown> {
  value?: T[];
  '@odata.nextLink'?: string;
}

export const DEFAULT_MAX_PAGES = 50;

export interface PageReader {
  /** GETs an absolute `@odata.nextLink` (same host only) and returns its body. */
  next(nextLink: string): Promise<unknown>;
  maxPages: number;
  /** Called when `maxPages` stops the walk with pages left. */
  onTruncated?: () => void;
  /** For the error when a page is not a collection. */
  describe: string;
}

export function isCollectionPage(body: unknown): body is CollectionPage {
  return !!body && typeof body === 'object' && Array.isArray((body as CollectionPage).value);
}

/** All items of the collection whose first page is `first`. */
export async function readAllPages<T>(first: unknown, reader: PageReader): Promise<T[]> {
  if (!(reader.maxPages >= 1)) throw new Error('maxPages must be at least 1.');
  let page = first;
  const items: T[] = [];
  for (let n = 1; ; n++) {
    if (!isCollectionPage(page)) throw new Error(`Graph did not return a collection for ${reader.describe}.`);
    items.push(...(page.value as T[]));
    const next = page['@odata.nextLink'];
    if (!next) return items;
    if (n >= reader.maxPages) {
      reader.onTruncated?.();
      return items;
    }
    page = await reader.next(next);
  }
}
