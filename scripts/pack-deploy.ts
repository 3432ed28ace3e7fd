/**
 * Builds the App Service artifact: `npm run build` once (esbuild → dist/bot.mjs), then stages dist/, package.json and
 * package-lock.json, and nothing else (no sources, tests, devtenant or node_modules), in build/deploy/ and zips it as
 * build/deploy.zip. The platform installs the production dependencies from the lock file (`npm ci --omit=dev`,
 * infra/azure.bicep) and starts `node dist/bot.mjs`.
 *
 *   npm run pack:deploy [-- --out <file.zip>] [-- --no-build]
 */
import { spawnSync } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import JSZip from 'jszip';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_STAGE_DIR = join(ROOT, 'build', 'deploy');
export const DEFAULT_ZIP = join(ROOT, 'build', 'deploy.zip');
/** Everything the deployed app needs besides its production dependencies. */
export const DEPLOY_FILES = ['dist/bot.mjs', 'dist/bot.mjs.map', 'package.json', 'package-lock.json'] as const;
/** The one script the deployed package.json keeps: App Service runs `npm start` when no startup command is set. */
export const PRODUCTION_START = 'node dist/bot.mjs';

/** A problem the person running the script can fix; shown without a stack trace. */
export class PackDeployError extends Error {
  override name = 'PackDeployError';
}

/**
 * package.json for the artifact: the same dependencies (the lock file must still match it for `npm ci`) with only the
 * start script, so the platform build has nothing to rebuild from sources that are not there.
 */
export function productionPackageJson(pkg: Record<string, unknown>): Record<string, unknown> {
  return { ...pkg, scripts: { start: PRODUCTION_START } };
}

export interface PackOptions {
  root?: string;
  stageDir?: string;
  zipFile?: string;
  /** false: use the dist/ already there (it must exist). */
  build?: boolean;
}

export interface PackResult {
  stageDir: string;
  zipFile: string;
  files: string[];
}

function runBuild(root: string): void {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(npm, ['run', 'build', '--silent'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) throw new PackDeployError(`npm run build failed (exit ${result.status ?? result.signal}).`);
}

async function readArtifactFile(root: string, name: string): Promise<Buffer> {
  return readFile(join(root, name)).catch(() => {
    throw new PackDeployError(`${name} is missing: run npm run build first (or drop --no-build).`);
  });
}

export async function packDeploy(options: PackOptions = {}): Promise<PackResult> {
  const root = options.root ?? ROOT;
  const stageDir = resolve(options.stageDir ?? DEFAULT_STAGE_DIR);
  const zipFile = resolve(options.zipFile ?? DEFAULT_ZIP);
  if (options.build !== false) runBuild(root);

  const contents = new Map<string, Buffer>();
  for (const name of DEPLOY_FILES) contents.set(name, await readArtifactFile(root, name));
  const pkg = JSON.parse(String(contents.get('package.json'))) as Record<string, unknown>;
  contents.set('package.json', Buffer.from(`${JSON.stringify(productionPackageJson(pkg), null, 2)}\n`));

  await rm(stageDir, { recursive: true, force: true });
  const zip = new JSZip();
  for (const [name, bytes] of contents) {
    await mkdir(dirname(join(stageDir, name)), { recursive: true });
    await writeFile(join(stageDir, name), bytes);
    zip.file(name, bytes);
  }
  await mkdir(dirname(zipFile), { recursive: true });
  await writeFile(zipFile, await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' }));
  return { stageDir, zipFile, files: [...contents.keys()] };
}

function outFileFromArgs(args: readonly string[]): string | undefined {
  const at = args.indexOf('--out');
  if (at === -1) return undefined;
  const file = args[at + 1];
  if (!file || file.startsWith('--')) throw new PackDeployError('--out needs a file path, e.g. --out build/app.zip');
  return file;
}

async function main(): Promise<void> {
  try {
    const args = process.argv.slice(2);
    const result = await packDeploy({ zipFile: outFileFromArgs(args), build: !args.includes('--no-build') });
    console.log(result.zipFile);
  } catch (err) {
    if (!(err instanceof PackDeployError)) throw err;
    console.error(`Cannot build the deployment artifact. ${err.message}`);
    process.exitCode = 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
