import type { AddressInfo } from 'node:net';
import { loadTenant } from './load.js';
import { type Refusals, refusalRegistry } from './refusals.js';
import { loadSeed, type SeedData } from './seed.js';
import { DevtenantServer } from './server.js';
import { type Quirks, TenantState, type Timing } from './state.js';

/**
 * The devtenant: a local Microsoft Graph emulator with a seeded demo tenant (Contoso). Tests and `npm start` use
 * `startDevtenant`; the bot only ever reaches it over HTTP through GRAPH_BASE_URL.
 */

export interface DevtenantOptions {
  /** 0 = a free port. Default 5100. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Path or object; default devtenant/seed/demo.json. */
  seed?: string | SeedData;
  /** Initial clock; default real now. */
  now?: Date;
  /** Start with the clock frozen (it then moves only through POST /_devtenant/clock). */
  freezeClock?: boolean;
  timing?: Partial<Timing>;
  pageSize?: number;
  /**
   * No collection page is larger (server-driven paging, as Graph may page below `$top`). Default: the environment's
   * DEVTENANT_PAGE_SIZE, so a whole test run can use small pages to prove every nextLink is followed.
   */
  maxPageSize?: number;
  /** Switches for behaviour GRAPH-API.md marks UNCONFIRMED (see devtenant/README.md). */
  quirks?: Partial<Quirks>;
}

export interface RunningDevtenant {
  /** http://127.0.0.1:PORT, no trailing slash. */
  url: string;
  close(): Promise<void>;
  /** For in-process tests. */
  state: TenantState;
  /** Requests refused as malformed; tests declare the ones they provoke with `refusals.expect(...)`. */
  refusals: Refusals;
  /**
   * The devtenant clock as a `Clock` (services/clock.ts): a bot in the same process that shares it sees time move
   * when the console or `POST /_devtenant/clock` moves it (activation ends, reminders, expiry), and mints tokens the
   * devtenant judges on the same clock.
   */
  clock: { now(): Date };
}

export function createTenantState(opts: Omit<DevtenantOptions, 'port' | 'host'> = {}): TenantState {
  return new TenantState(
    loadSeed(opts.seed),
    { ...opts, maxPageSize: opts.maxPageSize ?? maxPageSizeFromEnv() },
    loadTenant,
  );
}

function maxPageSizeFromEnv(): number | undefined {
  const raw = process.env.DEVTENANT_PAGE_SIZE;
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 999) {
    throw new Error(`DEVTENANT_PAGE_SIZE must be a whole number from 1 to 999, got '${raw}'.`);
  }
  return n;
}

export async function startDevtenant(opts: DevtenantOptions = {}): Promise<RunningDevtenant> {
  const state = createTenantState(opts);
  const server = new DevtenantServer(state);
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.http.once('error', reject);
    server.http.listen(opts.port ?? 5100, host, () => {
      server.http.off('error', reject);
      resolve();
    });
  });
  const { port } = server.http.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  const url = `http://${urlHost}:${port}`;
  refusalRegistry().add({ url, refusals: server.refusals });
  return {
    url,
    state,
    refusals: server.refusals,
    clock: { now: () => new Date(state.now()) },
    close: () =>
      new Promise<void>((resolve) => {
        server.http.close(() => resolve());
        server.http.closeAllConnections();
      }),
  };
}

export { type Caller, decodeToken, mintToken, type TokenClaims } from './auth.js';
export type { LogEntry } from './control.js';
export { describeRefusal, type Refusal, type RefusalExpectation, refusalRegistry } from './refusals.js';
export type { SeedData } from './seed.js';
export { DEFAULT_QUIRKS, type Quirks, TenantState, type Timing } from './state.js';
