import { request } from 'node:http';
import { deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES } from '../../bot/http/body.js';
import { referenceKey } from '../../bot/proactive/conversations.js';
import { type Stack, startStack } from '../helpers/stack.js';
import { teamsUser } from '../helpers/teamsHarness.js';

/**
 * Fuzzing the wire in front of `/api/messages` through the real restify server: content types, content encodings
 * (real gzip and deflate, broken streams, bombs), form bodies with bracketed keys, deep nesting, bytes that are not
 * UTF-8, browser headers. Properties: the process never dies and never answers 5xx; only a plain JSON activity
 * without browser headers gets past the edge (everything else is 4xx with a JSON reason); nothing refused reaches the
 * bot (no connector traffic, no stored conversation reference changes).
 */

const SEED = Number(process.env.FUZZ_SEED ?? 20_261_203);
const RUNS = Number(process.env.FUZZ_HTTP_CASES ?? (process.env.CI ? 1_500 : 400));

const victim = teamsUser('10000000-0000-4000-8000-000000000002', 'Megan Bowen');

interface WireCase {
  contentType: string | undefined;
  contentEncoding: string | undefined;
  browser: Record<string, string>;
  body: { kind: string; bytes: Buffer };
}

const contentTypes = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'APPLICATION/JSON',
  'application/x-www-form-urlencoded',
  'text/plain',
  'multipart/form-data; boundary=zz',
  'application/json-patch+json',
  'application/jsonx',
  'text/json',
  undefined,
);
const contentEncodings = fc.constantFrom(
  undefined,
  'identity',
  'gzip',
  'deflate',
  'br',
  'x-gzip',
  'gzip, identity',
  'identity, gzip',
  'compress',
  '',
);
const browserHeaders = fc.oneof(
  { arbitrary: fc.constant<Record<string, string>>({}), weight: 6 },
  {
    arbitrary: fc.constantFrom<Record<string, string>>(
      { origin: 'https://attacker.example' },
      { origin: 'null' },
      { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors' },
      { 'sec-fetch-site': 'same-site' },
      { 'sec-fetch-site': 'none' },
    ),
    weight: 4,
  },
);

/** The activity a forger wants to land: Megan's conversation pointed at another URL. */
function forgedActivity(serviceUrl: string) {
  return {
    type: 'message',
    text: 'help',
    channelId: 'msteams',
    serviceUrl,
    id: 'forged',
    conversation: { id: 'a:forged' },
    from: { id: victim.teamsId, aadObjectId: victim.aadObjectId },
    recipient: { id: '28:bot' },
  };
}

function bodies(serviceUrl: string) {
  const json = JSON.stringify(forgedActivity(serviceUrl));
  const big = JSON.stringify({ ...forgedActivity(serviceUrl), text: 'b'.repeat(MAX_BODY_BYTES) });
  const form = new URLSearchParams({
    type: 'message',
    text: 'help',
    serviceUrl,
    'conversation[id]': 'a:forged',
    'from[id]': victim.teamsId,
    'from[aadObjectId]': victim.aadObjectId,
  }).toString();
  return fc.oneof(
    fc.constant({ kind: 'json', bytes: Buffer.from(json) }),
    fc.constant({ kind: 'form', bytes: Buffer.from(form) }),
    fc.constant({ kind: 'gzip json', bytes: gzipSync(json) }),
    fc.constant({ kind: 'deflate json', bytes: deflateSync(json) }),
    fc.constant({ kind: 'gzip bomb', bytes: gzipSync(Buffer.alloc(8 * 1024 * 1024, 0x61)) }),
    fc.constant({ kind: 'oversized json', bytes: Buffer.from(big) }),
    fc.nat(200).map((n) => ({ kind: 'truncated gzip', bytes: gzipSync(json).subarray(0, 10 + n) })),
    fc.uint8Array({ maxLength: 2048 }).map((a) => ({ kind: 'random bytes', bytes: Buffer.from(a) })),
    fc.integer({ min: 60, max: 20_000 }).map((d) => ({
      kind: `nesting ${d}`,
      bytes: Buffer.from(`{"type":"message","value":${'['.repeat(d)}${']'.repeat(d)}}`),
    })),
    fc.constant({
      kind: 'not utf-8',
      bytes: Buffer.concat([Buffer.from('{"type":"message","text":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]),
    }),
    fc.string({ maxLength: 300 }).map((s) => ({ kind: 'text', bytes: Buffer.from(s) })),
  );
}

function post(url: string, c: WireCase): Promise<{ status: number; text: string }> {
  const headers: Record<string, string> = { ...c.browser };
  if (c.contentType !== undefined) headers['content-type'] = c.contentType;
  if (c.contentEncoding !== undefined) headers['content-encoding'] = c.contentEncoding;
  return new Promise((resolve, reject) => {
    const req = request(`${url}/api/messages`, { method: 'POST', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      // We close the connection after refusing an oversized body; a client still writing may see the reset.
      if (err.code === 'ECONNRESET' || err.code === 'EPIPE') resolve({ status: -1, text: '' });
      else reject(err);
    });
    req.end(c.body.bytes);
  });
}

/** Only this gets through the edge: plain (or identity-encoded) JSON, no browser headers, within the size limit. */
function mayPass(c: WireCase): boolean {
  const type = c.contentType?.split(';')[0].trim().toLowerCase();
  const encoding = (c.contentEncoding ?? 'identity').trim().toLowerCase();
  const browser = c.browser.origin !== undefined || (c.browser['sec-fetch-site'] ?? 'none') !== 'none';
  return (
    type === 'application/json' && (encoding === 'identity' || encoding === '') && !browser && c.body.kind === 'json'
  );
}

describe('fuzzing the HTTP edge through the real server', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ devtenant: false });
    await stack.teams.say(victim, 'help');
  });
  afterAll(async () => stack?.stop());

  it(`never dies, never answers 5xx, and lets only plain JSON from a non-browser through (${RUNS} cases)`, async () => {
    const key = referenceKey(victim.aadObjectId);
    const storedReference = async () => JSON.stringify((await stack.bot.app.storage.read([key]))[key]);
    const statuses = new Map<number, number>();
    const wireCase = fc.record({
      contentType: contentTypes,
      contentEncoding: contentEncodings,
      browser: browserHeaders,
      // The harness's own connector: a forged turn that got through would show up in its events.
      body: bodies(stack.teams.serviceUrl),
    });
    await fc.assert(
      fc.asyncProperty(wireCase, async (c) => {
        const before = await storedReference();
        const sent = stack.teams.events.length;
        const res = await post(stack.bot.url, c);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        const what = `${c.body.kind} | ${c.contentType} | ${c.contentEncoding} | ${JSON.stringify(c.browser)}`;
        expect(res.status, what).toBeLessThan(500);
        expect(res.text, what).not.toMatch(/\n\s+at |Error: /);
        if (!mayPass(c)) {
          expect([400, 403, 413, 415, -1], what).toContain(res.status);
          if (res.status > 0) expect(JSON.parse(res.text).error.message, what).toEqual(expect.any(String));
          // Refused means refused: the stored conversation did not move and nothing was sent anywhere.
          expect(await storedReference(), what).toBe(before);
          expect(stack.teams.events.length, what).toBe(sent);
        }
        const health = await fetch(`${stack.bot.url}/healthz`);
        expect(health.status).toBe(200);
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
    console.info(`http edge: ${RUNS} cases (seed ${SEED}); statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
    const refused = [...statuses.entries()].filter(([s]) => s !== 200).reduce((n, [, k]) => n + k, 0);
    expect(refused).toBeGreaterThan(RUNS * 0.8);
    expect(process.memoryUsage().rss).toBeLessThan(1024 * 1024 * 1024);
  }, 240_000);
});
