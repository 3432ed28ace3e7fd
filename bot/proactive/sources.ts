import { journeys } from '../journeys/index.js';
import type { BotServices } from '../services.js';
import type { WatchSource } from './types.js';

/**
 * Every journey's watch sources (new approvals, tracked requests, expiring activations, …), in the order each tick
 * runs them. Each reads what changed with the app-only Graph (`app.graph.forApp()`, batched and paged) and turns it
 * into cards through `app.proactive` (notifyOnce for new cards, registry.refreshAll for changed ones).
 */
export function watchSources(app: BotServices): WatchSource[] {
  return journeys.flatMap((journey) => journey.watchSources?.(app) ?? []);
}
