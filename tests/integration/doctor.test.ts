import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, createServer as createTcpServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { runDoctor } from '../../services/doctor/index.js';
import { type Stack, startStack } from '../helpers/stack.js';

/** `npm run doctor`: every check passes against the devtenant; an entra configuration that points at nothing fails fast. */

const ROOT = path.resolve(import.meta.dirname, '../..');
const TEAMS_APP_ID = '66b651c5-0173-4b07-811c-3ae25b5172f7';

function clockEnv(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(process.env).filter(
      (e): e is [string, string] => /^(TZ|LD_PRELOAD|FAKETIME.*|DONT_FAKE_MONOTONIC)$/.test(e[0]) && e[1] !== undefined,
    ),
  );
}

function runDoctorProcess(env: Record<string, string>): Promise<{ code: number | null; out: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/doctor.ts'], {
      cwd: ROOT,
      // Only what the test sets: nothing from this machine's environment decides the outcome, except the clock and
      // zone (TZ, and faketime's own variables), which the doctor must share with the devtenant in this process.
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...clockEnv(), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 45_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out, ms: Date.now() - started });
    });
  });
}

/** Loopback ports nobody listens on (opened, then closed again). */
async function closedPorts(n: number): Promise<number[]> {
  const ports: number[] = [];
  for (let i = 0; i < n; i++) {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    ports.push((server.address() as AddressInfo).port);
    await new Promise<void>((r) => server.close(() => r()));
  }
  return ports;
}

const checkLines = (out: string) => out.split('\n').filter((l) => /^(ok|FAIL|skip) /.test(l));

describe('npm run doctor, local mode against the devtenant', () => {
  let stack: Stack;
  let dir: string;
  beforeAll(async () => {
    stack = await startStack();
    dir = mkdtempSync(path.join(tmpdir(), 'doctor-'));
  });
  afterAll(async () => {
    await stack?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('passes every check and exits 0', async () => {
    const { code, out } = await runDoctorProcess({
      GRAPH_BASE_URL: stack.devtenant?.url ?? '',
      PUBLIC_URL: stack.bot.url,
      STORAGE: `sqlite:${path.join(dir, 'bot.db')}`,
    });
    const lines = checkLines(out);
    // Everything entra mode checks is checked against the devtenant; only the OAuth connection does not exist here.
    expect(lines.filter((l) => !l.startsWith('ok '))).toEqual([
      expect.stringMatching(/^skip OAuth connection: not applicable: local mode has no Azure Bot OAuth connection/),
    ]);
    for (const name of [
      'configuration',
      'Graph reachable',
      'app-only Graph token',
      'permission EntitlementManagement.Read.All',
      'permission User.Read.All',
      'permission GroupMember.Read.All',
      'permission PrivilegedEligibilitySchedule.Read.AzureADGroup',
      'permission PrivilegedAssignmentSchedule.Read.AzureADGroup',
      'permission RoleManagementPolicy.Read.AzureADGroup',
      'permission TeamsAppInstallation.ReadWriteSelfForUser.All',
      'Teams app in the org catalog',
      'permission AuthenticationContext.Read.All',
      'storage',
      'public URL /healthz',
    ]) {
      expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^ok +${name.replace(/[./]/g, '\\$&')}: `)));
    }
    // The app the demo tenant's catalog holds is the one `npm run package` builds by default.
    expect(lines).toContainEqual(
      `ok   Teams app in the org catalog: ${TEAMS_APP_ID} (catalog id 7a0e5b3c-0000-4000-8000-0000000000c1)`,
    );
    expect(out).toMatch(/All checks passed\./);
    expect(code).toBe(0);
  }, 30_000);

  it('fails with the upload fix when the org catalog does not hold the Teams app', async () => {
    const other = 'a3f1c2d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d';
    const report = await runDoctor({
      env: { GRAPH_BASE_URL: stack.devtenant?.url, PUBLIC_URL: stack.bot.url, STORAGE: 'memory' },
      teamsAppId: other,
    });
    expect(report.passed).toBe(false);
    expect(report.results.filter((r) => r.status !== 'ok').map((r) => r.name)).toEqual([
      'Teams app in the org catalog',
      'OAuth connection',
    ]);
    expect(report.results.find((r) => r.name === 'Teams app in the org catalog')).toEqual({
      name: 'Teams app in the org catalog',
      status: 'fail',
      detail: `${other} is not in the org catalog`,
      fix: expect.stringMatching(
        new RegExp(
          `^Upload appPackage/build/appPackage\\.zip \\(npm run package, TEAMS_APP_ID=${other}\\) in the Teams admin center`,
        ),
      ),
    });
  });

  it('fails, naming the fix, when the bot is not answering at PUBLIC_URL', async () => {
    const [port] = await closedPorts(1);
    const report = await runDoctor({
      env: { GRAPH_BASE_URL: stack.devtenant?.url, PUBLIC_URL: `http://127.0.0.1:${port}`, STORAGE: 'memory' },
      teamsAppId: TEAMS_APP_ID,
    });
    expect(report.passed).toBe(false);
    expect(report.results.find((r) => r.name === 'public URL /healthz')).toMatchObject({
      status: 'fail',
      fix: expect.stringMatching(/Start the bot/),
    });
  });
});

describe('npm run doctor, a Graph that refuses one application permission', () => {
  let graph: Server;
  let url: string;
  let stack: Stack;
  beforeAll(async () => {
    // Everything is readable except the PIM schedules, which answer as Graph does without the permission.
    graph = createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      if (req.url?.includes('/privilegedAccess/group/eligibilityScheduleInstances')) {
        res.statusCode = 403;
        res.end(
          JSON.stringify({
            error: { code: 'Forbidden', message: 'Insufficient privileges to complete the operation.' },
          }),
        );
        return;
      }
      res.end(JSON.stringify({ value: [{ id: 'b1e00000-0000-4000-8000-000000000001' }] }));
    });
    await new Promise<void>((r) => graph.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(graph.address() as AddressInfo).port}`;
    stack = await startStack({ devtenant: false });
  });
  afterAll(async () => {
    await stack?.stop();
    await new Promise<void>((r) => graph.close(() => r()));
  });

  it('names the missing permission on 403 and how to grant it', async () => {
    const report = await runDoctor({
      env: { GRAPH_BASE_URL: url, PUBLIC_URL: stack.bot.url, STORAGE: 'memory' },
      teamsAppId: TEAMS_APP_ID,
    });
    const failed = report.results.filter((r) => r.status === 'fail');
    expect(failed.map((r) => r.name)).toEqual(['permission PrivilegedEligibilitySchedule.Read.AzureADGroup']);
    expect(failed[0].detail).toMatch(/403 Forbidden.*PrivilegedEligibilitySchedule\.Read\.AzureADGroup is not granted/);
    expect(failed[0].fix).toMatch(
      /application permission PrivilegedEligibilitySchedule\.Read\.AzureADGroup .*admin consent/,
    );
    expect(report.passed).toBe(false);
  });
});

describe('npm run doctor, entra settings that point at nothing', () => {
  const SECRET = 'doctor-test-secret-Zq81xV';
  const ACCOUNT_KEY = 'ZG9jdG9yLXRlc3QtYWNjb3VudC1rZXktbm90LXJlYWw=';

  it('exits non-zero within 30 s, every failing line names a fix, and no secret is printed', async () => {
    const [authority, publicPort] = await closedPorts(2);
    // Graph and the storage account accept the connection and never answer (a stuck proxy): only the doctor's own
    // per-check deadline ends those checks.
    const held: Socket[] = [];
    const blackHole = createTcpServer((socket) => held.push(socket));
    await new Promise<void>((r) => blackHole.listen(0, '127.0.0.1', () => r()));
    const blackHolePort = (blackHole.address() as AddressInfo).port;
    onTestFinished(() => {
      for (const socket of held) socket.destroy();
      return new Promise<void>((r) => blackHole.close(() => r()));
    });
    const { code, out, ms } = await runDoctorProcess({
      AUTH_MODE: 'entra',
      MicrosoftAppId: '9a8b7c6d-0000-4000-8000-000000000001',
      MicrosoftAppType: 'SingleTenant',
      MicrosoftAppTenantId: 'c0a70500-0000-4000-8000-000000000001',
      MicrosoftAppPassword: SECRET,
      OAUTH_CONNECTION_NAME: 'AccessBotSSO',
      PUBLIC_URL: `https://127.0.0.1:${publicPort}`,
      GRAPH_BASE_URL: `http://127.0.0.1:${blackHolePort}`,
      AZURE_AUTHORITY_HOST: `https://127.0.0.1:${authority}`,
      STORAGE: 'azureblob:botstate',
      AZURE_STORAGE_CONNECTION_STRING: `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${ACCOUNT_KEY};BlobEndpoint=http://127.0.0.1:${blackHolePort}/devstoreaccount1;`,
    });
    expect(code).toBe(1);
    expect(ms).toBeLessThan(30_000);
    const lines = checkLines(out);
    const failing = lines.filter((l) => l.startsWith('FAIL'));
    for (const name of [
      'Graph reachable',
      'app-only Graph token',
      'OAuth connection',
      'storage',
      'public URL /healthz',
    ]) {
      expect(failing).toContainEqual(expect.stringContaining(`FAIL ${name}: `));
    }
    for (const line of failing) expect(line).toMatch(/\. Fix: \S/);
    // Without a token nothing that needs one is reported as passing.
    expect(lines.filter((l) => l.startsWith('ok ')).map((l) => l.split(':')[0])).toEqual(['ok   configuration']);
    expect(out).not.toContain(SECRET);
    expect(out).not.toContain(ACCOUNT_KEY);
    expect(out).not.toMatch(/\n\s+at /); // no stack trace
  }, 40_000);

  it('an invalid configuration is one failing line naming the variable', async () => {
    const { code, out } = await runDoctorProcess({ AUTH_MODE: 'entra', MicrosoftAppId: 'x', PUBLIC_URL: 'http://a' });
    expect(code).toBe(1);
    expect(out).toMatch(/^FAIL configuration: .*MicrosoftAppTenantId is required.*PUBLIC_URL must be .*\. Fix: /m);
  }, 20_000);
});
