import { type RunningBot, startBot } from '../../bot/app.js';
import { loadConfig } from '../../services/config.js';
import { createLogger } from '../../services/log.js';
import { createStorage } from '../../services/storage/index.js';
import { TeamsHarness } from './teamsHarness.js';

export interface Stack {
  bot: RunningBot;
  teams: TeamsHarness;
  logs: string[];
  stop(): Promise<void>;
}

/** The bot on a free loopback port with in-memory storage, a log capture, and the Teams-like harness. */
export async function startStack(env: Record<string, string> = {}): Promise<Stack> {
  const config = loadConfig({
    PORT: '0',
    STORAGE: 'memory',
    GRAPH_BASE_URL: 'http://127.0.0.1:9',
    LOG_LEVEL: 'debug',
    ...env,
  });
  const logs: string[] = [];
  const log = createLogger(config.logLevel, { write: (line: string) => logs.push(line) });
  const storage = await createStorage(config.storage, {}, log);
  const bot = await startBot(config, { log, storage });
  const teams = await new TeamsHarness(bot.url).start();
  return {
    bot,
    teams,
    logs,
    async stop() {
      await teams.stop();
      await bot.close();
    },
  };
}
