/**
 * Every v1.0 type deriving from `microsoft.graph.subjectSet` (msgraph-metadata `schemas/v1.0-Prod.csdl`), named in
 * words. Approval stages and requestor settings carry them; the bot turns some into people (approvers.ts) and names
 * the rest so a card can say who decides when no card can be sent to them.
 */

export type SubjectKind =
  | 'singleUser'
  | 'groupMembers'
  | 'requestorManager'
  | 'targetManager'
  | 'internalSponsors'
  | 'externalSponsors'
  | 'targetUserSponsors'
  | 'connectedOrganizationMembers'
  | 'attributeRuleMembers'
  | 'singleServicePrincipal'
  | 'targetApplicationOwners'
  | 'targetAgentIdentitySponsorsOrOwners'
  | 'groupBasedSubjectSet'
  | 'ruleBasedSubjectSet'
  | 'unknown';

const KINDS: Record<string, SubjectKind> = {
  singleuser: 'singleUser',
  groupmembers: 'groupMembers',
  requestormanager: 'requestorManager',
  targetmanager: 'targetManager',
  internalsponsors: 'internalSponsors',
  externalsponsors: 'externalSponsors',
  targetusersponsors: 'targetUserSponsors',
  connectedorganizationmembers: 'connectedOrganizationMembers',
  attributerulemembers: 'attributeRuleMembers',
  singleserviceprincipal: 'singleServicePrincipal',
  targetapplicationowners: 'targetApplicationOwners',
  targetagentidentitysponsorsorowners: 'targetAgentIdentitySponsorsOrOwners',
  // Lifecycle-workflow scopes live in the identityGovernance namespace.
  'identitygovernance.groupbasedsubjectset': 'groupBasedSubjectSet',
  'identitygovernance.rulebasedsubjectset': 'ruleBasedSubjectSet',
};

/** Kinds the bot can turn into people it can send a card to. */
export const PEOPLE_KINDS: ReadonlySet<SubjectKind> = new Set([
  'singleUser',
  'groupMembers',
  'requestorManager',
  'targetManager',
  'internalSponsors',
  'externalSponsors',
  'targetUserSponsors',
]);

/** `targetManager` documents levels 1 to 4, `requestorManager` 1 to 2; anything else is read as the direct manager. */
export const MAX_MANAGER_LEVEL = 4;

export function subjectKindOf(set: object): SubjectKind {
  const type = (set as Record<string, unknown>)['@odata.type'];
  const key = (typeof type === 'string' ? type : '').replace(/^#?microsoft\.graph\./i, '').toLowerCase();
  return KINDS[key] ?? 'unknown';
}

export function managerLevelOf(set: object): number {
  const level = (set as Record<string, unknown>).managerLevel;
  return typeof level === 'number' && Number.isInteger(level) && level >= 1 && level <= MAX_MANAGER_LEVEL ? level : 1;
}

/** Whose point of view the words take: the person asking for access, or an approver reading about them. */
export type Audience = 'requester' | 'approver';

const ORDINALS = ['', 'direct', 'second-level', 'third-level', 'fourth-level'];

function managerWords(level: number, audience: Audience, managerName?: string): string {
  if (audience === 'requester') {
    if (level === 1) return managerName ? `your manager (${managerName})` : 'your manager';
    if (level === 2) return "your manager's manager";
    return `your ${ORDINALS[level]} manager`;
  }
  return level === 1 ? "the requester's manager" : `the requester's ${ORDINALS[level]} manager`;
}

/** A subject set in words, e.g. "a member of Finance Approvers", "the requester's second-level manager". */
export function describeSubjectSet(subject: object, audience: Audience, managerName?: string): string {
  const s = subject as Record<string, unknown>;
  const description = typeof s.description === 'string' ? s.description.trim() : '';
  const yours = audience === 'requester' ? 'your' : "the requester's";
  switch (subjectKindOf(subject)) {
    case 'singleUser':
      return description || 'a named approver';
    case 'groupMembers':
      return description ? `a member of ${description}` : 'a member of an approver group';
    case 'requestorManager':
      return managerWords(managerLevelOf(subject), audience, managerName);
    case 'targetManager':
      // The bot's requests are for oneself, so the target is the requester.
      return managerWords(managerLevelOf(subject), audience, managerName);
    case 'internalSponsors':
      return audience === 'requester'
        ? 'a sponsor of your organisation'
        : "an internal sponsor of the requester's connected organization";
    case 'externalSponsors':
      return audience === 'requester'
        ? 'a sponsor in your own organisation'
        : "an external sponsor in the requester's connected organization";
    case 'targetUserSponsors':
      return `${yours} sponsor`;
    case 'connectedOrganizationMembers':
      return description
        ? `a member of ${description} (connected organization)`
        : 'a member of a connected organization';
    case 'attributeRuleMembers':
      return description ? `someone matching the rule "${description}"` : 'someone matching an attribute rule';
    case 'singleServicePrincipal':
      return description ? `the app ${description}` : 'an app (service principal)';
    case 'targetApplicationOwners':
      return 'an owner of the application that gets access';
    case 'targetAgentIdentitySponsorsOrOwners':
      return 'a sponsor or owner of the agent identity that gets access';
    case 'groupBasedSubjectSet':
      return 'a member of the groups the policy names';
    case 'ruleBasedSubjectSet':
      return 'someone matching a rule of the policy';
    default:
      return description || 'an approver';
  }
}
