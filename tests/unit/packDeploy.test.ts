import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import JSZip from 'jszip';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PackResult, packDeploy, ROOT } from '../../scripts/pack-deploy.js';

const work = mkdtempSync(join(tmpdir(), 'pack-deploy-'));
let result: PackResult;
let running: ChildProcess | undefined;

beforeAll(async () => {
  result = await packDeploy({ stageDir: join(work, 'stage'), zipFile: join(work, 'deploy.zip') });
}, 60_000);

afterAll(() => {
  running?.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

describe('npm run pack:deploy', () => {
  it('zips dist/, package.json and package-lock.json and nothing else', async () => {
    const zip = await JSZip.loadAsync(readFileSync(result.zipFile));
    const files = Object.values(zip.files)
      .filter((entry) => !entry.dir)
      .map((entry) => entry.name)
      .sort();
    expect(files).toEqual(['dist/bot.mjs', 'dist/bot.mjs.map', 'package-lock.json', 'package.json']);
    expect(files.some((name) => /^(tests|devtenant|bot|services|node_modules)\//.test(name))).toBe(false);
  });

  it('ships the lock file as it is and a package.json whose only script starts the built bot', async () => {
    const zip = await JSZip.loadAsync(readFileSync(result.zipFile));
    const rootPkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    const pkg = JSON.parse(await (zip.file('package.json')?.async('string') ?? '{}'));
    expect(pkg.scripts).toEqual({ start: 'node dist/bot.mjs' });
    expect(pkg.dependencies).toEqual(rootPkg.dependencies);
    expect(pkg.devDependencies).toEqual(rootPkg.devDependencies); // npm ci --omit=dev needs the lock in sync
    expect(await zip.file('package-lock.json')?.async('string')).toBe(
      readFileSync(join(ROOT, 'package-lock.json'), 'utf8'),
    );
  });

  // The artifact runs without any source file next to it (dependencies linked in; npm ci is not run here).
  it('starts from the staged folder with node dist/bot.mjs and answers /healthz', async () => {
    symlinkSync(join(ROOT, 'node_modules'), join(result.stageDir, 'node_modules'), 'dir');
    const child = spawn(process.execPath, ['dist/bot.mjs'], {
      cwd: result.stageDir,
      env: {
        PATH: process.env.PATH,
        PORT: '0',
        GRAPH_BASE_URL: 'http://127.0.0.1:9',
        STORAGE: 'memory',
        AUTH_MODE: 'local',
        LOG_LEVEL: 'silent',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running = child;
    let output = '';
    child.stderr?.on('data', (chunk) => {
      output += chunk;
    });
    const base = await new Promise<string>((resolveUrl, reject) => {
      child.stdout?.on('data', (chunk) => {
        output += chunk;
        const found = /Access Bot: (http:\/\/[^/\s]+)\/api\/messages/.exec(output);
        if (found) resolveUrl(found[1]);
      });
      child.once('exit', (code) => reject(new Error(`bot exited with ${code}: ${output}`)));
    });
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
  }, 20_000);
});
