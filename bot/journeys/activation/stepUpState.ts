import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { newPkceVerifier } from '../../../services/pim/stepUpAuthority.js';
import { StorageConflictError } from '../../../services/storage/index.js';
import { createIfAbsent, readItem, UNCHANGED, updateItem } from '../../proactive/storeItem.js';
import type { BotServices } from '../../services.js';

/**
 * The activation waiting for a step-up sign-in, under the `state` of the sign-in link. The state is random, bound to
 * one person, valid for 10 minutes and used once: the callback consumes it only after the code of the right person
 * was redeemed, so a sign-in that could not be used (another account, a refused code) leaves the link working.
 */

export const STEP_UP_MINUTES = 10;

const stepUpTarget = z.object({
  groupId: z.string(),
  groupName: z.string(),
  accessId: z.enum(['member', 'owner']),
  directoryScopeId: z.string().optional(),
  scopeName: z.string().optional(),
  approvers: z.array(z.string()).default([]),
});

const stepUpInput = z.object({
  durationMinutes: z.number().int().positive(),
  justification: z.string().optional(),
  ticketNumber: z.string().optional(),
  ticketSystem: z.string().optional(),
  startDateTime: z.string().optional(),
});

export const stepUpSchema = z.object({
  user: z.object({
    aadObjectId: z.string(),
    tenantId: z.string().optional(),
    name: z.string().optional(),
    teamsId: z.string(),
  }),
  /** The claims challenge JSON Graph sent; absent for plain MFA. */
  claims: z.string().optional(),
  target: stepUpTarget,
  input: stepUpInput,
  /** Activate several: the other items needing the same claims, sent after the same sign-in (each as its own card). */
  alsoTargets: z
    .array(z.object({ target: stepUpTarget, input: stepUpInput }))
    .max(19)
    .optional(),
  /** Activate several: the run (its form id) and the result card to redraw once the items are sent. */
  bulk: z.object({ op: z.string().max(100), activityId: z.string().max(500) }).optional(),
  /** The card to update with the result (the one whose button started it). */
  activityId: z.string().optional(),
  conversationId: z.string().optional(),
  /** The form's once-only claim, completed when the activation finally goes through. */
  claimKey: z.string().optional(),
  /** PKCE verifier of this link's sign-ins: its S256 challenge goes to the authority, the verifier only with the code. */
  codeVerifier: z.string().min(43).max(128),
  createdAt: z.string(),
  expiresAt: z.string(),
  usedAt: z.string().optional(),
});

export type StepUpState = z.infer<typeof stepUpSchema>;

const STATE = /^[A-Za-z0-9_-]{32,64}$/;
export const stepUpKey = (state: string) => `activation/stepup/${state}`;

export function isStateShaped(state: unknown): state is string {
  return typeof state === 'string' && STATE.test(state);
}

export async function createStepUp(
  app: BotServices,
  value: Omit<StepUpState, 'createdAt' | 'expiresAt' | 'codeVerifier'>,
): Promise<string> {
  const state = randomBytes(32).toString('base64url');
  const now = app.clock.now();
  const record: StepUpState = {
    ...value,
    codeVerifier: newPkceVerifier(),
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + STEP_UP_MINUTES * 60_000).toISOString(),
  };
  if (!(await createIfAbsent(app.storage, stepUpKey(state), record, stepUpSchema, app.log))) {
    throw new Error('A step-up state collided with an existing one.');
  }
  return state;
}

export async function readStepUp(app: BotServices, state: string): Promise<StepUpState | undefined> {
  if (!isStateShaped(state)) return undefined;
  return (await readItem(app.storage, stepUpKey(state), stepUpSchema, app.log))?.value;
}

export type StepUpProblem = 'unknown' | 'expired' | 'used';

/** Why this state cannot be used now, or undefined when it can. */
export function stepUpProblem(app: BotServices, record: StepUpState | undefined): StepUpProblem | undefined {
  if (!record) return 'unknown';
  if (record.usedAt) return 'used';
  if (Date.parse(record.expiresAt) <= app.clock.now().getTime()) return 'expired';
  return undefined;
}

/**
 * Marks the state used, under its eTag: of two callbacks with the same state (double submit, replay) exactly one
 * gets the record back.
 */
export async function consumeStepUp(
  app: BotServices,
  state: string,
): Promise<{ record?: StepUpState; problem?: StepUpProblem }> {
  let problem: StepUpProblem | undefined;
  let claimed: StepUpState | undefined;
  try {
    await updateItem(
      app.storage,
      stepUpKey(state),
      stepUpSchema,
      app.log,
      (current) => {
        problem = stepUpProblem(app, current);
        if (problem || !current) return UNCHANGED;
        claimed = { ...current, usedAt: app.clock.now().toISOString() };
        return claimed;
      },
      { attempts: 1 },
    );
  } catch (err) {
    if (!(err instanceof StorageConflictError)) throw err;
    return { problem: 'used' };
  }
  return claimed ? { record: claimed } : { problem: problem ?? 'unknown' };
}
