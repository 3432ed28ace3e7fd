import { type Activity, CloudAdapter, type InvokeResponse, type TurnContext } from 'botbuilder';

/** Authentication failed before any middleware or bot code ran (the sender could not be verified). */
export class InboundAuthError extends Error {
  override readonly name = 'InboundAuthError';
  constructor(override readonly cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

/**
 * CloudAdapter whose activity entry point the server can call with a body it has already read and checked.
 * `CloudAdapter.process` would answer auth failures itself (500 with the raw error, a stack trace on stderr).
 * Authentication runs first and on its own, so an error thrown later (middleware, storage) is never taken for a bad
 * token.
 */
export class EdgeAdapter extends CloudAdapter {
  async processChecked(
    authHeader: string,
    activity: Activity,
    logic: (turn: TurnContext) => Promise<void>,
  ): Promise<InvokeResponse | undefined> {
    let authenticated: Awaited<ReturnType<typeof this.botFrameworkAuthentication.authenticateRequest>>;
    try {
      authenticated = await this.botFrameworkAuthentication.authenticateRequest(activity, authHeader);
    } catch (err) {
      throw new InboundAuthError(err);
    }
    return this.processActivity(authenticated, activity, logic);
  }
}
