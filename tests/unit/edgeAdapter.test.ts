import { type Activity, ConfigurationBotFrameworkAuthentication } from 'botbuilder';
import { describe, expect, it } from 'vitest';
import { EdgeAdapter, InboundAuthError } from '../../bot/http/edgeAdapter.js';

const activity = {
  type: 'message',
  text: 'help',
  channelId: 'msteams',
  serviceUrl: 'http://127.0.0.1:9/',
  conversation: { id: 'a:1' },
  from: { id: '29:x' },
  recipient: { id: '28:bot' },
} as unknown as Activity;

const adapterFor = (appId: string) =>
  new EdgeAdapter(
    new ConfigurationBotFrameworkAuthentication({
      MicrosoftAppId: appId,
      MicrosoftAppPassword: appId ? 'not-a-secret' : '',
      MicrosoftAppType: appId ? 'SingleTenant' : '',
      MicrosoftAppTenantId: appId ? 'c0a70500-0000-4000-8000-000000000001' : '',
    }),
  );

describe('EdgeAdapter tells a refused sender from a failure after authentication', () => {
  it('throws InboundAuthError when the activity carries no valid token (entra)', async () => {
    const run = async () => undefined;
    await expect(adapterFor('9a8b7c6d-0000-4000-8000-000000000001').processChecked('', activity, run)).rejects.toThrow(
      InboundAuthError,
    );
  });

  it('passes an error from middleware or the bot through as itself, not as an authentication failure', async () => {
    const adapter = adapterFor('');
    adapter.use(async () => {
      throw new Error('storage is down');
    });
    const failure = await adapter.processChecked('', activity, async () => undefined).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(Error);
    expect(failure).not.toBeInstanceOf(InboundAuthError);
    expect((failure as Error).message).toMatch(/storage is down/);
  });
});
