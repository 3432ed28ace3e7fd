import { type AdaptiveCardInvokeResponse, CardFactory, MessageFactory, type TurnContext } from 'botbuilder';
import { errorCard } from '../../cards/errorCard.js';
import { SignInRequiredError } from '../../services/auth/tokens.js';
import { sendCard } from '../cardSender.js';
import { cardReply, invalidAuthCodeReply, loginRequestReply, preconditionFailedReply } from '../invokeResponse.js';
import { currentSsoTurn, pinToken, reasonOf, type SsoTurn } from './ssoContext.js';

export const SIGN_IN_TEXT = 'Sign in to Access Bot so it can act for you.';
export const SIGNED_IN_TEXT = "You're signed in. Send your request again and I'll take it from there.";
export const SIGN_IN_FAILED_TEXT = 'That sign-in did not work. Send your request again to get a new sign-in button.';
/** The wording Teams knows from botbuilder's own exchange middleware; a 412 makes Teams fall back to the button. */
export const EXCHANGE_FAILED_TEXT = 'The bot is unable to exchange token. Proceed with regular login.';

const MAX_SSO_TOKEN_CHARS = 16_384;
const MAX_MAGIC_CODE_CHARS = 64;

/**
 * Runs an `adaptiveCard/action` handler inside the Universal Actions sign-in flow (entra mode; in local mode it just
 * runs the handler). A token the invoke carries is taken first: `authentication.token` is exchanged (412 when that
 * fails), `state` is redeemed as a magic code (invalidAuthCode when it is wrong). When the handler needed a sign-in the
 * user does not have, the reply is a 401 loginRequest, so Teams signs the user in and sends the same action again.
 */
export async function withCardSignIn(
  turn: TurnContext,
  run: () => Promise<AdaptiveCardInvokeResponse>,
): Promise<AdaptiveCardInvokeResponse> {
  const sso = currentSsoTurn();
  if (!sso) return run();
  const refusal = await acceptInvokeCredentials(sso, turn.activity.value);
  if (refusal) return refusal;
  try {
    const reply = await run();
    return sso.signInNeeded ? await loginRequest(sso) : reply;
  } catch (err) {
    if (isSignInFor(err, sso)) return loginRequest(sso);
    throw err;
  }
}

/** Runs a message command; when it needed a sign-in the user does not have, sends an OAuth card (Teams tries SSO). */
export async function withMessageSignIn(turn: TurnContext, run: () => Promise<void>): Promise<void> {
  const sso = currentSsoTurn();
  if (!sso) return run();
  try {
    await run();
  } catch (err) {
    if (!isSignInFor(err, sso)) throw err;
    sso.signInNeeded = true;
  }
  if (sso.signInNeeded) await sendSignInCard(turn, sso);
}

/** `signin/tokenExchange`, after TeamsSSOTokenExchangeMiddleware exchanged it (and let only one client through). */
export async function confirmTokenExchange(turn: TurnContext): Promise<void> {
  const sso = currentSsoTurn();
  if (!sso?.tokens) return;
  await turn.sendActivity(MessageFactory.text(SIGNED_IN_TEXT));
}

/** `signin/verifyState`: the user finished the sign-in page; `state` is the magic code the token service gave them. */
export async function completeSignInWithCode(turn: TurnContext, state: unknown): Promise<void> {
  const sso = currentSsoTurn();
  if (!sso?.tokens) return;
  const code = typeof state === 'string' ? state.trim() : '';
  let token: string | undefined;
  if (code && code.length <= MAX_MAGIC_CODE_CHARS) {
    token = await sso.tokens.getToken(code).catch((err: unknown) => {
      sso.log.warn({ reason: reasonOf(err) }, 'redeeming a sign-in code failed');
      return undefined;
    });
  }
  await turn.sendActivity(MessageFactory.text(token ? SIGNED_IN_TEXT : SIGN_IN_FAILED_TEXT));
}

async function acceptInvokeCredentials(sso: SsoTurn, value: unknown): Promise<AdaptiveCardInvokeResponse | undefined> {
  const { authentication, state } = (isObject(value) ? value : {}) as { authentication?: unknown; state?: unknown };
  if (authentication !== undefined && authentication !== null) return exchangeCardToken(sso, authentication);
  if (state !== undefined && state !== null) return redeemCardCode(sso, state);
  return undefined;
}

async function exchangeCardToken(
  sso: SsoTurn,
  authentication: unknown,
): Promise<AdaptiveCardInvokeResponse | undefined> {
  if (!sso.tokens) return cardReply(notConfiguredCard());
  const token = isObject(authentication) ? authentication.token : undefined;
  if (typeof token !== 'string' || !token || token.length > MAX_SSO_TOKEN_CHARS) {
    return preconditionFailedReply(EXCHANGE_FAILED_TEXT);
  }
  const exchanged = await sso.tokens.exchange(token).catch((err: unknown) => {
    sso.log.info({ reason: reasonOf(err) }, 'SSO token exchange failed');
    return undefined;
  });
  if (!exchanged) return preconditionFailedReply(EXCHANGE_FAILED_TEXT);
  pinToken(sso, exchanged);
  return undefined;
}

async function redeemCardCode(sso: SsoTurn, state: unknown): Promise<AdaptiveCardInvokeResponse | undefined> {
  if (!sso.tokens) return cardReply(notConfiguredCard());
  const code = typeof state === 'string' ? state.trim() : '';
  if (!code || code.length > MAX_MAGIC_CODE_CHARS) return invalidAuthCodeReply();
  const token = await sso.tokens.getToken(code);
  if (!token) return invalidAuthCodeReply();
  pinToken(sso, token);
  return undefined;
}

async function loginRequest(sso: SsoTurn): Promise<AdaptiveCardInvokeResponse> {
  if (!sso.tokens) return cardReply(notConfiguredCard());
  try {
    const resource = await sso.tokens.signInResource();
    if (!resource.signInLink) throw new Error('the token service returned no sign-in link');
    return loginRequestReply({
      text: SIGN_IN_TEXT,
      connectionName: sso.tokens.connectionName,
      tokenExchangeResource: {
        id: resource.tokenExchangeResource?.id ?? '',
        uri: resource.tokenExchangeResource?.uri ?? '',
      },
      buttons: [{ type: 'signin', title: 'Sign in', value: resource.signInLink }],
    });
  } catch (err) {
    sso.log.warn({ reason: reasonOf(err) }, 'could not get a sign-in link');
    return cardReply(signInUnavailableCard());
  }
}

async function sendSignInCard(turn: TurnContext, sso: SsoTurn): Promise<void> {
  if (!sso.tokens) {
    await sendCard(turn, notConfiguredCard());
    return;
  }
  let card: ReturnType<typeof CardFactory.oauthCard>;
  try {
    const resource = await sso.tokens.signInResource();
    if (!resource.signInLink) throw new Error('the token service returned no sign-in link');
    card = CardFactory.oauthCard(
      sso.tokens.connectionName,
      'Sign in',
      SIGN_IN_TEXT,
      resource.signInLink,
      resource.tokenExchangeResource,
    );
  } catch (err) {
    sso.log.warn({ reason: reasonOf(err) }, 'could not get a sign-in link');
    await sendCard(turn, signInUnavailableCard());
    return;
  }
  await turn.sendActivity(MessageFactory.attachment(card));
}

/** Only the sender's own missing sign-in asks them to sign in; missing consent is for an admin, not a sign-in. */
function isSignInFor(err: unknown, sso: SsoTurn): boolean {
  return (
    err instanceof SignInRequiredError &&
    err.reason !== 'consentRequired' &&
    sso.userId !== undefined &&
    err.user?.aadObjectId?.toLowerCase() === sso.userId
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function notConfiguredCard() {
  return errorCard({
    title: 'Sign-in is not set up',
    message: 'Access Bot has no sign-in connection, so it cannot act for you.',
    nextStep: 'Tell your IT admin: the bot needs OAUTH_CONNECTION_NAME (its Azure Bot OAuth connection).',
  });
}

function signInUnavailableCard() {
  return errorCard({
    title: 'I could not start the sign-in',
    message: 'The Microsoft sign-in service did not answer. Nothing was changed.',
    nextStep: 'Try again in a minute.',
  });
}
