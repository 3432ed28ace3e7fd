import { mintToken } from '../auth.js';
import type { User } from '../model.js';
import type { GraphResponse } from '../router.js';
import type { TenantState } from '../state.js';

/**
 * Graph as one demo person, dispatched inside the devtenant through the same routing, auth and engines as an HTTP
 * call (the request log marks it "console"). The token is the one the bot would mint for that person in local mode.
 */

export interface ConsoleCall {
  method: string;
  /** Path after `/v1.0`, unencoded (ids are GUIDs). */
  path: string;
  /** Query string without `?`. */
  search: string;
  token: string;
  body?: unknown;
}

export type Dispatch = (call: ConsoleCall) => Promise<GraphResponse>;

/** Graph refused the call: its status, code and message are shown on the page as they are. */
export class GraphRefusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const SCOPES = 'User.Read EntitlementManagement.ReadWrite.All PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup';

/** A delegated token for the person, valid for an hour of devtenant time. */
export function personToken(state: TenantState, user: User): string {
  const now = Math.floor(state.now() / 1000);
  return mintToken({
    aud: 'https://graph.microsoft.com',
    iss: `https://sts.windows.net/${state.tenant.id}/`,
    oid: user.id,
    tid: state.tenant.id,
    name: user.displayName,
    upn: user.userPrincipalName,
    scp: SCOPES,
    amr: ['pwd'],
    iat: now,
    exp: now + 3600,
  });
}

function query(params: Record<string, string>): string {
  return new URLSearchParams(params).toString();
}

interface Page<T> {
  value?: T[];
  '@odata.nextLink'?: string;
}

export class PersonGraph {
  constructor(
    private readonly dispatch: Dispatch,
    readonly person: User,
    private readonly token: string,
  ) {}

  /** Every item of a collection (nextLinks followed). */
  async list<T>(path: string, params: Record<string, string> = {}): Promise<T[]> {
    let page = (await this.call('GET', path, query(params))) as Page<T> | undefined;
    const items: T[] = [...(page?.value ?? [])];
    while (page?.['@odata.nextLink']) {
      const next = new URL(page['@odata.nextLink']);
      page = (await this.call('GET', next.pathname.replace(/^\/v1\.0/i, ''), next.search.slice(1))) as Page<T>;
      items.push(...(page?.value ?? []));
    }
    return items;
  }

  async get<T>(path: string, params: Record<string, string> = {}): Promise<T> {
    return (await this.call('GET', path, query(params))) as T;
  }

  async post<T = unknown>(path: string, body?: unknown): Promise<T> {
    return (await this.call('POST', path, '', body)) as T;
  }

  async patch(path: string, body: unknown): Promise<void> {
    await this.call('PATCH', path, '', body);
  }

  private async call(method: string, path: string, search: string, body?: unknown): Promise<unknown> {
    const res = await this.dispatch({ method, path, search, token: this.token, body });
    if (res.status >= 400) {
      const error = (res.body as { error?: { code?: string; message?: string } } | undefined)?.error;
      throw new GraphRefusal(res.status, error?.code ?? 'Error', error?.message ?? `Graph answered ${res.status}.`);
    }
    return res.body;
  }
}
