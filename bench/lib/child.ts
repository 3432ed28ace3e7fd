import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Child processes for benches: a TypeScript file run with tsx that prints `READY <url>` once it listens. Children also
 * answer `cpu` / `rss` lines on stdin (see `serveControl`), so the parent can read their CPU time and peak memory.
 */

export interface ReadyChild {
  url: string;
  process: ChildProcess;
  /** The child's own CPU time (user + system) in microseconds. */
  cpuMicros(): Promise<number>;
  /** The child's peak resident set size (VmHWM) in bytes. */
  peakRssBytes(): Promise<number>;
  /** Asks a question the child registered with `serveControl(…, extra)`; resolves to its one-line answer. */
  ask(question: string): Promise<string>;
  /** Lines the child printed after READY (for its own reports). */
  output(): string;
  stop(): Promise<void>;
}

export const BENCH_DIR = fileURLToPath(new URL('..', import.meta.url));
export const REPO_DIR = fileURLToPath(new URL('../..', import.meta.url));

export interface SpawnOptions {
  args?: string[];
  env?: Record<string, string>;
  readyTimeoutMs?: number;
}

export function spawnReady(tsFile: string, opts: SpawnOptions = {}): Promise<ReadyChild> {
  // BENCH_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") goes to every bench child: to profile one.
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', tsFile, ...(opts.args ?? [])], {
    cwd: REPO_DIR,
    env: { ...process.env, ...opts.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const answers: Array<(line: string) => void> = [];
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
    if (out.length > 256_000) out = out.slice(-128_000);
    for (let m = /^ANSWER (.*)$/m.exec(out); m; m = /^ANSWER (.*)$/m.exec(out)) {
      out = out.replace(m[0], '');
      answers.shift()?.(m[1]);
    }
  });
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const ask = (question: string) =>
    new Promise<string>((resolve) => {
      answers.push(resolve);
      child.stdin?.write(`${question}\n`);
    });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${tsFile} was not ready after ${opts.readyTimeoutMs ?? 60_000} ms: ${err.slice(-800)}`));
    }, opts.readyTimeoutMs ?? 60_000);
    const poll = setInterval(() => {
      const m = /READY (\S+)/.exec(out);
      if (!m) return;
      clearInterval(poll);
      clearTimeout(timer);
      out = out.replace(m[0], '');
      resolve({
        url: m[1],
        process: child,
        cpuMicros: async () => Number(await ask('cpu')),
        peakRssBytes: async () => Number(await ask('rss')),
        ask,
        output: () => out,
        async stop() {
          child.stdin?.end();
          const killer = setTimeout(() => child.kill('SIGKILL'), 3000);
          await exited;
          clearTimeout(killer);
        },
      });
    }, 10);
    child.once('exit', (code) => {
      clearInterval(poll);
      clearTimeout(timer);
      reject(new Error(`${tsFile} exited (${code}) before it was ready: ${err.slice(-800)}`));
    });
  });
}

/**
 * Child side: prints READY, answers `cpu` and `rss` questions, and calls `onEnd` then exits when stdin closes (the
 * parent's `stop()`).
 */
export function serveControl(
  url: string,
  onEnd: () => Promise<void>,
  extra: Record<string, () => Promise<string>> = {},
): void {
  process.stdin.setEncoding('utf8');
  let buffered = '';
  process.stdin.on('data', (chunk: string) => {
    buffered += chunk;
    for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
      const question = buffered.slice(0, nl).trim();
      buffered = buffered.slice(nl + 1);
      if (question === 'cpu') {
        const { user, system } = process.cpuUsage();
        process.stdout.write(`ANSWER ${user + system}\n`);
      } else if (question === 'rss') {
        process.stdout.write(`ANSWER ${peakRss()}\n`);
      } else if (extra[question]) {
        extra[question]().then(
          (answer) => process.stdout.write(`ANSWER ${answer}\n`),
          (err: unknown) => process.stdout.write(`ANSWER ${JSON.stringify({ error: String(err) })}\n`),
        );
      }
    }
  });
  process.stdin.on('end', () => {
    onEnd().finally(() => process.exit(0));
  });
  process.stdout.write(`READY ${url}\n`);
}

/** Resets this process's peak RSS (VmHWM) to the current RSS, so a later peak measures only what follows (Linux). */
export function resetPeakRss(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

/** Peak resident set size of this process in bytes (Linux VmHWM; elsewhere the current RSS). */
export function peakRss(): number {
  try {
    const status = readFileSync('/proc/self/status', 'utf8');
    const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
    if (kb) return Number(kb) * 1024;
  } catch {
    // not Linux
  }
  return process.memoryUsage().rss;
}
