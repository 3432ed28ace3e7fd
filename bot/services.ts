import type { Storage } from 'botbuilder';
import type { Clock } from '../services/clock.js';
import type { BotConfig } from '../services/config.js';
import type { Logger } from '../services/log.js';

/** The person behind an activity, as Teams identifies them. */
export interface ActingUser {
  aadObjectId: string;
  tenantId?: string;
  name?: string;
  /** Teams user id (29:…), used for card refresh user lists. */
  teamsId: string;
}

/** Everything handlers need, built once at start and injected (tests swap parts). */
export interface BotServices {
  config: BotConfig;
  log: Logger;
  clock: Clock;
  storage: Storage;
}
