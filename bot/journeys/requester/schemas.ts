import { z } from 'zod';
import { MAX_PAGE_INDEX } from '../../../cards/paging.js';

/**
 * Card action data of the requester journey: untrusted input from the Teams client. Ids must look like GUIDs; unknown
 * keys (Teams merges every input of the card into the data) are dropped, except on submit where the inputs matter.
 */

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export const guid = z
  .string()
  .regex(GUID, 'must be an id (a GUID)')
  .transform((id) => id.toLowerCase());

export const noData = z.object({});

/** A list card's Previous / Next (0-based); a text command or a button without it shows the first page. */
export const pageData = z.object({ page: z.number().int().min(0).max(MAX_PAGE_INDEX).default(0) });

export const packageData = z.object({ packageId: guid });

/** Where a list stood: its stored search (none for the whole catalog) and 0-based page. */
const catalogPlace = {
  searchId: guid.optional(),
  page: z.number().int().min(0).max(MAX_PAGE_INDEX).optional(),
};

/** Details from a list: the package and the list page it was opened from (for "Back to the catalog"). */
export const detailsData = z.object({ packageId: guid, ...catalogPlace });

/** Find access / Back to the catalog: the list page to bring back, or the first page of the catalog. */
export const catalogData = z.object(catalogPlace);

/** `policyId` is the policy chosen from the list a form with many policies shows (its choice set input). */
export const requestFormData = z
  .object({ packageId: guid.optional(), formId: guid.optional(), policyId: guid.optional() })
  .refine((d) => d.packageId !== undefined || d.formId !== undefined, 'needs a packageId or a formId');

export const renewData = z.object({ packageId: guid, assignmentId: guid });

/** The form's inputs arrive merged into the data (`p0.justification`, `p0.q:<id>`, …) and are read by name. */
export const submitData = z.looseObject({ formId: guid, policyId: guid });

/** Previous / Next on search results and the catalog (0-based page). */
export const showMoreData = z.object({
  searchId: guid.optional(),
  page: z.number().int().min(0).max(MAX_PAGE_INDEX),
});

export const requestData = z.object({ requestId: guid });

export const assignmentData = z.object({ assignmentId: guid });

export const confirmGiveUpData = z.object({ assignmentId: guid, actionId: guid });

/** Deactivate in `my access`: the activation request and the page the card showed. */
export const deactivateInMyAccessData = pageData.extend({ requestId: guid });

/** Longest input value read from a submit; the action table already caps the whole payload at 64 KB. */
const MAX_INPUT_CHARS = 60_000;

/** An input value from merged action data ('' when absent or not text). */
export function inputValue(data: Record<string, unknown>, id: string): string {
  const value = data[id];
  return typeof value === 'string' ? value.slice(0, MAX_INPUT_CHARS) : '';
}
