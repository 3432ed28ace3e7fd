import type { Clock } from '../clock.js';
import { type BotConfig, ConfigError, entraAppIdOf } from '../config.js';
import type { Logger } from '../log.js';
import { type AppCredentialEnv, type CredentialFactory, readAppCredentialSettings } from './credentials.js';
import { EntraTokenProvider } from './entraTokens.js';
import { LocalTokenProvider } from './localTokens.js';
import type { TokenProvider, UserRef } from './tokens.js';

export type { AppCredentialEnv, AppCredentialSettings, CredentialFactory } from './credentials.js';
export { createAzureCredentialFactory, LazyCredential, readAppCredentialSettings } from './credentials.js';
export { type EntraTokenOptions, EntraTokenProvider } from './entraTokens.js';
export { type LocalTokenOptions, LocalTokenProvider } from './localTokens.js';
export * from './tokens.js';

export interface TokenProviderDeps {
  clock: Clock;
  log?: Logger;
  /** Entra mode: the user's SSO token for the bot's API, from the Bot Framework token service (undefined = none yet). */
  ssoTokenSource?: (user: UserRef) => Promise<string | undefined>;
  /** Entra mode: the person's sign-in from the Bot Service token store, for background reads (undefined = none). */
  backgroundTokenSource?: (user: UserRef) => Promise<string | undefined>;
  /** Local mode: whether the person has talked to the bot; only they get background tokens. */
  talkedToBot?: (aadObjectId: string) => Promise<boolean>;
  /** Entra mode: APP_CREDENTIAL, MicrosoftAppPassword, APP_CERTIFICATE_PATH, MANAGED_IDENTITY_CLIENT_ID (e.g. process.env). */
  env?: AppCredentialEnv;
  /** Tests inject fake credentials here. */
  credentialFactory?: CredentialFactory;
}

/** Local mode: unsigned JWTs for the devtenant. Entra mode: OBO and the bot's own credential. */
export function createTokenProvider(config: BotConfig, deps: TokenProviderDeps): TokenProvider {
  if (config.authMode === 'local') {
    return new LocalTokenProvider({ tenantId: config.localTenantId, clock: deps.clock, talkedToBot: deps.talkedToBot });
  }
  if (!config.appId) throw new ConfigError('Invalid configuration:\n- MicrosoftAppId is required when AUTH_MODE=entra');
  const entraAppId = entraAppIdOf(config);
  if (!entraAppId) {
    throw new ConfigError(
      'Invalid configuration:\n- AAD_APP_CLIENT_ID is required when MicrosoftAppType=UserAssignedMSI',
    );
  }
  if (!deps.ssoTokenSource) {
    throw new Error('createTokenProvider: entra mode needs an ssoTokenSource (the bot edge supplies the SSO token).');
  }
  const settings = readAppCredentialSettings(
    { ...deps.env, MicrosoftAppPassword: config.appPassword ?? deps.env?.MicrosoftAppPassword },
    config.appType,
  );
  return new EntraTokenProvider({
    // The Entra app registration (AAD_APP_CLIENT_ID under UserAssignedMSI), not the Bot Framework identity.
    clientId: entraAppId,
    tenantId: config.appTenantId,
    settings,
    ssoTokenSource: deps.ssoTokenSource,
    backgroundTokenSource: deps.backgroundTokenSource,
    clock: deps.clock,
    credentialFactory: deps.credentialFactory,
    log: deps.log,
  });
}
