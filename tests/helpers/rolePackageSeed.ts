import type { Seed } from '../../devtenant/seed.js';

/** A demo tenant whose catalog also holds a package (no approval) that hands out Reports Reader as an eligible role. */

export const REPORTS_READER = '4a5d8f65-41da-4de4-8968-e035b65339cf';
export const ROLE_PACKAGE = '40000000-0000-4000-8000-0000000000a1';
export const ROLE_RESOURCE = '60000000-0000-4000-8000-0000000000a1';

export function withRolePackage(base: Seed): Seed {
  const seed = structuredClone(base);
  seed.directoryRoles.roleDefinitions.push({
    id: REPORTS_READER,
    displayName: 'Reports Reader',
    description: 'Can read sign-in and audit reports.',
    allowedResourceActions: [],
    policy: { ...seed.directoryRoles.roleDefinitions[0].policy, eligibleMaximumDuration: 'P90D' },
  });
  seed.resources.push({
    id: ROLE_RESOURCE,
    catalogId: seed.catalogs[0].id,
    displayName: 'Reports Reader',
    description: 'Microsoft Entra role',
    originSystem: 'DirectoryRole',
    originId: REPORTS_READER,
  });
  const template = seed.accessPackages.find((p) => p.policies[0].requestApprovalSettings.stages.length === 0);
  if (!template) throw new Error('the demo seed has no package without approval');
  seed.accessPackages.push({
    ...structuredClone(template),
    id: ROLE_PACKAGE,
    displayName: 'Entra reports (eligible)',
    resourceRoles: [{ resourceId: ROLE_RESOURCE, role: 'Eligible Member' }],
    policies: [
      {
        ...structuredClone(template.policies[0]),
        id: '50000000-0000-4000-8000-0000000000a1',
        questions: [],
        requestorSettings: { ...template.policies[0].requestorSettings, allowCustomAssignmentSchedule: false },
        expiration: { type: 'afterDuration', duration: 'P365D', endDateTime: null },
      },
    ],
  });
  return seed;
}
