/** One line of `npm run doctor`: ok, a failure with what to do about it, or a check that does not apply here. */
export type CheckStatus = 'ok' | 'fail' | 'skip';

export interface CheckResult {
  name: string;
  status: CheckStatus;
  /** What was found (ok), what went wrong (fail) or why it was not checked (skip). */
  detail: string;
  /** For a failure: what the operator should change. */
  fix?: string;
  /** A skipped check that does not exist in this mode (the OAuth connection in local mode): not a reason to fail. */
  notApplicable?: true;
}

export const ok = (name: string, detail: string): CheckResult => ({ name, status: 'ok', detail });
export const fail = (name: string, detail: string, fix: string): CheckResult => ({ name, status: 'fail', detail, fix });
export const skip = (name: string, detail: string): CheckResult => ({ name, status: 'skip', detail });
export const notApplicable = (name: string, detail: string): CheckResult => ({
  name,
  status: 'skip',
  detail: `not applicable: ${detail}`,
  notApplicable: true,
});

/** Rejects when the promise has not settled within `ms`: a host that never answers must not stall the doctor. */
export function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

/** The first line of an error, with the cause of a fetch failure (ECONNREFUSED, ENOTFOUND) when there is one. */
export function reasonOf(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as Error & { cause?: unknown }).cause;
  const causeText =
    cause instanceof Error ? ((cause as Error & { code?: string }).code ?? cause.message.split('\n')[0]) : '';
  const first = err.message.split('\n')[0] ?? '';
  return causeText && !first.includes(causeText) ? `${first} (${causeText})` : first;
}
