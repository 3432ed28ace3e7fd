import { run as concurrency } from './concurrency.js';
import { run as devtenant } from './devtenant.js';
import type { BenchResult } from './lib/results.js';
import { writeResult } from './lib/results.js';
import { printResult, printSummary } from './lib/table.js';
import { run as roundTrips } from './roundTrips.js';
import { run as startup } from './startup.js';
import { run as turnOverhead } from './turnOverhead.js';
import { run as watcher } from './watcher.js';

/**
 * `npm run bench`: every bench in turn (each is also runnable alone: `npx tsx bench/<name>.ts`). Prints each table,
 * writes bench/results/<name>.json, then a summary of every figure against its target. A bench that fails is
 * reported and the rest still run; the exit code is 1 when any failed (a missed target is reported, not an error).
 */

const BENCHES: [string, () => Promise<BenchResult>][] = [
  ['devtenant', devtenant],
  ['startup', startup],
  ['roundTrips', roundTrips],
  ['turnOverhead', turnOverhead],
  ['watcher', watcher],
  ['concurrency', concurrency],
];

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const started = Date.now();
  const results: BenchResult[] = [];
  let failed = 0;
  for (const [name, run] of BENCHES) {
    if (only.length && !only.includes(name)) continue;
    const t0 = Date.now();
    try {
      const result = await run();
      printResult(result);
      writeResult(result);
      results.push(result);
      console.log(`(${name}: ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    } catch (err) {
      failed++;
      console.error(`\n${name} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  printSummary(results);
  console.log(`\nall benches: ${((Date.now() - started) / 1000).toFixed(1)} s; results in bench/results/`);
  process.exit(failed > 0 ? 1 : 0);
}

main();
