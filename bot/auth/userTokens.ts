import type { Activity, SignInUrlResponse, TokenExchangeRequest, TokenResponse, TurnContext } from 'botbuilder';

/** The Bot Framework token service, bound to one turn's user, channel and OAuth connection. */
export interface UserTokenPort {
  readonly connectionName: string;
  /** The user's cached token for the connection, or the one a magic code unlocks; undefined when there is none. */
  getToken(magicCode?: string): Promise<string | undefined>;
  /** Exchanges a Teams SSO token for the connection's token; undefined when the service refuses. */
  exchange(ssoToken: string): Promise<string | undefined>;
  /** The sign-in link and token exchange resource for an OAuth card or a loginRequest. */
  signInResource(): Promise<SignInUrlResponse>;
}

/** CloudAdapter's UserTokenClient (kept in turnState under adapter.UserTokenClientKey). */
interface TokenClient {
  getUserToken(userId: string, connectionName: string, channelId: string, magicCode: string): Promise<TokenResponse>;
  exchangeToken(
    userId: string,
    connectionName: string,
    channelId: string,
    request: TokenExchangeRequest,
  ): Promise<TokenResponse>;
  getSignInResource(connectionName: string, activity: Activity, finalRedirect: string): Promise<SignInUrlResponse>;
}

/** The older adapter-level API that botbuilder's TestAdapter implements. */
interface AdapterTokenApi {
  getUserToken(turn: TurnContext, connectionName: string, magicCode?: string): Promise<TokenResponse | undefined>;
  exchangeToken(
    turn: TurnContext,
    connectionName: string,
    userId: string,
    request: TokenExchangeRequest,
  ): Promise<TokenResponse | undefined>;
  getSignInResource(turn: TurnContext, connectionName: string, userId?: string): Promise<SignInUrlResponse>;
}

/** The token service for this turn, or undefined when the adapter offers none (then nobody can sign in). */
export function userTokenPortFor(turn: TurnContext, connectionName: string): UserTokenPort | undefined {
  const userId = turn.activity.from?.id;
  const channelId = turn.activity.channelId;
  if (!userId || !channelId) return undefined;
  const client = tokenClientOf(turn);
  if (client) return clientPort(client, turn, connectionName, userId, channelId);
  const adapter = turn.adapter as unknown as Partial<AdapterTokenApi>;
  if (typeof adapter.getUserToken === 'function' && typeof adapter.exchangeToken === 'function') {
    return adapterPort(adapter as AdapterTokenApi, turn, connectionName, userId);
  }
  return undefined;
}

function tokenClientOf(turn: TurnContext): TokenClient | undefined {
  const key = (turn.adapter as { UserTokenClientKey?: symbol }).UserTokenClientKey;
  const client: unknown = key ? turn.turnState.get(key) : undefined;
  const candidate = client as Partial<TokenClient> | undefined;
  return typeof candidate?.getUserToken === 'function' && typeof candidate.exchangeToken === 'function'
    ? (candidate as TokenClient)
    : undefined;
}

function clientPort(
  client: TokenClient,
  turn: TurnContext,
  connectionName: string,
  userId: string,
  channelId: string,
): UserTokenPort {
  return {
    connectionName,
    getToken: async (magicCode) =>
      tokenOf(await client.getUserToken(userId, connectionName, channelId, magicCode ?? '')),
    exchange: async (ssoToken) =>
      tokenOf(await client.exchangeToken(userId, connectionName, channelId, { token: ssoToken })),
    signInResource: () => client.getSignInResource(connectionName, turn.activity as Activity, ''),
  };
}

function adapterPort(api: AdapterTokenApi, turn: TurnContext, connectionName: string, userId: string): UserTokenPort {
  return {
    connectionName,
    getToken: async (magicCode) => tokenOf(await api.getUserToken(turn, connectionName, magicCode)),
    exchange: async (ssoToken) => tokenOf(await api.exchangeToken(turn, connectionName, userId, { token: ssoToken })),
    signInResource: () => api.getSignInResource(turn, connectionName, userId),
  };
}

/** The token service answers "no token" with an empty body (404), so only a non-empty token counts. */
function tokenOf(response: TokenResponse | null | undefined): string | undefined {
  const token = response?.token;
  return typeof token === 'string' && token.length > 0 ? token : undefined;
}
