import { startBot } from '../../bot/app.js';
import { loadConfig } from '../../services/config.js';
import { serveControl } from './child.js';

/**
 * The Access Bot in a child process for benches, configured like `npm run bot` except for the values a bench needs
 * (free port, memory storage unless STORAGE is given, a long watcher interval so no tick runs during a measurement).
 */
const config = loadConfig({
  LOG_LEVEL: 'warn',
  WATCH_INTERVAL_SECONDS: '3600',
  ...process.env,
  PORT: '0',
  STORAGE: process.env.STORAGE ?? 'memory',
});
const bot = await startBot(config);
serveControl(bot.url, () => bot.close());
