import { approverSettings } from '../services/approvals/settings.js';
import { ConfigError, loadConfig } from '../services/config.js';
import { startBot } from './app.js';

/** `npm run bot`: the bot alone, configured only by the environment. This is what is deployed. */
async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
    approverSettings(config); // the approver journey's own settings: a bad value stops the start too
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`Access Bot cannot start.\n${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const bot = await startBot(config);
  process.stdout.write(`Access Bot: ${bot.url}/api/messages (${config.authMode} mode, Graph ${config.graphBaseUrl})\n`);
  const stop = async () => {
    await bot.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`Access Bot stopped: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
