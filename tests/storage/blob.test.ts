import { ContainerClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AzureBlobStorage } from '../../services/storage/blobStorage.js';
import { StorageConflictError } from '../../services/storage/index.js';
import { type AzuriteHandle, azuriteConnectionString, findFreePort, startAzurite } from '../helpers/azurite.js';
import { describeStorageContract } from './storageContract.js';

let azurite: AzuriteHandle;
let containerCounter = 0;
const freshContainer = () => `test-${process.pid}-${++containerCounter}`;

beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => {
  await azurite?.close();
});

describeStorageContract('azureblob', async () => new AzureBlobStorage(azurite.connectionString, freshContainer()), {
  atomicBatchWrites: false,
});

describe('AzureBlobStorage', () => {
  it('skips and reports a blob that is not JSON without failing the read of other keys', async () => {
    const container = freshContainer();
    const warn = vi.fn();
    const storage = new AzureBlobStorage(azurite.connectionString, container, { log: { warn } });
    await storage.write({ 'card/good': { v: 1 } });
    const raw = new ContainerClient(azurite.connectionString, container);
    const garbage = '{"secret": tru';
    await raw.getBlockBlobClient(encodeURIComponent('card/broken')).upload(garbage, garbage.length);

    const read = await storage.read(['card/broken', 'card/good']);
    expect(Object.keys(read)).toEqual(['card/good']);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][0]).toMatchObject({ store: 'azureblob', key: 'card/broken' });
    expect(JSON.stringify(warn.mock.calls)).not.toContain('secret');
    expect(await storage.keys('card/')).toEqual(['card/broken', 'card/good']);
  });

  it('stores keys under the same blob names as botbuilder BlobsStorage', async () => {
    const container = freshContainer();
    const storage = new AzureBlobStorage(azurite.connectionString, container);
    await storage.write({ 'conv/19:a|b': { v: 1 } });
    const names: string[] = [];
    for await (const blob of new ContainerClient(azurite.connectionString, container).listBlobsFlat()) {
      names.push(blob.name);
    }
    expect(names).toEqual(['conv%2F19%3Aa%7Cb']);
  });

  it("collapses repeated and trailing '/' in keys the way BlobsStorage does", async () => {
    const storage = new AzureBlobStorage(azurite.connectionString, freshContainer());
    await storage.write({ 'a//b/': { v: 1 } });
    expect((await storage.read(['a/b']))['a/b'].v).toBe(1);
    expect((await storage.read(['a//b/']))['a//b/'].v).toBe(1);
    expect(await storage.keys('a//')).toEqual(['a/b']);
  });

  it('refuses a key whose blob name would be silently truncated', async () => {
    const storage = new AzureBlobStorage(azurite.connectionString, freshContainer());
    await expect(storage.write({ ['ü'.repeat(200)]: { v: 1 } })).rejects.toThrow(/too long for blob storage/);
    await expect(storage.read(['\ud800'])).rejects.toThrow(/unpaired/);
    await storage.write({ ['ü'.repeat(170)]: { v: 1 } });
    expect(await storage.keys('ü')).toEqual(['ü'.repeat(170)]);
  });

  it('reports a conflict, not a crash, when two instances race on one blob', async () => {
    const container = freshContainer();
    const a = new AzureBlobStorage(azurite.connectionString, container);
    const b = new AzureBlobStorage(azurite.connectionString, container);
    await a.write({ lease: { owner: 'none' } });
    const seen = (await a.read(['lease'])).lease;
    const results = await Promise.allSettled([
      a.write({ lease: { owner: 'a', eTag: seen.eTag } }),
      b.write({ lease: { owner: 'b', eTag: seen.eTag } }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(rejected?.reason).toBeInstanceOf(StorageConflictError);
  });

  it('rejects an invalid container name', () => {
    expect(() => new AzureBlobStorage(azurite.connectionString, 'Bad_Name')).toThrow(/invalid blob container name/);
  });

  it('fails ping within its timeout when the service is unreachable', async () => {
    const closedPort = await findFreePort();
    const storage = new AzureBlobStorage(azuriteConnectionString(closedPort), freshContainer(), { pingTimeoutMs: 500 });
    const started = Date.now();
    await expect(storage.ping()).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(3000);
  });
});
