import type { AccessPackage } from '@microsoft/microsoft-graph-types';
import type { GraphFacade } from '../graph/client.js';
import { GraphRequestError } from '../graph/errors.js';
import type { PackageDetails, PackageSummary } from '../model/entitlement.js';
import { toPackageDetails, toPackageSummary } from './parse.js';

export const EM = '/identityGovernance/entitlementManagement';

const SUMMARY_SELECT = 'id,displayName,description,isHidden';
/** Catalog and resource names in the same call, so the search can rank on them. */
const SUMMARY_EXPAND = 'catalog($select=id,displayName),resourceRoleScopes($expand=role($expand=resource))';
const DETAILS_EXPAND = 'catalog,resourceRoleScopes($expand=role($expand=resource),scope),assignmentPolicies';

export interface RequestablePackages {
  packages: PackageSummary[];
  /** False when Graph refused the `$expand` on the function and only names and descriptions could be ranked. */
  expanded: boolean;
}

/**
 * The packages the signed-in user may request, across all catalogs, in one call (with the user's token: Graph decides).
 * GRAPH-API.md §4.1 marks `$expand` on this function UNCONFIRMED, so a 400 falls back to the plain list.
 */
export async function listRequestablePackages(user: GraphFacade): Promise<RequestablePackages> {
  try {
    const raw = await user.list<AccessPackage>(REQUESTABLE, {
      query: { $select: SUMMARY_SELECT, $expand: SUMMARY_EXPAND },
    });
    return { packages: raw.map(toPackageSummary), expanded: true };
  } catch (err) {
    if (!(err instanceof GraphRequestError) || err.status !== 400) throw err;
    return listRequestablePackagesUnexpanded(user);
  }
}

const REQUESTABLE = `${EM}/accessPackages/filterByCurrentUser(on='allowedRequestor')`;

/** The same list as a `$batch` item's url (with `$expand`): a 400 answer means falling back to the plain list. */
export const REQUESTABLE_URL = `${REQUESTABLE}?$select=${SUMMARY_SELECT}&$expand=${SUMMARY_EXPAND}`;

export async function listRequestablePackagesUnexpanded(user: GraphFacade): Promise<RequestablePackages> {
  const raw = await user.list<AccessPackage>(REQUESTABLE, { query: { $select: SUMMARY_SELECT } });
  return { packages: raw.map(toPackageSummary), expanded: false };
}

/**
 * One package with what it grants and its policies, in one call. Made with the app's token: this is the admin read of
 * GRAPH-API.md §4.2 (EntitlementManagement.Read.All), which an end user's delegated token is not granted on a real
 * tenant. It only reads; the bot edge shows it only for packages the user was offered by their own allowedRequestor
 * list (or re-checks that list first).
 */
export async function getPackageDetails(app: GraphFacade, packageId: string): Promise<PackageDetails> {
  const raw = await app.get<AccessPackage>(`${EM}/accessPackages/${encodeURIComponent(packageId)}`, {
    query: { $expand: DETAILS_EXPAND },
  });
  return toPackageDetails(raw);
}

export function packageDetailsPath(packageId: string): string {
  return `${EM}/accessPackages/${encodeURIComponent(packageId)}?$select=id,displayName&$expand=${encodeURI(
    'resourceRoleScopes($expand=role($expand=resource),scope),assignmentPolicies',
  )}`;
}
