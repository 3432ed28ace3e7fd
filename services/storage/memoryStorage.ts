import { MemoryStorage, type StoreItems } from 'botbuilder';
import { assertChanges, assertKeys, type BotStorage, isConditionalEtag, StorageConflictError } from './contract.js';

/** botbuilder's MemoryStorage with prefix listing and all-or-nothing batch writes. For unit tests only. */
export class MemoryBotStorage extends MemoryStorage implements BotStorage {
  override async read(keys: string[]): Promise<StoreItems> {
    assertKeys(keys, 'read');
    return super.read(keys);
  }

  override async write(changes: StoreItems): Promise<void> {
    assertChanges(changes);
    // Checked synchronously before delegating so a conflicting batch writes nothing.
    for (const [key, item] of Object.entries(changes)) {
      const stored = this.memory[key];
      if (stored !== undefined && isConditionalEtag(item.eTag) && JSON.parse(stored).eTag !== item.eTag) {
        throw new StorageConflictError(key);
      }
    }
    return super.write(changes);
  }

  override async delete(keys: string[]): Promise<void> {
    assertKeys(keys, 'delete');
    for (const key of keys) delete this.memory[key];
  }

  async keys(prefix: string): Promise<string[]> {
    if (typeof prefix !== 'string') throw new TypeError('storage keys(prefix) needs a string prefix');
    return Object.keys(this.memory)
      .filter((key) => this.memory[key] !== undefined && key.startsWith(prefix))
      .sort();
  }

  async ping(): Promise<void> {}
}
