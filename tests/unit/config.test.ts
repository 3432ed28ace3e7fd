import { describe, expect, it } from 'vitest';
import { approverSettings } from '../../services/approvals/settings.js';
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
      approvalDigestHours: 24,
    });
  });

  it('switches to entra mode when a MicrosoftAppId is set, talking to real Graph', () => {
    const c = loadConfig({
      MicrosoftAppId: 'abc',
      MicrosoftAppTenantId: 't',
      MicrosoftAppType: 'SingleTenant',
      OAUTH_CONNECTION_NAME: 'sso',
      PUBLIC_URL: 'https://accessbot.contoso.example/',
    });
    expect(c.authMode).toBe('entra');
    expect(c.publicUrl).toBe('https://accessbot.contoso.example');
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
    [
      { STORAGE: 'azureblob:bot-state', AZURE_STORAGE_ACCOUNT_URL: 'http://acct.blob.core.windows.net' },
      /AZURE_STORAGE_ACCOUNT_URL must be https/,
    ],
    [{ WATCH_INTERVAL_SECONDS: '0' }, /WATCH_INTERVAL_SECONDS must be more than 0/],
    [{ AUTH_MODE: 'entra' }, /MicrosoftAppId is required when AUTH_MODE=entra/],
    [{ HOST: '10.0.0.5' }, /HOST must be a loopback address in local mode/],
    [{ MicrosoftAppId: 'abc', MicrosoftAppTenantId: 't' }, /OAUTH_CONNECTION_NAME is required when AUTH_MODE=entra/],
    [
      { MicrosoftAppId: 'abc', MicrosoftAppTenantId: 't', OAUTH_CONNECTION_NAME: 'sso' },
      /PUBLIC_URL must be the bot's public https address when AUTH_MODE=entra/,
    ],
    [
      {
        MicrosoftAppId: 'abc',
        MicrosoftAppTenantId: 't',
        OAUTH_CONNECTION_NAME: 'sso',
        PUBLIC_URL: 'http://bot.contoso.example',
      },
      /PUBLIC_URL must be the bot's public https address when AUTH_MODE=entra .*\(got "http:\/\/bot\.contoso\.example"\)/,
    ],
    [{ APPROVAL_DIGEST_HOURS: 'daily' }, /APPROVAL_DIGEST_HOURS must be a number of hours.*\(got "daily"\)/],
    [{ APPROVAL_DIGEST_HOURS: '-1' }, /APPROVAL_DIGEST_HOURS must be 0 \(off\) or more hours \(got "-1"\)/],
    [{ APPROVAL_DIGEST_HOURS: '200' }, /APPROVAL_DIGEST_HOURS must be at most 168 hours/],
    [{ EXPIRY_REMINDER_DAYS: '14,one' }, /EXPIRY_REMINDER_DAYS must be whole days from 1 to 365.*\(got "14,one"\)/],
    [{ EXPIRY_REMINDER_DAYS: '400' }, /EXPIRY_REMINDER_DAYS must be whole days from 1 to 365/],
    [
      { PIM_SCHEDULED_STATUSES: "Granted' or 1 eq 1" },
      /PIM_SCHEDULED_STATUSES must be one to three PIM request statuses/,
    ],
    [{ PIM_SCHEDULED_STATUSES: ' , ' }, /PIM_SCHEDULED_STATUSES must be one to three PIM request statuses/],
    [{ EXPIRY_SWEEP_HOURS: '0' }, /EXPIRY_SWEEP_HOURS must be more than 0 hours/],
  ])('stops with a message naming the bad setting: %o', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('keeps the http default PUBLIC_URL in local mode (the devtenant sign-in runs on loopback)', () => {
    expect(loadConfig({}).publicUrl).toBe('http://127.0.0.1:3978');
    expect(loadConfig({ PUBLIC_URL: 'http://localhost:4000' }).publicUrl).toBe('http://localhost:4000');
  });

  it("turns the approvers' digest off with APPROVAL_DIGEST_HOURS=0 and passes other periods to the approver journey", () => {
    expect(loadConfig({ APPROVAL_DIGEST_HOURS: '0' }).approvalDigestHours).toBe(0);
    expect(approverSettings(loadConfig({ APPROVAL_DIGEST_HOURS: '0' }), {}).digestHours).toBe(0);
    expect(approverSettings(loadConfig({ APPROVAL_DIGEST_HOURS: '6' }), {}).digestHours).toBe(6);
    // Unset or blank keeps the daily default, as before.
    expect(loadConfig({ APPROVAL_DIGEST_HOURS: ' ' }).approvalDigestHours).toBe(24);
    expect(() => approverSettings(loadConfig({}), { APPROVAL_STAGE_PROBE_MINUTES: 'soon' })).toThrow(ConfigError);
    expect(() => approverSettings(loadConfig({}), { APPROVAL_STAGE_PROBE_MINUTES: 'soon' })).toThrow(
      /APPROVAL_STAGE_PROBE_MINUTES must be a number of minutes/,
    );
  });

  it('reads APPROVAL_UNCONFIRMED_HOURS (default 24) and names it when it is not a positive number of hours', () => {
    expect(approverSettings(loadConfig({}), {}).unconfirmedAfterHours).toBe(24);
    expect(approverSettings(loadConfig({}), { APPROVAL_UNCONFIRMED_HOURS: '6' }).unconfirmedAfterHours).toBe(6);
    for (const bad of ['0', 'a day', '-3']) {
      expect(() => approverSettings(loadConfig({}), { APPROVAL_UNCONFIRMED_HOURS: bad })).toThrow(
        new RegExp(`APPROVAL_UNCONFIRMED_HOURS must be .*\\(got "${bad}"\\)`),
      );
    }
  });

  it('keeps the beta role approvals off unless ROLE_APPROVALS_BETA=on, and names the setting on a bad value', () => {
    expect(loadConfig({}).roleApprovalsBeta).toBe(false);
    expect(approverSettings(loadConfig({}), {}).roleApprovals).toBe(false);
    expect(loadConfig({ ROLE_APPROVALS_BETA: 'off' }).roleApprovalsBeta).toBe(false);
    expect(loadConfig({ ROLE_APPROVALS_BETA: ' ' }).roleApprovalsBeta).toBe(false);
    expect(loadConfig({ ROLE_APPROVALS_BETA: 'ON' }).roleApprovalsBeta).toBe(true);
    expect(approverSettings(loadConfig({ ROLE_APPROVALS_BETA: 'on' }), {}).roleApprovals).toBe(true);
    for (const bad of ['yes', 'true', '1']) {
      expect(() => loadConfig({ ROLE_APPROVALS_BETA: bad })).toThrow(ConfigError);
      expect(() => loadConfig({ ROLE_APPROVALS_BETA: bad })).toThrow(
        new RegExp(`ROLE_APPROVALS_BETA must be on or off .*\\(got "${bad}"\\)`),
      );
    }
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

  it('reads the expiry reminder days largest first, and off as none', () => {
    expect(loadConfig({}).expiryReminderDays).toEqual([14, 1]);
    expect(loadConfig({ EXPIRY_REMINDER_DAYS: '1, 7,30,7' }).expiryReminderDays).toEqual([30, 7, 1]);
    expect(loadConfig({ EXPIRY_REMINDER_DAYS: 'off' }).expiryReminderDays).toEqual([]);
    expect(loadConfig({ EXPIRY_REMINDER_DAYS: '0' }).expiryReminderDays).toEqual([]);
    expect(loadConfig({}).expirySweepHours).toBe(6);
  });

  it('reads the status(es) of a later-start activation, Granted by default', () => {
    expect(loadConfig({}).pimScheduledStatuses).toEqual(['Granted']);
    expect(loadConfig({ PIM_SCHEDULED_STATUSES: 'Granted, ScheduleCreated,Granted' }).pimScheduledStatuses).toEqual([
      'Granted',
      'ScheduleCreated',
    ]);
  });

  it('accepts blob storage through the managed identity: the account URL instead of a connection string', () => {
    const c = loadConfig({
      STORAGE: 'azureblob:bot-state',
      AZURE_STORAGE_ACCOUNT_URL: 'https://acct.blob.core.windows.net/',
      MANAGED_IDENTITY_CLIENT_ID: '00000000-0000-4000-8000-0000000000aa',
    });
    expect(c.azureStorageAccountUrl).toBe('https://acct.blob.core.windows.net');
    expect(c.managedIdentityClientId).toBe('00000000-0000-4000-8000-0000000000aa');
    expect(c.azureStorageConnectionString).toBeUndefined();
  });
});
