import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type BenchResult, writeResult } from './results.js';
import { printResult } from './table.js';

/** True when the module with this `import.meta.url` is the script node was started with (`npx tsx bench/x.ts`). */
export function isMain(moduleUrl: string): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(moduleUrl));
  } catch {
    return false;
  }
}

/** Runs one bench on its own: prints its table, writes bench/results/<name>.json, exits 1 if it threw. */
export function runAlone(run: () => Promise<BenchResult>): void {
  run()
    .then((result) => {
      printResult(result);
      console.log(`\nwrote ${writeResult(result)}`);
      process.exit(0);
    })
    .catch((err: unknown) => {
      console.error(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      process.exit(1);
    });
}
