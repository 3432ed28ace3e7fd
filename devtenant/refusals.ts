import type { RefusalKind } from './errors.js';

/**
 * Every request the devtenant refused as malformed (a call Graph would refuse too). A test that provokes one on
 * purpose declares it with `expect()`; the shared test hook (tests/helpers/refusalGuard.ts) fails a test on any other.
 */

export interface Refusal {
  method: string;
  /** Path with query, including the version. */
  path: string;
  caller: string | null;
  status: number;
  kind: RefusalKind;
  message: string;
  time: string;
  batchItem?: boolean;
  /** Matched an expectation declared by the test. */
  expected: boolean;
}

export interface RefusalExpectation {
  /** Regex tried on `path` (with version and query). */
  pathPattern: string;
  method?: string;
  kind?: RefusalKind;
}

const LIMIT = 10_000;

export class Refusals {
  private entries: Refusal[] = [];
  private expectations: { pattern: RegExp; method?: string; kind?: RefusalKind }[] = [];
  /** Index of the first entry the guard has not yet looked at. */
  private checked = 0;

  record(entry: Omit<Refusal, 'expected'>): void {
    const expected = this.expectations.some(
      (e) =>
        e.pattern.test(entry.path) &&
        (!e.method || e.method.toUpperCase() === entry.method) &&
        (!e.kind || e.kind === entry.kind),
    );
    if (this.entries.length >= LIMIT) {
      this.entries.splice(0, LIMIT / 10);
      this.checked = Math.max(0, this.checked - LIMIT / 10);
    }
    this.entries.push({ ...entry, expected });
  }

  /** From now on, refusals matching are expected (until `clear`). Throws on an invalid regex. */
  expect(expectation: RefusalExpectation | RegExp): void {
    if (expectation instanceof RegExp) {
      this.expectations.push({ pattern: expectation });
      return;
    }
    this.expectations.push({
      pattern: new RegExp(expectation.pathPattern, 'i'),
      method: expectation.method,
      kind: expectation.kind,
    });
  }

  list(): Refusal[] {
    return this.entries;
  }

  unexpected(): Refusal[] {
    return this.entries.filter((e) => !e.expected);
  }

  /** Unexpected refusals recorded since the last call (for a per-test check). */
  takeUnexpected(): Refusal[] {
    const fresh = this.entries.slice(this.checked).filter((e) => !e.expected);
    this.checked = this.entries.length;
    return fresh;
  }

  clear(): void {
    this.entries = [];
    this.expectations = [];
    this.checked = 0;
  }
}

/** Every devtenant started in this process (closed ones too), so a test hook can ask all of them. */
const REGISTRY = Symbol.for('devtenant.refusals');
type Registry = Set<{ url: string; refusals: Refusals }>;

export function refusalRegistry(): Registry {
  const g = globalThis as { [REGISTRY]?: Registry };
  g[REGISTRY] ??= new Set();
  return g[REGISTRY];
}

export function describeRefusal(r: Refusal): string {
  return `${r.method} ${r.path} → ${r.status} [${r.kind}] ${r.message}${r.batchItem ? ' (in $batch)' : ''}`;
}
