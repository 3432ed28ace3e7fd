import { type BenchResult, type Figure, meets, type Target } from './results.js';
import { round } from './stats.js';

/** Plain-text tables for the terminal: figure, value, target and whether it is met. */

export function formatTarget(target: Target | undefined, unit: string): string {
  if (!target) return '';
  const sign = target.kind === 'max' ? '≤' : target.kind === 'min' ? '≥' : '=';
  return `${sign} ${round(target.value)}${unit ? ` ${unit}` : ''}`;
}

function formatValue(figure: Figure): string {
  if (figure.value === null) return 'n/a';
  return `${round(figure.value)}${figure.unit ? ` ${figure.unit}` : ''}`;
}

function verdict(figure: Figure): string {
  const ok = meets(figure);
  return ok === undefined ? '' : ok ? 'ok' : 'MISSED';
}

export function renderTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (c ?? '').padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function figureRows(result: BenchResult, withBench = false): string[][] {
  return result.figures.map((f) => [
    ...(withBench ? [result.name] : []),
    f.name,
    formatValue(f),
    formatTarget(f.target, f.unit),
    verdict(f),
    f.note ?? '',
  ]);
}

export function printResult(result: BenchResult): void {
  console.log(`\n${result.name}: ${result.method}`);
  console.log(renderTable(['figure', 'value', 'target', '', 'note'], figureRows(result)));
}

export function printSummary(results: BenchResult[]): void {
  console.log('\nSummary');
  console.log(
    renderTable(
      ['bench', 'figure', 'value', 'target', '', 'note'],
      results.flatMap((r) => figureRows(r, true)),
    ),
  );
}
