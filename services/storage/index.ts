import type { TokenCredential } from '@azure/identity';
import { type BotStorage, isValidContainerName, type StorageLogger } from './contract.js';

export type { BotStorage, StorageLogger } from './contract.js';
export { StorageConflictError } from './contract.js';

export type StorageSpec =
  | { kind: 'memory' }
  | { kind: 'sqlite'; path: string }
  | { kind: 'azureblob'; container: string };

/** A bad STORAGE / AZURE_STORAGE_CONNECTION_STRING / AZURE_STORAGE_ACCOUNT_URL setting; the message names it. */
export class StorageConfigError extends Error {
  override readonly name = 'StorageConfigError';
}

const SPEC_FORMS = 'STORAGE must be sqlite:<path>, azureblob:<container> or memory';

export function parseStorageSpec(spec: string): StorageSpec {
  const value = typeof spec === 'string' ? spec.trim() : '';
  if (value === 'memory') return { kind: 'memory' };
  if (value.startsWith('sqlite:') && value.length > 'sqlite:'.length) {
    return { kind: 'sqlite', path: value.slice('sqlite:'.length) };
  }
  if (value.startsWith('azureblob:')) {
    const container = value.slice('azureblob:'.length);
    if (!isValidContainerName(container)) {
      throw new StorageConfigError(
        `${SPEC_FORMS}; the container in "${describeValue(spec)}" must be 3-63 lowercase letters, digits and single hyphens`,
      );
    }
    return { kind: 'azureblob', container };
  }
  throw new StorageConfigError(`${SPEC_FORMS}; got "${describeValue(spec)}"`);
}

/** The settings blob storage reads: a connection string (with the account key), or the account URL and an identity. */
export interface BlobStorageEnv {
  AZURE_STORAGE_CONNECTION_STRING?: string;
  /** https://<account>.blob.core.windows.net: reached with a token credential, no key (wins over the string). */
  AZURE_STORAGE_ACCOUNT_URL?: string;
  /** Client id of the user-assigned managed identity that holds Storage Blob Data Contributor. */
  MANAGED_IDENTITY_CLIENT_ID?: string;
}

export interface CreateStorageOptions {
  /** Tests inject a credential; otherwise the managed identity (or DefaultAzureCredential without a client id). */
  credential?: TokenCredential;
}

/** Builds the storage named by the STORAGE setting; drivers load lazily so unused ones cost nothing. */
export async function createStorage(
  spec: string,
  env: BlobStorageEnv,
  log: StorageLogger,
  options: CreateStorageOptions = {},
): Promise<BotStorage> {
  const parsed = parseStorageSpec(spec);
  switch (parsed.kind) {
    case 'memory': {
      const { MemoryBotStorage } = await import('./memoryStorage.js');
      return new MemoryBotStorage();
    }
    case 'sqlite': {
      const { SqliteStorage } = await import('./sqliteStorage.js');
      return new SqliteStorage(parsed.path, { log });
    }
    case 'azureblob':
      if (env.AZURE_STORAGE_ACCOUNT_URL?.trim()) {
        return createBlobStorageWithIdentity(parsed.container, env, log, options.credential);
      }
      return createBlobStorage(parsed.container, env.AZURE_STORAGE_CONNECTION_STRING, log);
  }
}

async function createBlobStorageWithIdentity(
  container: string,
  env: BlobStorageEnv,
  log: StorageLogger,
  injected?: TokenCredential,
): Promise<BotStorage> {
  const accountUrl = blobAccountUrl(env.AZURE_STORAGE_ACCOUNT_URL ?? '');
  const clientId = env.MANAGED_IDENTITY_CLIENT_ID?.trim();
  const credential: TokenCredential = injected ?? (await identityCredential(clientId));
  const { AzureBlobStorage } = await import('./blobStorage.js');
  return new AzureBlobStorage({ accountUrl, credential }, container, { log });
}

async function identityCredential(clientId?: string): Promise<TokenCredential> {
  const id = await import('@azure/identity');
  return clientId ? new id.ManagedIdentityCredential({ clientId }) : new id.DefaultAzureCredential();
}

/** The account's blob endpoint without a trailing slash; only https, since the SDK sends bearer tokens only there. */
function blobAccountUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new StorageConfigError(
      `AZURE_STORAGE_ACCOUNT_URL must be the account's blob endpoint such as https://<account>.blob.core.windows.net; got "${describeValue(value)}"`,
    );
  }
  if (url.protocol !== 'https:' || url.search || url.hash || url.username || url.password) {
    throw new StorageConfigError(
      `AZURE_STORAGE_ACCOUNT_URL must be an https address without query or credentials, such as https://<account>.blob.core.windows.net; got "${describeValue(url.origin + url.pathname)}"`,
    );
  }
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}

async function createBlobStorage(
  container: string,
  connectionString: string | undefined,
  log: StorageLogger,
): Promise<BotStorage> {
  if (!connectionString?.trim()) {
    throw new StorageConfigError(
      `STORAGE=azureblob:${container} needs AZURE_STORAGE_CONNECTION_STRING to be set (or AZURE_STORAGE_ACCOUNT_URL, to use the managed identity)`,
    );
  }
  const { AzureBlobStorage } = await import('./blobStorage.js');
  try {
    return new AzureBlobStorage(connectionString.trim(), container, { log });
  } catch {
    // The SDK's message could quote the connection string, which holds the account key: not repeated here.
    throw new StorageConfigError(
      'AZURE_STORAGE_CONNECTION_STRING is not a usable Azure Storage connection string ' +
        '(expected DefaultEndpointsProtocol=...;AccountName=...;AccountKey=...;EndpointSuffix=... or BlobEndpoint=...)',
    );
  }
}

/** The setting as given, shortened, and hidden when it looks like it holds a key. */
function describeValue(spec: unknown): string {
  const text = String(spec);
  if (/accountkey=|sharedaccesssignature=|sig=/i.test(text)) return '<hidden: looks like a secret>';
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}
