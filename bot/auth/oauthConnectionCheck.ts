import { type Activity, ConfigurationBotFrameworkAuthentication } from 'botbuilder';
import type { BotConfig } from '../../services/config.js';
import { type CheckResult, fail, ok } from '../../services/doctor/index.js';
import { userTokenClientFor } from './backgroundTokens.js';

/** What the doctor asks of the Bot Service token API (botframework-connector's UserTokenClient has it). */
export interface SignInResourceClient {
  getSignInResource(
    connectionName: string,
    activity: Activity,
    finalRedirect: string,
  ): Promise<{ tokenExchangeResource?: { uri?: string } }>;
}

/** The token API client with the bot's credentials; the same authority as the app-only token (AZURE_AUTHORITY_HOST). */
export function signInResourceClient(
  config: BotConfig,
  env: Record<string, string | undefined>,
): () => Promise<SignInResourceClient> {
  const authority = env.AZURE_AUTHORITY_HOST?.trim().replace(/\/+$/, '');
  const auth = new ConfigurationBotFrameworkAuthentication({
    MicrosoftAppId: config.appId ?? '',
    MicrosoftAppPassword: config.appPassword ?? '',
    MicrosoftAppType: config.appType ?? 'SingleTenant',
    MicrosoftAppTenantId: config.appTenantId ?? '',
    ...(authority && config.appTenantId ? { ToChannelFromBotLoginUrl: `${authority}/${config.appTenantId}` } : {}),
  });
  return userTokenClientFor(auth, config.appId ?? '') as unknown as () => Promise<SignInResourceClient>;
}

/**
 * `npm run doctor`, entra mode: asks the Bot Service token API for the OAuth connection's sign-in resource (what Teams
 * SSO gets in the OAuth card). Its tokenExchangeResource.uri is the connection's Token Exchange URL, which must be the
 * bot's Application ID URI, `api://botid-{appId}`.
 */
export async function checkOAuthConnection(
  config: BotConfig,
  client: () => Promise<SignInResourceClient>,
): Promise<CheckResult> {
  const name = 'OAuth connection';
  const appId = config.appId ?? '';
  const connection = config.oauthConnectionName ?? '';
  const expected = `api://botid-${appId}`;
  const portal = `In the Azure portal: Azure Bot → Configuration → OAuth Connection Settings: a connection named ${connection} (Azure Active Directory v2) with Token Exchange URL ${expected} and scope ${expected}/access_as_user`;
  let resource: Awaited<ReturnType<SignInResourceClient['getSignInResource']>>;
  try {
    resource = await (await client()).getSignInResource(connection, probeActivity(appId), '');
  } catch (err) {
    const status = (err as { statusCode?: unknown }).statusCode;
    const reason = err instanceof Error ? (err.message.split('\n')[0] ?? '').slice(0, 200) : String(err);
    return fail(
      name,
      typeof status === 'number'
        ? `the Bot Service token API answered ${status} for ${connection}: ${reason}`
        : `could not be checked (the Bot Service token API was not reached: ${reason})`,
      portal,
    );
  }
  const uri = resource?.tokenExchangeResource?.uri;
  if (!uri) return fail(name, `${connection} has no Token Exchange URL`, portal);
  if (uri !== expected) return fail(name, `${connection} has Token Exchange URL ${uri}, not ${expected}`, portal);
  return ok(name, `${connection}, Token Exchange URL ${uri}`);
}

/** A made-up Teams activity: the token API only encodes its conversation reference into the sign-in state. */
function probeActivity(appId: string): Activity {
  return {
    type: 'message',
    channelId: 'msteams',
    serviceUrl: 'https://smba.trafficmanager.net/teams/',
    conversation: { id: 'access-bot-doctor', isGroup: false, name: '', conversationType: 'personal' },
    from: { id: 'access-bot-doctor', name: 'doctor' },
    recipient: { id: `28:${appId}`, name: 'Access Bot' },
  } as Activity;
}
