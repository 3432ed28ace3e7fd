import type { CardJson } from '../invokeResponse.js';
import type { CardRegistry, SubjectKey, TrackedCard } from './types.js';

/**
 * How one kind of tracked subject (`request:<id>`, `approval:<id>`, `activation:<id>`) is re-read and drawn.
 * Each journey registers its kinds; after any change (a click, a decision elsewhere noticed by the watcher)
 * `refreshSubject` brings every copy of that subject up to date, whoever's chat it is in.
 */
export interface SubjectKind {
  kind: string;
  /** Reads the current state (app-only reads) and returns a version fingerprint and a renderer per copy. */
  load(id: string): Promise<LoadedSubject | undefined>;
}

export interface LoadedSubject {
  version: string;
  render(copy: TrackedCard): CardJson | undefined;
}

export function subjectKey(kind: string, id: string): SubjectKey {
  return `${kind}:${id}`;
}

export function parseSubjectKey(subject: SubjectKey): { kind: string; id: string } | undefined {
  const at = subject.indexOf(':');
  if (at <= 0) return undefined;
  return { kind: subject.slice(0, at), id: subject.slice(at + 1) };
}

export class SubjectKinds {
  private readonly kinds = new Map<string, SubjectKind>();

  register(kind: SubjectKind): void {
    this.kinds.set(kind.kind, kind);
  }

  get(kind: string): SubjectKind | undefined {
    return this.kinds.get(kind);
  }
}

/**
 * Re-reads `subject` and updates every tracked copy whose version differs. `except` skips the copy the current invoke
 * already answers (its reply replaces that card for the clicker). Returns how many copies changed.
 */
export async function refreshSubject(
  kinds: SubjectKinds,
  registry: CardRegistry,
  subject: SubjectKey,
  except?: { userAadObjectId: string; activityId: string },
): Promise<number> {
  const parsed = parseSubjectKey(subject);
  const kind = parsed && kinds.get(parsed.kind);
  if (!parsed || !kind) return 0;
  const loaded = await kind.load(parsed.id);
  if (!loaded) return 0;
  return registry.refreshAll(subject, loaded.version, (copy) => loaded.render(copy), except);
}
