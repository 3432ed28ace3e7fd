import { z } from 'zod';
import { MAX_REASON_CHARS } from '../../../cards/approver/approvalCard.js';
import { MAX_PAGE_INDEX } from '../../../cards/paging.js';
import { APPROVAL_KINDS, type ApprovalKind, approvalKindOf } from '../../../services/model/approvals.js';

/**
 * Card action data of the approver journey: untrusted input. Ids are GUIDs, the stage a small number, the operation
 * key a GUID and the signature base64url; the reason (a card input) is bounded. Unknown keys are dropped.
 */

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export const guid = z
  .string()
  .regex(GUID, 'must be an id (a GUID)')
  .transform((id) => id.toLowerCase());

export const kindSchema = z.enum(APPROVAL_KINDS, { error: 'must be em, pim or role' });
const sig = z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, 'must be the card signature');

export const decisionData = z.object({
  kind: kindSchema,
  id: guid,
  stage: z.coerce.number().int().min(1).max(20),
  op: guid,
  sig,
  reason: z.string().max(MAX_REASON_CHARS, `is longer than ${MAX_REASON_CHARS} characters`).optional(),
});

export type DecisionData = z.infer<typeof decisionData>;

export const approvalRef = z.object({ kind: kindSchema, id: guid });

/** One item of "Approve all shown": `<kind>:<requestId>:<stage>`. */
const bulkRef = z.string().regex(/^(em|pim|role):[0-9a-fA-F-]{36}:\d{1,2}$/, 'must be <kind>:<id>:<stage>');

export const MAX_BULK = 20;

export const bulkData = z.object({
  items: z.array(bulkRef).min(1, 'lists no request').max(MAX_BULK, `lists more than ${MAX_BULK} requests`),
  op: guid,
  sig,
});

/** "Approve all shown" (asks before approving): the refs the summary showed, signed, and the page it showed. */
export const reviewBulkData = bulkData.extend({
  page: z.number().int().min(0).max(MAX_PAGE_INDEX).default(0),
});

export function parseBulkRef(ref: string): { kind: ApprovalKind; id: string; stage: number } {
  const [kind, id, stage] = ref.split(':');
  return { kind: approvalKindOf(kind) ?? 'em', id: id.toLowerCase(), stage: Number(stage) };
}

/** `remindApprovers` from the requester's status card: `{requestId}` (an access package request unless kind says pim). */
export const remindData = z.object({ requestId: guid, kind: kindSchema.default('em') });

/** Previous / Next / Refresh on the "approvals" summary and the digest (0-based); a menu button without it: page 0. */
export const pageData = z.object({ page: z.number().int().min(0).max(MAX_PAGE_INDEX).default(0) });
