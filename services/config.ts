import { z } from 'zod';

/** Thrown when the environment is wrong; the message names the variable and what is expected. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

const port = z.coerce
  .number({ error: 'must be a number' })
  .int('must be a whole number')
  .min(0, 'must be between 0 and 65535')
  .max(65535, 'must be between 0 and 65535');

const url = z
  .string()
  .url('must be an absolute URL such as https://graph.microsoft.com')
  .transform((u) => u.replace(/\/+$/, ''));

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const storageSpec = z
  .string()
  .regex(/^(sqlite:.+|azureblob:[a-z0-9-]{3,63}|memory)$/, 'must be sqlite:<path>, azureblob:<container> or memory');

const positiveSeconds = z.coerce
  .number({ error: 'must be a number of seconds' })
  .positive('must be more than 0 seconds')
  .max(86_400, 'must be at most 86400 seconds');

const optionalText = z
  .string()
  .optional()
  .transform((v) => (v?.trim() ? v.trim() : undefined));

const schema = z
  .object({
    PORT: port.default(3978),
    HOST: optionalText,
    AUTH_MODE: z.enum(['local', 'entra'], { error: 'must be local or entra' }).optional(),
    GRAPH_BASE_URL: url.optional(),
    PUBLIC_URL: url.optional(),
    MicrosoftAppId: optionalText,
    MicrosoftAppType: z
      .enum(['SingleTenant', 'UserAssignedMSI', 'MultiTenant'], {
        error: 'must be SingleTenant, UserAssignedMSI or MultiTenant',
      })
      .optional(),
    MicrosoftAppTenantId: optionalText,
    MicrosoftAppPassword: optionalText,
    OAUTH_CONNECTION_NAME: optionalText,
    STORAGE: storageSpec.default('sqlite:./data/bot.db'),
    AZURE_STORAGE_CONNECTION_STRING: optionalText,
    // The blob endpoint reached with the managed identity (no account key); wins over the connection string.
    AZURE_STORAGE_ACCOUNT_URL: url
      .refine((u) => u.startsWith('https://'), 'must be https, such as https://<account>.blob.core.windows.net')
      .optional(),
    MANAGED_IDENTITY_CLIENT_ID: optionalText,
    // UserAssignedMSI: MicrosoftAppId is the managed identity (the bot's Bot Framework identity); this is the Entra app
    // registration (aad.manifest.json) that Teams SSO tokens are issued to and that OBO and step-up sign in as.
    AAD_APP_CLIENT_ID: optionalText.refine(
      (v) => v === undefined || GUID.test(v),
      'must be the client id (a GUID) of the Entra app registration',
    ),
    WATCH_INTERVAL_SECONDS: positiveSeconds.default(30),
    ACTIVATION_REMINDER_MINUTES: z.coerce.number().int().min(1).max(240).default(10),
    GRAPH_TIMEOUT_MS: z.coerce.number().int().min(500).max(120_000).default(10_000),
    // Unset or blank: the daily default.
    APPROVAL_DIGEST_HOURS: z.preprocess(
      (v) => (typeof v === 'string' && !v.trim() ? undefined : v),
      z.coerce
        .number({ error: 'must be a number of hours (0 turns the digest off)' })
        .min(0, 'must be 0 (off) or more hours')
        .max(168, 'must be at most 168 hours')
        .default(24),
    ),
    // Days before an access package assignment ends on which its owner is reminded; "off" (or 0) for none.
    EXPIRY_REMINDER_DAYS: z
      .string()
      .default('14,1')
      .transform((v, ctx) => {
        const text = v.trim().toLowerCase();
        if (text === '' || text === 'off' || text === '0') return [];
        const days = text.split(',').map((d) => Number(d.trim()));
        if (days.some((d) => !Number.isInteger(d) || d < 1 || d > 365)) {
          ctx.addIssue({ code: 'custom', message: 'must be whole days from 1 to 365, separated by commas (or off)' });
          return z.NEVER;
        }
        return [...new Set(days)].sort((a, b) => b - a);
      }),
    // The status Graph gives an accepted activation with a later start: UNCONFIRMED (Granted or ScheduleCreated).
    PIM_SCHEDULED_STATUSES: z
      .string()
      .default('Granted')
      .transform((v, ctx) => {
        const statuses = [...new Set(v.split(',').map((s) => s.trim()))].filter(Boolean);
        if (statuses.length === 0 || statuses.length > 3 || statuses.some((s) => !/^[A-Za-z]{1,40}$/.test(s))) {
          ctx.addIssue({ code: 'custom', message: 'must be one to three PIM request statuses, such as Granted' });
          return z.NEVER;
        }
        return statuses;
      }),
    EXPIRY_SWEEP_HOURS: z.coerce
      .number({ error: 'must be a number of hours' })
      .min(0.01, 'must be more than 0 hours')
      .max(24, 'must be at most 24 hours')
      .default(6),
    // Approver cards for Microsoft Entra role activations use Graph beta (roleAssignmentApprovals): off unless asked.
    ROLE_APPROVALS_BETA: z
      .string()
      .default('off')
      .transform((v, ctx) => {
        const text = v.trim().toLowerCase();
        if (text === '' || text === 'off') return false;
        if (text === 'on') return true;
        ctx.addIssue({ code: 'custom', message: 'must be on or off (it turns on approver cards that use Graph beta)' });
        return z.NEVER;
      }),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    LOCAL_TENANT_ID: optionalText,
  })
  .superRefine((env, ctx) => {
    const mode = env.AUTH_MODE ?? (env.MicrosoftAppId ? 'entra' : 'local');
    if (mode === 'entra' && !env.MicrosoftAppId) {
      ctx.addIssue({ code: 'custom', path: ['MicrosoftAppId'], message: 'is required when AUTH_MODE=entra' });
    }
    if (mode === 'entra' && env.MicrosoftAppType !== 'MultiTenant' && !env.MicrosoftAppTenantId) {
      ctx.addIssue({
        code: 'custom',
        path: ['MicrosoftAppTenantId'],
        message: 'is required for SingleTenant and UserAssignedMSI bots (AUTH_MODE=entra)',
      });
    }
    if (mode === 'entra' && env.MicrosoftAppType === 'UserAssignedMSI' && !env.AAD_APP_CLIENT_ID) {
      ctx.addIssue({
        code: 'custom',
        path: ['AAD_APP_CLIENT_ID'],
        message:
          "is required when MicrosoftAppType=UserAssignedMSI: the client id of the Entra app registration (aad.manifest.json) that the bot's managed identity signs in as through its federated credential",
      });
    }
    if (mode === 'entra' && env.MicrosoftAppType === 'UserAssignedMSI' && env.MicrosoftAppPassword) {
      ctx.addIssue({
        code: 'custom',
        path: ['MicrosoftAppPassword'],
        message:
          'must not be set when MicrosoftAppType=UserAssignedMSI (the managed identity is the credential, as a federated credential of AAD_APP_CLIENT_ID)',
      });
    }
    if (mode === 'entra' && !env.OAUTH_CONNECTION_NAME) {
      ctx.addIssue({
        code: 'custom',
        path: ['OAUTH_CONNECTION_NAME'],
        message: 'is required when AUTH_MODE=entra (the Azure Bot OAuth connection used for Teams SSO)',
      });
    }
    // Teams opens the step-up sign-in link in a browser, and Entra only redirects web apps to https (or localhost).
    if (mode === 'entra' && !env.PUBLIC_URL?.startsWith('https://')) {
      ctx.addIssue({
        code: 'custom',
        path: ['PUBLIC_URL'],
        message:
          "must be the bot's public https address when AUTH_MODE=entra (the step-up sign-in link and its redirect URI use it), such as https://accessbot.contoso.com",
      });
    }
    if (mode === 'local' && env.HOST && !isLoopback(env.HOST)) {
      ctx.addIssue({
        code: 'custom',
        path: ['HOST'],
        message: `must be a loopback address in local mode (inbound activities are not authenticated); got "${env.HOST}"`,
      });
    }
    if (
      env.STORAGE.startsWith('azureblob:') &&
      !env.AZURE_STORAGE_CONNECTION_STRING &&
      !env.AZURE_STORAGE_ACCOUNT_URL
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['AZURE_STORAGE_CONNECTION_STRING'],
        message:
          'is required when STORAGE=azureblob:<container> (or set AZURE_STORAGE_ACCOUNT_URL to reach the account with the managed identity)',
      });
    }
  });

export type AuthMode = 'local' | 'entra';

export interface BotConfig {
  port: number;
  host: string;
  authMode: AuthMode;
  graphBaseUrl: string;
  publicUrl: string;
  /** The Bot Framework identity (MicrosoftAppId): the managed identity's client id under UserAssignedMSI. */
  appId?: string;
  /**
   * The Entra app registration used for on-behalf-of, step-up and app-only Graph tokens: AAD_APP_CLIENT_ID under
   * UserAssignedMSI (its credential is the managed identity, a federated credential), otherwise MicrosoftAppId.
   */
  entraAppId?: string;
  appType?: 'SingleTenant' | 'UserAssignedMSI' | 'MultiTenant';
  appTenantId?: string;
  appPassword?: string;
  oauthConnectionName?: string;
  storage: string;
  azureStorageConnectionString?: string;
  /** https://<account>.blob.core.windows.net, reached with the managed identity instead of a key. */
  azureStorageAccountUrl?: string;
  /** Client id of the user-assigned managed identity (storage; the app credential reads it from the env too). */
  managedIdentityClientId?: string;
  watchIntervalSeconds: number;
  activationReminderMinutes: number;
  /** The PIM request statuses of an activation accepted to start later (each is one read in the list's `$batch`). */
  pimScheduledStatuses: string[];
  graphTimeoutMs: number;
  /** Hours between the approvers' digests of what still waits for them; 0 turns the digest off. */
  approvalDigestHours: number;
  /** Days before an assignment ends on which its owner is reminded (largest first); empty = no reminders. */
  expiryReminderDays: number[];
  /** Hours between the sweeps that list assignments ending soon. */
  expirySweepHours: number;
  /**
   * ROLE_APPROVALS_BETA: approver cards for Entra role activations, decided through Graph **beta**
   * (`roleAssignmentApprovals`); off (absent) by default, and then nothing calls beta.
   */
  roleApprovalsBeta?: boolean;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  localTenantId: string;
}

export const DEFAULT_DEVTENANT_URL = 'http://127.0.0.1:5100';
export const DEFAULT_GRAPH_URL = 'https://graph.microsoft.com';

/** The Entra app for OBO, step-up and app-only tokens (configs built by hand may omit entraAppId). */
export function entraAppIdOf(config: BotConfig): string | undefined {
  return config.entraAppId ?? (config.appType === 'UserAssignedMSI' ? undefined : config.appId);
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** Reads and validates the environment once; throws ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): BotConfig {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? 'configuration');
      const got = env[name];
      const shown = got === undefined || /PASSWORD|SECRET|CONNECTION_STRING/i.test(name) ? '' : ` (got "${got}")`;
      return `${name} ${issue.message}${shown}`;
    });
    throw new ConfigError(`Invalid configuration:\n- ${lines.join('\n- ')}`);
  }
  const e = parsed.data;
  const authMode: AuthMode = e.AUTH_MODE ?? (e.MicrosoftAppId ? 'entra' : 'local');
  const host = e.HOST ?? (authMode === 'local' ? '127.0.0.1' : '0.0.0.0');
  return {
    port: e.PORT,
    host,
    authMode,
    graphBaseUrl: e.GRAPH_BASE_URL ?? (authMode === 'local' ? DEFAULT_DEVTENANT_URL : DEFAULT_GRAPH_URL),
    publicUrl: e.PUBLIC_URL ?? `http://${host === '0.0.0.0' ? 'localhost' : host}:${e.PORT}`,
    appId: e.MicrosoftAppId,
    // SingleTenant/MultiTenant: the bot's own registration and its secret, as before.
    entraAppId: e.MicrosoftAppType === 'UserAssignedMSI' ? e.AAD_APP_CLIENT_ID : e.MicrosoftAppId,
    appType: e.MicrosoftAppType,
    appTenantId: e.MicrosoftAppTenantId,
    appPassword: e.MicrosoftAppPassword,
    oauthConnectionName: e.OAUTH_CONNECTION_NAME,
    storage: e.STORAGE,
    azureStorageConnectionString: e.AZURE_STORAGE_CONNECTION_STRING,
    azureStorageAccountUrl: e.AZURE_STORAGE_ACCOUNT_URL,
    managedIdentityClientId: e.MANAGED_IDENTITY_CLIENT_ID,
    watchIntervalSeconds: e.WATCH_INTERVAL_SECONDS,
    activationReminderMinutes: e.ACTIVATION_REMINDER_MINUTES,
    pimScheduledStatuses: e.PIM_SCHEDULED_STATUSES,
    graphTimeoutMs: e.GRAPH_TIMEOUT_MS,
    approvalDigestHours: e.APPROVAL_DIGEST_HOURS,
    expiryReminderDays: e.EXPIRY_REMINDER_DAYS,
    expirySweepHours: e.EXPIRY_SWEEP_HOURS,
    roleApprovalsBeta: e.ROLE_APPROVALS_BETA,
    logLevel: e.LOG_LEVEL,
    localTenantId: e.LOCAL_TENANT_ID ?? 'c0a70500-0000-4000-8000-000000000001',
  };
}
