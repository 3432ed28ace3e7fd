import type { IncomingMessage } from 'node:http';

export const MAX_BODY_BYTES = 256 * 1024;
/** Deeper JSON than this is refused before anything walks it (recursive code, zod, JSON.stringify). */
export const MAX_JSON_DEPTH = 64;
/** After a refusal, read (and drop) at most this much more before closing the connection. */
const DRAIN_LIMIT_BYTES = 4 * MAX_BODY_BYTES;

export type BodyResult = { ok: true; value: unknown } | { ok: false; status: 400 | 413 | 415; reason: string };

/**
 * Reads a Bot Framework activity body: plain (identity-encoded) `application/json`, at most `maxBytes` on the wire and
 * in memory, nesting bounded. Bot Framework and Teams send exactly that; anything else is refused before a byte of it
 * is parsed, so no decompression bomb, form body or parser error can reach a handler.
 */
export async function readJsonBody(req: IncomingMessage, maxBytes = MAX_BODY_BYTES): Promise<BodyResult> {
  const refusal = checkHeaders(req, maxBytes);
  if (refusal) {
    drain(req);
    return refusal;
  }
  const read = await readBounded(req, maxBytes);
  if (!read.ok) return read;
  return parseJson(read.bytes);
}

function checkHeaders(req: IncomingMessage, maxBytes: number): Exclude<BodyResult, { ok: true }> | undefined {
  const encoding = String(req.headers['content-encoding'] ?? 'identity')
    .trim()
    .toLowerCase();
  if (encoding !== 'identity' && encoding !== '') {
    return {
      ok: false,
      status: 415,
      reason: `Content-Encoding "${encoding.slice(0, 32)}" is not accepted: send the activity as plain JSON.`,
    };
  }
  const type = String(req.headers['content-type'] ?? '')
    .split(';')[0]
    .trim()
    .toLowerCase();
  if (type !== 'application/json') {
    return { ok: false, status: 415, reason: 'Send the activity as application/json.' };
  }
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) return tooLarge(maxBytes);
  return undefined;
}

function tooLarge(maxBytes: number): Exclude<BodyResult, { ok: true }> {
  return { ok: false, status: 413, reason: `The request body is larger than ${Math.floor(maxBytes / 1024)} kB.` };
}

function readBounded(
  req: IncomingMessage,
  maxBytes: number,
): Promise<{ ok: true; bytes: Buffer } | Exclude<BodyResult, { ok: true }>> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (result: { ok: true; bytes: Buffer } | Exclude<BodyResult, { ok: true }>) => {
      if (done) return;
      done = true;
      req.off('data', onData);
      req.off('end', onEnd);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        chunks.length = 0;
        finish(tooLarge(maxBytes));
        drain(req, size);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => finish({ ok: true, bytes: Buffer.concat(chunks, size) });
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', () => finish({ ok: false, status: 400, reason: 'The request body could not be read.' }));
    req.on('aborted', () => finish({ ok: false, status: 400, reason: 'The request body was cut short.' }));
  });
}

/** Lets the client finish sending so it can read our answer; a client that keeps sending is cut off. */
function drain(req: IncomingMessage, alreadyRead = 0): void {
  let seen = alreadyRead;
  req.on('data', (chunk: Buffer) => {
    seen += chunk.length;
    if (seen > DRAIN_LIMIT_BYTES) req.socket.destroy();
  });
  req.on('error', () => undefined);
  req.resume();
}

function parseJson(bytes: Buffer): BodyResult {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return { ok: false, status: 400, reason: 'The request body is not valid UTF-8 JSON.' };
  }
  if (jsonDepth(text) > MAX_JSON_DEPTH) {
    return { ok: false, status: 400, reason: `The request body nests deeper than ${MAX_JSON_DEPTH} levels.` };
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, status: 400, reason: 'The request body is not valid JSON.' };
  }
}

/** The deepest nesting of objects and arrays in JSON text, brackets inside strings ignored; one pass, no recursion. */
export function jsonDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      depth++;
      if (depth > deepest) deepest = depth;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return deepest;
}
