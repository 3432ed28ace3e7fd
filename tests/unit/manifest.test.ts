import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { inflateSync } from 'node:zlib';
import JSZip from 'jszip';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  APP_PACKAGE_DIR,
  buildAppPackage,
  fillPlaceholders,
  settingsFromEnv,
  validateManifest,
} from '../../scripts/package.js';

const SAMPLE = {
  BOT_ID: '0b8c7a2e-4f1d-4e33-9a5b-6c7d8e9f0a1b',
  BOT_DOMAIN: 'accessbot.contoso.com',
  TEAMS_APP_ID: 'a3f1c2d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
};
const REPO = join(APP_PACKAGE_DIR, '..');
const run = promisify(execFile);

interface Manifest {
  manifestVersion: string;
  id: string;
  bots: Array<{
    botId: string;
    scopes: string[];
    commandLists: Array<{ commands: Array<{ title: string; description: string }> }>;
  }>;
  webApplicationInfo: { id: string; resource: string };
  validDomains: string[];
}

async function sampleManifest(): Promise<Manifest> {
  const template = JSON.parse(await readFile(join(APP_PACKAGE_DIR, 'manifest.json'), 'utf8'));
  return fillPlaceholders(template, { ...settingsFromEnv(SAMPLE) }) as Manifest;
}

interface Png {
  width: number;
  height: number;
  rgba: Buffer;
}

/** A small, independent PNG reader (8-bit RGBA, non-interlaced, all five row filters) to inspect the icons. */
function decodePng(file: Buffer): Png {
  expect(file.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  let offset = 8;
  let header: Buffer | undefined;
  const idat: Buffer[] = [];
  while (offset < file.length) {
    const length = file.readUInt32BE(offset);
    const type = file.toString('ascii', offset + 4, offset + 8);
    const data = file.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') header = data;
    if (type === 'IDAT') idat.push(data);
    offset += 12 + length;
  }
  if (!header) throw new Error('no IHDR');
  const width = header.readUInt32BE(0);
  const height = header.readUInt32BE(4);
  expect([...header.subarray(8, 13)]).toEqual([8, 6, 0, 0, 0]);
  return { width, height, rgba: unfilter(inflateSync(Buffer.concat(idat)), width, height) };
}

function unfilter(raw: Buffer, width: number, height: number): Buffer {
  const stride = width * 4;
  const out = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    for (let x = 0; x < stride; x++) {
      const value = raw[y * (stride + 1) + 1 + x];
      const left = x >= 4 ? out[y * stride + x - 4] : 0;
      const up = y > 0 ? out[(y - 1) * stride + x] : 0;
      const upLeft = x >= 4 && y > 0 ? out[(y - 1) * stride + x - 4] : 0;
      const predictor = [0, left, up, (left + up) >> 1, paeth(left, up, upLeft)][filter];
      if (predictor === undefined) throw new Error(`unknown PNG filter ${filter}`);
      out[y * stride + x] = (value + predictor) & 0xff;
    }
  }
  return out;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)];
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

async function icon(name: string): Promise<Png> {
  return decodePng(await readFile(join(APP_PACKAGE_DIR, name)));
}

describe('Teams manifest', () => {
  it('validates against the bundled v1.23 schema with zero errors once placeholders are filled', async () => {
    const manifest = await sampleManifest();
    expect(manifest.manifestVersion).toBe('1.23');
    expect(await validateManifest(manifest)).toEqual([]);
  });

  it('would fail validation if a placeholder stayed unfilled (the check is real)', async () => {
    const template = JSON.parse(await readFile(join(APP_PACKAGE_DIR, 'manifest.json'), 'utf8'));
    const errors = await validateManifest(template);
    expect(errors.some((e) => e.includes('/bots/0/botId'))).toBe(true);
  });

  it('is a personal bot with the six commands', async () => {
    const [bot] = (await sampleManifest()).bots;
    expect(bot.botId).toBe(SAMPLE.BOT_ID);
    expect(bot.scopes).toEqual(['personal']);
    const commands = bot.commandLists.flatMap((list) => list.commands);
    expect(commands.map((c) => c.title)).toEqual([
      'help',
      'request',
      'my requests',
      'my access',
      'approvals',
      'activate',
    ]);
    for (const command of commands) expect(command.description.length).toBeGreaterThan(15);
  });

  it('declares SSO for the bot app and the domains Teams needs', async () => {
    const manifest = await sampleManifest();
    expect(manifest.id).toBe(SAMPLE.TEAMS_APP_ID);
    expect(manifest.webApplicationInfo).toEqual({ id: SAMPLE.BOT_ID, resource: `api://botid-${SAMPLE.BOT_ID}` });
    expect(manifest.validDomains).toEqual(expect.arrayContaining(['token.botframework.com', SAMPLE.BOT_DOMAIN]));
  });

  it('names the SSO app the Agents Toolkit creates apart from the bot identity (m365agents.yml)', async () => {
    const ssoApp = '7d2f9c1e-8a4b-4c6d-9e0f-1a2b3c4d5e6f';
    const template = JSON.parse(await readFile(join(APP_PACKAGE_DIR, 'manifest.json'), 'utf8'));
    const manifest = fillPlaceholders(template, {
      ...settingsFromEnv({ ...SAMPLE, AAD_APP_CLIENT_ID: ssoApp.toUpperCase() }),
    }) as Manifest;
    expect(manifest.webApplicationInfo).toEqual({ id: ssoApp, resource: `api://botid-${SAMPLE.BOT_ID}` });
    expect(manifest.bots[0].botId).toBe(SAMPLE.BOT_ID);
    expect(await validateManifest(manifest)).toEqual([]);
  });
});

describe('package settings', () => {
  it('takes BOT_DOMAIN from the host of BOT_ENDPOINT and defaults TEAMS_APP_ID', () => {
    const settings = settingsFromEnv({
      BOT_ID: SAMPLE.BOT_ID,
      BOT_ENDPOINT: 'https://abc123.devtunnels.ms:443/api/messages',
    });
    expect(settings.BOT_DOMAIN).toBe('abc123.devtunnels.ms');
    expect(settings.TEAMS_APP_ID).toMatch(/^[0-9a-f-]{36}$/);
  });

  it.each([
    [{}, /BOT_ID is not set/],
    [{ BOT_ID: 'my-bot' }, /BOT_ID must be a GUID/],
    [{ BOT_ID: SAMPLE.BOT_ID }, /BOT_DOMAIN is not set/],
    [{ BOT_ID: SAMPLE.BOT_ID, BOT_DOMAIN: 'https://bot.contoso.com/' }, /BOT_DOMAIN must be a host name/],
    [{ BOT_ID: SAMPLE.BOT_ID, BOT_ENDPOINT: 'not a url' }, /BOT_ENDPOINT must be a URL/],
    [{ BOT_ID: SAMPLE.BOT_ID, BOT_DOMAIN: 'b.contoso.com', TEAMS_APP_ID: '42' }, /TEAMS_APP_ID must be a GUID/],
    [
      { BOT_ID: SAMPLE.BOT_ID, BOT_DOMAIN: 'b.contoso.com', AAD_APP_CLIENT_ID: 'x' },
      /AAD_APP_CLIENT_ID must be a GUID/,
    ],
  ])('rejects %j with a message naming the setting', (env, message) => {
    expect(() => settingsFromEnv(env)).toThrow(message);
  });

  it('names a placeholder that has no value', () => {
    expect(() => fillPlaceholders({ a: [`x \${{NOPE}}`] }, {})).toThrow(/\$\{\{NOPE\}\}/);
  });
});

describe('icons', () => {
  it('has a 192x192 colour icon with a full-bleed opaque background and a white mark in the centre', async () => {
    const png = await icon('color.png');
    expect([png.width, png.height]).toEqual([192, 192]);
    const pixel = (x: number, y: number) => [...png.rgba.subarray((y * 192 + x) * 4, (y * 192 + x) * 4 + 4)];
    const notOpaque = [...Array(192 * 192).keys()].filter((i) => png.rgba[i * 4 + 3] !== 255);
    expect(notOpaque).toEqual([]);
    for (const [x, y] of [
      [0, 0],
      [191, 0],
      [0, 191],
      [191, 191],
      [20, 96],
    ]) {
      expect(pixel(x, y)).not.toEqual([255, 255, 255, 255]);
    }
    expect(pixel(60, 60)).toEqual([255, 255, 255, 255]);
    const whiteOutsideSafeArea: string[] = [];
    for (let y = 0; y < 192; y++) {
      for (let x = 0; x < 192; x++) {
        const outside = x < 36 || x >= 156 || y < 36 || y >= 156;
        if (
          outside &&
          pixel(x, y)
            .slice(0, 3)
            .every((c) => c > 200)
        )
          whiteOutsideSafeArea.push(`${x},${y}`);
      }
    }
    expect(whiteOutsideSafeArea).toEqual([]);
  });

  it('has a 32x32 outline icon drawn only in white on transparent', async () => {
    const png = await icon('outline.png');
    expect([png.width, png.height]).toEqual([32, 32]);
    let opaqueWhite = 0;
    let transparent = 0;
    const notWhite: number[] = [];
    for (let i = 0; i < 32 * 32; i++) {
      const [r, g, b, a] = png.rgba.subarray(i * 4, i * 4 + 4);
      if (a === 0) transparent++;
      else if (r !== 255 || g !== 255 || b !== 255) notWhite.push(i);
      if (a === 255) opaqueWhite++;
    }
    expect(notWhite).toEqual([]);
    expect(opaqueWhite).toBeGreaterThan(100);
    expect(transparent).toBeGreaterThan(300);
  });
});

describe('npm run package', () => {
  let workDir: string;

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'appPackage-'));
  });

  afterAll(async () => {
    await rm(workDir, { recursive: true, force: true });
  });

  it('writes a zip with the manifest and both icons at its root', async () => {
    const out = join(workDir, 'app.zip');
    const { stdout } = await run('npx', ['tsx', 'scripts/package.ts', '--out', out], {
      cwd: REPO,
      env: { ...process.env, BOT_ID: SAMPLE.BOT_ID, BOT_DOMAIN: SAMPLE.BOT_DOMAIN, TEAMS_APP_ID: '' },
    });
    expect(stdout.trim()).toBe(out);
    const zip = await JSZip.loadAsync(await readFile(out));
    expect(Object.keys(zip.files).sort()).toEqual(['color.png', 'manifest.json', 'outline.png']);
    const manifest = JSON.parse(await zip.file('manifest.json')!.async('string')) as Manifest;
    expect(manifest.bots[0].botId).toBe(SAMPLE.BOT_ID);
    expect(JSON.stringify(manifest)).not.toContain('${{');
    expect(await validateManifest(manifest)).toEqual([]);
  });

  it('exits non-zero and names BOT_ID when it is not a GUID', async () => {
    const out = join(workDir, 'bad.zip');
    const failure = await run('npx', ['tsx', 'scripts/package.ts', '--out', out], {
      cwd: REPO,
      env: { ...process.env, BOT_ID: 'not-a-guid', BOT_DOMAIN: SAMPLE.BOT_DOMAIN },
    }).then(
      () => undefined,
      (err: { code: number; stderr: string }) => err,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain('BOT_ID must be a GUID');
    await expect(readFile(out)).rejects.toThrow();
  });

  it('can be driven in-process too', async () => {
    const out = await buildAppPackage({ env: SAMPLE, outFile: join(workDir, 'inproc.zip') });
    const zip = await JSZip.loadAsync(await readFile(out));
    expect(Object.keys(zip.files)).toHaveLength(3);
  });
});
