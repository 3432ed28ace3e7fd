/**
 * Copies the screenshots the browser tests take of each journey's main card (tests/e2e/artifacts/<name>-light.png
 * from the Playground, <name>-dark.png drawn with the Teams dark host config) into docs/screenshots/, which the
 * README shows. Take them first with `npx vitest run tests/e2e/themes.e2e.test.ts`.
 * Run: npm run screenshots
 */
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const ARTIFACTS = join(ROOT, 'tests/e2e/artifacts');
export const SCREENSHOTS = join(ROOT, 'docs/screenshots');

/** The cards the README shows, as the browser tests (tests/e2e/*.e2e.test.ts) name them. */
export const README_CARDS = [
  'welcome',
  'search-results',
  'request-pending',
  'approval',
  'activation',
  'outcome-denied-by-megan',
  'outcome-cancel-confirm',
  'outcome-stage1-approved',
  'activation-deactivate-confirm',
  'activation-list-active',
  'activation-list-cancel-confirm',
  'roles-active',
  'approvals-summary-after-decision',
  'catalog-you-have-this',
  'navigation-welcome-stays',
] as const;
export const THEMES = ['light', 'dark'] as const;

/** Copies `<name>-<theme>.png` of every card; copies nothing when one is missing, and says which. */
export function copyScreenshots(from: string, to: string, names: readonly string[] = README_CARDS): string[] {
  const files = names.flatMap((name) => THEMES.map((theme) => `${name}-${theme}.png`));
  const missing = files.filter((file) => !existsSync(join(from, file)));
  if (missing.length > 0) {
    throw new Error(`Missing in ${from}: ${missing.join(', ')}. Take them with: npx vitest run tests/e2e`);
  }
  mkdirSync(to, { recursive: true });
  for (const file of files) copyFileSync(join(from, file), join(to, file));
  return files;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    const copied = copyScreenshots(ARTIFACTS, SCREENSHOTS);
    console.log(`Copied ${copied.length} screenshots to docs/screenshots/.`);
  } catch (err) {
    console.error((err as Error).message);
    process.exitCode = 1;
  }
}
