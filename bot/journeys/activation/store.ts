import { z } from 'zod';
import type { ActivationPhase, ActivationState, GroupAccess } from '../../../services/model/pim.js';
import { StorageConflictError } from '../../../services/storage/index.js';
import { createIfAbsent, readItem, sleep, UNCHANGED, updateItem } from '../../proactive/storeItem.js';
import type { BotServices } from '../../services.js';
import { decisionsSchema } from '../requester/store.js';

/** What the activation journey keeps in storage (keys start with `activation/`). */

const PHASES = [
  'pendingApproval',
  'scheduled',
  'active',
  'ended',
  'deactivated',
  'extended',
  'denied',
  'canceled',
  'expired',
  'failed',
] as const satisfies readonly ActivationPhase[];

export const FINAL_PHASES: ReadonlySet<ActivationPhase> = new Set([
  'ended',
  'deactivated',
  'extended',
  'denied',
  'canceled',
  'expired',
  'failed',
]);

/** Where an approver's decision leads: these cards name who decided (when the activation waited for one). */
export const DECIDED_PHASES: ReadonlySet<ActivationPhase> = new Set(['active', 'scheduled', 'denied']);

const access = z.enum(['member', 'owner']);

/** One selfActivate request the bot made (or was asked about), with what its card needs without Graph. */
export const recordSchema = z.object({
  requestId: z.string(),
  userAadObjectId: z.string(),
  tenantId: z.string().optional(),
  teamsId: z.string().optional(),
  /** The person's IANA time zone when known, so their card shows times in it (cards/time.ts). */
  timeZone: z.string().optional(),
  /** The group, or for a Microsoft Entra role its role definition. */
  groupId: z.string(),
  groupName: z.string(),
  accessId: access,
  /** Set for a Microsoft Entra role: `/` or `/administrativeUnits/{id}`, with the unit's name. */
  directoryScopeId: z.string().optional(),
  scopeName: z.string().optional(),
  phase: z.enum(PHASES),
  startDateTime: z.string().optional(),
  endDateTime: z.string().optional(),
  durationMinutes: z.number().optional(),
  justification: z.string().optional(),
  ticketNumber: z.string().optional(),
  ticketSystem: z.string().optional(),
  approvers: z.array(z.string()).default([]),
  /** The approval this activation waited for (set while it waits for approval; see decisions.ts). */
  approvalId: z.string().optional(),
  /** Who approved or denied it and why, as the requester's own token read it once (see decisions.ts). */
  decisions: decisionsSchema.optional(),
  deactivatedAt: z.string().optional(),
  extendedBy: z.object({ requestId: z.string(), endDateTime: z.string().optional() }).optional(),
  /** The end time a reminder was sent for (an extension gets its own reminder). */
  remindedFor: z.string().optional(),
  updatedAt: z.string(),
});

export type ActivationRecord = z.infer<typeof recordSchema>;

export const recordKey = (requestId: string) => `activation/record/${requestId.toLowerCase()}`;
export const RECORD_PREFIX = 'activation/record/';

export async function readRecord(app: BotServices, requestId: string): Promise<ActivationRecord | undefined> {
  return (await readItem(app.storage, recordKey(requestId), recordSchema, app.log))?.value;
}

export async function saveRecord(
  app: BotServices,
  record: Omit<ActivationRecord, 'updatedAt'>,
): Promise<ActivationRecord> {
  const next = { ...record, updatedAt: app.clock.now().toISOString() };
  await updateItem(app.storage, recordKey(record.requestId), recordSchema, app.log, () => next);
  return next;
}

/** Read-modify-write of a record under its eTag; `change` returns undefined to leave it as it is. */
export async function changeRecord(
  app: BotServices,
  requestId: string,
  change: (current: ActivationRecord) => Partial<ActivationRecord> | undefined,
): Promise<ActivationRecord | undefined> {
  return updateItem(app.storage, recordKey(requestId), recordSchema, app.log, (current) => {
    if (!current) return UNCHANGED;
    const patch = change(current);
    return patch ? { ...current, ...patch, updatedAt: app.clock.now().toISOString() } : UNCHANGED;
  });
}

/** An activation that waited for approval and has been decided, whose decision the requester has not read yet. */
export function awaitsDecisions(record: ActivationRecord): boolean {
  return !!record.approvalId && !record.decisions && DECIDED_PHASES.has(record.phase);
}

export function stateOf(record: ActivationRecord): ActivationState {
  // A decision not read yet (the read failed just now) shows where it was decided rather than nothing.
  const decisions = record.decisions ?? (awaitsDecisions(record) ? { kind: 'unreadable' as const } : undefined);
  return {
    requestId: record.requestId,
    group: { id: record.groupId, displayName: record.groupName },
    accessId: record.accessId,
    ...(record.directoryScopeId !== undefined
      ? { directoryScope: { id: record.directoryScopeId, displayName: record.scopeName } }
      : {}),
    phase: record.phase,
    startDateTime: record.startDateTime,
    endDateTime: record.endDateTime,
    approvers: record.approvers,
    ...(decisions ? { decisions } : {}),
    deactivatedAt: record.deactivatedAt,
    extendedUntil: record.extendedBy?.endDateTime,
  };
}

// ---------- once-only claims (double clicks, Teams retries) ----------

/** A claim on one write: recorded before the Graph call, completed with its outcome after. */
const claimSchema = z.object({
  state: z.enum(['started', 'done', 'stepUp']),
  at: z.string(),
  requestId: z.string().optional(),
  stepUpState: z.string().optional(),
});

export type Claim = z.infer<typeof claimSchema>;

/** How long a second click waits for the first one to finish before answering "still working". */
const WAIT_FOR_FIRST_MS = 4000;

/** True when this caller owns the claim (first click); false when another click holds it already. */
export async function claimOnce(app: BotServices, key: string): Promise<boolean> {
  return createIfAbsent(
    app.storage,
    key,
    { state: 'started', at: app.clock.now().toISOString() },
    claimSchema,
    app.log,
  );
}

export async function completeClaim(app: BotServices, key: string, outcome: Omit<Claim, 'at'>): Promise<void> {
  await updateItem(app.storage, key, claimSchema, app.log, () => ({ ...outcome, at: app.clock.now().toISOString() }));
}

/** Lets a later click try again (the first one failed before anything was created). */
export async function releaseClaim(app: BotServices, key: string): Promise<void> {
  await app.storage.delete([key]).catch((err) => app.log.warn({ err, key }, 'could not release a claim'));
}

/** The claim's outcome once the first click finished, or its current state when it takes too long. */
export async function waitForClaim(app: BotServices, key: string): Promise<Claim | undefined> {
  const deadline = Date.now() + WAIT_FOR_FIRST_MS;
  for (;;) {
    const claim = (await readItem(app.storage, key, claimSchema, app.log))?.value;
    if (claim?.state !== 'started' || Date.now() > deadline) return claim;
    await sleep(50);
  }
}

export const opKey = (userAadObjectId: string, op: string) => `activation/op/${userAadObjectId}/${op}`;

// ---------- the person's last duration per role ----------

const choiceSchema = z.object({ minutes: z.number().int().positive() });
type ChoiceOf = { groupId: string; accessId: GroupAccess; directoryScopeId?: string };
const choiceKey = (user: string, role: ChoiceOf) =>
  `activation/choice/${user}/${role.groupId.toLowerCase()}/${role.accessId}${role.directoryScopeId === undefined ? '' : `/${encodeURIComponent(role.directoryScopeId.toLowerCase())}`}`;

export async function lastChoice(app: BotServices, user: string, role: ChoiceOf) {
  return (await readItem(app.storage, choiceKey(user, role), choiceSchema, app.log))?.value.minutes;
}

export async function rememberChoice(app: BotServices, user: string, role: ChoiceOf, minutes: number): Promise<void> {
  try {
    await updateItem(app.storage, choiceKey(user, role), choiceSchema, app.log, () => ({
      minutes,
    }));
  } catch (err) {
    if (!(err instanceof StorageConflictError)) app.log.warn({ err }, 'could not remember the duration choice');
  }
}
