/**
 * Offline checks of the Bicep in infra/ (there is no Bicep compiler here): every parameter is supplied, every setting
 * the bot needs in entra mode is in the Web App's appSettings (and no secret is), and the outputs carry the env
 * names the Agents Toolkit project uses.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readAppCredentialSettings } from '../../services/auth/credentials.js';
import { loadConfig } from '../../services/config.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const infra = join(root, 'infra');
const read = (path: string) => readFileSync(path, 'utf8');

interface BicepParam {
  name: string;
  hasDefault: boolean;
}

/** `param name type [= default]` at the start of a line; decorators and comments are on lines of their own. */
function bicepParams(source: string): BicepParam[] {
  return [...source.matchAll(/^param\s+(\w+)\s+[\w.]+(\s*=.*)?$/gm)].map((m) => ({
    name: m[1],
    hasDefault: Boolean(m[2]),
  }));
}

function bicepOutputs(source: string): string[] {
  return [...source.matchAll(/^output\s+(\w+)\s/gm)].map((m) => m[1]);
}

/** The text between the `{` at `open` and its matching `}`. */
function block(source: string, open: number): string {
  let depth = 0;
  for (let i = open; i < source.length; i++) {
    if (source[i] === '{') depth++;
    if (source[i] === '}' && --depth === 0) return source.slice(open + 1, i);
  }
  throw new Error(`unbalanced braces from offset ${open}`);
}

interface ModuleUse {
  path: string;
  params: string[];
}

/** Each `module x './path.bicep' = { ... params: { a: ..., b: ... } }` with the names it passes. */
function bicepModules(source: string): ModuleUse[] {
  return [...source.matchAll(/^module\s+\w+\s+'([^']+)'\s*=\s*\{/gm)].map((m) => {
    const body = block(source, (m.index ?? 0) + m[0].length - 1);
    const paramsAt = body.search(/\bparams:\s*\{/);
    const params = paramsAt === -1 ? '' : block(body, body.indexOf('{', paramsAt));
    return { path: m[1], params: [...params.matchAll(/^\s*(\w+)\s*:/gm)].map((p) => p[1]) };
  });
}

/** `{ name: 'X', value: <expression> }` entries of the Web App's appSettings. */
function appSettings(source: string): Map<string, string> {
  const at = source.search(/appSettings:\s*\[/);
  expect(at, 'azure.bicep has siteConfig.appSettings').toBeGreaterThan(-1);
  const list = source.slice(at, source.indexOf('\n      ]', at));
  return new Map([...list.matchAll(/\{\s*name:\s*'([^']+)',?\s*value:\s*(.+?)\s*\}\s*$/gm)].map((m) => [m[1], m[2]]));
}

/** `var x = '...'` and `param x type = '...'`: the literal values a setting can refer to by name. */
function literals(source: string): Map<string, string> {
  const found = [...source.matchAll(/^(?:var\s+(\w+)|param\s+(\w+)\s+\w+)\s*=\s*'([^'$]*)'\s*$/gm)];
  return new Map(found.map((m) => [m[1] ?? m[2], m[3]]));
}

/** What a deployment would put in a setting: literals as written, resource properties as a plausible value. */
function deployedValue(expression: string, known: Map<string, string>): string {
  if (known.has(expression)) return known.get(expression) as string;
  if (/clientId|aadAppClientId|teamsAppId/.test(expression)) return '6d0f1a4e-3c8b-4f7e-9a2d-0b5c7e9f1a23';
  if (/tenantId/.test(expression)) return '72f988bf-86f1-41af-91ab-2d7cd011db47';
  if (/blobEndpoint/.test(expression)) return 'https://botabc123.blob.core.windows.net/';
  if (/connectionString/.test(expression)) return 'InstrumentationKey=00000000-0000-0000-0000-000000000000';
  const text = /^'(.*)'$/.exec(expression);
  if (!text) throw new Error(`no deployed value known for the setting expression ${expression}`);
  return text[1].replace(/\$\{(\w+)\}/g, (_m, name: string) => known.get(name) ?? 'botabc123');
}

/** Set by the Agents Toolkit itself (aka.ms/teamsfx-v5.0-guide), not by this project. */
const TOOLKIT_BUILT_INS = ['AZURE_SUBSCRIPTION_ID', 'AZURE_RESOURCE_GROUP_NAME', 'TEAMSFX_ENV', 'APP_NAME_SUFFIX'];

const envNames = (file: string): string[] =>
  existsSync(file) ? [...read(file).matchAll(/^([A-Za-z_][A-Za-z0-9_]*)=/gm)].map((m) => m[1]) : [];
const placeholders = (text: string): string[] => [...text.matchAll(/\$\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1]);

const main = read(join(infra, 'azure.bicep'));
const parameters = JSON.parse(read(join(infra, 'azure.parameters.json'))).parameters as Record<string, unknown>;
const settings = appSettings(main);
const known = literals(main);
// Parameters the parameters file sets: its literal, or a stand-in for a ${{NAME}} the Toolkit fills at provision.
for (const [name, entry] of Object.entries(parameters)) {
  const value = String((entry as { value: unknown }).value);
  const standIn = /ClientId$/.test(name) ? '0000bbbb-0000-4000-8000-000000000002' : `sample-${name.toLowerCase()}`;
  known.set(name, value.includes('${{') ? standIn : value);
}
const deployedEnv = Object.fromEntries([...settings].map(([name, expr]) => [name, deployedValue(expr, known)]));

describe('infra/azure.bicep parameters', () => {
  it('has every parameter without a default supplied by azure.parameters.json', () => {
    const required = bicepParams(main).filter((p) => !p.hasDefault);
    expect(required.length).toBeGreaterThan(0);
    for (const param of required) expect(parameters, `param ${param.name}`).toHaveProperty(param.name);
  });

  it('supplies nothing the template does not declare', () => {
    const declared = new Set(bicepParams(main).map((p) => p.name));
    for (const name of Object.keys(parameters)) expect(declared, `parameters file sets ${name}`).toContain(name);
  });

  it('passes every module the parameters it requires, and only ones it declares', () => {
    const files = [join(infra, 'azure.bicep')];
    for (const file of files) {
      for (const use of bicepModules(read(file))) {
        const modulePath = join(dirname(file), use.path);
        expect(existsSync(modulePath), `${use.path} exists`).toBe(true);
        const declared = bicepParams(read(modulePath));
        for (const p of declared.filter((d) => !d.hasDefault))
          expect(use.params, `${use.path}: ${p.name}`).toContain(p.name);
        const names = new Set(declared.map((d) => d.name));
        for (const passed of use.params) expect(names, `${use.path} declares ${passed}`).toContain(passed);
      }
    }
  });

  it('keeps two or more instances a parameter away', () => {
    expect(bicepParams(main).map((p) => p.name)).toContain('instanceCount');
    expect(main).toMatch(/capacity:\s*instanceCount/);
  });
});

describe('infra/azure.bicep Web App settings', () => {
  it('sets everything services/config.ts requires in entra mode', () => {
    const config = loadConfig(deployedEnv);
    expect(config.authMode).toBe('entra');
    expect(config.appType).toBe('UserAssignedMSI');
    expect(config.host).toBe('0.0.0.0');
    expect(config.publicUrl).toMatch(/^https:\/\//);
    expect(config.storage).toMatch(/^azureblob:/);
    expect(config.azureStorageAccountUrl).toMatch(/^https:\/\//);
    expect(config.oauthConnectionName).toBeTruthy();
  });

  it('listens on the port the platform routes to', () => {
    expect(deployedEnv.PORT).toBe(deployedEnv.WEBSITES_PORT);
    expect(loadConfig(deployedEnv).port).toBe(Number(deployedEnv.WEBSITES_PORT));
  });

  it('gives the bot its managed identity as the app credential', () => {
    expect(readAppCredentialSettings(deployedEnv, deployedEnv.MicrosoftAppType)).toEqual({
      kind: 'managedIdentity',
      managedIdentityClientId: deployedEnv.MicrosoftAppId,
    });
    expect(settings.get('MicrosoftAppId')).toBe(settings.get('MANAGED_IDENTITY_CLIENT_ID'));
  });

  it('carries both ids: the identity as MicrosoftAppId, the Entra app (from m365agents.yml) as AAD_APP_CLIENT_ID', () => {
    expect(settings.get('MicrosoftAppId')).toBe('identity.properties.clientId');
    expect(settings.get('AAD_APP_CLIENT_ID')).toBe('aadAppClientId');
    const params = JSON.parse(read(join(infra, 'azure.parameters.json'))).parameters;
    expect(params.aadAppClientId.value).toBe(['${{', 'AAD_APP_CLIENT_ID', '}}'].join(''));
    expect(read(join(infra, '..', 'm365agents.yml'))).toMatch(/clientId: AAD_APP_CLIENT_ID/);
    const config = loadConfig(deployedEnv);
    expect(config.entraAppId).toBe(deployedEnv.AAD_APP_CLIENT_ID);
    expect(config.entraAppId).not.toBe(config.appId);
  });

  it('holds no secret: no password, no account key, no connection string for storage', () => {
    const forbidden = ['MicrosoftAppPassword', 'AZURE_STORAGE_CONNECTION_STRING', 'APP_CERTIFICATE_PATH'];
    for (const name of forbidden) expect(settings.has(name), name).toBe(false);
    for (const [name, expr] of settings) {
      expect(expr, name).not.toMatch(/listKeys|AccountKey=|secret/i);
    }
    expect(read(join(infra, 'modules', 'storage.bicep'))).toMatch(/allowSharedKeyAccess:\s*false/);
  });

  it('marks every secret parameter @secure so the deployment never shows or logs it', () => {
    for (const file of [join(infra, 'azure.bicep'), join(infra, 'botRegistration', 'azurebot.bicep')]) {
      const source = read(file);
      for (const m of source.matchAll(/^param\s+(\w*(?:Secret|Password)\w*)\s/gim)) {
        const before = source.slice(0, m.index).trimEnd().split('\n');
        expect(before.slice(-2).join('\n'), `${m[1]} in ${file}`).toContain('@secure()');
      }
    }
  });

  it('sends Application Insights its connection string', () => {
    expect(settings.get('APPLICATIONINSIGHTS_CONNECTION_STRING')).toMatch(/monitoring\.outputs\.connectionString/);
  });

  it('runs the built bot on Node 20 behind a health check, HTTPS only, TLS 1.2, always on', () => {
    expect(main).toMatch(/linuxFxVersion:\s*'NODE\|20-lts'/);
    expect(main).toMatch(/appCommandLine:\s*'node dist\/bot\.mjs'/);
    expect(main).toMatch(/healthCheckPath:\s*'\/healthz'/);
    expect(main).toMatch(/httpsOnly:\s*true/);
    expect(main).toMatch(/minTlsVersion:\s*'1\.2'/);
    expect(main).toMatch(/alwaysOn:\s*true/);
  });
});

describe('infra/azure.bicep outputs', () => {
  const outputs = bicepOutputs(main);
  const envFile = join(root, 'env', '.env.dev');
  const ymlFile = join(root, 'm365agents.yml');

  it('names what m365agents.yml and npm run package read', () => {
    for (const name of ['BOT_ID', 'BOT_DOMAIN', 'BOT_AZURE_APP_SERVICE_RESOURCE_ID']) expect(outputs).toContain(name);
  });

  // What arm/deploy does not write must come from somewhere else: the env file, another action, or the Toolkit.
  it('provides every placeholder m365agents.yml uses that nothing else writes', () => {
    const yml = read(ymlFile);
    const provided = new Set([
      ...outputs,
      ...TOOLKIT_BUILT_INS,
      ...envNames(envFile),
      ...[...yml.matchAll(/^\s+\w+:\s*([A-Z][A-Z0-9_]*)\s*$/gm)].map((m) => m[1]), // writeToEnvironmentFile values
    ]);
    for (const name of placeholders(yml)) expect(provided, `\${{${name}}} in m365agents.yml`).toContain(name);
  });

  it('fills its parameter placeholders from names the Toolkit project provides', () => {
    const yml = read(ymlFile);
    const known = new Set([...TOOLKIT_BUILT_INS, ...envNames(envFile), ...placeholders(yml)]);
    for (const m of yml.matchAll(/^\s+\w+:\s*([A-Z][A-Z0-9_]*)\s*$/gm)) known.add(m[1]);
    for (const name of placeholders(JSON.stringify(parameters))) expect(known, `\${{${name}}}`).toContain(name);
  });
});
