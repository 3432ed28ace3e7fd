import type { ConfigurationBotFrameworkAuthentication, TokenResponse } from 'botbuilder';
import type { UserRef } from '../../services/auth/tokens.js';
import type { Logger } from '../../services/log.js';
import type { BotStorage } from '../../services/storage/index.js';
import { referenceKey, referenceSchema } from '../proactive/conversations.js';
import { readItem } from '../proactive/storeItem.js';
import type { StoredReference } from '../proactive/types.js';

/**
 * Where a person's delegated token comes from outside their own turns (the watcher reading approval stages as an
 * approver). Production has one only for people who signed in to the bot before: the Bot Service token store keeps
 * their sign-in for the OAuth connection, by their Teams user id and channel. Both come from the conversation
 * reference the bot stored when they talked to it, so local mode asks the same question: has this person talked to
 * the bot?
 */

/** The part of CloudAdapter's UserTokenClient used here. */
export interface BackgroundTokenClient {
  getUserToken(userId: string, connectionName: string, channelId: string, magicCode: string): Promise<TokenResponse>;
}

export type ReferenceLookup = (aadObjectId: string) => Promise<StoredReference | undefined>;

/** The stored conversation reference of a person, read straight from storage (undefined: never talked to the bot). */
export function storedReferences(storage: BotStorage, log: Logger): ReferenceLookup {
  return async (aadObjectId) =>
    (await readItem(storage, referenceKey(aadObjectId), referenceSchema, log).catch(() => undefined))?.value;
}

/** Local mode's `talkedToBot`. */
export function talkedToBot(references: ReferenceLookup): (aadObjectId: string) => Promise<boolean> {
  return async (aadObjectId) => !!(await references(aadObjectId))?.teamsUserId;
}

export interface TokenStoreSourceDeps {
  references: ReferenceLookup;
  connectionName: string;
  /** The token store client; created once, on first use. */
  client: () => Promise<BackgroundTokenClient>;
}

/**
 * Entra mode's `backgroundTokenSource`: the person's token for the connection (the bot's API, exchanged on-behalf-of
 * afterwards), or undefined when they never talked to the bot or have no sign-in kept there.
 */
export function tokenStoreSource(deps: TokenStoreSourceDeps): (user: UserRef) => Promise<string | undefined> {
  let client: Promise<BackgroundTokenClient> | undefined;
  return async (user) => {
    const reference = await deps.references(user.aadObjectId);
    if (!reference?.teamsUserId) return undefined;
    client ??= deps.client().catch((err: unknown) => {
      client = undefined;
      throw err;
    });
    const answer = await (await client).getUserToken(
      reference.teamsUserId,
      deps.connectionName,
      reference.channelId,
      '',
    );
    return answer?.token || undefined;
  };
}

type BotIdentity = Parameters<ConfigurationBotFrameworkAuthentication['createUserTokenClient']>[0];

/** The token store client for the bot's own app id, outside any turn (what CloudAdapter makes per inbound turn). */
export function userTokenClientFor(
  auth: Pick<ConfigurationBotFrameworkAuthentication, 'createUserTokenClient'>,
  appId: string,
): () => Promise<BackgroundTokenClient> {
  // createUserTokenClient reads only the app id claims (aud, else appid) to pick the bot's credentials.
  const claims = [
    { type: 'aud', value: appId },
    { type: 'appid', value: appId },
  ];
  const identity = {
    claims,
    isAuthenticated: true,
    getClaimValue: (type: string) => claims.find((c) => c.type === type)?.value ?? null,
  } as unknown as BotIdentity;
  return () => auth.createUserTokenClient(identity);
}
