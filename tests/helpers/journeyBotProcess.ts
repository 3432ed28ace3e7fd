/**
 * The real bot, unchanged, in its own process, for the restart and multi-process journey tests (tests/proactive/
 * restart.test.ts, azuriteDemo.test.ts). Unlike tests/proactive/fixtures/botProcess.ts it talks to a real Graph (the
 * devtenant at GRAPH_BASE_URL) and adds no test source: the journeys' own watcher does the work.
 *
 * Environment: everything the bot reads (STORAGE, GRAPH_BASE_URL, WATCH_INTERVAL_SECONDS,
 * AZURE_STORAGE_CONNECTION_STRING, APPROVAL_DIGEST_HOURS, …; PORT is always 0) plus JOURNEY_INSTANCE (the
 * proactive instance id), JOURNEY_LEASE_TTL_MS and JOURNEY_LOG_FILE (pino JSON lines are appended there).
 * Speaks the FixtureBot protocol (tests/proactive/processes.ts, child side in tests/proactive/fixtures/
 * fixtureProtocol.ts): `LOADED`, waits for `GO`, `READY <url>`; SIGTERM closes the bot gracefully (its lease is
 * released) and exits 0.
 */
import { appendFileSync } from 'node:fs';
import { startBot } from '../../bot/app.js';
import { loadConfig } from '../../services/config.js';
import { createLogger } from '../../services/log.js';
import { runFixtureProcess } from '../proactive/fixtures/fixtureProtocol.js';

const env = process.env;

runFixtureProcess('journey bot', async () => {
  const config = loadConfig({ ...env, PORT: '0' });
  const file = env.JOURNEY_LOG_FILE;
  const log = createLogger(
    config.logLevel,
    file ? { write: (line: string) => appendFileSync(file, line) } : process.stderr,
  );
  return startBot(config, {
    log,
    proactive: {
      instanceId: env.JOURNEY_INSTANCE,
      leaseTtlMs: env.JOURNEY_LEASE_TTL_MS ? Number(env.JOURNEY_LEASE_TTL_MS) : undefined,
    },
  });
});
