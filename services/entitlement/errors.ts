import { DomainError, type ErrorContext, GraphRequestError, toDomainError } from '../graph/errors.js';
import type { FieldErrors } from '../model/entitlement.js';
import { FormField } from './requestForm.js';

/**
 * Entitlement-management failures in words. Graph does not document the error codes of request creation (GRAPH-API.md
 * §4.4), so the status decides first and the codes below (the devtenant's, configurable there) only sharpen the
 * message; anything else goes through the shared `toDomainError`.
 */

const OPEN_REQUEST = /ExistingOpenRequest|PendingRequest|OpenRequest/i;

/** A rejected request that points at one field of the form, or undefined when it is not about a field. */
export function fieldErrorsFromGraph(err: unknown): FieldErrors | undefined {
  if (!(err instanceof GraphRequestError) || err.status !== 400) return undefined;
  if (/Justification/i.test(err.code)) {
    return { [FormField.justification]: 'Microsoft Graph asks for a justification for this access package.' };
  }
  if (/Schedule/i.test(err.code)) {
    return {
      [FormField.endDate]: 'Microsoft Graph did not accept these dates: they are outside what the policy allows.',
    };
  }
  return undefined;
}

export function entitlementError(err: unknown, context: ErrorContext): DomainError {
  if (err instanceof GraphRequestError) {
    if (err.status === 400 && OPEN_REQUEST.test(err.code)) return openRequest(err);
    if (err.status === 400 && /Answer/i.test(err.code)) return badAnswers(err);
    if (err.status === 400 && /NotCancel/i.test(err.code)) return notCancelable(err);
    if (err.status === 403) return notAllowed(err, context);
  }
  return toDomainError(err, context);
}

const base = (err: GraphRequestError) => ({ status: err.status, graphCode: err.code, requestId: err.requestId });

function openRequest(err: GraphRequestError): DomainError {
  return new DomainError({
    ...base(err),
    kind: 'conflict',
    userMessage: 'You already have a request for this access package that is still open.',
    nextStep: 'Type **my requests** to see it; you can cancel it there and ask again.',
  });
}

function badAnswers(err: GraphRequestError): DomainError {
  return new DomainError({
    ...base(err),
    kind: 'badRequest',
    userMessage: "Microsoft Graph did not accept the answers to the policy's questions.",
    nextStep: 'Check your answers and send the request again.',
  });
}

function notCancelable(err: GraphRequestError): DomainError {
  return new DomainError({
    ...base(err),
    kind: 'alreadyDecided',
    userMessage: 'This request can no longer be canceled: it has already moved on.',
    nextStep: 'Type **my requests** to see where it stands.',
  });
}

function notAllowed(err: GraphRequestError, context: ErrorContext): DomainError {
  return new DomainError({
    ...base(err),
    kind: 'notAllowed',
    userMessage: `You are not allowed to ${context.action}: no policy of this access package lets you.`,
    nextStep: 'Type **catalog** to see the access packages you can request, or ask your admin.',
  });
}
