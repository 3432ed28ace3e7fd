import type { TokenCredential } from '@azure/identity';
import { ContainerClient } from '@azure/storage-blob';
import type { StoreItems } from 'botbuilder';
import { BlobsStorage } from 'botbuilder-azure-blobs';
import { sanitizeBlobKey } from 'botbuilder-azure-blobs/lib/sanitizeBlobKey.js';
import {
  assertChanges,
  assertKeys,
  type BotStorage,
  conflictKeyFromMessage,
  isConditionalEtag,
  isEtagConflictMessage,
  isValidContainerName,
  reportCorruptItem,
  StorageConflictError,
  type StorageLogger,
} from './contract.js';

/** Where the account is: a connection string (holds the key), or its blob endpoint and a token credential. */
export type BlobAccount = string | { accountUrl: string; credential: TokenCredential };

export interface AzureBlobStorageOptions {
  log?: StorageLogger;
  pingTimeoutMs?: number;
}

const MAX_BLOB_NAME_LENGTH = 1024;
/**
 * botbuilder's BlobsStorage, with: StorageConflictError on eTag conflicts; a blob that is not JSON is logged and
 * treated as missing; an eTag write to a missing key creates it (as MemoryStorage does, which
 * TeamsSSOTokenExchangeMiddleware relies on); keys(prefix) by listing blob names.
 * Keys are stored under BlobsStorage's names: repeated and trailing '/' collapse ('a//b/' is 'a/b').
 */
export class AzureBlobStorage implements BotStorage {
  private readonly inner: BlobsStorage;
  private readonly container: ContainerClient;
  private readonly log?: StorageLogger;
  private readonly pingTimeoutMs: number;

  constructor(account: BlobAccount, containerName: string, options: AzureBlobStorageOptions = {}) {
    if (!isValidContainerName(containerName)) {
      throw new Error(
        `invalid blob container name "${containerName}": use 3-63 lowercase letters, digits and single hyphens`,
      );
    }
    if (typeof account === 'string') {
      this.container = new ContainerClient(account, containerName);
      this.inner = new BlobsStorage(account, containerName);
    } else {
      const containerUrl = `${account.accountUrl}/${containerName}`;
      this.container = new ContainerClient(containerUrl, account.credential);
      this.inner = new BlobsStorage('', containerName, undefined, containerUrl, account.credential);
    }
    this.log = options.log;
    this.pingTimeoutMs = options.pingTimeoutMs ?? 5000;
  }

  async read(keys: string[]): Promise<StoreItems> {
    assertKeys(keys, 'read');
    keys.forEach(blobNameFor);
    try {
      return await this.inner.read(keys);
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw error;
      return this.readEachSkippingCorrupt(keys);
    }
  }

  async write(changes: StoreItems): Promise<void> {
    assertChanges(changes);
    const results = await Promise.allSettled(Object.entries(changes).map(([key, item]) => this.writeOne(key, item)));
    const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason);
    if (failures.length > 0) throw failures.find((e) => e instanceof StorageConflictError) ?? failures[0];
  }

  async delete(keys: string[]): Promise<void> {
    assertKeys(keys, 'delete');
    keys.forEach(blobNameFor);
    await this.inner.delete(keys);
  }

  async keys(prefix: string): Promise<string[]> {
    if (typeof prefix !== 'string') throw new TypeError('storage keys(prefix) needs a string prefix');
    const wanted = prefix.replace(/\/+/g, '/');
    const keys: string[] = [];
    try {
      for await (const blob of this.container.listBlobsFlat({ prefix: encodePrefix(wanted) })) {
        const key = decodeBlobName(blob.name);
        if (key?.startsWith(wanted)) keys.push(key);
      }
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode !== 404) throw error; // container not created yet
    }
    return keys.sort();
  }

  async ping(): Promise<void> {
    await this.container.exists({ abortSignal: AbortSignal.timeout(this.pingTimeoutMs) });
  }

  private async readEachSkippingCorrupt(keys: string[]): Promise<StoreItems> {
    const items: StoreItems = {};
    await Promise.all(
      keys.map(async (key) => {
        try {
          Object.assign(items, await this.inner.read([key]));
        } catch (error) {
          if (!(error instanceof SyntaxError)) throw error;
          reportCorruptItem(this.log, 'azureblob', key, error);
        }
      }),
    );
    return items;
  }

  private async writeOne(key: string, item: StoreItems[string]): Promise<void> {
    blobNameFor(key);
    try {
      await this.inner.write({ [key]: item });
    } catch (error) {
      if (!isEtagConflictMessage(error)) throw error;
      if (isConditionalEtag(item.eTag) && (await this.createIfAbsent(key, item))) return;
      throw new StorageConflictError(conflictKeyFromMessage(error as Error, key));
    }
  }

  /** Creates the blob only if no blob has that name; false when one exists (someone else wrote it). */
  private async createIfAbsent(key: string, item: StoreItems[string]): Promise<boolean> {
    const { eTag: _ignored, ...value } = item;
    const body = JSON.stringify(value);
    try {
      await this.container.getBlockBlobClient(blobNameFor(key)).upload(body, Buffer.byteLength(body), {
        conditions: { ifNoneMatch: '*' },
        blobHTTPHeaders: { blobContentType: 'application/json' },
      });
      return true;
    } catch (error) {
      const status = (error as { statusCode?: number }).statusCode;
      if (status === 409 || status === 412) return false;
      throw error;
    }
  }
}

function blobNameFor(key: string): string {
  let fullLength: number;
  try {
    fullLength = encodeURIComponent(key.replace(/\/+/g, '/')).length;
  } catch {
    throw new TypeError('storage key contains an unpaired UTF-16 surrogate and cannot name a blob');
  }
  // BlobsStorage silently truncates longer names, which would make distinct keys share one blob.
  if (fullLength > MAX_BLOB_NAME_LENGTH) {
    throw new Error(`storage key is too long for blob storage (${fullLength} > ${MAX_BLOB_NAME_LENGTH} encoded chars)`);
  }
  return sanitizeBlobKey(key);
}

/** undefined for a name BlobsStorage cannot have written (not URI-encoded). */
function decodeBlobName(name: string): string | undefined {
  try {
    return decodeURIComponent(name);
  } catch {
    return undefined;
  }
}

function encodePrefix(prefix: string): string {
  try {
    return encodeURIComponent(prefix);
  } catch {
    return ''; // a lone surrogate cannot be encoded: list everything and filter after decoding
  }
}
