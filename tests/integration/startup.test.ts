import { execFileSync, spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/** `npm run bot` with a bad setting: it stops at once, names the setting and what is expected, and shows no stack. */

const ROOT = path.resolve(import.meta.dirname, '../..');

function startBotProcess(
  env: Record<string, string>,
  args = ['--import', 'tsx', 'bot/index.ts'],
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, {
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

/** Everything entra mode needs but PUBLIC_URL (no secret: start-up stops before any sign-in). */
const ENTRA = {
  AUTH_MODE: 'entra',
  MicrosoftAppId: '9a8b7c6d-0000-4000-8000-000000000001',
  MicrosoftAppType: 'SingleTenant',
  MicrosoftAppTenantId: 'c0a70500-0000-4000-8000-000000000001',
  OAUTH_CONNECTION_NAME: 'AccessBotSSO',
};

describe('start-up with a bad setting', () => {
  it.each([
    [{ WATCH_INTERVAL_SECONDS: 'often' }, /WATCH_INTERVAL_SECONDS must be a number of seconds \(got "often"\)/],
    [{ APPROVAL_STAGE_PROBE_MINUTES: 'abc' }, /APPROVAL_STAGE_PROBE_MINUTES must be a number of minutes \(got "abc"\)/],
    [{ EXPIRY_REMINDER_DAYS: '14,soon' }, /EXPIRY_REMINDER_DAYS must be whole days/],
    [
      { ...ENTRA, PUBLIC_URL: 'http://localhost:3978' },
      /PUBLIC_URL must be the bot's public https address when AUTH_MODE=entra .*\(got "http:\/\/localhost:3978"\)/,
    ],
    [{ ...ENTRA, PUBLIC_URL: '' }, /PUBLIC_URL must be the bot's public https address when AUTH_MODE=entra/],
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

  it('the built bot (npm run bot runs dist/bot.mjs) starts, serves /healthz and stops the same way on a bad setting', async () => {
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'pipe' });
    const bad = await startBotProcess({ EXPIRY_SWEEP_HOURS: 'never' }, ['dist/bot.mjs']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/EXPIRY_SWEEP_HOURS must be a number of hours/);
    const port = String(40000 + Math.floor(Math.random() * 20000));
    const child = spawn(process.execPath, ['dist/bot.mjs'], {
      cwd: ROOT,
      env: { ...process.env, STORAGE: 'memory', PORT: port, LOG_LEVEL: 'silent', GRAPH_BASE_URL: 'http://127.0.0.1:9' },
      stdio: 'ignore',
    });
    try {
      let status = 0;
      for (let i = 0; i < 200 && status !== 200; i++) {
        status = await fetch(`http://127.0.0.1:${port}/healthz`).then(
          (r) => r.status,
          () => 0,
        );
        if (status !== 200) await new Promise((r) => setTimeout(r, 50));
      }
      expect(status).toBe(200);
    } finally {
      child.kill('SIGTERM');
    }
  }, 30_000);
});
