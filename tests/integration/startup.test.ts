import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/** `npm run bot` with a bad setting: it stops at once, names the setting and what is expected, and shows no stack. */

const ROOT = path.resolve(import.meta.dirname, '../..');

function startBotProcess(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bot/index.ts'], {
      cwd: ROOT,
      env: { ...process.env, STORAGE: 'memory', PORT: '0', LOG_LEVEL: 'silent', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

describe('start-up with a bad setting', () => {
  it.each([
    [{ WATCH_INTERVAL_SECONDS: 'often' }, /WATCH_INTERVAL_SECONDS must be a number of seconds \(got "often"\)/],
    [{ APPROVAL_STAGE_PROBE_MINUTES: 'abc' }, /APPROVAL_STAGE_PROBE_MINUTES must be a number of minutes \(got "abc"\)/],
    [{ EXPIRY_REMINDER_DAYS: '14,soon' }, /EXPIRY_REMINDER_DAYS must be whole days/],
  ])(
    'stops with exit code 2 and names the setting: %o',
    async (env, message) => {
      const { code, stderr } = await startBotProcess(env);
      expect(code).toBe(2);
      expect(stderr).toMatch(/^Access Bot cannot start\./);
      expect(stderr).toMatch(message);
      expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
    },
    30_000,
  );
});
