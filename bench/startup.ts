import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDevtenant } from '../devtenant/index.js';
import { REPO_DIR } from './lib/child.js';
import { isMain, runAlone } from './lib/main.js';
import { freePort } from './lib/ports.js';
import type { BenchResult } from './lib/results.js';
import { median } from './lib/stats.js';

/**
 * Start-up: from spawning `node dist/bot.mjs` (what `npm run bot` runs after its build, without npm's own start-up) to
 * the first `/readyz` 200, with SQLite storage in a fresh temp folder and the devtenant as Graph. Median of 5 runs after
 * one warm-up run. The same for `node --import tsx bot/index.ts` (`npm run bot:dev`, TypeScript compiled at start).
 */

const RUNS = 5;
const TARGET_MS = 1500;
const GIVE_UP_MS = 30_000;

interface StartTime {
  wallMs: number;
  /** CPU time the bot process used until it was ready (less sensitive than wall time to other load on the machine). */
  cpuMs: number;
}

/** User + system CPU time of a process in ms, from /proc (Linux); NaN elsewhere. */
function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After the command name: state is field 3, utime field 14 and stime field 15 (in clock ticks, 100 per second).
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

const BUNDLED = ['dist/bot.mjs'];
const WITH_TSX = ['--import', 'tsx', 'bot/index.ts'];

async function timeOneStart(graphUrl: string, args: string[]): Promise<StartTime> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'bench-startup-'));
  const started = performance.now();
  const child = spawn(process.execPath, args, {
    cwd: REPO_DIR,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      STORAGE: `sqlite:${join(dir, 'bot.db')}`,
      GRAPH_BASE_URL: graphUrl,
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  try {
    for (;;) {
      if (exited) throw new Error(`the bot exited before it was ready: ${stderr.slice(-600)}`);
      if (performance.now() - started > GIVE_UP_MS) throw new Error(`the bot was not ready after ${GIVE_UP_MS} ms`);
      if (await ready(port)) {
        const wallMs = performance.now() - started;
        return { wallMs, cpuMs: processCpuMs(child.pid ?? 0) };
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  } finally {
    const gone = new Promise<void>((resolve) => (exited ? resolve() : child.once('exit', () => resolve())));
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await gone;
    clearTimeout(killer);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function ready(port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(2000) });
    await res.body?.cancel();
    return res.status === 200;
  } catch {
    return false;
  }
}

async function series(graphUrl: string, args: string[]): Promise<{ warmup: StartTime; runs: StartTime[] }> {
  const warmup = await timeOneStart(graphUrl, args);
  const runs: StartTime[] = [];
  for (let i = 0; i < RUNS; i++) runs.push(await timeOneStart(graphUrl, args));
  return { warmup, runs };
}

export async function run(): Promise<BenchResult> {
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: REPO_DIR, stdio: 'inherit' });
  const devtenant = await startDevtenant({ port: 0 });
  try {
    const bundled = await series(devtenant.url, BUNDLED);
    const tsx = await series(devtenant.url, WITH_TSX);
    const times = bundled.runs.map((r) => r.wallMs);
    return {
      name: 'startup',
      method: `spawn \`node dist/bot.mjs\` (npm run bot) → first /readyz 200 (SQLite, devtenant Graph); median of ${RUNS}`,
      figures: [
        {
          name: 'start → /readyz OK (median)',
          value: median(times),
          unit: 'ms',
          target: { kind: 'max', value: TARGET_MS },
        },
        { name: 'slowest of the runs', value: Math.max(...times), unit: 'ms' },
        {
          name: 'bot CPU time until ready (median)',
          value: median(bundled.runs.map((r) => r.cpuMs)),
          unit: 'ms',
          note: 'what start-up costs on an idle core',
        },
        {
          name: 'with tsx, npm run bot:dev (median)',
          value: median(tsx.runs.map((r) => r.wallMs)),
          unit: 'ms',
          note: 'TypeScript compiled at start',
        },
      ],
      details: { bundled, tsx },
    };
  } finally {
    await devtenant.close();
  }
}

if (isMain(import.meta.url)) runAlone(run);
