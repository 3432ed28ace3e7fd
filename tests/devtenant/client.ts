import { type DevtenantOptions, type LogEntry, type RunningDevtenant, startDevtenant } from '../../devtenant/index.js';

/** A devtenant on a free port plus a tiny fetch wrapper for contract tests. */

export interface Reply {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

export interface TestTenant extends RunningDevtenant {
  call(
    method: string,
    path: string,
    token?: string | null,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<Reply>;
  get(path: string, token?: string | null): Promise<Reply>;
  post(path: string, token: string | null, body?: unknown): Promise<Reply>;
  patch(path: string, token: string | null, body?: unknown): Promise<Reply>;
  reset(): Promise<void>;
  advance(seconds: number): Promise<void>;
  /** Graph round trips logged since the last clear. */
  log(): Promise<LogEntry[]>;
}

export async function startTestTenant(opts: DevtenantOptions = {}): Promise<TestTenant> {
  // Contract tests assert the devtenant's own paging (its page size, `$top`): a run with DEVTENANT_PAGE_SIZE (which
  // proves the bot follows every nextLink) must not shrink their pages.
  const running = await startDevtenant({ port: 0, maxPageSize: Number.POSITIVE_INFINITY, ...opts });
  // Contract tests send requests themselves, bad ones on purpose, and assert every answer.
  running.refusals.expect(/./);
  const call: TestTenant['call'] = async (method, path, token, body, headers = {}) => {
    const h: Record<string, string> = { ...headers };
    if (token) h.authorization = `Bearer ${token}`;
    let payload: string | undefined;
    if (body !== undefined) {
      payload = typeof body === 'string' ? body : JSON.stringify(body);
      h['content-type'] ??= 'application/json';
    }
    const res = await fetch(running.url + path, { method, headers: h, body: payload, redirect: 'manual' });
    const text = await res.text();
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = null;
    }
    return { status: res.status, headers: res.headers, body: parsed, text };
  };
  return {
    ...running,
    call,
    get: (path, token) => call('GET', path, token),
    post: (path, token, body) => call('POST', path, token, body),
    patch: (path, token, body) => call('PATCH', path, token, body),
    reset: async () => {
      const r = await call('POST', '/_devtenant/reset');
      if (r.status !== 200) throw new Error(`reset failed: ${r.status}`);
    },
    advance: async (seconds) => {
      const r = await call('POST', '/_devtenant/clock', null, { advanceSeconds: seconds });
      if (r.status !== 200) throw new Error(`clock failed: ${r.status} ${r.text}`);
    },
    log: async () => (await call('GET', '/_devtenant/requests')).body,
  };
}

export const EM = '/v1.0/identityGovernance/entitlementManagement';
export const PIM = '/v1.0/identityGovernance/privilegedAccess/group';

/** Demo ids (devtenant/seed/demo.json). */
const id = (prefix: string, n: number) => `${prefix}-0000-4000-8000-${String(n).padStart(12, '0')}`;
export const GROUPS = {
  itOpsApprovers: id('20000000', 1),
  securityReviewers: id('20000000', 2),
  platform: id('20000000', 5),
  financeAdmins: id('20000000', 11),
  prodServers: id('20000000', 12),
  devTools: id('20000000', 13),
  secOps: id('20000000', 14),
  azureOwners: id('20000000', 15),
  exchangeAdmins: id('20000000', 16),
  networkAdmins: id('20000000', 17),
  dba: id('20000000', 18),
};
export const PACKAGES = {
  devops: id('40000000', 1),
  dbaTwoStage: id('40000000', 2),
  devToolsOwner: id('40000000', 3),
  sandbox: id('40000000', 4),
  network: id('40000000', 5),
  financeJit: id('40000000', 6),
  financeReports: id('40000000', 7),
  payroll: id('40000000', 8),
  salesforce: id('40000000', 9),
  campaign: id('40000000', 10),
  partnerPortal: id('40000000', 11),
  visio: id('40000000', 12),
};
export const POLICIES = {
  devops: id('50000000', 1),
  dbaTwoStage: id('50000000', 2),
  devToolsOwner: id('50000000', 3),
  sandbox: id('50000000', 4),
  network: id('50000000', 5),
  financeJit: id('50000000', 6),
  financeReportsStandard: id('50000000', 7),
  financeReportsExtended: id('50000000', 17),
  payroll: id('50000000', 8),
  salesforce: id('50000000', 9),
  campaign: id('50000000', 10),
};
export const QUESTIONS = { costCentre: id('70000000', 1), region: id('70000000', 2), purpose: id('70000000', 3) };
export const SEEDED = {
  alexFinanceAssignment: id('80000000', 1),
  alexDevopsAssignment: id('80000000', 2),
  isaiahSalesforceRequest: id('90000000', 1),
  johannaNetworkRequest: id('90000000', 2),
  alexVisioRequest: id('90000000', 3),
  leeNetworkActivation: id('b0000000', 1),
};
