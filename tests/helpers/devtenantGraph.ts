/**
 * Graph straight to the devtenant, not through the bot: as a person (as if in My Access or the PIM portal), or as the
 * bot's app reading a request back.
 */
import { jwt, userToken } from '../devtenant/tokens.js';

/** Where the devtenant listens: its URL, or what runs one (a Stack, an E2E). */
export type DevtenantAt = string | { devtenant?: { url: string } };

function urlOf(at: DevtenantAt): string | undefined {
  return typeof at === 'string' ? at : at.devtenant?.url;
}

const EM = '/identityGovernance/entitlementManagement';

/**
 * A collection read straight from the devtenant with every page in `value` (DEVTENANT_PAGE_SIZE may make pages tiny);
 * anything else is returned as it is. `get` reads one absolute URL and returns its parsed body.
 */
export async function withAllPages(body: any, get: (url: string) => Promise<any>): Promise<any> {
  if (!body || !Array.isArray(body.value) || !body['@odata.nextLink']) return body;
  const value = [...body.value];
  let next: string | undefined = body['@odata.nextLink'];
  while (next) {
    const page = await get(next);
    value.push(...(page?.value ?? []));
    next = page?.['@odata.nextLink'];
  }
  const { '@odata.nextLink': _followed, ...rest } = body;
  return { ...rest, value };
}

/** Graph as a person; `pathAndQuery` comes after `/v1.0`. Throws on an error status, with what Graph said. */
export async function graphAs(
  at: DevtenantAt,
  who: string,
  method: string,
  pathAndQuery: string,
  body?: unknown,
): Promise<any> {
  const res = await fetch(`${urlOf(at)}/v1.0${pathAndQuery}`, {
    method,
    headers: { authorization: `Bearer ${userToken(who)}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${pathAndQuery} answered ${res.status}: ${text}`);
  const parsed = text ? JSON.parse(text) : undefined;
  if (method !== 'GET') return parsed;
  const headers = { authorization: `Bearer ${userToken(who)}` };
  return withAllPages(parsed, async (url) => (await fetch(url, { headers })).json());
}

/** An approver decides, in My Access, the stage of an access package request that waits for them. */
export async function decideInMyAccess(
  at: DevtenantAt,
  requestId: string,
  approver: string,
  decision: 'Approve' | 'Deny',
  justification = 'Decided in My Access',
): Promise<void> {
  const root = `${EM}/accessPackageAssignmentApprovals/${requestId}`;
  const approval = await graphAs(at, approver, 'GET', root);
  const stage = approval.stages.find((s: any) => s.status === 'InProgress' && s.assignedToMe);
  if (!stage) throw new Error(`no stage of ${requestId} waits for ${approver}`);
  await graphAs(at, approver, 'PATCH', `${root}/stages/${stage.id}`, { reviewResult: decision, justification });
}

/** An approver decides, in the PIM portal, the open stage of a PIM for Groups activation (its approval id). */
export async function decideInPimPortal(
  at: DevtenantAt,
  approvalId: string,
  approver: string,
  decision: 'Approve' | 'Deny',
  justification = 'Decided in the PIM portal',
): Promise<void> {
  const root = `/identityGovernance/privilegedAccess/group/assignmentApprovals/${approvalId}`;
  const approval = await graphAs(at, approver, 'GET', root);
  const stage = approval.stages.find((s: any) => s.status === 'InProgress' && s.assignedToMe);
  if (!stage) throw new Error(`no stage of ${approvalId} waits for ${approver}`);
  await graphAs(at, approver, 'PATCH', `${root}/stages/${stage.id}`, { reviewResult: decision, justification });
}

/** An unsigned app-only token (`alg: none`) that may read access package requests. */
function appToken(): string {
  const now = Math.floor(Date.now() / 1000);
  return jwt({
    oid: 'b0700000-0000-4000-8000-0000000000b0',
    tid: 'c0a70500-0000-4000-8000-000000000001',
    idtyp: 'app',
    roles: ['EntitlementManagement.Read.All'],
    iat: now,
    exp: now + 3600,
  });
}

/** An access package assignment request as Graph holds it, read as an app (whoever asked or decided). */
export async function emRequest(at: DevtenantAt, requestId: string): Promise<any> {
  const res = await fetch(`${urlOf(at)}/v1.0${EM}/assignmentRequests/${requestId}`, {
    headers: { authorization: `Bearer ${appToken()}` },
  });
  return res.json();
}

/** The role definitions of a person's active Microsoft Entra roles, as Graph lists them to that person. */
export async function activeRoleIds(at: DevtenantAt, who: string): Promise<string[]> {
  const { value } = await graphAs(
    at,
    who,
    'GET',
    `/roleManagement/directory/roleAssignmentScheduleInstances/filterByCurrentUser(on='principal')`,
  );
  return value.map((i: { roleDefinitionId: string }) => i.roleDefinitionId);
}

/** Moves the devtenant's clock on (and so the bot's, which keeps the devtenant's time in the browser tests). */
export async function advanceDevtenant(at: { devtenant: { url: string } }, seconds: number): Promise<void> {
  const res = await fetch(`${at.devtenant.url}/_devtenant/clock`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ advanceSeconds: seconds }),
  });
  if (res.status !== 200) throw new Error(`the devtenant clock did not move (${res.status})`);
}
