import type { TurnContext } from 'botbuilder';
import { errorCard, type RetryAction } from '../../../cards/errorCard.js';
import { SignInRequiredError } from '../../../services/auth/tokens.js';
import { entitlementError } from '../../../services/entitlement/errors.js';
import type { GraphFacade } from '../../../services/graph/client.js';
import { type DomainErrorKind, GraphRequestError, GraphTransportError } from '../../../services/graph/errors.js';
import type { Logger } from '../../../services/log.js';
import type { ActingUser, BotServices } from '../../services.js';

/** Shared pieces of the requester's handlers: the user's Graph, the locale, and errors as cards. */

export function userGraph(app: BotServices, user: ActingUser): GraphFacade {
  return app.graph.forUser({ aadObjectId: user.aadObjectId, tenantId: user.tenantId, name: user.name });
}

export function localeOf(turn: TurnContext): string {
  const locale = turn.activity.locale;
  return typeof locale === 'string' && /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(locale) ? locale : 'en-US';
}

const TITLES: Partial<Record<DomainErrorKind, string>> = {
  notAllowed: "You can't do that here",
  notFound: 'Not found',
  conflict: 'Already in progress',
  alreadyDecided: 'This has moved on',
  throttled: 'Microsoft Graph is busy',
  unavailable: 'That did not work',
  badRequest: 'Microsoft Graph said no',
  signInRequired: 'Sign-in needed',
};

/**
 * The error card for a failed step. Sign-in problems are re-thrown: the bot edge turns them into a sign-in prompt.
 * Only codes and ids are logged, never Graph's message (it may hold personal data).
 */
export function problemCard(err: unknown, action: string, log: Logger, retry?: RetryAction) {
  if (err instanceof SignInRequiredError) throw err;
  const problem = entitlementError(err, { action });
  const expected = err instanceof GraphRequestError || err instanceof GraphTransportError;
  if (expected)
    log.info(
      { kind: problem.kind, graphCode: problem.graphCode, requestId: problem.requestId },
      'requester step failed',
    );
  else log.error({ err }, 'requester step failed unexpectedly');
  return errorCard({
    title: TITLES[problem.kind] ?? 'That did not work',
    message: problem.userMessage,
    nextStep: problem.nextStep,
    retry,
  });
}
