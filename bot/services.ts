import type { TokenProvider } from '../services/auth/tokens.js';
import type { Clock } from '../services/clock.js';
import type { BotConfig } from '../services/config.js';
import type { Graph } from '../services/graph/client.js';
import type { Logger } from '../services/log.js';
import type { BotStorage } from '../services/storage/index.js';
import type { ProactiveServices } from './proactive/index.js';
import type { SubjectKinds } from './proactive/subjects.js';

/** The person behind an activity, as Teams identifies them. */
export interface ActingUser {
  aadObjectId: string;
  tenantId?: string;
  name?: string;
  /** Teams user id (29:…), used for card refresh user lists. */
  teamsId: string;
  /** The person's IANA time zone when Teams sent it (now or on an earlier message); cards/time.ts uses it. */
  timeZone?: string;
}

/** Everything handlers need, built once at start and injected (tests swap parts). */
export interface BotServices {
  config: BotConfig;
  log: Logger;
  clock: Clock;
  storage: BotStorage;
  tokens: TokenProvider;
  /** Graph as the acting user (`forUser`, every write) or as the app (`forApp`, reads only). */
  graph: Graph;
  /** Kinds of tracked cards (request, approval, activation), registered by the journeys at start. */
  subjects: SubjectKinds;
  /** Cards outside a turn: send/update (messenger), keep every copy current (registry), exactly-once (notifier). */
  proactive: ProactiveServices;
}
