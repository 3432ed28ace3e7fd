import type { PersonGraph } from './graph.js';
import type { PolicyAssignmentView, PolicyRule } from './views.js';

/** The end-user activation rules of one PIM group role, read from Graph's role management policy (17 rules). */

export interface ActivationRules {
  maximumDuration: string;
  maximumMinutes: number;
  justification: boolean;
  ticket: boolean;
  mfa: boolean;
  approval: boolean;
  /** An authentication context claim value (`c1`) the activation needs, or null. */
  authenticationContext: string | null;
}

/** `PT1H30M`, `P1D`, `PT45M` → minutes (the policy's maximum; Graph judges the request). */
export function isoMinutes(duration: string): number {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$/.exec(duration);
  if (!m) return 0;
  return Number(m[1] ?? 0) * 1440 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}

export async function activationRules(graph: PersonGraph, groupId: string, accessId: string): Promise<ActivationRules> {
  const assignments = await graph.list<PolicyAssignmentView>('/policies/roleManagementPolicyAssignments', {
    $filter: `scopeId eq '${groupId}' and scopeType eq 'Group' and roleDefinitionId eq '${accessId}'`,
    $expand: 'policy($expand=rules)',
  });
  const rules = assignments[0]?.policy?.rules ?? [];
  const rule = (id: string): Partial<PolicyRule> => rules.find((r) => r.id === id) ?? {};
  const enabled: string[] = rule('Enablement_EndUser_Assignment').enabledRules ?? [];
  const maximumDuration: string = rule('Expiration_EndUser_Assignment').maximumDuration ?? 'PT8H';
  const context = rule('AuthenticationContext_EndUser_Assignment');
  return {
    maximumDuration,
    maximumMinutes: isoMinutes(maximumDuration),
    justification: enabled.includes('Justification'),
    ticket: enabled.includes('Ticketing'),
    mfa: enabled.includes('MultiFactorAuthentication'),
    approval: !!rule('Approval_EndUser_Assignment').setting?.isApprovalRequired,
    authenticationContext: context.isEnabled ? (context.claimValue ?? null) : null,
  };
}

export function describeRules(r: ActivationRules): string {
  const parts = [`up to ${r.maximumMinutes >= 60 ? `${r.maximumMinutes / 60} h` : `${r.maximumMinutes} min`}`];
  if (r.justification) parts.push('justification');
  if (r.ticket) parts.push('ticket number');
  if (r.mfa) parts.push('multifactor sign-in');
  if (r.authenticationContext) parts.push(`authentication context ${r.authenticationContext}`);
  if (r.approval) parts.push('approval');
  return parts.join(', ');
}
