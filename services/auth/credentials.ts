import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/identity';
import { ConfigError } from '../config.js';

type Identity = typeof import('@azure/identity');

/** @azure/identity is loaded on first use: local mode never needs it, and it is a sizeable part of start-up. */
let identityModule: Promise<Identity> | undefined;
const loadIdentity = (): Promise<Identity> => {
  identityModule ??= import('@azure/identity');
  return identityModule;
};

/** A credential built when first asked for a token (its module loads then). */
export class LazyCredential implements TokenCredential {
  private built?: Promise<TokenCredential>;

  constructor(private readonly build: (identity: Identity) => TokenCredential) {}

  /** The @azure/identity credential behind this one. */
  credential(): Promise<TokenCredential> {
    this.built ??= loadIdentity().then(this.build);
    return this.built;
  }

  async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
    return (await this.credential()).getToken(scopes, options);
  }
}

/** The configuration names for the bot's own credential, read from an options object (the bot passes process.env). */
export interface AppCredentialEnv {
  APP_CREDENTIAL?: string;
  MicrosoftAppPassword?: string;
  APP_CERTIFICATE_PATH?: string;
  MANAGED_IDENTITY_CLIENT_ID?: string;
}

export type AppCredentialSettings =
  | { kind: 'secret'; clientSecret: string }
  | { kind: 'certificate'; certificatePath: string }
  /** App tokens from the managed identity; OBO uses it as a federated credential (FIC) of the bot's app. */
  | { kind: 'managedIdentity'; managedIdentityClientId?: string };

const KINDS = ['secret', 'certificate', 'managedIdentity'] as const;

/**
 * Picks the credential: APP_CREDENTIAL when set, otherwise whichever of MicrosoftAppPassword / APP_CERTIFICATE_PATH is
 * present, otherwise the managed identity for UserAssignedMSI bots. Throws ConfigError naming what is missing.
 */
export function readAppCredentialSettings(env: AppCredentialEnv, appType?: string): AppCredentialSettings {
  const clean = (v?: string) => (v?.trim() ? v.trim() : undefined);
  const secret = clean(env.MicrosoftAppPassword);
  const certificatePath = clean(env.APP_CERTIFICATE_PATH);
  const miClientId = clean(env.MANAGED_IDENTITY_CLIENT_ID);
  const chosen = clean(env.APP_CREDENTIAL) ?? implicitKind(secret, certificatePath, appType);
  if (!chosen) {
    throw new ConfigError(
      'Invalid configuration:\n- APP_CREDENTIAL is not set and neither MicrosoftAppPassword nor APP_CERTIFICATE_PATH is given (AUTH_MODE=entra needs one of secret, certificate, managedIdentity)',
    );
  }
  if (!(KINDS as readonly string[]).includes(chosen)) {
    throw new ConfigError(
      `Invalid configuration:\n- APP_CREDENTIAL must be secret, certificate or managedIdentity (got "${chosen}")`,
    );
  }
  if (chosen === 'secret') {
    if (!secret)
      throw new ConfigError('Invalid configuration:\n- MicrosoftAppPassword is required when APP_CREDENTIAL=secret');
    return { kind: 'secret', clientSecret: secret };
  }
  if (chosen === 'certificate') {
    if (!certificatePath) {
      throw new ConfigError(
        'Invalid configuration:\n- APP_CERTIFICATE_PATH is required when APP_CREDENTIAL=certificate',
      );
    }
    return { kind: 'certificate', certificatePath };
  }
  return { kind: 'managedIdentity', managedIdentityClientId: miClientId };
}

function implicitKind(secret?: string, certificatePath?: string, appType?: string): string | undefined {
  if (secret) return 'secret';
  if (certificatePath) return 'certificate';
  if (appType === 'UserAssignedMSI') return 'managedIdentity';
  return undefined;
}

export interface OboCredentialInput {
  tenantId: string;
  clientId: string;
  userAssertionToken: string;
  settings: AppCredentialSettings;
}

export interface AppCredentialInput {
  tenantId: string;
  clientId: string;
  settings: AppCredentialSettings;
}

/** Builds @azure/identity credentials; injectable because a real credential's getToken hangs offline (STACK-NOTES). */
export interface CredentialFactory {
  onBehalfOf(input: OboCredentialInput): TokenCredential;
  app(input: AppCredentialInput): TokenCredential;
}

/** Audience of the managed-identity token used as a client assertion (workload identity federation). */
const FIC_SCOPE = 'api://AzureADTokenExchange/.default';

export function createAzureCredentialFactory(getAssertion?: () => Promise<string>): CredentialFactory {
  const miCredentials = new Map<string, LazyCredential>();
  const managedIdentity = (clientId?: string) => {
    const key = clientId ?? '(system)';
    let credential = miCredentials.get(key);
    if (!credential) {
      credential = new LazyCredential((id) =>
        clientId ? new id.ManagedIdentityCredential({ clientId }) : new id.ManagedIdentityCredential(),
      );
      miCredentials.set(key, credential);
    }
    return credential;
  };
  const ficAssertion = (clientId?: string) =>
    getAssertion ??
    (async () => {
      const token = await managedIdentity(clientId).getToken(FIC_SCOPE);
      if (!token) throw new Error('The managed identity returned no token for the federated credential.');
      return token.token;
    });

  return {
    onBehalfOf({ tenantId, clientId, userAssertionToken, settings }) {
      const base = { tenantId, clientId, userAssertionToken };
      return new LazyCredential((id) => {
        if (settings.kind === 'secret')
          return new id.OnBehalfOfCredential({ ...base, clientSecret: settings.clientSecret });
        if (settings.kind === 'certificate') {
          return new id.OnBehalfOfCredential({ ...base, certificatePath: settings.certificatePath });
        }
        return new id.OnBehalfOfCredential({ ...base, getAssertion: ficAssertion(settings.managedIdentityClientId) });
      });
    },
    app({ tenantId, clientId, settings }) {
      return new LazyCredential((id) => {
        if (settings.kind === 'secret') return new id.ClientSecretCredential(tenantId, clientId, settings.clientSecret);
        if (settings.kind === 'certificate') {
          return new id.ClientCertificateCredential(tenantId, clientId, settings.certificatePath);
        }
        // As the Entra app (its consented application permissions), signed in by the managed identity's federated
        // credential: the identity's own token would carry none of those permissions.
        return new id.ClientAssertionCredential(tenantId, clientId, ficAssertion(settings.managedIdentityClientId));
      });
    },
  };
}
