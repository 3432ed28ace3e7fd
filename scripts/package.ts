/**
 * Builds the Teams app package: fills the `${{NAME}}` placeholders of appPackage/manifest.json from the environment,
 * validates the result against the bundled Teams manifest schema (offline), checks the icon sizes and zips
 * manifest.json + color.png + outline.png into appPackage/build/appPackage.zip.
 *
 *   BOT_ID=<guid> BOT_DOMAIN=<host> [TEAMS_APP_ID=<guid>] [AAD_APP_CLIENT_ID=<guid>] npm run package [-- --out <file.zip>]
 *
 * BOT_DOMAIN defaults to the host of BOT_ENDPOINT; TEAMS_APP_ID defaults to DEFAULT_TEAMS_APP_ID. AAD_APP_CLIENT_ID is
 * the Entra app that Teams SSO issues tokens for (webApplicationInfo.id): the Agents Toolkit project (m365agents.yml)
 * creates it apart from the bot's managed identity; by hand the bot's own app registration is that app, so it
 * defaults to BOT_ID. The Toolkit's teamsApp/zipAppPackage fills the same manifest from env/.env.<env>.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type AppManifest, AppManifestUtils } from '@microsoft/app-manifest';
import JSZip from 'jszip';

export const APP_PACKAGE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'appPackage');
export const DEFAULT_OUT_FILE = join(APP_PACKAGE_DIR, 'build', 'appPackage.zip');
/** Used when TEAMS_APP_ID is not set, so every build of this app has the same Teams identity. */
export const DEFAULT_TEAMS_APP_ID = '66b651c5-0173-4b07-811c-3ae25b5172f7';
export const ICON_SIZES: Readonly<Record<string, number>> = { 'color.png': 192, 'outline.png': 32 };

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HOST_NAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;
const PLACEHOLDER = /\$\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g;

/** A problem the person running the script can fix; shown without a stack trace. */
export class PackageError extends Error {
  override name = 'PackageError';
}

export interface PackageSettings {
  BOT_ID: string;
  BOT_DOMAIN: string;
  TEAMS_APP_ID: string;
  AAD_APP_CLIENT_ID: string;
}

type Env = Readonly<Record<string, string | undefined>>;

export function settingsFromEnv(env: Env): PackageSettings {
  const bot = botId(env);
  return {
    BOT_ID: bot,
    BOT_DOMAIN: botDomain(env),
    TEAMS_APP_ID: teamsAppId(env),
    AAD_APP_CLIENT_ID: ssoAppId(env, bot),
  };
}

function botId(env: Env): string {
  const value = env.BOT_ID?.trim();
  if (!value) {
    throw new PackageError('BOT_ID is not set: set it to the Microsoft App ID (a GUID) of the bot registration.');
  }
  if (!GUID.test(value)) throw new PackageError(`BOT_ID must be a GUID, got ${quote(value)}.`);
  return value.toLowerCase();
}

function teamsAppId(env: Env): string {
  const value = env.TEAMS_APP_ID?.trim();
  if (!value) return DEFAULT_TEAMS_APP_ID;
  if (!GUID.test(value)) throw new PackageError(`TEAMS_APP_ID must be a GUID when set, got ${quote(value)}.`);
  return value.toLowerCase();
}

function ssoAppId(env: Env, bot: string): string {
  const value = env.AAD_APP_CLIENT_ID?.trim();
  if (!value) return bot;
  if (!GUID.test(value)) throw new PackageError(`AAD_APP_CLIENT_ID must be a GUID when set, got ${quote(value)}.`);
  return value.toLowerCase();
}

function botDomain(env: Env): string {
  const domain = env.BOT_DOMAIN?.trim();
  if (domain) {
    if (!HOST_NAME.test(domain)) {
      throw new PackageError(
        `BOT_DOMAIN must be a host name such as bot.contoso.com (no https://, port or path), got ${quote(domain)}.`,
      );
    }
    return domain.toLowerCase();
  }
  const endpoint = env.BOT_ENDPOINT?.trim();
  if (!endpoint) {
    throw new PackageError(
      'BOT_DOMAIN is not set and there is no BOT_ENDPOINT to take it from: set BOT_DOMAIN to the host name ' +
        'where Teams reaches the bot (for example mybot.azurewebsites.net).',
    );
  }
  return hostOf(endpoint);
}

function hostOf(endpoint: string): string {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new PackageError(
      `BOT_ENDPOINT must be a URL such as https://mybot.azurewebsites.net, got ${quote(endpoint)}.`,
    );
  }
  if (!HOST_NAME.test(url.hostname)) {
    throw new PackageError(`BOT_ENDPOINT ${quote(endpoint)} has no host name that can go into validDomains.`);
  }
  return url.hostname.toLowerCase();
}

/** Replaces `${{NAME}}` in every string of the manifest; a placeholder without a value is an error naming it. */
export function fillPlaceholders(template: unknown, values: Readonly<Record<string, string>>): unknown {
  if (typeof template === 'string') {
    return template.replace(PLACEHOLDER, (_match, name: string) => {
      const value = values[name];
      if (value === undefined) throw new PackageError(`manifest.json uses \${{${name}}}, which has no value.`);
      return value;
    });
  }
  if (Array.isArray(template)) return template.map((item) => fillPlaceholders(item, values));
  if (typeof template === 'object' && template !== null) {
    return Object.fromEntries(Object.entries(template).map(([k, v]) => [k, fillPlaceholders(v, values)]));
  }
  return template;
}

/** Schema problems, empty when the manifest is valid. Uses the schema bundled with @microsoft/app-manifest. */
export async function validateManifest(manifest: unknown): Promise<string[]> {
  return AppManifestUtils.validateAgainstSchema(manifest as AppManifest);
}

/** Width and height from a PNG's IHDR chunk, or undefined when the bytes are not a PNG. */
export function pngSize(png: Uint8Array): { width: number; height: number } | undefined {
  const bytes = Buffer.from(png);
  const isPng =
    bytes.length >= 24 && bytes.readUInt32BE(0) === 0x89504e47 && bytes.toString('ascii', 12, 16) === 'IHDR';
  return isPng ? { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) } : undefined;
}

async function readIcon(directory: string, name: string): Promise<Buffer> {
  const png = await readFile(join(directory, name)).catch(() => {
    throw new PackageError(`${name} is missing in ${directory}: run npx tsx scripts/drawIcons.ts.`);
  });
  const size = pngSize(png);
  const expected = ICON_SIZES[name];
  if (!size || size.width !== expected || size.height !== expected) {
    const actual = size ? `${size.width}x${size.height}` : 'not a PNG';
    throw new PackageError(`${name} must be a ${expected}x${expected} PNG (it is ${actual}).`);
  }
  return png;
}

async function readManifestTemplate(directory: string): Promise<unknown> {
  const text = await readFile(join(directory, 'manifest.json'), 'utf8');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new PackageError(`appPackage/manifest.json is not valid JSON: ${(err as Error).message}`);
  }
}

export interface BuildOptions {
  env: Env;
  appPackageDir?: string;
  outFile?: string;
}

export async function buildAppPackage(options: BuildOptions): Promise<string> {
  const directory = options.appPackageDir ?? APP_PACKAGE_DIR;
  const outFile = resolve(options.outFile ?? DEFAULT_OUT_FILE);
  const settings = settingsFromEnv(options.env);
  const manifest = fillPlaceholders(await readManifestTemplate(directory), { ...settings });
  const problems = await validateManifest(manifest);
  if (problems.length > 0) {
    throw new PackageError(`manifest.json does not match the Teams schema:\n  ${problems.join('\n  ')}`);
  }
  const zip = new JSZip();
  zip.file('manifest.json', `${JSON.stringify(manifest, null, 2)}\n`);
  for (const name of Object.keys(ICON_SIZES)) zip.file(name, await readIcon(directory, name));
  await mkdir(dirname(outFile), { recursive: true });
  await writeFile(outFile, await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' }));
  return outFile;
}

function quote(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
}

function outFileFromArgs(args: readonly string[]): string | undefined {
  const at = args.indexOf('--out');
  if (at === -1) return undefined;
  const file = args[at + 1];
  if (!file || file.startsWith('--')) throw new PackageError('--out needs a file path, e.g. --out build/app.zip');
  return file;
}

async function main(): Promise<void> {
  try {
    const zipPath = await buildAppPackage({ env: process.env, outFile: outFileFromArgs(process.argv.slice(2)) });
    console.log(zipPath);
  } catch (err) {
    if (!(err instanceof PackageError)) throw err;
    console.error(`Cannot build the Teams app package. ${err.message}`);
    process.exitCode = 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
