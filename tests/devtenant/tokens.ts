/** Unsigned JWTs (`alg: none`) with real Entra claim names, as the bot mints them in local mode. */

export const TENANT_ID = 'c0a70500-0000-4000-8000-000000000001';
const user = (nn: number) => `10000000-0000-4000-8000-0000000000${String(nn).padStart(2, '0')}`;

/** Demo tenant people (devtenant/seed/demo.json). */
export const PEOPLE = {
  alex: user(1),
  megan: user(2),
  adele: user(3),
  isaiah: user(4),
  patti: user(5),
  lynne: user(6),
  lee: user(7),
  diego: user(8),
  nestor: user(9),
  miriam: user(11),
  johanna: user(12),
  grady: user(15),
  debra: user(16),
} as const;

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

export function jwt(claims: Record<string, unknown>): string {
  return `${b64({ typ: 'JWT', alg: 'none' })}.${b64(claims)}.`;
}

export interface UserTokenOptions {
  mfa?: boolean;
  acrs?: string[];
  exp?: number;
  tid?: string;
}

export function userToken(oid: string, opts: UserTokenOptions = {}): string {
  const now = Math.floor(Date.now() / 1000);
  return jwt({
    oid,
    tid: opts.tid ?? TENANT_ID,
    name: 'Test User',
    upn: 'test@contoso.example',
    scp: 'User.Read EntitlementManagement.ReadWrite.All PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup',
    iat: now,
    exp: opts.exp ?? now + 10 * 365 * 86_400,
    ...(opts.mfa ? { amr: ['pwd', 'mfa'] } : { amr: ['pwd'] }),
    ...(opts.acrs ? { acrs: opts.acrs } : {}),
  });
}

export function appToken(oid = 'f0000000-0000-4000-8000-000000000001'): string {
  return jwt({ oid, tid: TENANT_ID, roles: ['EntitlementManagement.Read.All', 'User.Read.All'], idtyp: 'app' });
}
