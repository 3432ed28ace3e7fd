import { journeys } from '../journeys/index.js';
import type { BotServices } from '../services.js';
import type { WatchSource } from './types.js';

/**
 * Every journey's watch sources (new approvals, tracked requests, expiring activations, …), in the order each tick
 * runs them: by their `order`, then as the journeys list them. Each reads what changed with the app-only Graph (`app.graph.forApp()`, batched and paged) and turns it
 * into cards through `app.proactive` (notifyOnce for new cards, registry.refreshAll for changed ones).
 */
export function watchSources(app: BotServices): WatchSource[] {
  const sources = journeys.flatMap((journey) => journey.watchSources?.(app) ?? []);
  return sources
    .map((source, i) => ({ source, i }))
    .sort((a, b) => (a.source.order ?? 0) - (b.source.order ?? 0) || a.i - b.i)
    .map(({ source }) => source);
}
