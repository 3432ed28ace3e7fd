/**
 * Writes devtenant/metadata/v1.0.json: the part of the Microsoft Graph v1.0 CSDL the devtenant checks requests
 * against (the types the bot reads or writes, their base types, the complex and enum types their properties use).
 * Run: npm run metadata:extract -- <path to v1.0-Prod.csdl> --commit <msgraph-metadata commit> [--out <file>]
 * The CSDL comes from microsoftgraph/msgraph-metadata (schemas/v1.0-Prod.csdl); never commit the whole file.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Entity and complex types the devtenant serves or accepts in bodies (derived types included where named below). */
export const ROOT_TYPES = [
  'user',
  'group',
  'connectedOrganization',
  'accessPackageCatalog',
  'accessPackage',
  'accessPackageResource',
  'accessPackageResourceRole',
  'accessPackageResourceScope',
  'accessPackageResourceRoleScope',
  'accessPackageQuestion',
  'accessPackageAssignmentPolicy',
  'accessPackageSubject',
  'accessPackageAssignment',
  'accessPackageAssignmentRequest',
  'approval',
  'approvalStage',
  'privilegedAccessGroupEligibilityScheduleInstance',
  'privilegedAccessGroupEligibilitySchedule',
  'privilegedAccessGroupAssignmentScheduleInstance',
  'privilegedAccessGroupAssignmentSchedule',
  'privilegedAccessGroupAssignmentScheduleRequest',
  'unifiedRoleManagementPolicy',
  'unifiedRoleManagementPolicyAssignment',
  'unifiedRoleManagementPolicyRule',
  // Teams app catalog and per-user installations (the proactive installer and the doctor's catalog check).
  'appCatalogs',
  'teamsApp',
  'teamsAppDefinition',
  'userTeamwork',
  'userScopeTeamsAppInstallation',
  'chat',
  'authenticationContextClassReference',
  // PIM for Microsoft Entra roles (roleManagement/directory), kept together for easy merges.
  'unifiedRoleDefinition',
  'unifiedRoleEligibilityScheduleInstance',
  'unifiedRoleAssignmentScheduleInstance',
  'unifiedRoleEligibilitySchedule',
  'unifiedRoleAssignmentSchedule',
  'unifiedRoleAssignmentScheduleRequest',
  'administrativeUnit',
  'appScope',
];

/** Abstract bases whose derived types appear in bodies or `@odata.type` (question kinds, answers, rules, approvers). */
export const WITH_DERIVED = [
  'accessPackageQuestion',
  'accessPackageAnswer',
  'unifiedRoleManagementPolicyRule',
  'subjectSet',
];

export interface ExtractType {
  kind: 'entity' | 'complex';
  base?: string;
  abstract?: true;
  /** Structural properties: name → type (`Edm.String`, `graph name`, `Collection(...)`). */
  properties: Record<string, string>;
  navigations?: Record<string, string>;
}

export interface MetadataExtract {
  source: { repository: string; path: string; commit: string; sha256: string };
  types: Record<string, ExtractType>;
  enums: Record<string, string[]>;
}

interface CsdlType extends ExtractType {
  name: string;
}

const attr = (tag: string, name: string): string | undefined => new RegExp(`\\b${name}="([^"]*)"`).exec(tag)?.[1];

/** `graph.x` / `microsoft.graph.x` → `x`; `Collection(graph.x)` → `Collection(x)`; Edm types unchanged. */
const shortType = (type: string): string => type.replace(/\b(?:microsoft\.)?graph\./g, '');

const elementType = (type: string): string => /^Collection\((.*)\)$/.exec(type)?.[1] ?? type;

/** The `microsoft.graph` schema of the CSDL (other namespaces reuse names like `user`): every EntityType, ComplexType and EnumType (regular XML, no parser). */
export function parseCsdl(xml: string): { types: Map<string, CsdlType>; enums: Map<string, string[]> } {
  const types = new Map<string, CsdlType>();
  const enums = new Map<string, string[]>();
  const start = xml.search(/<Schema\b[^>]*\bNamespace="microsoft\.graph"/);
  if (start < 0) throw new Error('The CSDL has no microsoft.graph schema.');
  const end = xml.indexOf('</Schema>', start);
  const schema = xml.slice(start, end < 0 ? undefined : end);
  const block = /<(EntityType|ComplexType|EnumType)\b([^>]*?)(\/>|>([\s\S]*?)<\/\1>)/g;
  for (const m of schema.matchAll(block)) {
    const [, element, head, , inner = ''] = m;
    const name = attr(head, 'Name');
    if (!name) continue;
    if (element === 'EnumType') {
      enums.set(
        name,
        [...inner.matchAll(/<Member\b([^>]*)\/?>/g)].map((x) => attr(x[1], 'Name') ?? '').filter(Boolean),
      );
      continue;
    }
    const t: CsdlType = { name, kind: element === 'EntityType' ? 'entity' : 'complex', properties: {} };
    const base = attr(head, 'BaseType');
    if (base) t.base = shortType(base);
    if (attr(head, 'Abstract') === 'true') t.abstract = true;
    for (const p of inner.matchAll(/<(Property|NavigationProperty)\b([^>]*?)\/?>/g)) {
      const pName = attr(p[2], 'Name');
      const pType = attr(p[2], 'Type');
      if (!pName || !pType) continue;
      if (p[1] === 'Property') t.properties[pName] = shortType(pType);
      else {
        t.navigations ??= {};
        t.navigations[pName] = shortType(pType);
      }
    }
    types.set(name, t);
  }
  return { types, enums };
}

/** The roots, their bases, the named derived types, and the complex/enum types their structural properties use. */
export function extract(xml: string, source: MetadataExtract['source']): MetadataExtract {
  const { types, enums } = parseCsdl(xml);
  const wanted = new Set<string>();
  const usedEnums = new Set<string>();
  const queue: string[] = [];
  const add = (name: string) => {
    if (!wanted.has(name) && types.has(name)) {
      wanted.add(name);
      queue.push(name);
    }
  };
  for (const root of ROOT_TYPES) {
    if (!types.has(root)) throw new Error(`The CSDL has no type '${root}'.`);
    add(root);
  }
  const derivedRoots = new Set(WITH_DERIVED);
  const derivesFrom = (t: CsdlType, base: string): boolean => {
    for (let at: CsdlType | undefined = t; at; at = at.base ? types.get(at.base) : undefined) {
      if (at.base === base) return true;
    }
    return false;
  };
  while (queue.length > 0) {
    const t = types.get(queue.shift() as string) as CsdlType;
    if (t.base) add(t.base);
    for (const type of Object.values(t.properties)) {
      const inner = elementType(type);
      if (enums.has(inner)) usedEnums.add(inner);
      else if (types.get(inner)?.kind === 'complex') add(inner);
    }
    if (derivedRoots.has(t.name)) {
      for (const other of types.values()) if (derivesFrom(other, t.name)) add(other.name);
    }
  }
  const out: MetadataExtract = { source, types: {}, enums: {} };
  for (const name of [...wanted].sort()) {
    const { name: _name, ...t } = types.get(name) as CsdlType;
    out.types[name] = t;
  }
  for (const name of [...usedEnums].sort()) out.enums[name] = enums.get(name) ?? [];
  return out;
}

function usage(message: string): never {
  console.error(`metadata:extract: ${message}`);
  console.error('usage: npm run metadata:extract -- <path to v1.0-Prod.csdl> --commit <sha> [--out <file>]');
  process.exit(2);
}

function main(argv: string[]): void {
  const here = dirname(fileURLToPath(import.meta.url));
  let csdlPath: string | undefined;
  let commit: string | undefined;
  let out = join(here, '..', 'devtenant', 'metadata', 'v1.0.json');
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--commit') commit = argv[++i];
    else if (argv[i] === '--out') out = argv[++i];
    else if (!csdlPath) csdlPath = argv[i];
    else usage(`unexpected argument '${argv[i]}'`);
  }
  if (!csdlPath) usage('name the CSDL file');
  if (!commit || !/^[0-9a-f]{40}$/i.test(commit)) usage('--commit needs the 40-hex msgraph-metadata commit');
  const xml = readFileSync(csdlPath, 'utf8');
  const sha256 = createHash('sha256').update(xml).digest('hex');
  const result = extract(xml, {
    repository: 'microsoftgraph/msgraph-metadata',
    path: 'schemas/v1.0-Prod.csdl',
    commit: commit.toLowerCase(),
    sha256,
  });
  writeFileSync(out, `${JSON.stringify(result, null, 1)}\n`);
  console.log(
    `metadata:extract: ${Object.keys(result.types).length} types, ${Object.keys(result.enums).length} enums → ${out}`,
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main(process.argv.slice(2));
