import { describe, expect, it } from 'vitest';
import { MemoryBotStorage } from '../../services/storage/memoryStorage.js';
import { describeStorageContract } from './storageContract.js';

describeStorageContract('memory', async () => new MemoryBotStorage(), { atomicBatchWrites: true });

describe('MemoryBotStorage', () => {
  it('returns copies, so changing a read item does not change the store', async () => {
    const storage = new MemoryBotStorage();
    await storage.write({ k: { list: [1] } });
    const read = await storage.read(['k']);
    read.k.list.push(2);
    expect((await storage.read(['k'])).k.list).toEqual([1]);
  });
});
