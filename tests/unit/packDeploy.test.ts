import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import JSZip from 'jszip';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningDevtenant, startDevtenant } from '../../devtenant/index.js';
import { type PackResult, packDeploy, ROOT } from '../../scripts/pack-deploy.js';

const work = mkdtempSync(join(tmpdir(), 'pack-deploy-'));
const rootPkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
let result: PackResult;
let installLog = '';
let running: ChildProcess | undefined;
let devtenant: RunningDevtenant | undefined;

/**
 * better-sqlite3 installs a prebuilt binary that prebuild-install downloads from GitHub (as App Service's build does);
 * that host is unreachable here, and building from source costs over a minute. Its documented local-prebuilds folder
 * gets the same tarball, made from the binary this checkout already has: the install is otherwise the real one.
 */
function localPrebuilds(): Record<string, string> {
  const binary = join(ROOT, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
  if (!existsSync(binary)) return {};
  const version = JSON.parse(readFileSync(join(ROOT, 'node_modules', 'better-sqlite3', 'package.json'), 'utf8'))
    .version as string;
  const src = join(work, 'prebuild-src');
  mkdirSync(join(src, 'build', 'Release'), { recursive: true });
  copyFileSync(binary, join(src, 'build', 'Release', 'better_sqlite3.node'));
  const dir = join(work, 'prebuilds');
  mkdirSync(dir);
  const name = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
  execFileSync('tar', ['-czf', join(dir, name), '-C', src, 'build']);
  return { npm_config_better_sqlite3_local_prebuilds: dir };
}

beforeAll(async () => {
  result = await packDeploy({ stageDir: join(work, 'stage'), zipFile: join(work, 'deploy.zip') });
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  // What the platform build runs (infra/azure.bicep CUSTOM_BUILD_COMMAND), in a folder that holds only the artifact.
  installLog = execFileSync(npm, ['ci', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline'], {
    cwd: result.stageDir,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...localPrebuilds() },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  devtenant = await startDevtenant({ port: 0 });
}, 240_000);

afterAll(async () => {
  running?.kill('SIGKILL');
  await devtenant?.close();
  rmSync(work, { recursive: true, force: true });
});

function installedPackages(): string[] {
  const modules = join(result.stageDir, 'node_modules');
  return readdirSync(modules).flatMap((name) =>
    name.startsWith('@') ? readdirSync(join(modules, name)).map((inner) => `${name}/${inner}`) : [name],
  );
}

function startArtifact(env: Record<string, string>): Promise<string> {
  const child = spawn(process.execPath, ['dist/bot.mjs'], {
    cwd: result.stageDir,
    env: { PATH: process.env.PATH, PORT: '0', AUTH_MODE: 'local', LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running = child;
  let output = '';
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  return new Promise<string>((resolveUrl, reject) => {
    child.stdout?.on('data', (chunk) => {
      output += chunk;
      const found = /Access Bot: (http:\/\/[^/\s]+)\/api\/messages/.exec(output);
      if (found) resolveUrl(found[1]);
    });
    child.once('exit', (code) => reject(new Error(`bot exited with ${code}: ${output}`)));
  });
}

describe('npm run pack:deploy', () => {
  it('zips dist/, package.json and package-lock.json and nothing else', async () => {
    const zip = await JSZip.loadAsync(readFileSync(result.zipFile));
    const files = Object.values(zip.files)
      .filter((entry) => !entry.dir)
      .map((entry) => entry.name)
      .sort();
    expect(files).toEqual(['dist/bot.mjs', 'dist/bot.mjs.map', 'package-lock.json', 'package.json']);
  });

  it('ships the lock file as it is and a package.json whose only script starts the built bot', async () => {
    const zip = await JSZip.loadAsync(readFileSync(result.zipFile));
    const pkg = JSON.parse(await (zip.file('package.json')?.async('string') ?? '{}'));
    expect(pkg.scripts).toEqual({ start: 'node dist/bot.mjs' });
    expect(pkg.dependencies).toEqual(rootPkg.dependencies);
    expect(pkg.devDependencies).toEqual(rootPkg.devDependencies); // npm ci --omit=dev needs the lock in sync
    expect(await zip.file('package-lock.json')?.async('string')).toBe(
      readFileSync(join(ROOT, 'package-lock.json'), 'utf8'),
    );
  });

  it('declares as production dependencies exactly the packages the built bot imports', () => {
    const bundle = readFileSync(join(result.stageDir, 'dist', 'bot.mjs'), 'utf8');
    const imported = new Set(
      [...bundle.matchAll(/(?:^import\s[^;]*?from\s|\bimport\()\s*"([^".][^"]*)"/gm)]
        .map((match) => match[1])
        .filter((spec) => !spec.startsWith('node:'))
        .map((spec) => (spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0])),
    );
    expect([...imported].sort()).toEqual(Object.keys(rootPkg.dependencies).sort());
  });
});

describe('the artifact installed with npm ci --omit=dev in a clean folder', () => {
  it('holds the production dependencies and no development tool', () => {
    expect(installLog).toMatch(/added \d+ packages/);
    const installed = new Set(installedPackages());
    for (const name of Object.keys(rootPkg.dependencies)) expect(installed, name).toContain(name);
    // Development tools (a few by name, and every package the lock marks dev-only) stay out.
    for (const name of [
      'vitest',
      'typescript',
      '@biomejs/biome',
      'playwright-core',
      'esbuild',
      'tsx',
      'adaptivecards',
    ]) {
      expect(installed, name).not.toContain(name);
    }
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { dev?: boolean }>;
    };
    const devOnly = Object.entries(lock.packages)
      .filter(([path, entry]) => entry.dev && /^node_modules\/(@[^/]+\/)?[^/]+$/.test(path))
      .map(([path]) => path.slice('node_modules/'.length));
    expect(devOnly.length).toBeGreaterThan(100);
    expect(devOnly.filter((name) => installed.has(name))).toEqual([]);
    // Nothing from the sources came along either.
    expect(readdirSync(result.stageDir).sort()).toEqual(['dist', 'node_modules', 'package-lock.json', 'package.json']);
  });

  // SQLite storage loads the native module; /readyz writes to it and reaches Graph (the devtenant here).
  it('starts with node dist/bot.mjs, answers /healthz and is ready with SQLite storage', async () => {
    const base = await startArtifact({
      GRAPH_BASE_URL: devtenant?.url ?? '',
      STORAGE: `sqlite:${join(work, 'bot.db')}`,
    });
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    const body = (await ready.json()) as { status: string; checks: { name: string; ok: boolean }[] };
    expect(body.checks).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'storage', ok: true }),
        expect.objectContaining({ name: 'graph', ok: true }),
      ]),
    );
    expect(ready.status).toBe(200);
    expect(existsSync(join(work, 'bot.db'))).toBe(true);
  }, 30_000);
});
