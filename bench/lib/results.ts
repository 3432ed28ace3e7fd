import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What every bench returns: its figures (each with its target when the issue names one) and raw details. */

export interface Target {
  /** `max`: the figure must be at most `value`; `min`: at least; `equal`: exactly. */
  kind: 'max' | 'min' | 'equal';
  value: number;
}

export interface Figure {
  name: string;
  value: number | null;
  unit: string;
  target?: Target;
  /** Why there is no value, or what the figure means exactly when the name alone could mislead. */
  note?: string;
}

export interface BenchResult {
  name: string;
  /** One line on how it was measured. */
  method: string;
  figures: Figure[];
  details?: unknown;
}

export const RESULTS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'results');

export function meets(figure: Figure): boolean | undefined {
  if (!figure.target) return undefined;
  if (figure.value === null || !Number.isFinite(figure.value)) return false;
  const { kind, value } = figure.target;
  if (kind === 'max') return figure.value <= value;
  if (kind === 'min') return figure.value >= value;
  return figure.value === value;
}

export function writeResult(result: BenchResult): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `${result.name}.json`);
  const stamped = {
    ...result,
    figures: result.figures.map((f) => ({ ...f, ...(f.target ? { meetsTarget: meets(f) } : {}) })),
    node: process.version,
    cpus: cpus().length,
    // Other work on the machine shows in every wall-clock figure; the 1-minute load average says how much there was.
    loadAverage1m: Math.round(loadavg()[0] * 100) / 100,
    date: new Date().toISOString(),
  };
  writeFileSync(file, `${JSON.stringify(stamped, null, 2)}\n`);
  return file;
}
