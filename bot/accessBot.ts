import {
  type InvokeResponse,
  type SigninStateVerificationQuery,
  TeamsActivityHandler,
  type TurnContext,
} from 'botbuilder';
import { errorCard } from '../cards/errorCard.js';
import { welcomeCard } from '../cards/welcomeCard.js';
import type { ActionTable } from './actions/registry.js';
import { completeSignInWithCode, confirmTokenExchange, withCardSignIn, withMessageSignIn } from './auth/index.js';
import { sendCard } from './cardSender.js';
import { type CommandTable, MAX_MESSAGE_CHARS, normaliseText } from './commands/table.js';
import { asHttp200, cardReply } from './invokeResponse.js';
import { READER_ZONE_KEY, timeZoneFromActivity } from './proactive/conversations.js';
import type { ActingUser, BotServices } from './services.js';

/** The invokes botbuilder answers for us (Teams SSO); every other name gets a 400 with the reason. */
const SIGN_IN_INVOKES: ReadonlySet<string> = new Set(['signin/verifyState', 'signin/tokenExchange']);

/** The Teams edge: turns activities into commands and card actions. Domain work lives in services/. */
export class AccessBot extends TeamsActivityHandler {
  constructor(
    private readonly app: BotServices,
    private readonly actions: ActionTable,
    private readonly commands: CommandTable,
  ) {
    super();
    this.onMessage(async (turn, next) => {
      await this.handleMessage(turn);
      await next();
    });
    this.onInstallationUpdateAdd(async (turn, next) => {
      await this.welcome(turn);
      await next();
    });
    this.onMembersAdded(async (turn, next) => {
      const botId = turn.activity.recipient?.id;
      if ((turn.activity.membersAdded ?? []).some((m) => m.id === botId)) await this.welcome(turn);
      await next();
    });
  }

  protected override async onInvokeActivity(turn: TurnContext): Promise<InvokeResponse> {
    const name = turn.activity.name;
    if (name === 'adaptiveCard/action') {
      const user = actingUser(turn);
      if (!user) return asHttp200(cardReply(unknownUserCard()));
      try {
        const run = () => this.actions.handle({ turn, user, app: this.app }, turn.activity.value);
        return asHttp200(await withCardSignIn(turn, run));
      } catch (err) {
        this.app.log.error({ err, verb: verbOf(turn.activity.value) }, 'card action failed');
        return asHttp200(cardReply(internalErrorCard()));
      }
    }
    if (name === 'signin/failure') {
      const value = (turn.activity.value ?? {}) as { code?: unknown };
      this.app.log.warn({ code: String(value.code ?? '').slice(0, 64) }, 'Teams reported a sign-in failure');
      return { status: 200 };
    }
    if (name && SIGN_IN_INVOKES.has(name)) {
      try {
        return await super.onInvokeActivity(turn);
      } catch (err) {
        this.app.log.warn({ err, invoke: name }, 'sign-in invoke could not be completed');
        return { status: 400, body: { error: `The ${name} invoke could not be completed; sign in again.` } };
      }
    }
    // Messaging extensions, task modules, tabs and the like are not part of this app (botbuilder would answer 501).
    const shown = typeof name === 'string' && name ? name.slice(0, 64) : '(no name)';
    return { status: 400, body: { error: `Access Bot does not handle "${shown}" invokes.` } };
  }

  protected override async handleTeamsSigninVerifyState(
    turn: TurnContext,
    query: SigninStateVerificationQuery,
  ): Promise<void> {
    await completeSignInWithCode(turn, query?.state);
  }

  protected override async handleTeamsSigninTokenExchange(turn: TurnContext): Promise<void> {
    await confirmTokenExchange(turn);
  }

  private async handleMessage(turn: TurnContext): Promise<void> {
    const user = actingUser(turn);
    if (!user) {
      await sendCard(turn, unknownUserCard());
      return;
    }
    const raw = typeof turn.activity.text === 'string' ? turn.activity.text : '';
    if (raw.length > MAX_MESSAGE_CHARS) {
      await sendCard(
        turn,
        errorCard({
          title: 'That message is too long',
          message: `It has ${raw.length.toLocaleString('en-US')} characters; I read at most ${MAX_MESSAGE_CHARS.toLocaleString('en-US')}.`,
          nextStep: 'Send a short request such as **request finance reports**, or type **help**.',
        }),
      );
      return;
    }
    const text = normaliseText(raw);
    const { command, args } = this.commands.resolve(text);
    await withMessageSignIn(turn, () => command.run({ turn, user, app: this.app }, args));
  }

  private async welcome(turn: TurnContext): Promise<void> {
    const key = `welcome/${turn.activity.conversation?.id ?? 'unknown'}`;
    const seen = await this.app.storage.read([key]);
    if (seen[key]) return;
    await this.app.storage.write({ [key]: { sentAt: this.app.clock.now().toISOString() } });
    const firstName = (turn.activity.from?.name ?? '').split(' ')[0] || undefined;
    await sendCard(turn, welcomeCard({ firstName }));
  }
}

export function actingUser(turn: TurnContext): ActingUser | undefined {
  const from = turn.activity.from;
  if (!from?.aadObjectId || !/^[0-9a-fA-F-]{36}$/.test(from.aadObjectId)) return undefined;
  const channelData = turn.activity.channelData as { tenant?: { id?: string } } | undefined;
  const timeZone = timeZoneFromActivity(turn.activity) ?? turn.turnState.get(READER_ZONE_KEY);
  return {
    aadObjectId: from.aadObjectId.toLowerCase(),
    tenantId: turn.activity.conversation?.tenantId ?? channelData?.tenant?.id,
    name: from.name,
    teamsId: from.id,
    ...(typeof timeZone === 'string' ? { timeZone } : {}),
  };
}

function verbOf(value: unknown): string | undefined {
  const verb = (value as { action?: { verb?: unknown } } | undefined)?.action?.verb;
  return typeof verb === 'string' ? verb.slice(0, 64) : undefined;
}

function unknownUserCard() {
  return errorCard({
    title: 'I could not tell who you are',
    message: 'This message did not carry a Microsoft Entra user id, so I cannot act for you.',
    nextStep: 'Open Access Bot from Microsoft Teams with your work account.',
  });
}

export function internalErrorCard() {
  return errorCard({
    title: 'Something went wrong on my side',
    message: 'Nothing was changed.',
    nextStep: 'Try again in a minute. If it keeps happening, tell your IT help desk.',
  });
}
