import { z } from 'zod';
import type { Logger } from '../log.js';
import { APPROVAL_KINDS, type ApprovalKind, type ApprovalState, OUTCOME_KINDS } from '../model/approvals.js';
import { type BotStorage, StorageConflictError } from '../storage/index.js';

/**
 * What the approver journey keeps in storage (keys under `approver/`): the state of every approval it has shown, the
 * watcher's list of pending requests, idempotency records for decisions, per-stage decision locks and reminders.
 */

/** An eTag no backend issues: a write carrying it creates a missing key and conflicts with an existing one. */
const CREATE_ONLY = 'create-only';
const PREFIX = 'approver/';

const person = z.object({ id: z.string(), displayName: z.string() });
const stagePlan = z.object({
  approvers: z.array(person),
  approverKinds: z.array(z.string()).optional(),
  unresolvedKinds: z.array(z.string()).optional(),
  usesFallback: z.boolean().optional(),
  incomplete: z.boolean().optional(),
  escalationApprovers: z.array(person),
  escalateAfter: z.string().optional(),
  timeout: z.string().optional(),
  justificationRequired: z.boolean(),
});
const details = z.object({
  kind: z.enum(APPROVAL_KINDS),
  id: z.string(),
  requester: person.extend({
    jobTitle: z.string().optional(),
    department: z.string().optional(),
    email: z.string().optional(),
    manager: person.optional(),
  }),
  target: z.discriminatedUnion('kind', [
    z.object({
      kind: z.literal('em'),
      packageId: z.string(),
      packageName: z.string(),
      packageDescription: z.string().optional(),
      grants: z.array(z.string()),
    }),
    z.object({
      kind: z.literal('pim'),
      groupId: z.string(),
      groupName: z.string(),
      groupDescription: z.string().optional(),
      accessId: z.enum(['member', 'owner']),
    }),
    z.object({
      kind: z.literal('role'),
      roleDefinitionId: z.string(),
      roleName: z.string(),
      roleDescription: z.string().optional(),
      directoryScopeId: z.string(),
      scopeName: z.string().optional(),
    }),
  ]),
  justification: z.string().optional(),
  answers: z.array(z.object({ question: z.string(), answer: z.string() })),
  ticket: z.object({ number: z.string(), system: z.string().optional() }).optional(),
  requestedAt: z.string().optional(),
  startsAt: z.string().optional(),
  endsAt: z.string().optional(),
  duration: z.string().optional(),
  stages: z.array(stagePlan),
});
const decision = z.object({
  stage: z.number(),
  result: z.enum(['Approved', 'Denied']),
  by: person.optional(),
  at: z.string().optional(),
  reason: z.string().optional(),
});
export const approvalStateSchema: z.ZodType<ApprovalState> = z.object({
  details,
  currentStage: z.number(),
  stageId: z.string().optional(),
  stageStartedAt: z.string().optional(),
  escalated: z.boolean(),
  decisions: z.array(decision),
  outcome: z
    .object({
      kind: z.enum(OUTCOME_KINDS),
      by: person.optional(),
      at: z.string().optional(),
      reason: z.string().optional(),
      status: z.string().optional(),
    })
    .optional(),
});

export interface ApprovalRecord {
  state: ApprovalState;
  /** Graph's request status the watcher saw last (e.g. `PendingApprovalEscalated`). */
  seenStatus?: string;
  /** `<stage>:<userId>` for every approver who has been shown a card for that stage. */
  shownTo: string[];
  /** When the watcher last looked at the stages with an approver's delegated read. */
  probedAt?: string;
  /** Lower-case ids of the people whose own delegated read of this approval succeeded (so they may see the record). */
  readers?: string[];
  /** Since when the request is off the pending list but its final status could not be read (retried each tick). */
  unreadSince?: string;
  updatedAt: string;
}

const recordSchema: z.ZodType<ApprovalRecord> = z.object({
  state: approvalStateSchema,
  seenStatus: z.string().optional(),
  shownTo: z.array(z.string()),
  probedAt: z.string().optional(),
  readers: z.array(z.string()).optional(),
  unreadSince: z.string().optional(),
  updatedAt: z.string(),
});

export interface PendingEntry {
  status: string;
  /** PIM requests: the group, so a group that could not be read this tick does not look decided. */
  groupId?: string;
  /**
   * When the watcher next has to look at this request's record (escalation or a stage probe falls due), or `never`.
   * Until then a tick reads nothing for it unless its status changes. Missing: look at the next tick.
   */
  checkAt?: string;
}

export interface PendingIndex {
  /** `<kind>:<id>` → what the watcher saw last, for every request it saw waiting for approval. */
  requests: Record<string, PendingEntry>;
}

const pendingSchema: z.ZodType<PendingIndex> = z.object({
  requests: z.record(
    z.string(),
    z.object({ status: z.string(), groupId: z.string().optional(), checkAt: z.string().optional() }),
  ),
});

/** The bot process that wrote a started operation or a lock (bot/proactive/identity.ts). */
export interface HolderMark {
  instance: string;
  incarnation: string;
}

const holderSchema = z.object({ instance: z.string(), incarnation: z.string() });

export interface OperationRecord {
  status: 'started' | 'done';
  at: string;
  holder?: HolderMark;
}

const operationSchema: z.ZodType<OperationRecord> = z.object({
  status: z.enum(['started', 'done']),
  at: z.string(),
  holder: holderSchema.optional(),
});

export interface StageLock {
  userId: string;
  userName: string;
  decision: 'Approve' | 'Deny';
  status: 'deciding' | 'decided';
  at: string;
  holder?: HolderMark;
}

const lockSchema: z.ZodType<StageLock> = z.object({
  userId: z.string(),
  userName: z.string(),
  decision: z.enum(['Approve', 'Deny']),
  status: z.enum(['deciding', 'decided']),
  at: z.string(),
  holder: holderSchema.optional(),
});

export interface ReminderRecord {
  at: string;
  by: string;
}

const reminderSchema: z.ZodType<ReminderRecord> = z.object({ at: z.string(), by: z.string() });

const groupsSchema = z.object({ groupIds: z.array(z.string()), refreshedAt: z.string().optional() });
export type PimGroupList = z.infer<typeof groupsSchema>;

/** People known to approve Entra role activations (ROLE_APPROVALS_BETA), and when the watcher last read their lists. */
const roleApproversSchema = z.object({ userIds: z.array(z.string()), readAt: z.string().optional() });
export type RoleApproverList = z.infer<typeof roleApproversSchema>;

const secretSchema = z.object({ secret: z.string().min(32) });
const digestSchema = z.object({ period: z.number() });

export const stateKey = (kind: ApprovalKind, id: string) => `${PREFIX}state/${kind}/${id.toLowerCase()}`;
const PENDING_KEY = `${PREFIX}pending`;
const GROUPS_KEY = `${PREFIX}pim-groups`;
const ROLE_APPROVERS_KEY = `${PREFIX}role-approvers`;
const SECRET_KEY = `${PREFIX}card-secret`;
const DIGEST_KEY = `${PREFIX}digest`;
const opKey = (op: string, userId: string) => `${PREFIX}op/${op}/${userId.toLowerCase()}`;
const lockKey = (kind: ApprovalKind, id: string, stageId: string) =>
  `${PREFIX}lock/${kind}/${id.toLowerCase()}/${stageId.toLowerCase()}`;
const reminderKey = (kind: ApprovalKind, id: string) => `${PREFIX}remind/${kind}/${id.toLowerCase()}`;

export interface Stored<T> {
  value: T;
  eTag: string;
}

export class ApprovalStore {
  constructor(
    private readonly storage: BotStorage,
    private readonly log: Logger,
  ) {}

  async record(kind: ApprovalKind, id: string): Promise<ApprovalRecord | undefined> {
    return (await this.read(stateKey(kind, id), recordSchema))?.value;
  }

  async records(keys: { kind: ApprovalKind; id: string }[]): Promise<Map<string, ApprovalRecord>> {
    const out = new Map<string, ApprovalRecord>();
    if (keys.length === 0) return out;
    const raw = await this.storage.read(keys.map((k) => stateKey(k.kind, k.id)));
    for (const k of keys) {
      const parsed = recordSchema.safeParse(withoutEtag(raw[stateKey(k.kind, k.id)]));
      if (parsed.success) out.set(`${k.kind}:${k.id.toLowerCase()}`, parsed.data);
    }
    return out;
  }

  /** Read-modify-write of an approval's record; `change` returns undefined to write nothing. */
  async updateRecord(
    kind: ApprovalKind,
    id: string,
    change: (current: ApprovalRecord | undefined) => ApprovalRecord | undefined,
  ): Promise<ApprovalRecord | undefined> {
    return this.update(stateKey(kind, id), recordSchema, change);
  }

  async pending(): Promise<PendingIndex> {
    return (await this.read(PENDING_KEY, pendingSchema))?.value ?? { requests: {} };
  }

  async updatePending(change: (current: PendingIndex) => PendingIndex | undefined): Promise<void> {
    await this.update(PENDING_KEY, pendingSchema, (current) => change(current ?? { requests: {} }));
  }

  async pimGroups(): Promise<PimGroupList> {
    return (await this.read(GROUPS_KEY, groupsSchema))?.value ?? { groupIds: [] };
  }

  async updatePimGroups(change: (current: PimGroupList) => PimGroupList | undefined): Promise<void> {
    await this.update(GROUPS_KEY, groupsSchema, (current) => change(current ?? { groupIds: [] }));
  }

  async roleApprovers(): Promise<RoleApproverList> {
    return (await this.read(ROLE_APPROVERS_KEY, roleApproversSchema))?.value ?? { userIds: [] };
  }

  async updateRoleApprovers(change: (current: RoleApproverList) => RoleApproverList | undefined): Promise<void> {
    await this.update(ROLE_APPROVERS_KEY, roleApproversSchema, (current) => change(current ?? { userIds: [] }));
  }

  /** Starts an operation (a click) exactly once: false when the same operation was started before. */
  async startOperation(op: string, userId: string, at: string, holder?: HolderMark): Promise<boolean> {
    return this.createIfAbsent(opKey(op, userId), started(at, holder));
  }

  async operation(op: string, userId: string): Promise<Stored<OperationRecord> | undefined> {
    return this.read(opKey(op, userId), operationSchema);
  }

  async finishOperation(op: string, userId: string, at: string): Promise<void> {
    await this.storage.write({ [opKey(op, userId)]: { status: 'done', at } satisfies OperationRecord });
  }

  /** Forgets a started operation that wrote nothing, so the person can try again. */
  async abandonOperation(op: string, userId: string): Promise<void> {
    await this.storage.delete([opKey(op, userId)]);
  }

  /** Takes a stale started operation over (the process that started it died): true when this caller got it. */
  async retakeOperation(
    op: string,
    userId: string,
    seen: Stored<OperationRecord>,
    at: string,
    holder?: HolderMark,
  ): Promise<boolean> {
    return this.replace(opKey(op, userId), seen.eTag, started(at, holder));
  }

  async lock(kind: ApprovalKind, id: string, stageId: string): Promise<Stored<StageLock> | undefined> {
    return this.read(lockKey(kind, id, stageId), lockSchema);
  }

  /** One decision per stage through this bot: the first approver to take the lock decides. */
  async takeLock(kind: ApprovalKind, id: string, stageId: string, lock: StageLock): Promise<boolean> {
    return this.createIfAbsent(lockKey(kind, id, stageId), lock);
  }

  async retakeLock(kind: ApprovalKind, id: string, stageId: string, seen: Stored<StageLock>, lock: StageLock) {
    return this.replace(lockKey(kind, id, stageId), seen.eTag, lock);
  }

  async settleLock(kind: ApprovalKind, id: string, stageId: string, lock: StageLock): Promise<void> {
    await this.storage.write({ [lockKey(kind, id, stageId)]: { ...lock } });
  }

  async releaseLock(kind: ApprovalKind, id: string, stageId: string): Promise<void> {
    await this.storage.delete([lockKey(kind, id, stageId)]);
  }

  async reminder(kind: ApprovalKind, id: string): Promise<Stored<ReminderRecord> | undefined> {
    return this.read(reminderKey(kind, id), reminderSchema);
  }

  /** Records a reminder unless another one was recorded since `seen` was read; true when this one counts. */
  async recordReminder(
    kind: ApprovalKind,
    id: string,
    seen: Stored<ReminderRecord> | undefined,
    value: ReminderRecord,
  ) {
    const key = reminderKey(kind, id);
    return seen ? this.replace(key, seen.eTag, value) : this.createIfAbsent(key, value);
  }

  /**
   * Claims digest period `period` for this bot (all instances): true for the one caller that moves the stored period
   * forward; `first` is true when no period was stored yet (a fresh install sends no digest straight away).
   */
  async claimDigestPeriod(period: number): Promise<{ claimed: boolean; first: boolean }> {
    const seen = await this.read(DIGEST_KEY, digestSchema);
    if (seen && seen.value.period >= period) return { claimed: false, first: false };
    const claimed = seen
      ? await this.replace(DIGEST_KEY, seen.eTag, { period })
      : await this.createIfAbsent(DIGEST_KEY, { period });
    return { claimed, first: !seen };
  }

  /** The key that signs card data; created once and shared by every bot instance through storage. */
  async cardSecret(create: () => string): Promise<string> {
    const existing = await this.read(SECRET_KEY, secretSchema);
    if (existing) return existing.value.secret;
    await this.createIfAbsent(SECRET_KEY, { secret: create() });
    const stored = await this.read(SECRET_KEY, secretSchema);
    if (!stored) throw new Error('The card signing key could not be stored.');
    return stored.value.secret;
  }

  private async read<T>(key: string, schema: z.ZodType<T>): Promise<Stored<T> | undefined> {
    const raw = (await this.storage.read([key]))[key] as Record<string, unknown> | undefined;
    if (!raw) return undefined;
    const parsed = schema.safeParse(withoutEtag(raw));
    if (!parsed.success) {
      this.log.warn({ key }, 'approver storage item has an unexpected shape and is ignored');
      return undefined;
    }
    return { value: parsed.data, eTag: typeof raw.eTag === 'string' ? raw.eTag : '' };
  }

  private async createIfAbsent(key: string, value: object): Promise<boolean> {
    try {
      await this.storage.write({ [key]: { ...value, eTag: CREATE_ONLY } });
      return true;
    } catch (err) {
      if (err instanceof StorageConflictError) return false;
      throw err;
    }
  }

  private async replace(key: string, eTag: string, value: object): Promise<boolean> {
    try {
      await this.storage.write({ [key]: { ...value, eTag: eTag || CREATE_ONLY } });
      return true;
    } catch (err) {
      if (err instanceof StorageConflictError) return false;
      throw err;
    }
  }

  private async update<T extends object>(
    key: string,
    schema: z.ZodType<T>,
    change: (current: T | undefined) => T | undefined,
  ): Promise<T | undefined> {
    for (let attempt = 1; ; attempt++) {
      const current = await this.read(key, schema);
      const next = change(current?.value);
      if (next === undefined) return current?.value;
      const written = current ? await this.replace(key, current.eTag, next) : await this.createIfAbsent(key, next);
      if (written) return next;
      if (attempt >= 10) throw new StorageConflictError(key);
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt));
    }
  }
}

function withoutEtag(raw: unknown): unknown {
  if (!raw || typeof raw !== 'object') return raw;
  const { eTag: _eTag, ...rest } = raw as Record<string, unknown>;
  return rest;
}

function started(at: string, holder?: HolderMark): OperationRecord {
  return { status: 'started', at, ...(holder ? { holder } : {}) };
}
