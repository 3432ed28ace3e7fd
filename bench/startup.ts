import { spawn } from 'node:child_process';
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
 * Start-up: from spawning `node --import tsx bot/index.ts` (what `npm run bot` runs, without npm's own start-up) to the
 * first `/readyz` 200, with SQLite storage in a fresh temp folder and the devtenant as Graph. Median of 5 runs after
 * one warm-up run (which fills tsx's transform cache, as any second start of a deployed bot would find it).
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

async function timeOneStart(graphUrl: string): Promise<StartTime> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'bench-startup-'));
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', 'bot/index.ts'], {
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

export async function run(): Promise<BenchResult> {
  const devtenant = await startDevtenant({ port: 0 });
  try {
    const warmup = await timeOneStart(devtenant.url);
    const runs: StartTime[] = [];
    for (let i = 0; i < RUNS; i++) runs.push(await timeOneStart(devtenant.url));
    const times = runs.map((r) => r.wallMs);
    return {
      name: 'startup',
      method: `spawn \`node --import tsx bot/index.ts\` → first /readyz 200 (SQLite, devtenant Graph); median of ${RUNS}`,
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
          value: median(runs.map((r) => r.cpuMs)),
          unit: 'ms',
          note: 'what start-up costs on an idle core',
        },
        { name: 'first start (cold tsx cache)', value: warmup.wallMs, unit: 'ms' },
      ],
      details: { runs, warmup },
    };
  } finally {
    await devtenant.close();
  }
}

if (isMain(import.meta.url)) runAlone(run);
