import { z } from 'zod';
import { badRequest } from './errors.js';

/**
 * Fault injection for Graph routes: 400, 429 with Retry-After, 503, latency, a delayed answer to a request already
 * carried out, connection reset; per path pattern.
 */

const ruleSchema = z.strictObject({
  pathPattern: z.string().min(1),
  method: z.string().min(1).optional(),
  // 400 stands for a query option this Graph refuses (e.g. an `$expand` a function does not support).
  status: z.union([z.literal(400), z.literal(429), z.literal(503)]).optional(),
  retryAfterSeconds: z.number().int().min(0).max(3600).optional(),
  latencyMs: z.number().int().min(0).max(60_000).optional(),
  // The request is carried out at once and only its answer waits (a caller that dies meanwhile lost the answer).
  answerDelayMs: z.number().int().min(0).max(60_000).optional(),
  reset: z.boolean().optional(),
  probability: z.number().min(0).max(1).optional(),
  count: z.number().int().min(1).optional(),
});
const bodySchema = z.strictObject({ rules: z.array(ruleSchema).min(1), seed: z.number().int().optional() });

export type FaultRuleInput = z.infer<typeof ruleSchema>;

export interface FaultRule extends FaultRuleInput {
  regex: RegExp;
  /** Applications left (undefined = unlimited). */
  remaining?: number;
}

/** Deterministic PRNG (mulberry32) so `probability` rules behave the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const DEFAULT_SEED = 20_250_601;

export class Faults {
  private rules: FaultRule[] = [];
  private random = prng(DEFAULT_SEED);

  get size(): number {
    return this.rules.length;
  }

  /** Adds rules from a `POST /_devtenant/faults` body; a bad body is a 400 naming the problem. */
  add(body: unknown): FaultRule[] {
    const parsed = bodySchema.safeParse(body);
    if (!parsed.success) throw badRequest(`Invalid fault rules: ${z.prettifyError(parsed.error).replace(/\n/g, ' ')}`);
    if (parsed.data.seed !== undefined) this.random = prng(parsed.data.seed);
    const added = parsed.data.rules.map((r) => {
      if (r.status === undefined && r.latencyMs === undefined && r.answerDelayMs === undefined && !r.reset) {
        throw badRequest('Each fault rule needs status, latencyMs, answerDelayMs or reset.');
      }
      let regex: RegExp;
      try {
        regex = new RegExp(r.pathPattern, 'i');
      } catch (err) {
        throw badRequest(`Invalid pathPattern '${r.pathPattern}': ${(err as Error).message}`);
      }
      return { ...r, regex, remaining: r.count };
    });
    this.rules.push(...added);
    return added;
  }

  list(): FaultRuleInput[] {
    return this.rules.map(({ regex: _regex, remaining, ...rest }) => ({
      ...rest,
      ...(remaining === undefined ? {} : { count: remaining }),
    }));
  }

  clear(): void {
    this.rules = [];
    this.random = prng(DEFAULT_SEED);
  }

  /**
   * The first rule that fires for this request (consumes one of its `count`). Patterns are tried against the path
   * after the version (`/me?$select=id`) and with it (`/v1.0/me?$select=id`).
   */
  match(method: string, pathAndQuery: string, version: string): FaultRule | undefined {
    if (this.rules.length === 0) return undefined;
    for (const rule of this.rules) {
      if (rule.method && rule.method.toUpperCase() !== method) continue;
      if (!rule.regex.test(pathAndQuery) && !rule.regex.test(`/${version}${pathAndQuery}`)) continue;
      if (rule.probability !== undefined && this.random() >= rule.probability) continue;
      if (rule.remaining !== undefined) {
        rule.remaining--;
        if (rule.remaining <= 0) this.rules = this.rules.filter((r) => r !== rule);
      }
      return rule;
    }
    return undefined;
  }
}

export const faultError = (rule: FaultRule) => {
  const retry = rule.retryAfterSeconds ?? (rule.status === 429 ? 1 : undefined);
  const headers: Record<string, string> = retry === undefined ? {} : { 'Retry-After': String(retry) };
  if (rule.status === 400) {
    return {
      status: 400,
      code: 'BadRequest',
      message: 'Invalid request: the query option is not supported on this resource.',
      headers,
    };
  }
  if (rule.status === 429) {
    return {
      status: 429,
      code: 'TooManyRequests',
      message: `Too many requests. Retry after ${retry} seconds.`,
      headers,
    };
  }
  return {
    status: 503,
    code: 'ServiceUnavailable',
    message: 'The service is temporarily unavailable. Please retry.',
    headers,
  };
};
