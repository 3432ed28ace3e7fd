import {
  type BotAdapter,
  type Middleware,
  type Storage,
  TeamsSSOTokenExchangeMiddleware,
  type TurnContext,
} from 'botbuilder';
import type { Logger } from '../../services/log.js';
import { newSsoTurn, runWithSsoTurn } from './ssoContext.js';
import { userTokenPortFor } from './userTokens.js';

/** Opens the per-turn SSO state; the token itself is read lazily, only when a delegated call needs it. */
export class SsoTurnMiddleware implements Middleware {
  constructor(
    private readonly connectionName: string | undefined,
    private readonly log: Logger,
  ) {}

  async onTurn(turn: TurnContext, next: () => Promise<void>): Promise<void> {
    const tokens = this.connectionName ? userTokenPortFor(turn, this.connectionName) : undefined;
    const sso = newSsoTurn({ userId: turn.activity.from?.aadObjectId, tokens, log: this.log });
    await runWithSsoTurn(sso, next);
  }
}

export interface TeamsSsoOptions {
  /**
   * Shared storage with eTag semantics: TeamsSSOTokenExchangeMiddleware de-duplicates the `signin/tokenExchange`
   * that every signed-in Teams client sends by writing `{eTag: value.id}` to a new key; the second write must fail
   * with an "eTag conflict" error (BotStorage does exactly that).
   */
  storage: Storage;
  /** The Azure Bot OAuth connection (OAUTH_CONNECTION_NAME) whose Token Exchange URL is `api://botid-{appId}`. */
  connectionName?: string;
  log: Logger;
}

/** Entra mode only: the SSO token exchange (with de-duplication) and the per-turn SSO state. */
export function useTeamsSso(adapter: BotAdapter, opts: TeamsSsoOptions): void {
  if (opts.connectionName) {
    adapter.use(new TeamsSSOTokenExchangeMiddleware(opts.storage, opts.connectionName));
  } else {
    opts.log.warn('OAUTH_CONNECTION_NAME is not set: nobody can sign in, so no action can be taken for a user');
  }
  adapter.use(new SsoTurnMiddleware(opts.connectionName, opts.log));
}
