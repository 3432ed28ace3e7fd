import { z } from 'zod';
import type {
  AccessLength,
  ApprovalStageView,
  EligibleGroupRole,
  PolicyQuestion,
  RequestDecisions,
  RequestRequirements,
} from '../../../services/model/entitlement.js';
import { StorageConflictError } from '../../../services/storage/index.js';
import { createIfAbsent, readItem, UNCHANGED, updateItem } from '../../proactive/storeItem.js';
import type { BotServices } from '../../services.js';

/**
 * The requester journey's storage (all keys start with `requester/`). Everything is per user or per request; nothing
 * read for one user is ever shown to another.
 *
 * - `requester/seen/<user>`: packages the bot showed this user (id → name): names for later cards, and the packages
 *   whose details the user may open without another check.
 * - `requester/searches/<user>`: the user's recent search words, so Previous and Next carry only an id.
 * - `requester/chat-searches/<conversationId>`: the same for a group chat or channel, where everyone saw the words, so
 *   another member's Previous, Next or Back to the catalog keeps the search.
 * - `requester/form/<user>/<formId>`: a request form as shown (the policies' requirements) and, once submitted, the
 *   request it created. `formId` is the idempotency key of the submit.
 * - `requester/action/<user>/<actionId>`: a "give up access" confirmation and the removal request it created.
 * - `requester/track/<requestId>`: a request whose status card the bot keeps current, and `requester/open/<requestId>`
 *   while it is not final, so the watcher lists only the requests still moving.
 * - `requester/intent/<user>/<formId>`: a submit about to POST (written before the call, removed once its outcome is
 *   recorded). One left behind means the process died mid-submit: bot/journeys/requester/intent.ts reconciles it.
 */

const PREFIX = 'requester';
const MAX_SEEN = 300;
const MAX_SEARCHES = 10;
/** A submit that has been "in progress" this long is presumed dead (its process stopped) and may be retried. */
export const STALE_CLAIM_MS = 60_000;

const key = {
  seen: (user: string) => `${PREFIX}/seen/${user}`,
  searches: (user: string) => `${PREFIX}/searches/${user}`,
  chatSearches: (conversationId: string) => `${PREFIX}/chat-searches/${conversationId}`,
  form: (user: string, formId: string) => `${PREFIX}/form/${user}/${formId}`,
  action: (user: string, actionId: string) => `${PREFIX}/action/${user}/${actionId}`,
  track: (requestId: string) => `${PREFIX}/track/${requestId}`,
  open: (requestId: string) => `${PREFIX}/open/${requestId}`,
  intent: (user: string, formId: string) => `${PREFIX}/intent/${user}/${formId}`,
};
const OPEN_PREFIX = `${PREFIX}/open/`;
const INTENT_PREFIX = `${PREFIX}/intent/`;

// ---------- schemas (a stored item that does not match is treated as missing) ----------

const accessLength: z.ZodType<AccessLength> = z.union([
  z.object({ kind: z.literal('duration'), days: z.number(), hours: z.number() }),
  z.object({ kind: z.literal('until'), date: z.string() }),
  z.object({ kind: z.literal('noExpiry') }),
  z.object({ kind: z.literal('unknown') }),
]);

const questionBase = {
  id: z.string(),
  odataType: z.string(),
  sequence: z.number(),
  required: z.boolean(),
  text: z.string(),
};

const question: z.ZodType<PolicyQuestion> = z.union([
  z.object({
    ...questionBase,
    kind: z.literal('text'),
    singleLine: z.boolean(),
    regex: z.string().optional(),
    maxLength: z.number(),
  }),
  z.object({
    ...questionBase,
    kind: z.literal('choice'),
    multiple: z.boolean(),
    choices: z.array(z.object({ value: z.string(), text: z.string() })),
  }),
]);

const requirements: z.ZodType<RequestRequirements> = z.object({
  policyId: z.string(),
  policyDisplayName: z.string(),
  policyDescription: z.string(),
  approvalRequired: z.boolean(),
  justificationRequired: z.boolean(),
  allowCustomSchedule: z.boolean(),
  lasts: accessLength,
  questions: z.array(question),
});

const submitState = z.object({
  state: z.enum(['pending', 'done', 'failed']),
  requestId: z.string().optional(),
  at: z.string(),
});
export type SubmitState = z.infer<typeof submitState>;

const seenSchema = z.object({ packages: z.record(z.string(), z.string()) });
const searchesSchema = z.object({ searches: z.array(z.object({ id: z.string(), query: z.string() })) });

const formSchema = z.object({
  packageId: z.string(),
  packageName: z.string(),
  mode: z.enum(['new', 'renew']),
  policies: z.array(requirements),
  createdAt: z.string(),
  submit: submitState.optional(),
});
export type StoredForm = z.infer<typeof formSchema>;

const actionSchema = z.object({
  kind: z.literal('giveUp'),
  assignmentId: z.string(),
  packageId: z.string(),
  packageName: z.string(),
  createdAt: z.string(),
  submit: submitState.optional(),
});
export type StoredAction = z.infer<typeof actionSchema>;

const stageSchema: z.ZodType<ApprovalStageView> = z.object({
  approvers: z.array(z.string()),
  approverHidden: z.boolean().optional(),
});
const eligibleSchema: z.ZodType<EligibleGroupRole> = z.object({
  groupId: z.string(),
  accessId: z.enum(['member', 'owner']),
  groupName: z.string(),
});

/** Who decided a request, as kept with its record (access package requests and PIM activations alike). */
export const decisionsSchema: z.ZodType<RequestDecisions> = z.union([
  z.object({
    kind: z.literal('read'),
    stages: z.array(
      z.object({
        stage: z.number(),
        result: z.enum(['approved', 'denied', 'expired']),
        by: z.string().optional(),
        reason: z.string().optional(),
        at: z.string().optional(),
      }),
    ),
  }),
  z.object({ kind: z.literal('unreadable') }),
]);

const trackSchema = z.object({
  requestId: z.string(),
  userId: z.string(),
  teamsId: z.string().optional(),
  packageId: z.string(),
  packageName: z.string(),
  policyId: z.string().optional(),
  /** The state the status card and the notifications last reported. */
  lastState: z.string(),
  final: z.boolean(),
  /** Read once (the status card's own $batch): who approves and which eligible roles the package gives. */
  context: z
    .object({ approvalStages: z.array(stageSchema).optional(), eligibleRoles: z.array(eligibleSchema) })
    .optional(),
  /** Made through the bot's Renew (more time on access the person holds). */
  renewal: z.boolean().optional(),
  /** Who decided and why, as the requester's own token read it once the request was decided (see decisions.ts). */
  decisions: decisionsSchema.optional(),
  /**
   * Set while the request still waits: the stage that was open when `decisions` was read (the stages before it are
   * decided). Undefined: `decisions` is the final read.
   */
  decisionsStage: z.number().optional(),
  /** The open approval stage the status card and the notifications last reported (1 when unset). */
  lastStage: z.number().optional(),
  /** The person canceled it with the bot's Cancel request (otherwise a cancel came from My Access or an admin). */
  canceledByRequester: z.boolean().optional(),
  createdAt: z.string(),
});
export type TrackRecord = z.infer<typeof trackSchema>;

const intentSchema = z.object({
  userId: z.string(),
  teamsId: z.string().optional(),
  tenantId: z.string().optional(),
  /** The submit's idempotency key. */
  formId: z.string(),
  packageId: z.string(),
  packageName: z.string(),
  policyId: z.string(),
  kind: z.enum(['add', 'update', 'remove', 'other']),
  /** sha256 of the justification sent, so a match can be told from another request for the same package. */
  justificationHash: z.string().optional(),
  /** The form card the click came from, which becomes the status card once the request is adopted. */
  card: z.object({ activityId: z.string().min(1), conversationId: z.string() }).optional(),
  at: z.string(),
});
export type SubmitIntent = z.infer<typeof intentSchema>;

export class RequesterStore {
  constructor(private readonly app: Pick<BotServices, 'storage' | 'log' | 'clock'>) {}

  private get storage() {
    return this.app.storage;
  }

  private now(): string {
    return this.app.clock.now().toISOString();
  }

  // ---------- packages seen ----------

  async seenPackages(user: string): Promise<Record<string, string>> {
    return (await readItem(this.storage, key.seen(user), seenSchema, this.app.log))?.value.packages ?? {};
  }

  async rememberPackages(user: string, packages: { id: string; name: string }[]): Promise<void> {
    const fresh = packages.filter((p) => p.id);
    if (fresh.length === 0) return;
    await updateItem(this.storage, key.seen(user), seenSchema, this.app.log, (current) => {
      const known = current?.packages ?? {};
      if (fresh.every((p) => known[p.id] === p.name)) return UNCHANGED;
      const merged = { ...known };
      for (const p of fresh) {
        delete merged[p.id];
        merged[p.id] = p.name;
      }
      return { packages: Object.fromEntries(Object.entries(merged).slice(-MAX_SEEN)) };
    });
  }

  // ---------- searches ----------

  /** Keeps a search for its Previous and Next: the user's, and the shared chat's when it was made in one. */
  async saveSearch(user: string, id: string, query: string, sharedChat?: string): Promise<void> {
    const keys = [key.searches(user), ...(sharedChat ? [key.chatSearches(sharedChat)] : [])];
    for (const itemKey of keys) {
      await updateItem(this.storage, itemKey, searchesSchema, this.app.log, (current) => ({
        searches: [...(current?.searches ?? []).filter((s) => s.id !== id), { id, query }].slice(-MAX_SEARCHES),
      }));
    }
  }

  /** The user's own search with this id, else (in a group chat or channel) one made there by another member. */
  async search(user: string, id: string, sharedChat?: string): Promise<string | undefined> {
    const keys = [key.searches(user), ...(sharedChat ? [key.chatSearches(sharedChat)] : [])];
    for (const itemKey of keys) {
      const stored = await readItem(this.storage, itemKey, searchesSchema, this.app.log);
      const query = stored?.value.searches.find((s) => s.id === id)?.query;
      if (query !== undefined) return query;
    }
    return undefined;
  }

  // ---------- forms and actions (idempotent submits) ----------

  async createForm(user: string, formId: string, form: Omit<StoredForm, 'createdAt'>): Promise<void> {
    const value: StoredForm = { ...form, createdAt: this.now() };
    if (!(await createIfAbsent(this.storage, key.form(user, formId), value, formSchema, this.app.log))) {
      throw new Error('a request form with this id exists already');
    }
  }

  async form(user: string, formId: string): Promise<StoredForm | undefined> {
    return (await readItem(this.storage, key.form(user, formId), formSchema, this.app.log))?.value;
  }

  async createAction(user: string, actionId: string, action: Omit<StoredAction, 'createdAt'>): Promise<void> {
    const value: StoredAction = { ...action, createdAt: this.now() };
    await createIfAbsent(this.storage, key.action(user, actionId), value, actionSchema, this.app.log);
  }

  async action(user: string, actionId: string): Promise<StoredAction | undefined> {
    return (await readItem(this.storage, key.action(user, actionId), actionSchema, this.app.log))?.value;
  }

  /**
   * Claims the right to send the Graph write of a form or action, with an eTag-guarded write made BEFORE the call.
   * Exactly one of several concurrent clicks (double click, Teams retry) gets `claimed`; the others see `busy` until the
   * first records its result, then `done` with the request it created.
   */
  claimForm(user: string, formId: string): Promise<Claim> {
    return this.claim(key.form(user, formId), formSchema);
  }

  claimAction(user: string, actionId: string): Promise<Claim> {
    return this.claim(key.action(user, actionId), actionSchema);
  }

  finishForm(user: string, formId: string, outcome: Omit<SubmitState, 'at'>): Promise<void> {
    return this.finish(key.form(user, formId), formSchema, outcome);
  }

  finishAction(user: string, actionId: string, outcome: Omit<SubmitState, 'at'>): Promise<void> {
    return this.finish(key.action(user, actionId), actionSchema, outcome);
  }

  private async claim<T extends { submit?: SubmitState }>(itemKey: string, schema: z.ZodType<T>): Promise<Claim> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const stored = await readItem(this.storage, itemKey, schema, this.app.log);
      if (!stored) return { kind: 'missing' };
      const submit = stored.value.submit;
      if (submit?.state === 'done' && submit.requestId) return { kind: 'done', requestId: submit.requestId };
      if (submit?.state === 'pending' && !this.isStale(submit.at)) return { kind: 'busy' };
      try {
        const next = { ...stored.value, submit: { state: 'pending' as const, at: this.now() } };
        await this.storage.write({ [itemKey]: { ...next, eTag: stored.eTag } });
        return { kind: 'claimed' };
      } catch (err) {
        if (!(err instanceof StorageConflictError)) throw err;
      }
    }
    return { kind: 'busy' };
  }

  /** The outcome of a form's or action's submit as stored now (no claim is made). */
  async claimState(user: string, id: string, what: 'form' | 'action'): Promise<Claim> {
    const stored =
      what === 'form'
        ? await readItem(this.storage, key.form(user, id), formSchema, this.app.log)
        : await readItem(this.storage, key.action(user, id), actionSchema, this.app.log);
    const submit = stored?.value.submit;
    if (!stored) return { kind: 'missing' };
    if (submit?.state === 'done' && submit.requestId) return { kind: 'done', requestId: submit.requestId };
    if (submit?.state === 'pending' && !this.isStale(submit.at)) return { kind: 'busy' };
    return { kind: 'failed' };
  }

  private isStale(at: string): boolean {
    return this.app.clock.now().getTime() - Date.parse(at) > STALE_CLAIM_MS;
  }

  private async finish<T extends { submit?: SubmitState }>(
    itemKey: string,
    schema: z.ZodType<T>,
    outcome: Omit<SubmitState, 'at'>,
  ): Promise<void> {
    await updateItem(this.storage, itemKey, schema, this.app.log, (current) =>
      current ? { ...current, submit: { ...outcome, at: this.now() } } : UNCHANGED,
    );
  }

  // ---------- submit intents (what a POST in flight was for) ----------

  async recordIntent(intent: Omit<SubmitIntent, 'at'>): Promise<SubmitIntent> {
    const value: SubmitIntent = { ...intent, at: this.now() };
    await this.storage.write({ [key.intent(intent.userId, intent.formId)]: value });
    return value;
  }

  async intent(user: string, formId: string): Promise<SubmitIntent | undefined> {
    return (await readItem(this.storage, key.intent(user, formId), intentSchema, this.app.log))?.value;
  }

  async intents(): Promise<SubmitIntent[]> {
    const keys = await this.storage.keys(INTENT_PREFIX);
    if (keys.length === 0) return [];
    const items = await this.storage.read(keys);
    return Object.values(items).flatMap((raw) => {
      const parsed = intentSchema.safeParse(raw);
      return parsed.success ? [parsed.data] : [];
    });
  }

  /** With `at`, only that intent: a newer one (another click of the form sending again) stays. */
  async dropIntent(user: string, formId: string, at?: string): Promise<void> {
    if (at !== undefined && (await this.intent(user, formId))?.at !== at) return;
    await this.storage.delete([key.intent(user, formId)]);
  }

  // ---------- tracked requests ----------

  async track(record: Omit<TrackRecord, 'createdAt'>): Promise<TrackRecord> {
    const value: TrackRecord = { ...record, createdAt: this.now() };
    const stored = await updateItem(this.storage, key.track(record.requestId), trackSchema, this.app.log, (current) =>
      current
        ? { ...current, ...record, createdAt: current.createdAt, context: record.context ?? current.context }
        : value,
    );
    await this.markOpen(record.requestId, !(stored ?? value).final);
    return stored ?? value;
  }

  async tracked(requestId: string): Promise<TrackRecord | undefined> {
    return (await readItem(this.storage, key.track(requestId), trackSchema, this.app.log))?.value;
  }

  async updateTracked(requestId: string, change: Partial<Omit<TrackRecord, 'requestId'>>): Promise<void> {
    const stored = await updateItem(this.storage, key.track(requestId), trackSchema, this.app.log, (current) =>
      current ? { ...current, ...change } : UNCHANGED,
    );
    if (stored && change.final !== undefined) await this.markOpen(requestId, !stored.final);
  }

  private async markOpen(requestId: string, open: boolean): Promise<void> {
    if (open) await this.storage.write({ [key.open(requestId)]: { requestId } });
    else await this.storage.delete([key.open(requestId)]);
  }

  /** Requests still moving (not delivered, denied, expired or canceled yet). */
  async openTracked(): Promise<TrackRecord[]> {
    const openKeys = await this.storage.keys(OPEN_PREFIX);
    if (openKeys.length === 0) return [];
    const trackKeys = openKeys.map((k) => key.track(k.slice(OPEN_PREFIX.length)));
    const items = await this.storage.read(trackKeys);
    return Object.values(items)
      .map((raw) => trackSchema.safeParse(raw))
      .filter((parsed) => parsed.success)
      .map((parsed) => parsed.data)
      .filter((record) => !record.final);
  }
}

export type Claim =
  | { kind: 'claimed' }
  | { kind: 'busy' }
  | { kind: 'done'; requestId: string }
  | { kind: 'missing' }
  /** Only from claimState: the earlier submit failed (a new click may send again). */
  | { kind: 'failed' };
