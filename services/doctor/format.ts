import { scrub } from '../log.js';
import type { CheckResult } from './types.js';

const MARK = { ok: 'ok  ', fail: 'FAIL', skip: 'skip' } as const;

/** Secret values of the environment that must never be printed, even inside an error message quoted from a library. */
function secretsOf(env: Record<string, string | undefined>): string[] {
  const values: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (!value || value.length < 6) continue;
    if (/PASSWORD|SECRET|CONNECTION_STRING|KEY/i.test(name)) values.push(value);
  }
  // An account key also appears alone (e.g. in a storage SDK's error).
  for (const m of (env.AZURE_STORAGE_CONNECTION_STRING ?? '').matchAll(/AccountKey=([^;]+)/gi)) values.push(m[1]);
  return values;
}

/** One line per check: `ok   name: detail`, `FAIL name: detail. Fix: ...`, `skip name: reason`. */
export function formatReport(results: CheckResult[], env: Record<string, string | undefined>): string {
  const secrets = secretsOf(env);
  const clean = (text: string) => {
    let out = scrub(text).replace(/(AccountKey|SharedAccessSignature|sig|client_secret)=[^;&\s]+/gi, '$1=…');
    for (const s of secrets) out = out.split(s).join('…');
    return out;
  };
  return results
    .map((r) =>
      clean(
        `${MARK[r.status]} ${r.name}: ${r.detail.replace(/\.+$/, '')}${r.status === 'fail' && r.fix ? `. Fix: ${r.fix}` : ''}`,
      ),
    )
    .join('\n');
}
