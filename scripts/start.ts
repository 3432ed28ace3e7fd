/**
 * `npm start`: the whole demo on one machine. The devtenant (a local Microsoft Graph with the Contoso demo tenant),
 * the bot in local mode talking to it, and the Microsoft 365 Agents Playground as the Teams client.
 * One Ctrl-C stops all three.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startBot } from '../bot/app.js';
import { startDevtenant } from '../devtenant/index.js';
import { ConfigError, loadConfig } from '../services/config.js';
import { createLogger } from '../services/log.js';
import { demoNames } from './demo/names.js';
import { freshDemoState } from './demo/state.js';
import { DemoTerminal, heldOutput } from './demo/terminal.js';
import { startPlayground } from './playground.js';

const ROOT = path.resolve(import.meta.dirname, '..');

async function main(): Promise<void> {
  const devtenantPort = Number(process.env.DEVTENANT_PORT ?? 5100);
  const playgroundPort = Number(process.env.PLAYGROUND_PORT ?? 56150);
  const demoState = freshDemoState(ROOT, process.env.DEMO_STATE_DIR?.trim() || undefined);
  const devtenant = await startDevtenant({
    port: devtenantPort,
    timing: { submittedToNextMs: 2000, deliveringToDeliveredMs: 2000 },
  });
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig({
      GRAPH_BASE_URL: devtenant.url,
      WATCH_INTERVAL_SECONDS: '5',
      ...process.env,
      AUTH_MODE: 'local',
      // The devtenant and the Playground start fresh, so the bot does too (npm run bot keeps its STORAGE).
      STORAGE: demoState.storage,
    });
  } catch (err) {
    await devtenant.close();
    throw err;
  }
  const output = heldOutput((text) => process.stdout.write(text));
  const terminal = new DemoTerminal({
    names: demoNames(devtenant.state),
    write: output.write,
    verbose: config.logLevel === 'debug' || config.logLevel === 'trace',
  });
  // The bot keeps the devtenant's time: the console's clock buttons move both.
  const bot = await startBot(config, { log: createLogger(config.logLevel, terminal), clock: devtenant.clock });
  const playground = await startPlayground({ botEndpoint: `${bot.url}/api/messages`, port: playgroundPort });

  const signedIn = playgroundUser();
  process.stdout.write(
    [
      '',
      'Access Bot is running.',
      `  Teams client (Agents Playground): ${playground.url}   <- open this and type "help"`,
      `  Bot endpoint:                     ${bot.url}/api/messages`,
      `  Devtenant (local Microsoft Graph): ${devtenant.url}/v1.0`,
      `  Devtenant console (act as anyone): ${devtenant.url}/`,
      `  Signed in as: ${signedIn}`,
      `  Demo state: ${demoState.shown} (reset at every start)`,
      '  Press Ctrl-C to stop all three.',
      '',
    ].join('\n'),
  );
  output.release();

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    process.stdout.write('\nStopping…\n');
    await Promise.allSettled([playground.stop(), bot.close(), devtenant.close()]);
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  playground.process.once('exit', (code) => {
    if (!stopping) {
      process.stderr.write(`The Agents Playground stopped (exit ${code}); stopping the rest.\n`);
      void stop();
    }
  });
}

function playgroundUser(): string {
  try {
    const yml = readFileSync(path.join(ROOT, '.m365agentsplayground.yml'), 'utf8');
    const block = yml.split(/^currentUser:\s*$/m)[1] ?? '';
    const name = /^\s+name:\s*(.+)$/m.exec(block)?.[1]?.trim();
    const upn = /^\s+userPrincipleName:\s*(.+)$/m.exec(block)?.[1]?.trim();
    return name ? `${name}${upn ? ` (${upn})` : ''}` : 'the Playground default user';
  } catch {
    return 'the Playground default user';
  }
}

main().catch((err: unknown) => {
  const message = err instanceof ConfigError || err instanceof Error ? err.message : String(err);
  process.stderr.write(`Could not start: ${message}\n`);
  process.exit(1);
});
