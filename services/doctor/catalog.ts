import { firstId, type GraphProbe, graphError, probe } from './graphProbes.js';
import { type CheckResult, fail, ok } from './types.js';

/** The permission the catalog read needs (least privileged of the docs' "List teamsApp" table). */
export const CATALOG_PERMISSION = 'AppCatalog.Read.All';

/**
 * The Teams app is in the org catalog, found as the proactive installer finds it (`externalId` = the manifest id):
 * without it the bot cannot be installed for approvers who never opened it.
 */
export async function catalogCheck(graph: GraphProbe, teamsAppId: string, appId?: string): Promise<CheckResult> {
  const name = 'Teams app in the org catalog';
  const filter = encodeURIComponent(`externalId eq '${teamsAppId}'`);
  const answer = await probe(graph, `/appCatalogs/teamsApps?$filter=${filter}`);
  const upload = `Upload appPackage/build/appPackage.zip (npm run package, TEAMS_APP_ID=${teamsAppId}) in the Teams admin center → Teams apps → Manage apps → Upload new app.`;
  if ('error' in answer)
    return fail(name, `Graph did not answer: ${answer.error}`, 'Check GRAPH_BASE_URL and that this host can reach it.');
  const said = graphError(answer.body);
  if (answer.status === 403) {
    return fail(
      name,
      `Graph refused the catalog read (403${said ? ` ${said}` : ''}): ${CATALOG_PERMISSION} is not granted`,
      `In the Entra admin center, App registrations → ${appId ?? '(MicrosoftAppId)'} → API permissions: add the Microsoft Graph application permission ${CATALOG_PERMISSION} (npm run doctor: the app is in the org catalog) and grant admin consent.`,
    );
  }
  if (answer.status !== 200) return fail(name, `Graph answered ${answer.status}${said ? ` ${said}` : ''}`, upload);
  const found = firstId(answer);
  return found
    ? ok(name, `${teamsAppId} (catalog id ${found})`)
    : fail(name, `${teamsAppId} is not in the org catalog`, upload);
}
