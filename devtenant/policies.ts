import { collection, type EntityType, entity } from './entity.js';
import { malformed, notFound } from './errors.js';
import type { AccessId, Group } from './model.js';
import { requiredEqValues } from './odata.js';
import { rulesFor } from './pim-engine.js';
import { rolePolicy } from './roles-engine.js';
import { type GraphRequest, odata, type Router } from './router.js';
import type { PimRulesSpec } from './seed.js';
import type { TenantState } from './state.js';
import { stableGuid } from './time.js';

/**
 * `policies/roleManagementPolicyAssignments` and `roleManagementPolicies` for PIM groups (scopeType `Group`) and
 * Entra roles (scopeId `/`, scopeType `DirectoryRole` or `Directory`): 17 rules each, as Graph returns them.
 */

export interface RolePolicy {
  /** The group id, or `/` for a directory role. */
  scopeId: string;
  scopeType: 'Group' | 'DirectoryRole' | 'Directory';
  /** `member` / `owner` for groups, the role definition id for directory roles. */
  roleDefinitionId: string;
  rules: PimRulesSpec;
  policyId: string;
  assignmentId: string;
}

export function groupPolicy(state: TenantState, group: Group, accessId: AccessId): RolePolicy {
  const policyGuid = stableGuid(`pim-policy:${group.id}:${accessId}`);
  const policyId = `Group_${group.id}_${policyGuid}`;
  return {
    scopeId: group.id,
    scopeType: 'Group',
    roleDefinitionId: accessId,
    rules: rulesFor(state, group.id, accessId),
    policyId,
    assignmentId: `${policyId}_${accessId}`,
  };
}

/** The docs' ids: `DirectoryRole_<tenantId>_<guid>` and `<policyId>_<roleDefinitionId>` (same for `Directory`). */
function directoryRolePolicies(state: TenantState, scopeType: 'DirectoryRole' | 'Directory'): RolePolicy[] {
  return [...state.directoryRoles.definitions.values()].map((role) => {
    const policyId = `${scopeType}_${state.tenant.id}_${stableGuid(`role-policy:${role.id}`)}`;
    return {
      scopeId: '/',
      scopeType,
      roleDefinitionId: role.id,
      rules: rolePolicy(state, role.id),
      policyId,
      assignmentId: `${policyId}_${role.id}`,
    };
  });
}

function allPolicies(state: TenantState): RolePolicy[] {
  const out: RolePolicy[] = [];
  for (const g of state.groups.values())
    for (const a of ['member', 'owner'] as const) out.push(groupPolicy(state, g, a));
  out.push(...directoryRolePolicies(state, 'DirectoryRole'), ...directoryRolePolicies(state, 'Directory'));
  return out;
}

const target = (caller: 'Admin' | 'EndUser', level: 'Eligibility' | 'Assignment') => ({
  caller,
  operations: ['All'],
  level,
  inheritableSettings: [],
  enforcedSettings: [],
});

const RULE = '#microsoft.graph.unifiedRoleManagementPolicy';

function notificationRules(caller: 'Admin' | 'EndUser', level: 'Eligibility' | 'Assignment') {
  return (['Admin', 'Requestor', 'Approver'] as const).map((recipient) => ({
    '@odata.type': `${RULE}NotificationRule`,
    id: `Notification_${recipient}_${caller}_${level}`,
    notificationType: 'Email',
    recipientType: recipient,
    notificationLevel: 'All',
    isDefaultRecipientsEnabled: true,
    notificationRecipients: [],
    target: target(caller, level),
  }));
}

function approvalSetting(rules: PimRulesSpec) {
  const a = rules.approval;
  return {
    isApprovalRequired: !!a,
    isApprovalRequiredForExtension: false,
    isRequestorJustificationRequired: true,
    approvalMode: a ? 'SingleStage' : 'NoApproval',
    approvalStages: [
      {
        approvalStageTimeOutInDays: a?.approvalStageTimeOutInDays ?? 1,
        isApproverJustificationRequired: a?.isApproverJustificationRequired ?? true,
        escalationTimeInMinutes: a?.escalationTimeInMinutes ?? 0,
        isEscalationEnabled: a?.isEscalationEnabled ?? false,
        primaryApprovers: a?.approvers ?? [],
        escalationApprovers: a?.escalationApprovers ?? [],
      },
    ],
  };
}

export function policyRules(rules: PimRulesSpec): Record<string, unknown>[] {
  return [
    {
      '@odata.type': `${RULE}ExpirationRule`,
      id: 'Expiration_Admin_Eligibility',
      isExpirationRequired: rules.eligibleMaximumDuration !== null,
      maximumDuration: rules.eligibleMaximumDuration ?? 'P365D',
      target: target('Admin', 'Eligibility'),
    },
    {
      '@odata.type': `${RULE}EnablementRule`,
      id: 'Enablement_Admin_Eligibility',
      enabledRules: [],
      target: target('Admin', 'Eligibility'),
    },
    ...notificationRules('Admin', 'Eligibility'),
    {
      '@odata.type': `${RULE}ExpirationRule`,
      id: 'Expiration_Admin_Assignment',
      isExpirationRequired: false,
      maximumDuration: 'P180D',
      target: target('Admin', 'Assignment'),
    },
    {
      '@odata.type': `${RULE}EnablementRule`,
      id: 'Enablement_Admin_Assignment',
      enabledRules: ['Justification'],
      target: target('Admin', 'Assignment'),
    },
    ...notificationRules('Admin', 'Assignment'),
    {
      '@odata.type': `${RULE}ExpirationRule`,
      id: 'Expiration_EndUser_Assignment',
      isExpirationRequired: true,
      maximumDuration: rules.maximumDuration,
      target: target('EndUser', 'Assignment'),
    },
    {
      '@odata.type': `${RULE}EnablementRule`,
      id: 'Enablement_EndUser_Assignment',
      enabledRules: rules.enabledRules,
      target: target('EndUser', 'Assignment'),
    },
    {
      '@odata.type': `${RULE}ApprovalRule`,
      id: 'Approval_EndUser_Assignment',
      target: target('EndUser', 'Assignment'),
      setting: approvalSetting(rules),
    },
    {
      '@odata.type': `${RULE}AuthenticationContextRule`,
      id: 'AuthenticationContext_EndUser_Assignment',
      isEnabled: !!rules.authenticationContext,
      claimValue: rules.authenticationContext,
      target: target('EndUser', 'Assignment'),
    },
    ...notificationRules('EndUser', 'Assignment'),
  ];
}

interface RuleView {
  rule: Record<string, unknown>;
}

const ruleType: EntityType<RuleView> = {
  name: 'microsoft.graph.unifiedRoleManagementPolicyRule',
  properties: [
    'id',
    'target',
    'isExpirationRequired',
    'maximumDuration',
    'enabledRules',
    'setting',
    'isEnabled',
    'claimValue',
    'notificationType',
    'recipientType',
    'notificationLevel',
    'isDefaultRecipientsEnabled',
    'notificationRecipients',
  ],
  toJson: (r) => r.rule,
};

const rulesOf = (p: RolePolicy): RuleView[] => policyRules(p.rules).map((rule) => ({ rule }));

export const policyType: EntityType<RolePolicy> = {
  name: 'microsoft.graph.unifiedRoleManagementPolicy',
  properties: [
    'id',
    'displayName',
    'description',
    'isOrganizationDefault',
    'scopeId',
    'scopeType',
    'lastModifiedDateTime',
    'lastModifiedBy',
  ],
  toJson: (p) => ({
    id: p.policyId,
    displayName: p.scopeType,
    description: p.scopeType,
    isOrganizationDefault: false,
    scopeId: p.scopeId,
    scopeType: p.scopeType,
    lastModifiedDateTime: null,
    lastModifiedBy: { displayName: null, id: null },
  }),
  navigations: {
    rules: { type: ruleType as EntityType<unknown>, many: true, resolve: rulesOf },
    effectiveRules: { type: ruleType as EntityType<unknown>, many: true, resolve: rulesOf },
  },
};

export const policyAssignmentType: EntityType<RolePolicy> = {
  name: 'microsoft.graph.unifiedRoleManagementPolicyAssignment',
  properties: ['id', 'policyId', 'scopeId', 'scopeType', 'roleDefinitionId'],
  toJson: (p) => ({
    id: p.assignmentId,
    policyId: p.policyId,
    scopeId: p.scopeId,
    scopeType: p.scopeType,
    roleDefinitionId: p.roleDefinitionId,
  }),
  navigations: { policy: { type: policyType as EntityType<unknown>, many: false, resolve: (p) => p } },
};

function requireScopeFilter(req: GraphRequest): void {
  const filter = odata(req).filter;
  if (requiredEqValues(filter, 'scopeId').length === 0 || requiredEqValues(filter, 'scopeType').length === 0) {
    throw malformed(
      'requiredFilter',
      "The filter must specify both scopeId and scopeType with 'eq', e.g. $filter=scopeId eq '{groupId}' and scopeType eq 'Group'.",
    );
  }
}

function findPolicy(req: GraphRequest, id: string, by: 'policyId' | 'assignmentId'): RolePolicy {
  const found = allPolicies(req.state).find((p) => p[by].toLowerCase() === id.toLowerCase());
  if (!found) throw notFound(`The policy '${id}' was not found.`);
  return found;
}

export function registerPolicies(router: Router): void {
  router
    .add('GET', '/policies/roleManagementPolicyAssignments', 'any', (req) => {
      requireScopeFilter(req);
      return collection(req, policyAssignmentType, allPolicies(req.state), {
        context: 'policies/roleManagementPolicyAssignments',
      });
    })
    .add('GET', '/policies/roleManagementPolicyAssignments/{id}', 'any', (req, [id]) =>
      entity(
        req,
        policyAssignmentType,
        findPolicy(req, id, 'assignmentId'),
        'policies/roleManagementPolicyAssignments',
      ),
    )
    .add('GET', '/policies/roleManagementPolicies', 'any', (req) => {
      requireScopeFilter(req);
      const unique = allPolicies(req.state);
      return collection(req, policyType, unique, { context: 'policies/roleManagementPolicies' });
    })
    .add('GET', '/policies/roleManagementPolicies/{id}', 'any', (req, [id]) =>
      entity(req, policyType, findPolicy(req, id, 'policyId'), 'policies/roleManagementPolicies'),
    )
    .add('GET', '/policies/roleManagementPolicies/{id}/rules', 'any', (req, [id]) =>
      collection(req, ruleType, rulesOf(findPolicy(req, id, 'policyId')), {
        context: `policies/roleManagementPolicies('${id}')/rules`,
      }),
    );
}
