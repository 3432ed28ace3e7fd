import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** The folder `npm start` keeps the bot's state in, relative to the repository root (DEMO_STATE_DIR overrides it). */
export const DEFAULT_DEMO_STATE_DIR = 'data/demo';

/** Marks a folder as the demo's own, so a mistyped DEMO_STATE_DIR never empties a folder of something else. */
const MARKER = '.access-bot-demo-state';

export interface DemoState {
  /** The folder as the banner shows it (relative to the repository root when inside it). */
  shown: string;
  /** The bot's STORAGE setting for it. */
  storage: string;
}

/**
 * Empties the demo's state folder and returns the bot's storage in it. The devtenant and the Playground start fresh on
 * every `npm start`, so the bot must too: a bot.db kept from an earlier run remembers cards as sent that the new
 * Playground chat never showed, and sends nothing.
 */
export function freshDemoState(root: string, configured = DEFAULT_DEMO_STATE_DIR): DemoState {
  const dir = path.resolve(root, configured);
  if (existsSync(dir)) {
    const entries = readdirSync(dir);
    if (entries.length > 0 && !entries.includes(MARKER)) {
      throw new Error(
        `${dir} is not empty and was not made by npm start; refusing to empty it. Point DEMO_STATE_DIR at a new folder.`,
      );
    }
    rmSync(dir, { recursive: true, force: true });
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, MARKER), 'Access Bot demo state: emptied at every npm start.\n');
  const relative = path.relative(root, dir);
  const shown = relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? `./${relative}` : dir;
  return { shown, storage: `sqlite:${path.join(dir, 'bot.db')}` };
}
