import { describe, expect, it } from 'vitest';
import { startBot } from '../../bot/app.js';
import { loadConfig } from '../../services/config.js';
import { createLogger } from '../../services/log.js';
import { createStorage } from '../../services/storage/index.js';

const ENTRA = {
  PORT: '0',
  HOST: '127.0.0.1',
  STORAGE: 'memory',
  AUTH_MODE: 'entra',
  MicrosoftAppId: '9a8b7c6d-0000-4000-8000-000000000001',
  MicrosoftAppType: 'SingleTenant',
  MicrosoftAppTenantId: 'c0a70500-0000-4000-8000-000000000001',
  MicrosoftAppPassword: 'not-a-real-secret',
  PUBLIC_URL: 'https://accessbot.contoso.example',
  LOG_LEVEL: 'debug',
} as const;

async function startupLog(env: Record<string, string>): Promise<string> {
  const lines: string[] = [];
  const log = createLogger('debug', { write: (line: string) => lines.push(line) });
  const bot = await startBot(loadConfig(env), { log, storage: await createStorage('memory', {}, log) });
  await bot.close();
  return lines.join('\n');
}

describe('Teams SSO wiring in startBot', () => {
  it('starts in entra mode with an OAuth connection and says nothing about sign-in', async () => {
    const log = await startupLog({ ...ENTRA, OAUTH_CONNECTION_NAME: 'AccessBotSSO' });
    expect(log).toContain('Access Bot listening');
    expect(log).not.toContain('OAUTH_CONNECTION_NAME');
  });

  it('refuses to start in entra mode without an OAuth connection (nobody could sign in)', () => {
    expect(() => loadConfig({ ...ENTRA })).toThrow(/OAUTH_CONNECTION_NAME is required when AUTH_MODE=entra/);
  });

  it('does not set up SSO in local mode', async () => {
    const log = await startupLog({ PORT: '0', STORAGE: 'memory', LOG_LEVEL: 'debug' });
    expect(log).not.toContain('OAUTH_CONNECTION_NAME');
  });
});
