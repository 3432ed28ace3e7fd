import type { AuthenticationContextClassReference } from '@microsoft/microsoft-graph-types';
import type { Clock } from '../clock.js';
import type { GraphFacade } from '../graph/client.js';
import { GraphRequestError } from '../graph/errors.js';
import type { Logger } from '../log.js';
import type { EligibleRole, RoleList } from '../model/pim.js';

/**
 * Names of the tenant's Conditional Access authentication contexts (v1.0 authenticationContextClassReference), so a
 * card says "Privileged access" where the policy says `c1`. Read with the app's token (AuthenticationContext.Read.All),
 * all of them in one request, kept a few minutes; without them (refused, failed, slow) cards show the id.
 */

/** `GET` (version-relative); Graph documents only `$filter` on it, so the bot sends no options. */
export const AUTH_CONTEXTS_PATH = '/identity/conditionalAccess/authenticationContextClassReferences';

export const NAMES_TTL_MS = 5 * 60_000;
/** A refused or failed read is not repeated for every card: once a minute at most. */
export const FAILED_TTL_MS = 60_000;
/** How long a card waits for the names before it shows the ids (the read goes on and serves the next card). */
export const NAMES_WAIT_MS = 2_000;

/** Lower-case id → display name. */
export type ContextNames = ReadonlyMap<string, string>;

export async function readContextNames(facade: GraphFacade): Promise<Map<string, string>> {
  const contexts = await facade.list<AuthenticationContextClassReference>(AUTH_CONTEXTS_PATH);
  const names = new Map<string, string>();
  for (const c of contexts) {
    const name = c.displayName?.trim();
    if (c.id && name) names.set(c.id.toLowerCase(), name);
  }
  return names;
}

interface Entry {
  at: number;
  ttl: number;
  names: ContextNames;
}

const NONE: ContextNames = new Map();

export class AuthContextNames {
  private entry?: Entry;
  private reading?: Promise<ContextNames>;

  constructor(
    private readonly read: () => Promise<Map<string, string>>,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly waitMs = NAMES_WAIT_MS,
  ) {}

  /** The names from the last few minutes, or one read now (shared by everyone asking meanwhile); never rejects. */
  names(): Promise<ContextNames> {
    const now = this.clock.now().getTime();
    if (this.entry && now - this.entry.at < this.entry.ttl) return Promise.resolve(this.entry.names);
    this.reading ??= this.read()
      .then((names): ContextNames => {
        this.entry = { at: this.clock.now().getTime(), ttl: NAMES_TTL_MS, names };
        return names;
      })
      .catch((err: unknown): ContextNames => {
        const status = err instanceof GraphRequestError ? err.status : undefined;
        this.log.warn({ status }, 'could not read the authentication context names; cards show their ids');
        this.entry = { at: this.clock.now().getTime(), ttl: FAILED_TTL_MS, names: NONE };
        return NONE;
      })
      .finally(() => {
        this.reading = undefined;
      });
    return this.reading;
  }

  /** The names, or none when they do not come within the wait. */
  async namesWithin(pending: Promise<ContextNames> = this.names()): Promise<ContextNames> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<ContextNames>((resolve) => {
      timer = setTimeout(() => resolve(NONE), this.waitMs);
    });
    try {
      return await Promise.race([pending, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  async nameOf(id: string | undefined): Promise<string | undefined> {
    if (!id) return undefined;
    return (await this.namesWithin()).get(id.toLowerCase());
  }
}

/** The roles with each policy's context name, where the names have it. */
export function withContextNames(list: RoleList<EligibleRole>, names: ContextNames): RoleList<EligibleRole> {
  if (names.size === 0) return list;
  const roles = list.roles.map((role) => {
    const id = role.policy?.authenticationContext;
    const name = id ? names.get(id.toLowerCase()) : undefined;
    return name && role.policy ? { ...role, policy: { ...role.policy, authenticationContextName: name } } : role;
  });
  return { ...list, roles };
}

export function needsContextNames(list: RoleList<EligibleRole>): boolean {
  return list.roles.some((r) => !!r.policy?.authenticationContext);
}
