import { DomainError, type ErrorContext, GraphRequestError, toDomainError } from '../graph/errors.js';

/**
 * Entitlement-management failures in words. Graph documents no error codes of its own for request creation or cancel
 * (GRAPH-API.md §4.4): what Graph and public reports show are generic codes (devtenant/README.md cites each), 400
 * `BadRequest` with the reason only in the message, 403 and 404. So the status decides, and Graph's own message, written
 * for end users, is shown beside the bot's words.
 */

/** Longest part of Graph's message a card shows. */
export const MAX_GRAPH_MESSAGE_CHARS = 300;

const GUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi;
/** Where a message turns into diagnostics: a stack frame, an inner exception, trace or correlation ids. */
const DIAGNOSTICS =
  /\s+at\s+[\w$`<>]+(?:\.[\w$`<>]+)+\s*\(|--->|\b[\w.]*Exception\b|\b(?:Trace|Correlation|Request|Activity)\s*ID\b|\binnerError\b/i;

/**
 * Graph's message as a person may read it: one line, without ids, addresses or diagnostics, at most
 * `MAX_GRAPH_MESSAGE_CHARS`; undefined when nothing readable is left.
 */
export function readableGraphMessage(message: string): string | undefined {
  let text = message.replace(/\p{Cc}+/gu, ' ');
  const diagnostics = text.search(DIAGNOSTICS);
  if (diagnostics >= 0) text = text.slice(0, diagnostics);
  text = text
    .replace(GUID, '…')
    .replace(/https?:\/\/\S+/gi, '…')
    .replace(/\s+/g, ' ')
    .trim();
  // Nested JSON or an HTML page is a service's internals, not words for people.
  if (!/\p{L}{2}/u.test(text) || /^[{[<]/.test(text)) return undefined;
  return text.length > MAX_GRAPH_MESSAGE_CHARS ? `${text.slice(0, MAX_GRAPH_MESSAGE_CHARS - 1).trimEnd()}…` : text;
}

/** Cards render `userMessage` as Markdown: Graph's words show literally (as `plainText` in cards/elements.ts does). */
const MARKDOWN = /[\\*_[\]]/g;

function withGraphsWords(ours: string, err: GraphRequestError): string {
  const theirs = readableGraphMessage(err.graphMessage)?.replace(MARKDOWN, (c) => `\\${c}`);
  return theirs ? `${ours} Microsoft Graph says: “${theirs}”` : ours;
}

export function entitlementError(err: unknown, context: ErrorContext): DomainError {
  const domain = toDomainError(err, context);
  if (!(err instanceof GraphRequestError)) return domain;
  if (err.status === 403) return notAllowed(err, context);
  if (err.status === 400 && domain.kind === 'badRequest') return rejected(err, context);
  return domain;
}

const base = (err: GraphRequestError) => ({ status: err.status, graphCode: err.code, requestId: err.requestId });

function rejected(err: GraphRequestError, context: ErrorContext): DomainError {
  return new DomainError({
    ...base(err),
    kind: 'badRequest',
    userMessage: withGraphsWords(`I couldn't ${context.action}: Microsoft Entra did not accept it.`, err),
    nextStep: 'Type **my requests** to see what is already open, check what you entered, and try again.',
  });
}

function notAllowed(err: GraphRequestError, context: ErrorContext): DomainError {
  return new DomainError({
    ...base(err),
    kind: 'notAllowed',
    userMessage: withGraphsWords(
      `You are not allowed to ${context.action}: no policy of this access package lets you.`,
      err,
    ),
    nextStep: 'Type **catalog** to see the access packages you can request, or ask your admin.',
  });
}
