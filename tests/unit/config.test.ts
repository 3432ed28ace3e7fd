import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../services/config.js';

describe('configuration', () => {
  it('defaults to local mode on loopback with the devtenant and sqlite', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      authMode: 'local',
      host: '127.0.0.1',
      port: 3978,
      graphBaseUrl: 'http://127.0.0.1:5100',
      storage: 'sqlite:./data/bot.db',
      watchIntervalSeconds: 30,
    });
  });

  it('switches to entra mode when a MicrosoftAppId is set, talking to real Graph', () => {
    const c = loadConfig({
      MicrosoftAppId: 'abc',
      MicrosoftAppTenantId: 't',
      MicrosoftAppType: 'SingleTenant',
      OAUTH_CONNECTION_NAME: 'sso',
    });
    expect(c.authMode).toBe('entra');
    expect(c.host).toBe('0.0.0.0');
    expect(c.graphBaseUrl).toBe('https://graph.microsoft.com');
  });

  it.each([
    [{ PORT: 'eighty' }, /PORT must be a number/],
    [{ PORT: '70000' }, /PORT must be between 0 and 65535/],
    [{ AUTH_MODE: 'magic' }, /AUTH_MODE must be local or entra/],
    [{ GRAPH_BASE_URL: 'graph' }, /GRAPH_BASE_URL must be an absolute URL/],
    [{ STORAGE: 'redis:x' }, /STORAGE must be sqlite:<path>, azureblob:<container> or memory \(got "redis:x"\)/],
    [{ STORAGE: 'azureblob:bot-state' }, /AZURE_STORAGE_CONNECTION_STRING is required/],
    [{ WATCH_INTERVAL_SECONDS: '0' }, /WATCH_INTERVAL_SECONDS must be more than 0/],
    [{ AUTH_MODE: 'entra' }, /MicrosoftAppId is required when AUTH_MODE=entra/],
    [{ HOST: '10.0.0.5' }, /HOST must be a loopback address in local mode/],
    [{ MicrosoftAppId: 'abc', MicrosoftAppTenantId: 't' }, /OAUTH_CONNECTION_NAME is required when AUTH_MODE=entra/],
  ])('stops with a message naming the bad setting: %o', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('never echoes a secret value in its message', () => {
    try {
      loadConfig({ STORAGE: 'azureblob:x', AZURE_STORAGE_CONNECTION_STRING: '' });
    } catch (err) {
      expect(String(err)).not.toContain('AccountKey');
    }
    expect(() => loadConfig({ AUTH_MODE: 'entra', MicrosoftAppPassword: 'hunter2-secret' })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('hunter2') }),
    );
  });
});
