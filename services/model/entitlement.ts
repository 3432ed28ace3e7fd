/**
 * View types of the requester journey (access packages, requests, assignments), as the cards draw them. Built by
 * services/entitlement from Microsoft Graph; the cards import these types only.
 */

/** One access package the user may request, with what the search ranks on. */
export interface PackageSummary {
  id: string;
  displayName: string;
  description: string;
  /** Empty when Graph did not return the catalog (no `$expand` support). */
  catalogName: string;
  /** Display names of the resources (groups, apps, sites) the package grants. */
  resourceNames: string[];
  isHidden: boolean;
}

export type ResourceKind = 'group' | 'app' | 'site' | 'directoryRole' | 'other';
export type GroupAccess = 'member' | 'owner';

/** One thing a package grants: a role in a resource. */
export interface PackageGrant {
  kind: ResourceKind;
  resourceName: string;
  roleName: string;
  /** Set for eligible (PIM-for-Groups) membership or ownership: the person activates it when needed. */
  eligible?: GroupAccess;
  /** The group's object id, for group resources. */
  groupId?: string;
}

/** One approval stage in words: "your manager", "Megan Bowen", "a member of Security Reviewers". */
export interface ApprovalStageView {
  approvers: string[];
  /** The policy keeps who decides this stage from the requester (`approverInformationVisibility: notVisible`). */
  approverHidden?: boolean;
}

/** How a policy grants the package, as a requester sees it. */
export interface PolicySummary {
  id: string;
  displayName: string;
  description: string;
  approvalRequired: boolean;
  stages: ApprovalStageView[];
  justificationRequired: boolean;
  /** How long access lasts under this policy. */
  lasts: AccessLength;
}

export type AccessLength =
  | { kind: 'duration'; days: number; hours: number }
  | { kind: 'until'; date: string }
  | { kind: 'noExpiry' }
  | { kind: 'unknown' };

export interface PackageDetails {
  id: string;
  displayName: string;
  description: string;
  catalogName: string;
  grants: PackageGrant[];
  policies: PolicySummary[];
}

export interface ChoiceOption {
  value: string;
  text: string;
}

interface QuestionBase {
  id: string;
  /** The Graph type, sent back in `answeredQuestion` (`#microsoft.graph.accessPackageTextInputQuestion`, …). */
  odataType: string;
  sequence: number;
  required: boolean;
  /** In the person's language when the policy has a localization for it. */
  text: string;
}

export interface TextQuestion extends QuestionBase {
  kind: 'text';
  singleLine: boolean;
  /** JavaScript-compatible pattern, or undefined when the policy sets none (or Graph's pattern is unusable). */
  regex?: string;
  maxLength: number;
}

export interface ChoiceQuestion extends QuestionBase {
  kind: 'choice';
  multiple: boolean;
  choices: ChoiceOption[];
}

export type PolicyQuestion = TextQuestion | ChoiceQuestion;

/** What one applicable policy asks of a requester (getApplicablePolicyRequirements). */
export interface RequestRequirements {
  policyId: string;
  policyDisplayName: string;
  policyDescription: string;
  approvalRequired: boolean;
  justificationRequired: boolean;
  allowCustomSchedule: boolean;
  /** The longest access the policy grants, bounding a custom schedule. */
  lasts: AccessLength;
  questions: PolicyQuestion[];
}

/** Request states as the bot shows them (`expired` is Graph's `denied` with an Expired/TimedOut status). */
export type RequestState =
  | 'submitted'
  | 'pendingApproval'
  | 'scheduled'
  | 'delivering'
  | 'delivered'
  | 'partiallyDelivered'
  | 'deliveryFailed'
  | 'denied'
  | 'expired'
  | 'canceled'
  | 'unknown';

export type RequestKind = 'add' | 'update' | 'remove' | 'other';

export interface RequestView {
  id: string;
  kind: RequestKind;
  state: RequestState;
  /** Graph's free-text status (Accepted, PendingApproval, Expired, …). */
  status: string;
  packageId: string;
  packageName: string;
  /** ISO; undefined while Graph has not set it yet (right after the POST). */
  createdAt?: string;
  completedAt?: string;
  /** Requested start, when in the future (scheduled). */
  startsAt?: string;
  /** End of the resulting access, when known. */
  accessEndsAt?: string;
  /** The end the person asked for in the request's own schedule (a date, or start + duration), when they chose one. */
  requestedEndsAt?: string;
  assignmentId?: string;
  /** A request for more time on access the person already has (the bot's Renew, or an earlier assignment). */
  renewal?: boolean;
}

/** How one approval stage ended, as the requester's own token reads the request's approval. */
export interface StageDecisionView {
  /** 1-based, in the order Graph lists the stages. */
  stage: number;
  result: 'approved' | 'denied' | 'expired';
  /** Display name of who decided; undefined when Graph did not say (the all-zero reviewer). */
  by?: string;
  reason?: string;
  /** When the stage was decided (Graph's `reviewedDateTime`): the next stage waits since then. */
  at?: string;
}

/**
 * Who decided a request and why. `unreadable`: Graph would not show the approval to the requester (403, 404), or it
 * could not be read now; the cards then say it was decided in My Access.
 */
export type RequestDecisions = { kind: 'read'; stages: StageDecisionView[] } | { kind: 'unreadable' };

export interface AssignmentView {
  id: string;
  packageId: string;
  packageName: string;
  state: 'delivering' | 'delivered' | 'partiallyDelivered' | 'expired' | 'deliveryFailed' | 'unknown';
  startsAt?: string;
  /** undefined = no end date. */
  endsAt?: string;
  policyId?: string;
  /** The policy lets the person ask for more time (a new `userAdd`). */
  canRenew: boolean;
  /** The policy lets the person remove their own access (`userRemove`). */
  canGiveUp: boolean;
  /** False when the policy does not let the person request the package themselves (`enableTargetsToSelfAddAccess`). */
  canRequestAgain?: boolean;
  /**
   * Who to ask about this access, in words: the approvers of the assignment's policy (first stage) when the policy
   * names them to requesters; empty when it names nobody (the cards then point to My Access).
   */
  askWho?: string[];
}

/** What the person already has of one package, as the catalog shows it. */
export type PackageHolding =
  | {
      kind: 'held';
      assignment: AssignmentView;
      /** A renewal (their userAdd while they hold the package) waits for approval: no second Renew. */
      renewalRequestId?: string;
    }
  /** A request of theirs waits for approval. */
  | { kind: 'waiting'; requestId: string };

/** An eligible group role a delivered package gives, which the person can activate ("Activate now"). */
export interface EligibleGroupRole {
  groupId: string;
  accessId: GroupAccess;
  groupName: string;
}

/** Field-level problems of a request form, keyed by input id. */
export type FieldErrors = Record<string, string>;
