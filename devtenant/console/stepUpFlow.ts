import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { User } from '../model.js';
import type { PageResponse } from '../stepup.js';
import { type ConsoleContext, FormError, seeOther } from './context.js';
import { parseForm } from './forms.js';
import { PersonGraph } from './graph.js';
import { areaLink } from './nav.js';

/**
 * An activation whose policy wants MFA or an authentication context: the person verifies on the devtenant's own
 * sign-in page (devtenant/stepup.ts, PKCE and all), comes back to `/console/stepup`, and the activation is submitted
 * with the token that sign-in issued.
 */

export interface PendingStepUp {
  personId: string;
  body: Record<string, unknown>;
  verifier: string;
  expiresAt: number;
}

const CLIENT_ID = 'devtenant-console';
const SCOPE = 'https://graph.microsoft.com/PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup';
const LIFETIME_MS = 10 * 60_000;

const callbackUrl = (ctx: ConsoleContext) => `${ctx.req.origin}/console/stepup`;

export function startStepUp(
  ctx: ConsoleContext,
  person: User,
  body: Record<string, unknown>,
  authenticationContext: string | null,
): PageResponse {
  const verifier = randomBytes(32).toString('base64url');
  const key = randomBytes(18).toString('base64url');
  ctx.pendingStepUps.set(key, { personId: person.id, body, verifier, expiresAt: ctx.state.now() + LIFETIME_MS });
  const query = new URLSearchParams({
    client_id: CLIENT_ID,
    response_type: 'code',
    redirect_uri: callbackUrl(ctx),
    scope: SCOPE,
    login_hint: person.id,
    state: key,
    code_challenge: createHash('sha256').update(verifier, 'ascii').digest('base64url'),
    code_challenge_method: 'S256',
  });
  if (authenticationContext) {
    query.set('claims', JSON.stringify({ access_token: { acrs: { essential: true, value: authenticationContext } } }));
  }
  return seeOther(`/${ctx.state.tenant.id}/oauth2/v2.0/authorize?${query}`);
}

const callback = z.object({
  code: z
    .string({ error: 'The sign-in did not return a code.' })
    .min(1, { error: 'The sign-in did not return a code.' }),
  state: z
    .string({ error: 'The sign-in did not return its state.' })
    .min(1, { error: 'The sign-in did not return its state.' }),
});

export async function finishStepUp(ctx: ConsoleContext): Promise<PageResponse> {
  const { code, state } = parseForm(callback, ctx.req.query);
  const pending = ctx.pendingStepUps.get(state);
  ctx.pendingStepUps.delete(state);
  if (!pending || pending.expiresAt < ctx.state.now()) {
    throw new FormError('This sign-in was already used or has expired: activate again from the PIM roles page.');
  }
  const person = ctx.state.users.get(pending.personId) as User;
  const answer = ctx.stepUp.handle(
    'POST',
    ctx.state.tenant.id,
    'token',
    new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: callbackUrl(ctx),
      client_id: CLIENT_ID,
      code_verifier: pending.verifier,
    }),
    new URLSearchParams(),
  );
  const token = JSON.parse(answer.body) as { access_token?: string; error_description?: string };
  if (!token.access_token)
    throw new FormError(`The sign-in did not give a token: ${token.error_description ?? answer.status}`);
  // A refusal is shown on the roles page of this person (the console's error handling reads `as`).
  ctx.req.query.set('as', person.id);
  await new PersonGraph(ctx.dispatch, person, token.access_token).post(
    '/identityGovernance/privilegedAccess/group/assignmentScheduleRequests',
    pending.body,
  );
  return seeOther(areaLink('roles', person, { notice: 'activated' }));
}
