import type { AddressInfo } from 'node:net';
import {
  ActivityHandler,
  type AdaptiveCardInvokeResponse,
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
} from 'botbuilder';
import restify from 'restify';
import { MAX_BODY_BYTES } from '../../bot/server.js';
import { serveControl } from './child.js';
import { isMain } from './main.js';

/**
 * The baseline for the turn-overhead bench: a bare botbuilder bot on the same stack as the Access Bot (restify with the
 * same body parser, CloudAdapter without credentials as in local mode). It echoes text and answers an
 * `adaptiveCard/action` invoke with a one-line card, doing no storage and no Graph calls.
 */

class EchoBot extends ActivityHandler {
  constructor() {
    super();
    this.onMessage(async (context, next) => {
      await context.sendActivity(`echo: ${context.activity.text ?? ''}`);
      await next();
    });
  }

  protected override async onAdaptiveCardInvoke(): Promise<AdaptiveCardInvokeResponse> {
    return {
      statusCode: 200,
      type: 'application/vnd.microsoft.card.adaptive',
      value: {
        type: 'AdaptiveCard',
        $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
        version: '1.5',
        body: [{ type: 'TextBlock', text: 'echo', wrap: true }],
      },
    };
  }
}

export interface RunningEchoBot {
  url: string;
  close(): Promise<void>;
}

export async function startEchoBot(port = 0): Promise<RunningEchoBot> {
  const adapter = new CloudAdapter(
    new ConfigurationBotFrameworkAuthentication({ MicrosoftAppId: '', MicrosoftAppPassword: '', MicrosoftAppType: '' }),
  );
  const bot = new EchoBot();
  const server = restify.createServer({ name: 'echo-bot', handleUncaughtExceptions: false });
  server.use(restify.plugins.queryParser({ mapParams: false }));
  server.use(restify.plugins.bodyParser({ maxBodySize: MAX_BODY_BYTES, mapParams: false, rejectUnknown: false }));
  server.post('/api/messages', async (req, res) => {
    await adapter.process(req, res, (turn) => bot.run(turn));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

if (isMain(import.meta.url)) {
  const echo = await startEchoBot();
  serveControl(echo.url, () => echo.close());
}
