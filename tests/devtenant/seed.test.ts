import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SeedData, startDevtenant } from '../../devtenant/index.js';
import { DEFAULT_SEED_PATH, loadSeed } from '../../devtenant/seed.js';
import { EM, PIM, startTestTenant, type TestTenant } from './client.js';
import { PEOPLE, TENANT_ID, userToken } from './tokens.js';

const seed = loadSeed();
let t: TestTenant;

beforeAll(async () => {
  t = await startTestTenant();
});
afterAll(() => t.close());

describe('demo tenant', () => {
  it('is a company of at least 16 people with a manager chain and the expected ids', () => {
    expect(seed.tenant.id).toBe(TENANT_ID);
    expect(seed.users.length).toBeGreaterThanOrEqual(16);
    for (const [i, u] of seed.users.entries()) {
      expect(u.id).toBe(`10000000-0000-4000-8000-0000000000${String(i + 1).padStart(2, '0')}`);
      expect(u.jobTitle && u.department && u.officeLocation && u.mail && u.userPrincipalName).toBeTruthy();
    }
    const byId = new Map(seed.users.map((u) => [u.id, u]));
    const chain: string[] = [];
    for (let cur = byId.get(PEOPLE.alex); cur; cur = cur.managerId ? byId.get(cur.managerId) : undefined)
      chain.push(cur.displayName);
    expect(chain.slice(0, 3)).toEqual(['Alex Wilber', 'Megan Bowen', 'Patti Fernandez']);
  });

  it('matches the Playground config the project ships', () => {
    const yml = readFileSync('.m365agentsplayground.yml', 'utf8');
    expect(yml).toContain(`tenantId: ${TENANT_ID}`);
    expect(yml).toMatch(/currentUser:\n(?: {2}.*\n)*? {2}aadObjectId: 10000000-0000-4000-8000-000000000001/);
    const ids = [...yml.matchAll(/aadObjectId: (\S+)/g)].map((m) => m[1]);
    expect(ids).toHaveLength(6);
    const names = [...yml.matchAll(/^ {4}name: (.+)$/gm)].map((m) => m[1]);
    for (const id of ids) expect(seed.users.some((u) => u.id === id)).toBe(true);
    for (const name of names) expect(seed.users.some((u) => u.displayName === name)).toBe(true);
    expect(yml).toContain('name: Access Bot');
  });

  it('has 3 catalogs, 8+ packages and 5+ PIM groups with different policies', () => {
    expect(seed.catalogs).toHaveLength(3);
    expect(seed.accessPackages.length).toBeGreaterThanOrEqual(8);
    const pim = seed.groups.filter((g) => g.pim);
    expect(pim.length).toBeGreaterThanOrEqual(5);
    const maxima = new Set(pim.map((g) => g.pim?.member?.maximumDuration));
    expect([...maxima]).toEqual(expect.arrayContaining(['PT1H', 'PT8H', 'PT24H']));
    const flags = pim.map((g) => g.pim?.member);
    expect(flags.some((f) => f?.enabledRules.includes('MultiFactorAuthentication'))).toBe(true);
    expect(flags.some((f) => f?.enabledRules.includes('Ticketing'))).toBe(true);
    expect(flags.some((f) => f?.authenticationContext === 'c1')).toBe(true);
    expect(flags.some((f) => f?.approval)).toBe(true);
    const roles = seed.accessPackages.flatMap((p) => p.resourceRoles.map((r) => r.role));
    expect(roles).toEqual(expect.arrayContaining(['Eligible Member', 'Eligible Owner']));
  });

  it('shows every journey on first start: packages delivered, approvals waiting for Alex', async () => {
    const alex = userToken(PEOPLE.alex);
    const assignments = await t.get(`${EM}/assignments/filterByCurrentUser(on='target')`, alex);
    expect(assignments.body.value.filter((a: { state: string }) => a.state === 'delivered')).toHaveLength(2);
    const soon = assignments.body.value.filter((a: { schedule: { expiration: { endDateTime: string } } }) => {
      return Date.parse(a.schedule.expiration.endDateTime) - Date.now() < 14 * 86_400_000;
    });
    expect(soon).toHaveLength(1);
    expect(
      (await t.get(`${EM}/accessPackageAssignmentApprovals/filterByCurrentUser(on='approver')`, alex)).body.value
        .length,
    ).toBeGreaterThanOrEqual(2);
    expect(
      (await t.get(`${PIM}/assignmentApprovals/filterByCurrentUser(on='approver')`, alex)).body.value,
    ).toHaveLength(1);
    const eligible = await t.get(`${PIM}/eligibilityScheduleInstances/filterByCurrentUser(on='principal')`, alex);
    expect(eligible.body.value.length).toBeGreaterThanOrEqual(5);
  });
});

describe('demo tenant: Entra roles', () => {
  it('makes Alex eligible for roles with different policies, one scoped to an administrative unit', () => {
    const roles = seed.directoryRoles;
    const mine = roles.eligibilities.filter((e) => e.principalId === PEOPLE.alex);
    expect(mine.length).toBeGreaterThanOrEqual(4);
    const policyOf = (id: string) => roles.roleDefinitions.find((r) => r.id === id)?.policy;
    const policies = mine.map((e) => policyOf(e.roleDefinitionId));
    expect(policies.some((p) => p?.enabledRules.includes('MultiFactorAuthentication'))).toBe(true);
    expect(policies.some((p) => p?.approval)).toBe(true);
    expect(policies.some((p) => p && !p.enabledRules.includes('MultiFactorAuthentication') && !p.approval)).toBe(true);
    const scoped = mine.filter((e) => e.directoryScopeId.startsWith('/administrativeUnits/'));
    expect(scoped).toHaveLength(1);
    expect(roles.administrativeUnits.map((u) => u.displayName)).toContain('Contoso Europe');
  });

  it('names what is wrong with a role item', () => {
    const bad = structuredClone(seed);
    bad.directoryRoles.eligibilities.push({
      principalId: PEOPLE.alex,
      roleDefinitionId: '00000000-0000-4000-8000-000000000000',
      directoryScopeId: '/administrativeUnits/00000000-0000-4000-8000-000000000001',
      startDateTime: '-P1D',
      endDateTime: null,
    });
    expect(() => loadSeed(bad)).toThrow(/unknown roleDefinitionId[\s\S]*unknown administrative unit/);
  });
});

describe('replaceable seed', () => {
  const tiny: SeedData = {
    tenant: { id: TENANT_ID, displayName: 'Tiny', domain: 'tiny.example' },
    users: [
      {
        id: PEOPLE.alex,
        displayName: 'Only One',
        givenName: 'Only',
        surname: 'One',
        mail: 'one@tiny.example',
        userPrincipalName: 'one@tiny.example',
      },
    ],
  };

  it('starts from a seed object', async () => {
    const d = await startDevtenant({ port: 0, seed: tiny, maxPageSize: Number.POSITIVE_INFINITY });
    try {
      const r = await fetch(`${d.url}/v1.0/users`, { headers: { authorization: `Bearer ${userToken(PEOPLE.alex)}` } });
      expect((await r.json()).value.map((u: { displayName: string }) => u.displayName)).toEqual(['Only One']);
    } finally {
      await d.close();
    }
  });

  it('explains what is wrong with a bad seed', () => {
    expect(() => loadSeed({ ...tiny, users: [{ ...tiny.users[0], id: 'not-a-guid' }] })).toThrow(/must be a GUID/);
    expect(() => loadSeed({ ...tiny, users: [{ ...tiny.users[0], managerId: PEOPLE.megan }] })).toThrow(
      /unknown managerId/,
    );
    expect(() => loadSeed('/nonexistent/seed.json')).toThrow(/cannot read seed/);
  });
});

describe('npm run devtenant', () => {
  let child: ChildProcess | undefined;
  afterAll(() => {
    if (child && child.exitCode === null) child.kill('SIGTERM');
  });

  it('binds DEVTENANT_PORT, loads DEVTENANT_SEED, prints its URL and stops on SIGTERM', async () => {
    child = spawn(process.execPath, ['--import', 'tsx', 'devtenant/main.ts'], {
      env: { ...process.env, DEVTENANT_PORT: '0', DEVTENANT_SEED: DEFAULT_SEED_PATH },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const proc = child;
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      proc.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /at (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (m) resolve(m[1]);
      });
      proc.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
      setTimeout(() => reject(new Error(`no URL printed: ${out}`)), 15_000);
    });
    const r = await fetch(`${url}/v1.0/me`, { headers: { authorization: `Bearer ${userToken(PEOPLE.alex)}` } });
    expect((await r.json()).displayName).toBe('Alex Wilber');
    const exit = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
    proc.kill('SIGTERM');
    expect(await exit).toBe(0);
  });

  it('stops with a clear message on a bad DEVTENANT_PORT', async () => {
    const bad = spawn(process.execPath, ['--import', 'tsx', 'devtenant/main.ts'], {
      env: { ...process.env, DEVTENANT_PORT: 'eighty' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    bad.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
    });
    const code = await new Promise<number | null>((resolve) => bad.once('exit', resolve));
    expect(code).not.toBe(0);
    expect(err).toMatch(/DEVTENANT_PORT must be a non-negative integer/);
  });
});
