import { startDevtenant } from './index.js';

/**
 * `npm run devtenant`: DEVTENANT_PORT (default 5100), DEVTENANT_SEED (path), DEVTENANT_DELAY_MS (default 2000),
 * DEVTENANT_PAGE_SIZE (largest collection page; default none).
 */

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`devtenant: ${name} must be a non-negative integer, got '${raw}'`);
    process.exit(2);
  }
  return n;
}

async function main(): Promise<void> {
  const port = envInt('DEVTENANT_PORT', 5100);
  const delay = envInt('DEVTENANT_DELAY_MS', 2000);
  const running = await startDevtenant({
    port,
    seed: process.env.DEVTENANT_SEED || undefined,
    timing: { submittedToNextMs: delay, deliveringToDeliveredMs: delay },
  });
  console.log(
    `devtenant: Microsoft Graph emulator for ${running.state.tenant.displayName} at ${running.url} (/v1.0, /beta)`,
  );
  console.log(`devtenant: console (act as any demo person) at ${running.url}/`);
  const stop = (signal: string) => {
    console.log(`devtenant: ${signal}, stopping`);
    running.close().then(() => process.exit(0));
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: Error) => {
  console.error(`devtenant: ${err.message}`);
  process.exit(1);
});
