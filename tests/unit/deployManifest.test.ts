import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CALLBACK_PATH } from '../../bot/journeys/activation/stepUpRoutes.js';
import { LOCAL_APP_ROLES, LOCAL_DELEGATED_SCOPES } from '../../services/auth/localTokens.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');
/** The Agents Toolkit's `${{NAME}}` placeholder. */
const placeholder = (name: string) => `\${{${name}}}`;

const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
const TEAMS_CLIENTS = ['1fec8e78-bce4-4aaf-ab1b-5451cc387264', '5e3ce6c0-2b1f-4285-8d4b-75ee78787346'];

/**
 * Microsoft Graph permission ids, from microsoftgraph/microsoft-graph-devx-content permissions/new/provisioningInfo.json
 * (commit 6cbd6bb, 2026-08-07): `Scope` = delegated (DelegatedWork), `Role` = application. AuthenticationContext.Read.All
 * is listed there under SharePoint's resourceAppId (as Sites.Read.All is); its id is Graph's app role in the same
 * commit's permissions/permissions-descriptions.json.
 */
const GRAPH_PERMISSION_IDS: Record<'Scope' | 'Role', Record<string, string>> = {
  Scope: {
    'User.Read': 'e1fe6dd8-ba31-4d61-89e7-88639da4683d',
    'EntitlementMgmt-SubjectAccess.ReadWrite': 'e9fdcbbb-8807-410f-b9ec-8d5468c7c2ac',
    'EntitlementManagement.Read.All': '5449aa12-1393-4ea2-a7c7-d0e06c1a56b2',
    'EntitlementManagement.ReadWrite.All': 'ae7a573d-81d7-432b-ad44-4ed5c9d89038',
    'PrivilegedEligibilitySchedule.Read.AzureADGroup': '8f44f93d-ecef-46ae-a9bf-338508d44d6b',
    'PrivilegedAssignmentSchedule.Read.AzureADGroup': '02a32cc4-7ab5-4b58-879a-0586e0f7c495',
    'PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup': '06dbc45d-6708-4ef0-a797-f797ee68bf4b',
    'RoleManagementPolicy.Read.AzureADGroup': '7e26fdff-9cb1-4e56-bede-211fe0e420e8',
    'RoleEligibilitySchedule.Read.Directory': 'eb0788c2-6d4e-4658-8c9e-c0fb8053f03d',
    'RoleAssignmentSchedule.ReadWrite.Directory': '8c026be3-8e26-4774-9372-8d5d6f21daff',
    'RoleManagementPolicy.Read.Directory': '3de2cdbe-0ff5-47d5-bdee-7f45b4749ead',
  },
  Role: {
    'EntitlementManagement.Read.All': 'c74fd47d-ed3c-45c3-9a9e-b8676de685d2',
    'User.Read.All': 'df021288-bdef-4463-88db-98f22de89214',
    'GroupMember.Read.All': '98830695-27a2-44f7-8c18-0c3ebc9698f6',
    'PrivilegedEligibilitySchedule.Read.AzureADGroup': 'edb419d6-7edc-42a3-9345-509bfdf5d87c',
    'PrivilegedAssignmentSchedule.Read.AzureADGroup': 'cd4161cb-f098-48f8-a884-1eda9a42434c',
    'PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup': '41202f2c-f7ab-45be-b001-85c9728b9d69',
    'RoleManagementPolicy.Read.AzureADGroup': '69e67828-780e-47fd-b28c-7b27d14864e6',
    'TeamsAppInstallation.ReadWriteSelfForUser.All': '908de74d-f8b2-4d6b-a9ed-2a17b3b78179',
    'AppCatalog.Read.All': 'e12dae10-5a57-4817-b79d-dfbec5348930',
    'AuthenticationContext.Read.All': '381f742f-e1f8-4309-b4ab-e3d91ae4c5c1',
  },
};

interface AadManifest {
  id: string;
  appId: string;
  accessTokenAcceptedVersion: number;
  signInAudience: string;
  identifierUris: string[];
  oauth2Permissions: Array<{ id: string; value: string; type: string; isEnabled: boolean }>;
  preAuthorizedApplications: Array<{ appId: string; permissionIds: string[] }>;
  replyUrlsWithType: Array<{ url: string; type: string }>;
  requiredResourceAccess: Array<{ resourceAppId: string; resourceAccess: Array<{ id: string; type: string }> }>;
}

const aad = (): AadManifest => JSON.parse(read('aad.manifest.json'));

/** Permission names the manifest requests, by kind; an id that is not a known Graph permission fails the test. */
function manifestPermissions(manifest: AadManifest): { delegated: string[]; application: string[] } {
  const graph = manifest.requiredResourceAccess.filter((r) => r.resourceAppId === GRAPH_APP_ID);
  expect(graph).toHaveLength(1);
  const byKind = { delegated: [] as string[], application: [] as string[] };
  for (const access of graph[0].resourceAccess) {
    expect(['Scope', 'Role']).toContain(access.type);
    const kind = access.type as 'Scope' | 'Role';
    const name = Object.entries(GRAPH_PERMISSION_IDS[kind]).find(([, id]) => id === access.id)?.[0];
    expect(name, `${access.type} ${access.id} is not a Graph permission this test knows`).toBeDefined();
    byKind[kind === 'Scope' ? 'delegated' : 'application'].push(name as string);
  }
  return byKind;
}

/** The README's "Graph permissions per feature" table: backticked names per column ("same" = the delegated cell). */
function readmePermissions(readme: string): { delegated: string[]; application: string[] } {
  const section = readme.split('### Graph permissions per feature')[1]?.split('\n## ')[0] ?? '';
  const rows = section
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .slice(2)
    .map((line) => line.split('|').slice(1, -1));
  expect(rows.length).toBeGreaterThan(5);
  const names = (cell: string) => [...cell.matchAll(/`([A-Za-z-]+(?:\.[A-Za-z]+)+)`/g)].map((m) => m[1]);
  const delegated = new Set<string>();
  const application = new Set<string>();
  for (const [, delegatedCell, applicationCell] of rows) {
    for (const name of names(delegatedCell)) delegated.add(name);
    const appNames = applicationCell.trim().startsWith('same') ? names(delegatedCell) : names(applicationCell);
    for (const name of appNames) application.add(name);
  }
  return { delegated: [...delegated], application: [...application] };
}

const sorted = (names: Iterable<string>) => [...new Set(names)].sort();

/** A `.Read.` permission is covered when the code holds its `.ReadWrite.` sibling (Graph accepts either for reads). */
const coveredBy = (granted: readonly string[]) => (name: string) =>
  granted.includes(name) || granted.includes(name.replace('.Read.', '.ReadWrite.'));

function sourceFiles(directory: string): string[] {
  return readdirSync(join(ROOT, directory)).flatMap((entry) => {
    const path = join(directory, entry);
    if (statSync(join(ROOT, path)).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

describe('aad.manifest.json (the Entra app registration the Agents Toolkit applies)', () => {
  it('exposes api://botid-{bot id} with access_as_user, pre-authorised for the Teams clients, v2 tokens', () => {
    const manifest = aad();
    expect(manifest.identifierUris).toEqual([`api://botid-${placeholder('BOT_ID')}`]);
    expect(manifest.accessTokenAcceptedVersion).toBe(2);
    expect(manifest.signInAudience).toBe('AzureADMyOrg');
    expect(manifest.appId).toBe(placeholder('AAD_APP_CLIENT_ID'));
    expect(manifest.id).toBe(placeholder('AAD_APP_OBJECT_ID'));
    const [scope] = manifest.oauth2Permissions;
    expect(manifest.oauth2Permissions).toHaveLength(1);
    expect(scope).toMatchObject({ value: 'access_as_user', type: 'User', isEnabled: true });
    expect(manifest.preAuthorizedApplications).toEqual(
      TEAMS_CLIENTS.map((appId) => ({ appId, permissionIds: [scope.id] })),
    );
  });

  it('redirects to the Bot Framework token service and to the step-up callback the bot serves', () => {
    const urls = aad().replyUrlsWithType;
    expect(urls).toEqual([
      { url: 'https://token.botframework.com/.auth/web/redirect', type: 'Web' },
      { url: `https://${placeholder('BOT_DOMAIN')}${CALLBACK_PATH}`, type: 'Web' },
    ]);
  });

  it('requests every permission of the README table and nothing else, delegated and application', () => {
    const fromManifest = manifestPermissions(aad());
    const fromReadme = readmePermissions(read('README.md'));
    expect(sorted(fromManifest.delegated)).toEqual(sorted(fromReadme.delegated));
    expect(sorted(fromManifest.application)).toEqual(sorted(fromReadme.application));
    expect(fromManifest.delegated.length + fromManifest.application.length).toBe(
      new Set([...fromManifest.delegated.map((n) => `d:${n}`), ...fromManifest.application.map((n) => `a:${n}`)]).size,
    );
  });

  it('agrees with the scopes the code asks for: each one requested, none requested that the code does not use', () => {
    const { delegated, application } = manifestPermissions(aad());
    expect(LOCAL_DELEGATED_SCOPES.filter((s) => !delegated.includes(s))).toEqual([]);
    expect(LOCAL_APP_ROLES.filter((s) => !application.includes(s))).toEqual([]);
    expect(delegated.filter((s) => !coveredBy(LOCAL_DELEGATED_SCOPES)(s))).toEqual([]);
    expect(application.filter((s) => !coveredBy(LOCAL_APP_ROLES)(s))).toEqual([]);
  });

  it('covers every Graph permission name written as a string anywhere in bot/ and services/', () => {
    const { delegated, application } = manifestPermissions(aad());
    const requested = new Set([...delegated, ...application]);
    const permissionLiteral =
      /['"`]((?:User|Group|GroupMember|EntitlementManagement|EntitlementMgmt-SubjectAccess|Privileged\w+|RoleManagement\w*|TeamsAppInstallation|AppCatalog|AuthenticationContext)\.(?:Read|ReadWrite|ReadWriteSelfForUser|ReadWriteForUser|ReadBasic)(?:\.\w+)?)['"`]/g;
    const found = new Map<string, string>();
    for (const file of [...sourceFiles('bot'), ...sourceFiles('services')]) {
      for (const match of read(file).matchAll(permissionLiteral)) found.set(match[1], file);
    }
    expect(found.size).toBeGreaterThan(5);
    const missing = [...found].filter(([name]) => !requested.has(name)).map(([name, file]) => `${name} (${file})`);
    expect(missing).toEqual([]);
  });
});

interface Step {
  stage: string;
  uses: string;
  text: string;
}

function steps(yml: string): Step[] {
  const out: Step[] = [];
  for (const stage of yml.split(/^(?=(?:provision|deploy|publish):)/m).slice(1)) {
    const stageName = stage.slice(0, stage.indexOf(':'));
    for (const chunk of stage.split(/^(?= {2}- uses: )/m).slice(1)) {
      out.push({ stage: stageName, uses: /- uses: (\S+)/.exec(chunk)?.[1] ?? '', text: chunk });
    }
  }
  return out;
}

/** `key: NAME` lines under the step's writeToEnvironmentFile. */
function writes(step: Step): string[] {
  const block = step.text.split(/^ {4}writeToEnvironmentFile:\n/m)[1];
  if (!block) return [];
  return [...block.matchAll(/^ {6}\w+: ([A-Z][A-Z0-9_]*)\s*$/gm)].map((m) => m[1]);
}

const placeholders = (text: string) =>
  [...text.replace(/^\s*#.*$/gm, '').matchAll(/\$\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g)].map((m) => m[1]);

interface EnvFile {
  /** Names with a value or to be filled in by the person provisioning. */
  given: string[];
  /** Names an action writes, keyed by the action named in their "# Written by <stage>: <action>" header. */
  writtenBy: Map<string, string[]>;
  values: Map<string, string>;
}

function envFile(file: string): EnvFile {
  const env: EnvFile = { given: [], writtenBy: new Map(), values: new Map() };
  let writer: string | undefined;
  for (const line of read(file).split('\n')) {
    const header = /^# Written by \w+: (\S+)/.exec(line);
    if (header) writer = header[1];
    else if (line.startsWith('#') || !line.trim()) {
      if (!line.trim()) writer = undefined;
    } else {
      const [name, ...value] = line.split('=');
      env.values.set(name, value.join('='));
      if (writer) env.writtenBy.set(writer, [...(env.writtenBy.get(writer) ?? []), name]);
      else env.given.push(name);
    }
  }
  return env;
}

const INFRA_FILES = ['./infra/azure.bicep', './infra/azure.parameters.json'];
/** The infrastructure comes from its own part of the work; until it is in the tree its files are not checked. */

/** Files each action fills placeholders of, besides its own yml text. */
const READS_FILES: Record<string, string[]> = {
  'aadApp/update': ['aad.manifest.json'],
  'teamsApp/zipAppPackage': ['appPackage/manifest.json'],
  'teamsApp/validateManifest': ['appPackage/manifest.json'],
  'arm/deploy': ['infra/azure.parameters.json'],
};
const OUTPUT_KEYS = new Set(['outputFilePath', 'outputZipPath', 'outputFolder', 'target', 'artifactFolder']);

describe.each([
  ['m365agents.yml', 'env/.env.dev'],
  ['m365agents.local.yml', 'env/.env.local'],
])('%s', (ymlFile, envName) => {
  const yml = read(ymlFile);

  it('uses the templates’ yml version and schema', () => {
    expect(yml.split('\n')[0]).toBe(
      '# yaml-language-server: $schema=https://aka.ms/m365-agents-toolkits/v1.11/yaml.schema.json',
    );
    expect(yml).toMatch(/^version: v1\.11$/m);
  });

  it('refers only to files that exist (the ones it writes aside)', () => {
    const referenced = [...yml.matchAll(/^\s+(?:- )?(\w+): (\.\/\S+)\s*$/gm)]
      .filter(([, key]) => !OUTPUT_KEYS.has(key))
      .map(([, , path]) => path.replace(/\$\{\{TEAMSFX_ENV\}\}/g, 'x'));
    expect(referenced.length).toBeGreaterThan(0);
    const builtByEarlierSteps = (path: string) => path.startsWith('./appPackage/build/');
    const toCheck = referenced.filter((p) => !builtByEarlierSteps(p) && !INFRA_FILES.includes(p));
    expect(toCheck.filter((path) => !existsSync(join(ROOT, path)))).toEqual([]);
    // The package a step validates or uploads is the zip an earlier zipAppPackage step wrote.
    const zips = steps(yml).filter((s) => s.uses === 'teamsApp/zipAppPackage');
    for (const step of steps(yml).filter((s) => /appPackagePath:/.test(s.text))) {
      const path = /appPackagePath: (\S+)/.exec(step.text)?.[1];
      expect(zips.some((zip) => zip.text.includes(`outputZipPath: ${path}`))).toBe(true);
    }
  });

  it('uses only names that the env file gives or that an earlier step has written', () => {
    const env = envFile(envName);
    const available = new Set([...env.given, 'TEAMSFX_ENV']);
    const problems: string[] = [];
    for (const step of steps(yml)) {
      const files = READS_FILES[step.uses] ?? [];
      const used = [...placeholders(step.text), ...files.flatMap((file) => placeholders(read(file)))];
      for (const name of used) {
        if (
          !available.has(name) &&
          !(step.uses === 'aadApp/update' && name === 'AAD_APP_ACCESS_AS_USER_PERMISSION_ID')
        ) {
          problems.push(`${step.stage} ${step.uses} uses ${name} before anything sets it`);
        }
      }
      for (const name of [...writes(step), ...(env.writtenBy.get(step.uses) ?? [])]) available.add(name);
    }
    expect(problems).toEqual([]);
  });

  it('names every value it writes in the env file, and the env file holds no secret', () => {
    const env = envFile(envName);
    const written = steps(yml).flatMap(writes);
    const declared = new Set([...env.given, ...[...env.writtenBy.values()].flat()]);
    expect(written.filter((name) => !name.startsWith('SECRET_') && !declared.has(name))).toEqual([]);
    expect([...env.values.keys()].filter((name) => name.startsWith('SECRET_'))).toEqual([]);
    const withValue = [...env.values].filter(([, value]) => value !== '').map(([name]) => name);
    expect(withValue.sort()).toEqual(['APP_NAME_SUFFIX', 'OAUTH_CONNECTION_NAME', 'TEAMSFX_ENV']);
  });
});

describe('Agents Toolkit files around the yml', () => {
  it('keeps the secrets files and generated configuration out of git', () => {
    const ignored = (path: string) => {
      try {
        execFileSync('git', ['check-ignore', '-q', '--no-index', path], { cwd: ROOT });
        return true;
      } catch {
        return false;
      }
    };
    expect(ignored('env/.env.dev.user')).toBe(true);
    expect(ignored('env/.env.local.user')).toBe(true);
    expect(ignored('.localConfigs')).toBe(true);
    expect(ignored('env/.env.dev')).toBe(false);
  });

  it('zip-deploys the folder pack:deploy stages, after running it', () => {
    const deploy = steps(read('m365agents.yml')).filter((step) => step.stage === 'deploy');
    const zipAt = deploy.findIndex((step) => step.uses === 'azureAppService/zipDeploy');
    expect(zipAt).toBeGreaterThan(0);
    expect(deploy[zipAt].text).toMatch(/^ {6}artifactFolder: \.\/build\/deploy$/m);
    const packAt = deploy.findIndex((step) => /args: run pack:deploy$/m.test(step.text));
    expect(packAt).toBeGreaterThanOrEqual(0);
    expect(packAt).toBeLessThan(zipAt);
    expect(read('.gitignore').split('\n')).toContain('build/');
  });

  it('deploys the infrastructure files it names, whose outputs env/.env.dev lists (infra/)', () => {
    for (const path of INFRA_FILES) expect(existsSync(join(ROOT, path)), path).toBe(true);
    expect(JSON.parse(read('package.json')).scripts['pack:deploy']).toBeDefined();
    const outputs = [...read('infra/azure.bicep').matchAll(/^output (\w+) /gm)].map((m) => m[1]);
    const env = envFile('env/.env.dev');
    const declared = [...env.given, ...(env.writtenBy.get('arm/deploy') ?? [])];
    expect(outputs.length).toBeGreaterThan(3);
    expect(outputs.filter((name) => !declared.includes(name))).toEqual([]);
  });
});
