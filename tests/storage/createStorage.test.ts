import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AccessToken, TokenCredential } from '@azure/identity';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { AzureBlobStorage } from '../../services/storage/blobStorage.js';
import {
  createStorage,
  parseStorageSpec,
  StorageConfigError,
  type StorageLogger,
} from '../../services/storage/index.js';
import { MemoryBotStorage } from '../../services/storage/memoryStorage.js';
import { SqliteStorage } from '../../services/storage/sqliteStorage.js';

const root = mkdtempSync(join(tmpdir(), 'create-storage-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const log: StorageLogger = pino({ level: 'silent' });
const AZURITE_LIKE =
  'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=c2VjcmV0;BlobEndpoint=http://127.0.0.1:1/devstoreaccount1;';

describe('parseStorageSpec', () => {
  it('understands the three forms', () => {
    expect(parseStorageSpec('memory')).toEqual({ kind: 'memory' });
    expect(parseStorageSpec('sqlite:./data/bot.db')).toEqual({ kind: 'sqlite', path: './data/bot.db' });
    expect(parseStorageSpec(' azureblob:bot-state ')).toEqual({ kind: 'azureblob', container: 'bot-state' });
  });

  it.each(['foo', '', 'sqlite:', 'Memory', 'redis:localhost'])('names the STORAGE setting for %j', (spec) => {
    expect(() => parseStorageSpec(spec)).toThrow(StorageConfigError);
    expect(() => parseStorageSpec(spec)).toThrow(
      `STORAGE must be sqlite:<path>, azureblob:<container> or memory; got "${spec}"`,
    );
  });

  it('explains a bad container name', () => {
    expect(() => parseStorageSpec('azureblob:Bot_State')).toThrow(/STORAGE .*3-63 lowercase letters/);
  });

  it('does not echo a value that looks like a secret', () => {
    let message = '';
    try {
      parseStorageSpec('DefaultEndpointsProtocol=https;AccountName=x;AccountKey=topsecretvalue');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^STORAGE must be/);
    expect(message).not.toContain('topsecretvalue');
  });
});

describe('createStorage', () => {
  it('builds memory and sqlite storage that work', async () => {
    const memory = await createStorage('memory', {}, log);
    expect(memory).toBeInstanceOf(MemoryBotStorage);
    const path = join(root, 'data', 'bot.db');
    const sqlite = await createStorage(`sqlite:${path}`, {}, log);
    expect(sqlite).toBeInstanceOf(SqliteStorage);
    await sqlite.write({ k: { v: 1 } });
    expect((await sqlite.read(['k'])).k.v).toBe(1);
    await sqlite.close?.();
  });

  it('builds blob storage without contacting the service', async () => {
    const storage = await createStorage('azureblob:bot-state', { AZURE_STORAGE_CONNECTION_STRING: AZURITE_LIKE }, log);
    expect(storage).toBeInstanceOf(AzureBlobStorage);
  });

  it('requires AZURE_STORAGE_CONNECTION_STRING for azureblob', async () => {
    await expect(createStorage('azureblob:bot-state', {}, log)).rejects.toThrow(
      'STORAGE=azureblob:bot-state needs AZURE_STORAGE_CONNECTION_STRING to be set',
    );
    await expect(createStorage('azureblob:bot-state', { AZURE_STORAGE_CONNECTION_STRING: '  ' }, log)).rejects.toThrow(
      StorageConfigError,
    );
  });

  it('rejects an unusable connection string without repeating it', async () => {
    const attempt = createStorage('azureblob:bot-state', { AZURE_STORAGE_CONNECTION_STRING: 'AccountKey=hush' }, log);
    await expect(attempt).rejects.toThrow(/AZURE_STORAGE_CONNECTION_STRING is not a usable/);
    await expect(attempt).rejects.not.toThrow(/hush/);
  });

  it('reaches the account with a token credential when AZURE_STORAGE_ACCOUNT_URL is set, no key needed', async () => {
    const scopesAsked: string[] = [];
    const credential: TokenCredential = {
      async getToken(scopes): Promise<AccessToken> {
        scopesAsked.push(...[scopes].flat());
        return { token: 'fake-storage-token', expiresOnTimestamp: Date.now() + 3_600_000 };
      },
    };
    // Port 1 on loopback refuses at once: the request fails after the credential was asked for a storage token.
    const storage = await createStorage(
      'azureblob:bot-state',
      { AZURE_STORAGE_ACCOUNT_URL: 'https://127.0.0.1:1/' },
      log,
      { credential },
    );
    expect(storage).toBeInstanceOf(AzureBlobStorage);
    await expect((storage as AzureBlobStorage).ping()).rejects.toThrow();
    expect(scopesAsked).toContain('https://storage.azure.com/.default');
  });

  it.each([
    ['http://127.0.0.1:10000/devstoreaccount1', /AZURE_STORAGE_ACCOUNT_URL must be an https address/],
    ['account.blob.core.windows.net', /AZURE_STORAGE_ACCOUNT_URL must be the account's blob endpoint/],
  ])('rejects the account URL %j naming the setting', async (accountUrl, message) => {
    await expect(createStorage('azureblob:bot-state', { AZURE_STORAGE_ACCOUNT_URL: accountUrl }, log)).rejects.toThrow(
      message,
    );
  });
});
