import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { copyScreenshots } from '../../scripts/screenshots.js';

describe('npm run screenshots', () => {
  const dirs = () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'screenshots-'));
    const from = path.join(root, 'artifacts');
    mkdirSync(from);
    return { from, to: path.join(root, 'docs/screenshots') };
  };

  it('copies the light and dark screenshot of every chosen card, and only those', () => {
    const { from, to } = dirs();
    for (const file of ['welcome-light.png', 'welcome-dark.png', 'approval-light.png', 'approval-dark.png', 'x.png']) {
      writeFileSync(path.join(from, file), file);
    }
    expect(copyScreenshots(from, to, ['welcome', 'approval'])).toHaveLength(4);
    expect(readdirSync(to).sort()).toEqual([
      'approval-dark.png',
      'approval-light.png',
      'welcome-dark.png',
      'welcome-light.png',
    ]);
    expect(readFileSync(path.join(to, 'welcome-dark.png'), 'utf8')).toBe('welcome-dark.png');
  });

  it('names what is missing and how to take it, and copies nothing', () => {
    const { from, to } = dirs();
    writeFileSync(path.join(from, 'welcome-light.png'), 'x');
    expect(() => copyScreenshots(from, to, ['welcome'])).toThrow(
      /Missing in .*: welcome-dark\.png\. Take them with: npx vitest run tests\/e2e/,
    );
    expect(() => readdirSync(to)).toThrow();
  });
});
