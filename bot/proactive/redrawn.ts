import type { CardRegistry, SubjectKey, TrackedCard } from './types.js';

/**
 * Runs `refresh` and returns the people whose copy of one of `subjects` it redrew (a copy whose version changed, or a
 * new one), so a change can be logged once with who saw it.
 */
export async function redrawnBy(
  registry: Pick<CardRegistry, 'copies'>,
  subjects: SubjectKey[],
  refresh: () => Promise<void>,
): Promise<string[]> {
  const before = await shown(registry, subjects);
  await refresh();
  const after = await shown(registry, subjects);
  const people = new Set<string>();
  for (const [copy, version] of after) {
    if (before.get(copy) !== version) people.add(JSON.parse(copy)[1]);
  }
  return [...people];
}

async function shown(registry: Pick<CardRegistry, 'copies'>, subjects: SubjectKey[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const subject of subjects) {
    const copies: TrackedCard[] = await registry.copies(subject).catch(() => []);
    for (const c of copies) out.set(JSON.stringify([subject, c.userAadObjectId, c.activityId]), c.version);
  }
  return out;
}
