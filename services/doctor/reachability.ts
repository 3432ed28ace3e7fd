import { withDeadline } from './types.js';

/** Graph is reachable when its root answers at all (any HTTP status); only network failures count as down. */
export async function graphReachable(baseUrl: string, timeoutMs = 2500): Promise<void> {
  const res = await fetch(`${baseUrl}/v1.0/`, { method: 'GET', signal: AbortSignal.timeout(timeoutMs) });
  await res.body?.cancel();
}

/** GET {publicUrl}/healthz; resolves with the HTTP status (the bot answers 200 `{status:"ok"}`). */
export async function healthzStatus(publicUrl: string, timeoutMs: number): Promise<number> {
  const res = await withDeadline(
    fetch(`${publicUrl}/healthz`, { redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) }),
    timeoutMs,
  );
  await res.body?.cancel();
  return res.status;
}
