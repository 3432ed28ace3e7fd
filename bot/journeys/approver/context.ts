import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { CardBinding } from '../../../cards/approver/approvalCard.js';
import type { DecisionDeps } from '../../../services/approvals/decide.js';
import { loadDetailsById, PimPolicyCache } from '../../../services/approvals/details.js';
import { StageSegments } from '../../../services/approvals/segment.js';
import { type ApproverSettings, approverSettings } from '../../../services/approvals/settings.js';
import { type ApprovalRecord, ApprovalStore } from '../../../services/approvals/store.js';
import type { ApprovalKind } from '../../../services/model/approvals.js';
import type { BotServices } from '../../services.js';

/**
 * What the approver journey's actions, commands, subject and watch sources share per running bot: its store, the PIM
 * policy cache, its settings and the key that signs card data.
 */
export interface ApproverContext {
  store: ApprovalStore;
  pimPolicies: PimPolicyCache;
  settings: ApproverSettings;
  /** Where this tenant keeps PIM approval stages (`stages`, or `steps` once that is what worked). */
  segments: StageSegments;
  signer(): Promise<CardSigner>;
}

const contexts = new WeakMap<BotServices, ApproverContext>();

export function approverContext(app: BotServices): ApproverContext {
  const known = contexts.get(app);
  if (known) return known;
  const store = new ApprovalStore(app.storage, app.log);
  let signer: Promise<CardSigner> | undefined;
  const context: ApproverContext = {
    store,
    pimPolicies: new PimPolicyCache(),
    segments: new StageSegments(),
    settings: approverSettings(app.config),
    signer() {
      signer ??= store.cardSecret(() => randomBytes(32).toString('base64url')).then((secret) => new CardSigner(secret));
      signer.catch(() => {
        signer = undefined;
      });
      return signer;
    },
  };
  contexts.set(app, context);
  return context;
}

export function decisionDeps(app: BotServices): DecisionDeps {
  const ctx = approverContext(app);
  return {
    store: ctx.store,
    log: app.log,
    now: () => app.clock.now(),
    segments: ctx.segments,
    identity: app.proactive.identity,
  };
}

/**
 * Signs what a card's buttons act on, so card data edited to point at another request (or another stage) is refused
 * before anything is read or written. The signature is over the ids and a fresh idempotency key per drawing.
 */
export class CardSigner {
  constructor(private readonly secret: string) {}

  bind(kind: ApprovalKind, id: string, stage: number): CardBinding {
    const op = randomUUID();
    return { op, sig: this.sign(decisionPayload(kind, id, stage, op)) };
  }

  bindMany(refs: string[], purpose: BulkPurpose = 'bulk'): CardBinding {
    const op = randomUUID();
    return { op, sig: this.sign(bulkPayload(refs, op, purpose)) };
  }

  verifyDecision(data: { kind: ApprovalKind; id: string; stage?: number; op: string; sig: string }): boolean {
    return this.verify(decisionPayload(data.kind, data.id, data.stage ?? 0, data.op), data.sig);
  }

  verifyBulk(data: { items: string[]; op: string; sig: string }, purpose: BulkPurpose = 'bulk'): boolean {
    return this.verify(bulkPayload(data.items, data.op, purpose), data.sig);
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.secret).update(payload).digest('base64url').slice(0, 32);
  }

  private verify(payload: string, sig: string): boolean {
    const expected = Buffer.from(this.sign(payload));
    const given = Buffer.from(sig);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }
}

function decisionPayload(kind: ApprovalKind, id: string, stage: number, op: string): string {
  return `decide|${kind}|${id.toLowerCase()}|${stage}|${op}`;
}

/**
 * `bulk` signs "Yes, approve N requests" (it approves); `review` signs "Approve all shown" (it only asks), so a
 * review button's data cannot be replayed as an approval that skips the question.
 */
export type BulkPurpose = 'bulk' | 'review';

function bulkPayload(refs: string[], op: string, purpose: BulkPurpose): string {
  return `${purpose}|${refs.map((r) => r.toLowerCase()).join(',')}|${op}`;
}

/** The approval's record, read from Graph (app-only) and stored when the bot has not met it yet. */
export async function ensureRecord(
  app: BotServices,
  kind: ApprovalKind,
  id: string,
): Promise<ApprovalRecord | undefined> {
  const found = await findRecord(app, kind, id);
  if (!found) return undefined;
  return found.stored ? found.record : keepRecord(app, found.record);
}

/**
 * The approval's stored record, or one read from Graph (app-only) and not stored: for data anyone can send (a refresh),
 * it is stored only once the viewer is shown to belong to the request (see viewers.ts).
 */
export async function findRecord(
  app: BotServices,
  kind: ApprovalKind,
  id: string,
): Promise<{ record: ApprovalRecord; stored: boolean } | undefined> {
  const ctx = approverContext(app);
  // Entra role approvals exist only with ROLE_APPROVALS_BETA, and only as records the bot made (the app may not read
  // role requests): card data naming another one finds nothing, and nothing is read.
  if (kind === 'role' && !ctx.settings.roleApprovals) return undefined;
  const known = await ctx.store.record(kind, id);
  if (known) return { record: known, stored: true };
  if (kind === 'role') return undefined;
  const now = app.clock.now();
  const details = await loadDetailsById({ app: app.graph.forApp(), log: app.log, pimPolicies: ctx.pimPolicies, now }, [
    { kind, id },
  ]);
  const found = details.get(`${kind}:${id.toLowerCase()}`);
  if (!found) return undefined;
  return { record: freshRecord(found, now), stored: false };
}

/** The record of an approval just read from Graph: its first stage open, nobody told yet. */
export function freshRecord(details: ApprovalRecord['state']['details'], now: Date): ApprovalRecord {
  return {
    state: {
      details,
      currentStage: 1,
      stageStartedAt: details.requestedAt ?? now.toISOString(),
      escalated: false,
      decisions: [],
    },
    shownTo: [],
    updatedAt: now.toISOString(),
  };
}

/** Stores a record `findRecord` read from Graph; one stored meanwhile wins. */
export async function keepRecord(app: BotServices, record: ApprovalRecord): Promise<ApprovalRecord> {
  const { kind, id } = record.state.details;
  return (await approverContext(app).store.updateRecord(kind, id, (current) => current ?? record)) ?? record;
}
