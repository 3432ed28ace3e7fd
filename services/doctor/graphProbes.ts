import { type CheckResult, fail, ok, reasonOf, skip, withDeadline } from './types.js';

/** One app-only GET against Graph, bounded; the answer's status and JSON (or the network failure). */
export type ProbeAnswer = { status: number; body: unknown } | { error: string };

export interface GraphProbe {
  baseUrl: string;
  token: string;
  timeoutMs: number;
}

export async function probe({ baseUrl, token, timeoutMs }: GraphProbe, path: string): Promise<ProbeAnswer> {
  try {
    const res = await withDeadline(
      fetch(`${baseUrl}/v1.0${path}`, {
        headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' },
        signal: AbortSignal.timeout(timeoutMs),
      }),
      timeoutMs,
    );
    const text = await res.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    return { status: res.status, body };
  } catch (err) {
    return { error: reasonOf(err) };
  }
}

/** Graph's error code and message from an error body (`{error:{code,message}}`), bounded. */
export function graphError(body: unknown): string {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  const code = typeof error?.code === 'string' ? error.code : '';
  const message = typeof error?.message === 'string' ? error.message.split('\n')[0].slice(0, 160) : '';
  return [code, message].filter(Boolean).join(': ');
}

export function firstId(answer: ProbeAnswer): string | undefined {
  if ('error' in answer || answer.status !== 200) return undefined;
  const value = (answer.body as { value?: { id?: unknown }[] } | undefined)?.value;
  const id = value?.[0]?.id;
  return typeof id === 'string' ? id : undefined;
}

/** An application permission of the README's per-feature table and the cheapest read that needs it. */
export interface PermissionRead {
  permission: string;
  feature: string;
  /** The path to read, or undefined (with why) when the tenant gave nothing to read it with. */
  path: string | { skipped: string };
}

/** The reads, given the first user and group the tenant lists (PIM and policy reads need a principal or group). */
export function permissionReads(ids: { userId?: string; groupId?: string }, teamsAppId: string): PermissionRead[] {
  const byUser = (path: (id: string) => string) =>
    ids.userId ? path(ids.userId) : { skipped: 'the tenant listed no user to read it for' };
  const byGroup = (path: (id: string) => string) =>
    ids.groupId ? path(ids.groupId) : { skipped: 'the tenant listed no group to read it for' };
  const filter = (f: string) => `$filter=${encodeURIComponent(f)}`;
  const PIM = '/identityGovernance/privilegedAccess/group';
  return [
    {
      permission: 'EntitlementManagement.Read.All',
      feature: 'watcher: pending requests, package details',
      path: '/identityGovernance/entitlementManagement/accessPackages?$top=1&$select=id',
    },
    { permission: 'User.Read.All', feature: 'watcher: approvers', path: '/users?$top=1&$select=id' },
    { permission: 'GroupMember.Read.All', feature: 'watcher: approver groups', path: '/groups?$top=1&$select=id' },
    {
      permission: 'PrivilegedEligibilitySchedule.Read.AzureADGroup',
      feature: 'eligible group roles (watcher)',
      path: byUser((id) => `${PIM}/eligibilityScheduleInstances?${filter(`principalId eq '${id}'`)}&$top=1`),
    },
    {
      permission: 'PrivilegedAssignmentSchedule.Read.AzureADGroup',
      feature: 'active group roles (watcher)',
      path: byUser((id) => `${PIM}/assignmentScheduleInstances?${filter(`principalId eq '${id}'`)}&$top=1`),
    },
    {
      permission: 'RoleManagementPolicy.Read.AzureADGroup',
      feature: 'group activation policies',
      path: byGroup(
        (id) => `/policies/roleManagementPolicyAssignments?${filter(`scopeId eq '${id}' and scopeType eq 'Group'`)}`,
      ),
    },
    {
      permission: 'AuthenticationContext.Read.All',
      feature: 'names of authentication contexts on activation cards',
      path: '/identity/conditionalAccess/authenticationContextClassReferences',
    },
    {
      permission: 'TeamsAppInstallation.ReadWriteSelfForUser.All',
      feature: 'install the bot for approvers who never opened it',
      path: byUser(
        (id) =>
          `/users/${encodeURIComponent(id)}/teamwork/installedApps?$expand=teamsApp&${filter(`teamsApp/externalId eq '${teamsAppId}'`)}`,
      ),
    },
  ];
}

export function permissionResult(read: PermissionRead, answer: ProbeAnswer | undefined, appId: string): CheckResult {
  const name = `permission ${read.permission}`;
  const grant = `In the Entra admin center, App registrations → ${appId} → API permissions: add the Microsoft Graph application permission ${read.permission} (${read.feature}) and grant admin consent.`;
  if (typeof read.path !== 'string' || !answer) {
    const why = typeof read.path === 'string' ? 'not checked' : read.path.skipped;
    return skip(name, why);
  }
  if ('error' in answer) {
    return fail(name, `Graph did not answer: ${answer.error}`, 'Check GRAPH_BASE_URL and that this host can reach it.');
  }
  if (answer.status === 200) return ok(name, read.feature);
  const said = graphError(answer.body);
  if (answer.status === 403) {
    return fail(
      name,
      `Graph refused the read (403${said ? ` ${said}` : ''}): ${read.permission} is not granted`,
      grant,
    );
  }
  if (answer.status === 401) {
    return fail(
      name,
      `Graph did not accept the app-only token (401${said ? ` ${said}` : ''})`,
      'Make sure MicrosoftAppTenantId is the tenant the app registration is in and the token is for https://graph.microsoft.com.',
    );
  }
  return fail(
    name,
    `Graph answered ${answer.status}${said ? ` ${said}` : ''}`,
    'Check GRAPH_BASE_URL (it must be the Graph root, such as https://graph.microsoft.com).',
  );
}
