import { readFileSync } from 'node:fs';
import { malformed } from './errors.js';

/**
 * The Graph v1.0 metadata the devtenant checks requests against: devtenant/metadata/v1.0.json, generated from
 * msgraph-metadata's schemas/v1.0-Prod.csdl by scripts/metadata-extract.ts (see devtenant/README.md).
 */

interface ExtractType {
  kind: 'entity' | 'complex';
  base?: string;
  abstract?: true;
  properties: Record<string, string>;
  navigations?: Record<string, string>;
}

interface Extract {
  source: { repository: string; path: string; commit: string; sha256: string };
  types: Record<string, ExtractType>;
  enums: Record<string, string[]>;
}

const extract = JSON.parse(readFileSync(new URL('./metadata/v1.0.json', import.meta.url), 'utf8')) as Extract;

export const METADATA_SOURCE = extract.source;

/**
 * Request-body-only names the service accepts although the v1.0 schema lacks them (the "Create
 * accessPackageAssignmentRequest" docs examples send them; GRAPH-API.md §3.7). Only in bodies, never in `$select`.
 */
const BODY_ONLY: Record<string, string[]> = {
  accessPackageAssignment: ['accessPackageId', 'assignmentPolicyId', 'targetId'],
};

export interface Member {
  kind: 'property' | 'navigation';
  /** As the metadata spells it. */
  name: string;
  /** `Edm.String`, `expirationPattern`, `Collection(subjectSet)`, ... */
  type: string;
}

const shortName = (typeName: string): string => typeName.replace(/^#?microsoft\.graph\./, '');
const qualified = (typeName: string): string => `microsoft.graph.${shortName(typeName)}`;
const elementType = (type: string): string => /^Collection\((.*)\)$/.exec(type)?.[1] ?? type;

const memberIndex = new Map<string, Map<string, Member>>();

/** Every property and navigation of a type and its bases, by lower-case name; undefined for a type not extracted. */
function membersOf(typeName: string): Map<string, Member> | undefined {
  const name = shortName(typeName);
  const cached = memberIndex.get(name);
  if (cached) return cached;
  if (!extract.types[name]) return undefined;
  const index = new Map<string, Member>();
  for (let t: ExtractType | undefined = extract.types[name]; t; t = t.base ? extract.types[t.base] : undefined) {
    for (const [n, type] of Object.entries(t.properties))
      index.set(n.toLowerCase(), { kind: 'property', name: n, type });
    for (const [n, type] of Object.entries(t.navigations ?? {}))
      index.set(n.toLowerCase(), { kind: 'navigation', name: n, type });
  }
  memberIndex.set(name, index);
  return index;
}

export const isExtractedType = (typeName: string): boolean => !!extract.types[shortName(typeName)];

/** The property or navigation `name` of `typeName` (case-insensitive, bases included), if the metadata has it. */
export function metadataMember(typeName: string, name: string): Member | undefined {
  return membersOf(typeName)?.get(name.toLowerCase());
}

/** A name a request body may carry: a metadata member or a documented body-only name. */
export function acceptedInBody(typeName: string, name: string): boolean {
  return !!metadataMember(typeName, name) || !!BODY_ONLY[shortName(typeName)]?.includes(name);
}

function derivesFrom(typeName: string, base: string): boolean {
  for (let at: string | undefined = shortName(typeName); at; at = extract.types[at]?.base) {
    if (at === shortName(base)) return true;
  }
  return false;
}

/**
 * Checks a request body against the metadata: every property name (nested objects and collections too), every enum
 * value and every `@odata.type`. Graph refuses a body with a name its type does not define.
 */
export function checkBody(typeName: string, body: unknown, at = ''): void {
  if (!body || typeof body !== 'object') return;
  if (Array.isArray(body)) {
    for (const [i, item] of body.entries()) checkBody(typeName, item, `${at}[${i}]`);
    return;
  }
  const record = body as Record<string, unknown>;
  let type = shortName(typeName);
  const declared = record['@odata.type'];
  if (typeof declared === 'string') {
    const derived = shortName(declared);
    if (!isExtractedType(derived) || !derivesFrom(derived, type)) {
      throw malformed(
        'body',
        `The type '${qualified(derived)}'${at ? ` at '${at}'` : ''} is not '${qualified(type)}' or a type derived from it.`,
      );
    }
    type = derived;
  }
  if (!isExtractedType(type)) return;
  for (const [key, value] of Object.entries(record)) {
    if (key.startsWith('@') || key.includes('@odata.')) continue;
    const member = metadataMember(type, key);
    const where = at ? `${at}/${key}` : key;
    if (!member && BODY_ONLY[type]?.includes(key)) continue;
    if (!member) {
      throw malformed(
        'body',
        `The property '${key}' does not exist on type '${qualified(type)}'. Make sure to only use property names that are defined by the type.`,
      );
    }
    checkValue(member, value, where);
  }
}

function checkValue(member: Member, value: unknown, where: string): void {
  if (value === null || value === undefined) return;
  const inner = elementType(member.type);
  const enumMembers = extract.enums[inner];
  if (enumMembers) {
    const values = Array.isArray(value) ? value : [value];
    for (const v of values) {
      const ok =
        typeof v === 'string' &&
        v.split(',').every((x) => enumMembers.some((m) => m.toLowerCase() === x.trim().toLowerCase()));
      if (!ok) {
        throw malformed(
          'enum',
          `Invalid value '${String(v)}' for property '${where}': it is not a member of '${qualified(inner)}' (${enumMembers.join(', ')}).`,
        );
      }
    }
    return;
  }
  if (isExtractedType(inner)) checkBody(inner, value, where);
}
