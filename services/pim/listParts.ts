import type { AccessPackageAssignment, AccessPackageResourceRoleScope } from '@microsoft/microsoft-graph-types';
import type { BatchItemResult } from '../graph/client.js';
import { GraphRequestError } from '../graph/errors.js';
import type { ActiveRole, EligibilityOrigin, GroupAccess, RolePart } from '../model/pim.js';

/** Pieces shared by the PIM for Groups and the Microsoft Entra role reads of the activate list. */

/** Collects which parts of a `$batch` Graph did not answer, while reading the collections it did. */
export class Gaps {
  private readonly missing = new Set<RolePart>();

  add(part: RolePart): void {
    this.missing.add(part);
  }

  values<T>(result: BatchItemResult | undefined, part: RolePart): T[] {
    const value = (result?.body as { value?: unknown } | null | undefined)?.value;
    if (!result || result.status < 200 || result.status >= 300 || !Array.isArray(value)) {
      this.missing.add(part);
      return [];
    }
    return value as T[];
  }

  /** The parts that matter: the requests behind activations only when some activation lacks its request. */
  parts(active: ActiveRole[]): RolePart[] {
    const unlinked = active.some((a) => a.assignmentType === 'activated' && !a.requestId);
    return [...this.missing].filter((p) => p !== 'activationRequests' || unlinked).sort();
  }
}

/** A failed `$batch` item as the error a direct call would have thrown. */
export function batchItemError(
  item: BatchItemResult | undefined,
  path: string,
  method: 'GET' | 'POST' = 'GET',
): GraphRequestError {
  const error = (item?.body as { error?: { code?: string; message?: string } } | null | undefined)?.error;
  return new GraphRequestError({
    status: item?.status ?? 502,
    code: error?.code,
    graphMessage: error?.message,
    method,
    path,
  });
}

interface ScheduleRequestLike {
  id?: string | null;
  action?: string | null;
  targetScheduleId?: string | null;
  createdDateTime?: string | null;
  scheduleInfo?: { startDateTime?: string | null } | null;
}

export function isActivation(r: ScheduleRequestLike): boolean {
  return (r.action ?? '').toLowerCase() === 'selfactivate';
}

export function startsAfter(r: ScheduleRequestLike, now: Date): boolean {
  const start = Date.parse(r.scheduleInfo?.startDateTime ?? '');
  return !Number.isNaN(start) && start > now.getTime();
}

/**
 * The request that produced an activated instance: the one whose `targetScheduleId` is the instance's schedule id
 * (declared properties; Graph documents no format for either id). The activation itself wins over a later request on
 * the same schedule; among equals the newest.
 */
export function requestBehind(
  scheduleId: string | null | undefined,
  requests: ScheduleRequestLike[],
): string | undefined {
  const wanted = scheduleId?.toLowerCase();
  if (!wanted) return undefined;
  const linked = requests
    .filter((r) => r.id && r.targetScheduleId?.toLowerCase() === wanted)
    .sort(
      (a, b) =>
        Number(isActivation(b)) - Number(isActivation(a)) ||
        (b.createdDateTime ?? '').localeCompare(a.createdDateTime ?? ''),
    );
  return linked[0]?.id ?? undefined;
}

/** One eligible thing: a group role (member/owner), or an Entra role at a directory scope. */
export interface RoleKeyParts {
  groupId: string;
  accessId: string;
  directoryScopeId?: string;
}

export function roleKey(role: RoleKeyParts): string {
  const base = `${role.groupId.toLowerCase()}|${role.accessId}`;
  return role.directoryScopeId === undefined ? base : `${base}|${role.directoryScopeId.toLowerCase()}`;
}

/**
 * The delivered access package assignment whose package grants this eligibility, matched on the resource scope: the
 * group, or for an Entra role its role definition (role `Eligible Member` either way).
 */
export function originOf(
  packages: AccessPackageAssignment[],
  groupId: string,
  accessId: GroupAccess,
): EligibilityOrigin | undefined {
  const match = packages.find(
    (a) =>
      (a.state ?? '').toLowerCase() === 'delivered' &&
      (a.accessPackage?.resourceRoleScopes ?? []).some((rs) => grantsEligibility(rs, groupId, accessId)),
  );
  if (!match?.accessPackage?.id) return undefined;
  return {
    accessPackageId: match.accessPackage.id,
    accessPackageName: match.accessPackage.displayName ?? 'an access package',
    assignmentEndDateTime: match.schedule?.expiration?.endDateTime ?? undefined,
  };
}

/** "Eligible Member" / `EligibleMember_…` roles on the group's (or role's) scope; the role's originId does not name it. */
function grantsEligibility(rs: AccessPackageResourceRoleScope, groupId: string, accessId: GroupAccess): boolean {
  const scopeGroup = rs.scope?.originId ?? rs.role?.resource?.originId;
  if (scopeGroup?.toLowerCase() !== groupId.toLowerCase()) return false;
  const name = `${rs.role?.displayName ?? ''} ${rs.role?.originId ?? ''}`.toLowerCase().replace(/[\s_]/g, '');
  return name.includes(`eligible${accessId}`);
}
