import type { Clock } from '../../services/clock.js';
import type { GraphFacade } from '../../services/graph/client.js';
import { GraphRequestError } from '../../services/graph/errors.js';
import type { Logger } from '../../services/log.js';

/** Same default as scripts/package.ts: every build of the app package has this Teams app id unless TEAMS_APP_ID is set. */
export const DEFAULT_TEAMS_APP_ID = '66b651c5-0173-4b07-811c-3ae25b5172f7';

export type InstallOutcome = 'requested' | 'alreadyInstalled' | 'failed' | 'skipped';

/** Installs the bot for a person who never opened it, so Teams creates the 1:1 chat (entra mode). */
export interface AppInstaller {
  install(userAadObjectId: string): Promise<InstallOutcome>;
  /** The id of the person's 1:1 chat with the bot, when the app is installed for them. */
  chatId(userAadObjectId: string): Promise<string | undefined>;
}

export interface GraphAppInstallerOptions {
  /** App-only Graph (TeamsAppInstallation.ReadWriteSelfForUser.All). */
  graph: () => GraphFacade;
  graphBaseUrl: string;
  /** The manifest `id` (the catalog app's externalId). */
  teamsAppId: string;
  clock: Clock;
  log: Logger;
  /** Do not ask Graph again for the same person within this time (the install is asynchronous on Teams' side). */
  retryAfterMs?: number;
}

interface CatalogApp {
  id: string;
}

interface Installation {
  id: string;
}

/**
 * Proactive installation through Graph: find the app in the org catalog by externalId, then
 * `POST /users/{id}/teamwork/installedApps`. Teams then sends the bot a conversationUpdate, whose reference the
 * conversation store saves; queued cards go out then.
 */
export class GraphAppInstaller implements AppInstaller {
  private catalogAppId?: string;
  private readonly attempts = new Map<string, number>();
  private readonly retryAfterMs: number;

  constructor(private readonly options: GraphAppInstallerOptions) {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(options.teamsAppId)) {
      throw new Error(`TEAMS_APP_ID must be the GUID of the Teams app manifest; got "${options.teamsAppId}"`);
    }
    this.retryAfterMs = options.retryAfterMs ?? 60 * 60 * 1000;
  }

  async install(userAadObjectId: string): Promise<InstallOutcome> {
    const now = this.options.clock.now().getTime();
    const last = this.attempts.get(userAadObjectId);
    if (last !== undefined && now - last < this.retryAfterMs) return 'skipped';
    this.attempts.set(userAadObjectId, now);
    const { log } = this.options;
    try {
      const catalogId = await this.findCatalogApp();
      if (!catalogId) return 'failed';
      await this.options.graph().post(`/users/${encodeURIComponent(userAadObjectId)}/teamwork/installedApps`, {
        'teamsApp@odata.bind': `${this.options.graphBaseUrl}/v1.0/appCatalogs/teamsApps/${catalogId}`,
      });
      log.info({ user: userAadObjectId }, 'installed the bot for a person who had not opened it');
      return 'requested';
    } catch (err) {
      if (err instanceof GraphRequestError && err.status === 409) return 'alreadyInstalled';
      log.warn({ err, user: userAadObjectId }, 'proactive installation failed');
      return 'failed';
    }
  }

  async chatId(userAadObjectId: string): Promise<string | undefined> {
    const graph = this.options.graph();
    const user = encodeURIComponent(userAadObjectId);
    try {
      const installations = await graph.list<Installation>(`/users/${user}/teamwork/installedApps`, {
        query: { $expand: 'teamsApp', $filter: `teamsApp/externalId eq '${this.options.teamsAppId}'` },
      });
      const installation = installations[0];
      if (!installation) return undefined;
      const chat = await graph.get<{ id?: string }>(
        `/users/${user}/teamwork/installedApps/${encodeURIComponent(installation.id)}/chat`,
      );
      return chat?.id;
    } catch (err) {
      this.options.log.warn({ err, user: userAadObjectId }, 'could not find the chat of an installed bot');
      return undefined;
    }
  }

  private async findCatalogApp(): Promise<string | undefined> {
    if (this.catalogAppId) return this.catalogAppId;
    const apps = await this.options.graph().list<CatalogApp>('/appCatalogs/teamsApps', {
      query: { $filter: `externalId eq '${this.options.teamsAppId}'` },
    });
    this.catalogAppId = apps[0]?.id;
    if (!this.catalogAppId) {
      this.options.log.error(
        { teamsAppId: this.options.teamsAppId },
        'the Teams app is not in the org app catalog, so it cannot be installed for people proactively',
      );
    }
    return this.catalogAppId;
  }
}
