import type { RequestDecisions } from './entitlement.js';

/**
 * View types for PIM for Groups (just-in-time membership/ownership). Cards import these types only; times are ISO 8601
 * UTC strings so that view models stay plain JSON.
 */

export type GroupAccess = 'member' | 'owner';

export interface GroupRef {
  id: string;
  displayName: string;
  description?: string;
}

/**
 * Where a Microsoft Entra role is held: `/` (the whole directory) or `/administrativeUnits/{id}`. A role list item or
 * activation with a directory scope is an Entra role; its `group` then holds the role definition (id, name).
 */
export interface DirectoryScope {
  id: string;
  /** The administrative unit's name; undefined for the whole directory (or a unit whose name was not given). */
  displayName?: string;
}

/** What a group's activation policy demands (the EndUser/Assignment rules of its role management policy). */
export interface ActivationPolicy {
  /** As Graph gave it, e.g. `PT8H`. */
  maximumDuration: string;
  maximumMinutes: number;
  justificationRequired: boolean;
  ticketRequired: boolean;
  mfaRequired: boolean;
  /** Conditional Access authentication context (e.g. `c1`) the sign-in must carry, when the policy asks for one. */
  authenticationContext?: string;
  /** That context's name in the tenant ("Privileged access"); undefined when it could not be read. */
  authenticationContextName?: string;
  approvalRequired: boolean;
  /** Who approves, as the policy names them ("Megan Bowen", "Finance approvers"). */
  approvers: string[];
}

/** The access package whose assignment made the user eligible (GRAPH-API.md §4.15). */
export interface EligibilityOrigin {
  accessPackageId: string;
  accessPackageName: string;
  /** When that assignment ends (the eligibility goes with it); undefined = no end. */
  assignmentEndDateTime?: string;
}

/** A membership or ownership the user holds right now (activated just in time, or assigned permanently). */
export interface ActiveRole {
  group: GroupRef;
  accessId: GroupAccess;
  /** Set for a Microsoft Entra role (then `group` is its role definition). */
  directoryScope?: DirectoryScope;
  startDateTime: string;
  /** Undefined for a permanent assignment. */
  endDateTime?: string;
  /** `activated` = just in time (ends by itself); `assigned` = a standing assignment. */
  assignmentType: 'activated' | 'assigned';
  /** The selfActivate request behind it, when known. */
  requestId?: string;
}

/** One eligible membership/ownership, with the group's policy and what is going on with it now. */
export interface EligibleRole {
  group: GroupRef;
  accessId: GroupAccess;
  /** Set for a Microsoft Entra role (then `group` is its role definition and `accessId` is `member`). */
  directoryScope?: DirectoryScope;
  eligibleFrom: string;
  /** Undefined = permanent eligibility. */
  eligibleUntil?: string;
  origin?: EligibilityOrigin;
  /** Undefined when the policy could not be read (the list still shows the role). */
  policy?: ActivationPolicy;
  active?: ActiveRole;
  /** An activation of this role that has not started yet (waiting for approval, or accepted for a later start). */
  pending?: PendingActivation;
}

/** A selfActivate request that can still be canceled: waiting for approval, or accepted to start later. */
export interface PendingActivation {
  requestId: string;
  phase: 'pendingApproval' | 'scheduled';
  createdDateTime?: string;
  startDateTime?: string;
  endDateTime?: string;
  durationMinutes?: number;
}

/** Where one selfActivate request stands, as the activation card shows it. */
export type ActivationPhase =
  | 'pendingApproval'
  | 'scheduled'
  | 'active'
  | 'ended'
  | 'deactivated'
  | 'extended'
  | 'denied'
  | 'canceled'
  | 'expired'
  | 'failed';

export interface ActivationState {
  requestId: string;
  group: GroupRef;
  accessId: GroupAccess;
  /** Set for a Microsoft Entra role. */
  directoryScope?: DirectoryScope;
  phase: ActivationPhase;
  startDateTime?: string;
  endDateTime?: string;
  /** Who can approve (pendingApproval). */
  approvers: string[];
  /**
   * Who approved or denied it and why, for an activation that waited for approval (active, scheduled, denied):
   * `unreadable` when Graph would not show the requester the approval. Undefined = nobody had to decide.
   */
  decisions?: RequestDecisions;
  /** When the user deactivated it (deactivated). */
  deactivatedAt?: string;
  /** The activation that replaced this one (extended). */
  extendedUntil?: string;
}

/**
 * Parts of a role list Graph did not give (a read refused or failed): the card shows what it has and names these,
 * never a list that looks complete.
 */
export type RolePart =
  | 'directoryRoles'
  | 'groupNames'
  | 'policies'
  | 'activeRoles'
  | 'pendingRequests'
  | 'accessPackages'
  | 'activationRequests';

export interface RoleList<T> {
  roles: T[];
  unavailable: RolePart[];
}
