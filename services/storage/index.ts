import { type BotStorage, isValidContainerName, type StorageLogger } from './contract.js';

export type { BotStorage, StorageLogger } from './contract.js';
export { StorageConflictError } from './contract.js';

export type StorageSpec =
  | { kind: 'memory' }
  | { kind: 'sqlite'; path: string }
  | { kind: 'azureblob'; container: string };

/** A bad STORAGE / AZURE_STORAGE_CONNECTION_STRING setting; the message names the setting. */
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

/** Builds the storage named by the STORAGE setting; drivers load lazily so unused ones cost nothing. */
export async function createStorage(
  spec: string,
  env: { AZURE_STORAGE_CONNECTION_STRING?: string },
  log: StorageLogger,
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
      return createBlobStorage(parsed.container, env.AZURE_STORAGE_CONNECTION_STRING, log);
  }
}

async function createBlobStorage(
  container: string,
  connectionString: string | undefined,
  log: StorageLogger,
): Promise<BotStorage> {
  if (!connectionString?.trim()) {
    throw new StorageConfigError(`STORAGE=azureblob:${container} needs AZURE_STORAGE_CONNECTION_STRING to be set`);
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
