import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface PlaygroundOptions {
  botEndpoint: string;
  port: number;
  /** Folder holding .m365agentsplayground.yml (default: the repository root). */
  cwd?: string;
  log?: (line: string) => void;
  /** Extra environment for the Playground process (e.g. `TZ`, the zone it reports as `localTimezone`). */
  env?: Record<string, string>;
}

export interface RunningPlayground {
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

const ROOT = path.resolve(import.meta.dirname, '..');

/** Starts the Microsoft 365 Agents Playground (the Teams-like web client) and waits until its page answers. */
export async function startPlayground(opts: PlaygroundOptions): Promise<RunningPlayground> {
  const cwd = opts.cwd ?? ROOT;
  const cli = path.join(ROOT, 'node_modules/@microsoft/m365agentsplayground/cli.js');
  const child = spawn(
    process.execPath,
    [
      '--require',
      path.join(ROOT, 'scripts/loopbackOnly.cjs'),
      cli,
      'start',
      '-e',
      opts.botEndpoint,
      '-c',
      'msteams',
      '--dt',
      '-p',
      String(opts.port),
    ],
    {
      cwd,
      env: { ...process.env, ...opts.env, TEAMSAPPTESTER_BROWSER: 'none', BROWSER: 'none' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout?.on('data', (d: Buffer) => opts.log?.(d.toString()));
  child.stderr?.on('data', (d: Buffer) => opts.log?.(d.toString()));
  const url = `http://localhost:${opts.port}`;
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`The Agents Playground exited (${child.exitCode}). ${playgroundLogTail(cwd)}`);
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (res.ok) break;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  if (Date.now() >= deadline) {
    child.kill('SIGKILL');
    throw new Error(`The Agents Playground did not answer on ${url} within 20 s. ${playgroundLogTail(cwd)}`);
  }
  return {
    url,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 2000).unref();
      }),
  };
}

function playgroundLogTail(cwd: string): string {
  const file = path.join(cwd, 'devTools/m365agentsplayground.log');
  if (!existsSync(file)) return '';
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  return `Its log says: ${lines.slice(-5).join(' | ')}`;
}
