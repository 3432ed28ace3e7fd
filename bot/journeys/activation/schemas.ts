import { z } from 'zod';
import { MAX_PAGE_INDEX } from '../../../cards/paging.js';

/** Card action data is untrusted input: every string is bounded and every id has the shape of a Graph id. */

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export const groupIdSchema = z.string().regex(GUID, 'must be a group id');
/** An Entra role's directory scope: the whole directory or one administrative unit (Graph decides if it is yours). */
export const directoryScopeIdSchema = z
  .string()
  .regex(
    /^\/(administrativeUnits\/[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})?$/,
    'must be / or /administrativeUnits/{id}',
  );
export const accessIdSchema = z.enum(['member', 'owner'], { error: 'must be member or owner' });
/** PIM request ids are GUIDs in Graph and in the devtenant. */
export const requestIdSchema = z.string().regex(GUID, 'must be an activation request id');
export const opSchema = z.string().regex(GUID, 'must be the form id');

const optionalText = (max: number) => z.string().max(max, `is longer than ${max} characters`).optional();

export const roleData = z.object({
  /** A group id, or for a Microsoft Entra role (with `directoryScopeId`) its role definition id. */
  groupId: groupIdSchema,
  accessId: accessIdSchema.default('member'),
  directoryScopeId: directoryScopeIdSchema.optional(),
  /** Set by this journey's own cards: the answer replaces the clicked card instead of arriving as a new message. */
  here: z.boolean().optional(),
});

/** `page` is the list card's Previous / Next (0-based). */
export const listData = z.object({
  filter: optionalText(60),
  page: z.number().int().min(0).max(MAX_PAGE_INDEX).default(0),
});

/**
 * The activation form's button: the role, the form's idempotency key and the inputs (Teams sends input values as
 * strings). The justification bound here only stops absurd payloads; the policy check explains the real limit.
 */
export const activateData = z.object({
  groupId: groupIdSchema,
  accessId: accessIdSchema,
  directoryScopeId: directoryScopeIdSchema.optional(),
  op: opSchema,
  duration: optionalText(10),
  justification: optionalText(20_000),
  ticketNumber: optionalText(1000),
  ticketSystem: optionalText(1000),
  startDate: optionalText(20),
  startTime: optionalText(20),
});

export type ActivateData = z.infer<typeof activateData>;

/**
 * "Activate selected": the picked roles as the multi-select sends them (`{groupId}|{accessId}|{scope},…`, at most
 * MAX_BULK_ITEMS; each is parsed and looked up in the person's eligible list read fresh), and the shared inputs.
 */
export const activateSeveralData = z.object({
  op: opSchema,
  picked: optionalText(4000),
  duration: optionalText(10),
  justification: optionalText(20_000),
  ticketNumber: optionalText(1000),
  ticketSystem: optionalText(1000),
  /** "Save this pick as": checked against setNameSchema (savedSets.ts) so a bad name is a problem on the form. */
  saveAs: optionalText(200),
});

export type ActivateSeveralData = z.infer<typeof activateSeveralData>;

/** The refresh of an "Activate several" result card: its run (looked up in the person's own runs). */
export const bulkRunData = z.object({ op: opSchema });

/** A saved set's button: its name as saved (looked up in the person's own sets). */
export const savedSetData = z.object({ name: z.string().max(60) });

/**
 * A click on one activation; `list` is where the activate list was (its page and filter), when the click was there;
 * `bulk` the "Activate several" run whose result card it was clicked on.
 */
export const requestData = z.object({
  requestId: requestIdSchema,
  list: listData.optional(),
  bulk: opSchema.optional(),
});

export type ListPlace = z.infer<typeof listData>;
