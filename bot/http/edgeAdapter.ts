import { type Activity, CloudAdapter, type InvokeResponse, type TurnContext } from 'botbuilder';

/**
 * CloudAdapter whose activity entry point the server can call with a body it has already read and checked.
 * `CloudAdapter.process` would answer auth failures itself (500 with the raw error, a stack trace on stderr).
 */
export class EdgeAdapter extends CloudAdapter {
  processChecked(
    authHeader: string,
    activity: Activity,
    logic: (turn: TurnContext) => Promise<void>,
  ): Promise<InvokeResponse | undefined> {
    return this.processActivity(authHeader, activity, logic);
  }
}
