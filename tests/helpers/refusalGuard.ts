import { afterAll, afterEach } from 'vitest';
import { describeRefusal, refusalRegistry } from '../../devtenant/refusals.js';

/**
 * Vitest setup file: a test fails when any devtenant in this process refused a request as malformed (a call Graph
 * would refuse) that the test did not declare with `devtenant.refusals.expect(...)`. afterAll catches the ones made
 * in hooks or by a bot process after the file's last test.
 */
function failOnUnexpectedRefusals(): void {
  const found = [...refusalRegistry()].flatMap((d) => d.refusals.takeUnexpected());
  if (found.length === 0) return;
  const lines = found.slice(0, 10).map((r) => `  ${describeRefusal(r)}`);
  if (found.length > 10) lines.push(`  … and ${found.length - 10} more`);
  throw new Error(
    `The devtenant refused ${found.length} request(s) as malformed (Graph would too):\n${lines.join('\n')}`,
  );
}

afterEach(failOnUnexpectedRefusals);
afterAll(failOnUnexpectedRefusals);
