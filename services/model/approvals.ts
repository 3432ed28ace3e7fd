/**
 * What an approver sees about a request that waits for a decision: access package requests (entitlement management)
 * and PIM-for-Groups activations. Cards import these types only.
 */

/**
 * `em`: access package assignment request; `pim`: PIM-for-Groups activation request; `role`: Microsoft Entra role
 * activation request (decided through Graph beta, only with ROLE_APPROVALS_BETA=on). The id is the request id.
 */
export type ApprovalKind = 'em' | 'pim' | 'role';

export const APPROVAL_KINDS = ['em', 'pim', 'role'] as const satisfies readonly ApprovalKind[];

/** `em`, `pim` or `role` from untrusted text (a stored key, card data); undefined for anything else. */
export function approvalKindOf(text: string | undefined): ApprovalKind | undefined {
  return (APPROVAL_KINDS as readonly string[]).includes(text ?? '') ? (text as ApprovalKind) : undefined;
}

export interface PersonRef {
  id: string;
  displayName: string;
}

export interface RequesterProfile extends PersonRef {
  jobTitle?: string;
  department?: string;
  email?: string;
  manager?: PersonRef;
}

export interface AccessPackageTarget {
  kind: 'em';
  packageId: string;
  packageName: string;
  packageDescription?: string;
  /** What the package grants, e.g. "Eligible Member of Database Administrators". */
  grants: string[];
}

export interface PimGroupTarget {
  kind: 'pim';
  groupId: string;
  groupName: string;
  groupDescription?: string;
  accessId: 'member' | 'owner';
}

export interface EntraRoleTarget {
  kind: 'role';
  roleDefinitionId: string;
  roleName: string;
  roleDescription?: string;
  /** `/` (the whole directory) or `/administrativeUnits/{id}`. */
  directoryScopeId: string;
  /** The administrative unit's name, when the scope is one and Graph named it. */
  scopeName?: string;
}

export interface RequestAnswer {
  question: string;
  answer: string;
}

/** One approval stage of the policy, with its approvers resolved to people. */
export interface StagePlan {
  approvers: PersonRef[];
  /** Who the policy names as this stage's approvers, in words (e.g. "the requester's second-level manager"). */
  approverKinds?: string[];
  /** Those of them the bot cannot turn into people to send a card to (they still decide in My Access). */
  unresolvedKinds?: string[];
  /** True when no primary approver could be found and the policy's fallback approvers were asked instead. */
  usesFallback?: boolean;
  /** True when a lookup failed (not "nobody"): the approvers are not final and are resolved again on the next read. */
  incomplete?: boolean;
  /** Approvers added when the stage escalates (they can decide from then on, as can the primary ones). */
  escalationApprovers: PersonRef[];
  /** ISO-8601 duration after which the stage escalates, when escalation is enabled. */
  escalateAfter?: string;
  /** ISO-8601 duration after which an undecided request expires. */
  timeout?: string;
  justificationRequired: boolean;
}

/** Everything about the request that does not change while it waits (read once, app-only). */
export interface ApprovalDetails {
  kind: ApprovalKind;
  id: string;
  requester: RequesterProfile;
  target: AccessPackageTarget | PimGroupTarget | EntraRoleTarget;
  justification?: string;
  answers: RequestAnswer[];
  ticket?: { number: string; system?: string };
  requestedAt?: string;
  /** When the access would start and end (ISO), or how long it lasts (ISO-8601 duration). */
  startsAt?: string;
  endsAt?: string;
  duration?: string;
  stages: StagePlan[];
}

export type StageResult = 'Approved' | 'Denied';

export interface StageDecision {
  /** 1-based stage number. */
  stage: number;
  result: StageResult;
  by?: PersonRef;
  at?: string;
  reason?: string;
}

/**
 * `failed`: Graph could not carry the request out; `revoked`: the access was taken back; `unknown`: Graph answered a
 * status the bot does not know (kept in `status`); `unconfirmed`: the request left the pending list but how it ended
 * could not be read for hours (the card sends the person to the portal).
 */
export type OutcomeKind =
  | 'approved'
  | 'denied'
  | 'expired'
  | 'canceled'
  | 'closed'
  | 'failed'
  | 'revoked'
  | 'unknown'
  | 'unconfirmed';

export const OUTCOME_KINDS = [
  'approved',
  'denied',
  'expired',
  'canceled',
  'closed',
  'failed',
  'revoked',
  'unknown',
  'unconfirmed',
] as const satisfies readonly OutcomeKind[];

/** How the request ended, as far as the approver is concerned. */
export interface ApprovalOutcome {
  kind: OutcomeKind;
  by?: PersonRef;
  at?: string;
  reason?: string;
  /** Graph's own status, for an `unknown` outcome. */
  status?: string;
}

/** The live state of one approval: its details, which stage waits, decisions so far and, once over, the outcome. */
export interface ApprovalState {
  details: ApprovalDetails;
  /** 1-based number of the stage that waits (or waited last). */
  currentStage: number;
  /** Graph's id of that stage, when known. */
  stageId?: string;
  stageStartedAt?: string;
  escalated: boolean;
  decisions: StageDecision[];
  outcome?: ApprovalOutcome;
}

/** Where one viewer stands on an approval: can they decide now, did they decide a stage, who else can. */
export interface ViewerPosition {
  canDecide: boolean;
  isRequester: boolean;
  /** The viewer's own latest stage decision, if any. */
  ownDecision?: StageDecision;
  /** Everyone who can decide the open stage now, the viewer excluded. */
  others: PersonRef[];
}

/** A pending approval as listed for one approver (the `approvals` command). */
export interface PendingApprovalItem {
  state: ApprovalState;
  /** True when this approver's stage needs a reason to decide. */
  needsReason: boolean;
}
