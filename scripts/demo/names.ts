import type { TenantState } from '../../devtenant/state.js';

/** What the demo terminal calls people and things: the demo tenant's display names, read live from the devtenant. */
export interface DemoNames {
  person(id: string | undefined): string;
  /** "Alex Wilber's request for Finance Reports – Read" or "Lee Gu's activation of Network Admins". */
  request(kind: string, id: string, requester?: string, target?: string): string;
  packageOfAssignment(id: string): string;
  groupOfActivation(requestId: string): string;
  /** Who decided the request's latest decided stage, as the devtenant knows it (the bot may not have been told). */
  lastReviewer(kind: string, id: string): string | undefined;
}

export function demoNames(state: TenantState): DemoNames {
  const person = (id: string | undefined) => (id && state.user(id)?.displayName) || 'someone';
  const packageName = (id: string | undefined) =>
    (id && (state.accessPackages.get(id) ?? state.accessPackages.get(id.toLowerCase()))?.displayName) ||
    'an access package';
  const groupName = (id: string | undefined) =>
    (id && (state.groups.get(id) ?? state.groups.get(id.toLowerCase()))?.displayName) || 'a group';
  const pimRequest = (id: string) => state.pimRequests.get(id) ?? state.pimRequests.get(id.toLowerCase());
  const emRequest = (id: string) => state.emRequests.get(id) ?? state.emRequests.get(id.toLowerCase());
  const roleRequest = (id: string) => state.directoryRoles.requests.get(id.toLowerCase());
  const roleName = (id: string | undefined) =>
    (id && state.directoryRoles.definitions.get(id.toLowerCase())?.displayName) || 'a Microsoft Entra role';
  return {
    person,
    request(kind, id, requester, target) {
      if (kind === 'role') {
        const r = roleRequest(id);
        return `${person(requester ?? r?.principalId)}'s activation of ${roleName(r?.roleDefinitionId ?? target)}`;
      }
      if (kind === 'pim') {
        const r = pimRequest(id);
        return `${person(requester ?? r?.principalId)}'s activation of ${groupName(target ?? r?.groupId)}`;
      }
      const r = emRequest(id);
      return `${person(requester ?? r?.requestorId)}'s request for ${packageName(target ?? r?.accessPackageId)}`;
    },
    packageOfAssignment(id) {
      const a = state.emAssignments.get(id) ?? state.emAssignments.get(id.toLowerCase());
      return packageName(a?.accessPackageId);
    },
    groupOfActivation(requestId) {
      return groupName(pimRequest(requestId)?.groupId);
    },
    lastReviewer(kind, id) {
      const request = kind === 'role' ? roleRequest(id) : kind === 'pim' ? pimRequest(id) : emRequest(id);
      const approval = request?.approval;
      return approval?.stages.filter((s) => s.reviewedBy).at(-1)?.reviewedBy?.id;
    },
  };
}
