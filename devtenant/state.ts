import { DevClock } from './clock.js';
import type {
  AccessId,
  AccessPackage,
  AppInstallation,
  AuthenticationContext,
  Catalog,
  ConnectedOrganization,
  DirectoryRoles,
  EmAssignment,
  EmRequest,
  Group,
  PimActivation,
  PimEligibility,
  PimRequest,
  Policy,
  Resource,
  TeamsApp,
  User,
} from './model.js';
import type { Seed } from './seed.js';

/** Delays of the asynchronous request moves; 0 = the next read already sees the next state. */
export interface Timing {
  submittedToNextMs: number;
  deliveringToDeliveredMs: number;
}

/** Behaviour GRAPH-API.md marks UNCONFIRMED, kept switchable (see devtenant/README.md). */
export interface Quirks {
  /** State and status of an EM request whose approval stage timed out. */
  expiredRequestState: 'denied' | 'canceled';
  expiredRequestStatus: string;
  /** Whether `filterByCurrentUser(on='allowedRequestor')` lists hidden packages. */
  hiddenPackagesInAllowedRequestor: boolean;
  /** Graph answers the EM request create with `createdDateTime: null`. */
  createdDateTimeNullOnCreate: boolean;
  /** PIM request status after the 24 h approval window passes without a decision. */
  pimApprovalTimeoutStatus: string;
  /** PIM request status for an activation that starts in the future. */
  pimFutureActivationStatus: string;
  /** Status of the `selfDeactivate` request. */
  pimDeactivateStatus: string;
  /** Error code when a PIM activation is already pending approval. */
  pimPendingRequestErrorCode: string;
  /** Whether the Ticketing rule also needs `ticketSystem` (always needs `ticketNumber`). */
  ticketSystemRequired: boolean;
  /**
   * Which clock judges a token's `exp`: the devtenant clock (default, as the contract says), real time (for suites that
   * jump the devtenant clock while a client mints tokens on real time), or not at all.
   */
  tokenExpiryClock: 'devtenant' | 'real' | 'off';
  /**
   * Whether an accessPackageSubject shows its `connectedOrganization` (for `$expand=requestor($expand=
   * connectedOrganization)`, GRAPH-API.md §4.13). `false` = always null, as if Graph did not fill it for an external
   * user already in the directory; the approval engine still treats the organization's sponsors as approvers.
   */
  subjectConnectedOrganization: boolean;
  /** Assignment schedule ids that bear no `<groupId>_<accessId>_<requestId>` pattern (Graph promises no format). */
  opaquePimScheduleIds: boolean;
  /**
   * The segment of a PIM approval's stages: `stages` (v1.0 metadata) or `steps` (an older v1.0 docs page, beta).
   * With `steps`, `/stages` answers 404 and `$expand=stages` 400, as a tenant serving the other segment would.
   */
  pimApprovalSegment: 'stages' | 'steps';
  /**
   * Whether the requestor of an access package request may GET its approval and stages (who decided, and why). The
   * docs list EntitlementManagement.Read.All for the read and say nothing of the requestor (GRAPH-API.md §1);
   * `false` = 403 `accessDenied` for the requestor, as an RBAC check that leaves out end users would answer.
   */
  emRequestorReadsApproval: boolean;
  /**
   * Whether the requestor of a PIM for Groups activation may GET its approval and stages. The v1.0 approval-get page
   * says the read "is made by an approver"; it does not say what Graph answers the requestor (GRAPH-API.md §6.9,
   * UNCONFIRMED). `false` (default) = 403 `Forbidden`, the answer every non-approver gets; `true` = the requestor
   * reads it as an approver would (who decided, and why).
   */
  pimRequestorReadsApproval: boolean;
  /**
   * Whether `/beta/roleManagement/directory/roleAssignmentApprovals` (beta only; v1.0 has no approvals of Entra role
   * activations) serves approvals. `false` = 400 unknown segment there too, as a tenant without the beta API.
   */
  roleApprovalsInBeta: boolean;
  /** Error code of `selfExtend` / `selfRenew` on an Entra role when there is no admin-assigned assignment to extend. */
  roleSelfExtendErrorCode: string;
}

export const DEFAULT_QUIRKS: Quirks = {
  expiredRequestState: 'denied',
  expiredRequestStatus: 'Expired',
  hiddenPackagesInAllowedRequestor: true,
  createdDateTimeNullOnCreate: true,
  pimApprovalTimeoutStatus: 'TimedOut',
  pimFutureActivationStatus: 'Granted',
  pimDeactivateStatus: 'Revoked',
  pimPendingRequestErrorCode: 'RoleAssignmentExists',
  ticketSystemRequired: false,
  tokenExpiryClock: 'devtenant',
  subjectConnectedOrganization: true,
  opaquePimScheduleIds: false,
  pimApprovalSegment: 'stages',
  emRequestorReadsApproval: true,
  pimRequestorReadsApproval: false,
  roleApprovalsInBeta: true,
  roleSelfExtendErrorCode: 'RoleAssignmentDoesNotExist',
};

interface TimedEvent {
  at: number;
  seq: number;
  run: (at: number) => void;
}

export interface StateOptions {
  now?: Date;
  freezeClock?: boolean;
  timing?: Partial<Timing>;
  quirks?: Partial<Quirks>;
  pageSize?: number;
  /** No collection page is larger, whatever `$top` or `pageSize` say (DEVTENANT_PAGE_SIZE). */
  maxPageSize?: number;
}

/** The tenant's data, its clock and the timed events (request progress, timeouts, expiry) driven by that clock. */
export class TenantState {
  readonly clock: DevClock;
  readonly timing: Timing;
  readonly quirks: Quirks;
  readonly pageSize: number;
  readonly maxPageSize: number;
  readonly seed: Seed;

  tenant = { id: '', displayName: '', domain: '' };
  users = new Map<string, User>();
  usersByUpn = new Map<string, User>();
  connectedOrganizations = new Map<string, ConnectedOrganization>();
  /** By lower-case id; the entity keeps the id as seeded (a claim value such as `c1`). */
  authenticationContexts = new Map<string, AuthenticationContext>();
  groups = new Map<string, Group>();
  catalogs = new Map<string, Catalog>();
  resources = new Map<string, Resource>();
  accessPackages = new Map<string, AccessPackage>();
  policies = new Map<string, Policy>();
  emRequests = new Map<string, EmRequest>();
  emAssignments = new Map<string, EmAssignment>();
  pimEligibilities = new Map<string, PimEligibility>();
  pimActivations = new Map<string, PimActivation>();
  pimRequests = new Map<string, PimRequest>();
  teamsApps = new Map<string, TeamsApp>();
  appInstallations = new Map<string, AppInstallation>();
  directoryRoles: DirectoryRoles = emptyDirectoryRoles();

  private events: TimedEvent[] = [];
  private seq = 0;
  private readonly initialNow?: Date;
  private readonly freezeClock: boolean;

  constructor(
    seed: Seed,
    opts: StateOptions,
    private readonly loader: (state: TenantState) => void,
  ) {
    this.seed = seed;
    this.initialNow = opts.now;
    this.freezeClock = opts.freezeClock ?? false;
    this.clock = new DevClock(opts.now, this.freezeClock);
    this.timing = { submittedToNextMs: 0, deliveringToDeliveredMs: 0, ...opts.timing };
    this.quirks = { ...DEFAULT_QUIRKS, ...opts.quirks };
    this.pageSize = opts.pageSize ?? 100;
    this.maxPageSize = opts.maxPageSize ?? Number.POSITIVE_INFINITY;
    this.reset(false);
  }

  now(): number {
    return this.clock.now();
  }

  /** Back to the seed (and, when `resetClock`, to the initial clock). */
  reset(resetClock = true): void {
    if (resetClock) this.clock.reset(this.initialNow, this.freezeClock);
    for (const map of [
      this.users,
      this.usersByUpn,
      this.connectedOrganizations,
      this.authenticationContexts,
      this.groups,
      this.catalogs,
      this.resources,
      this.accessPackages,
      this.policies,
      this.emRequests,
      this.emAssignments,
      this.pimEligibilities,
      this.pimActivations,
      this.pimRequests,
      this.teamsApps,
      this.appInstallations,
    ]) {
      map.clear();
    }
    this.directoryRoles = emptyDirectoryRoles();
    this.events = [];
    this.loader(this);
    this.tick();
  }

  /** Runs `run(at)` once the clock reaches `at` (at the next request or clock move). */
  schedule(at: number, run: (at: number) => void): void {
    const ev: TimedEvent = { at, seq: this.seq++, run };
    let lo = 0;
    let hi = this.events.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.events[mid].at <= at) lo = mid + 1;
      else hi = mid;
    }
    this.events.splice(lo, 0, ev);
  }

  /** Processes every event that is due, in time order, each at its own time. */
  tick(): void {
    const now = this.now();
    let guard = 0;
    while (this.events.length > 0 && this.events[0].at <= now && guard++ < 100_000) {
      const ev = this.events.shift() as TimedEvent;
      ev.run(ev.at);
    }
  }

  get pendingEvents(): number {
    return this.events.length;
  }

  user(id: string): User | undefined {
    return this.users.get(id.toLowerCase()) ?? this.usersByUpn.get(id.toLowerCase());
  }

  /** The connected organization an external user belongs to, if any. */
  connectedOrganizationOf(userId: string): ConnectedOrganization | undefined {
    const orgId = this.user(userId)?.connectedOrganizationId;
    return orgId ? this.connectedOrganizations.get(orgId.toLowerCase()) : undefined;
  }

  /** Members (or owners) right now: direct ones plus active PIM activations. */
  groupPrincipals(group: Group, accessId: AccessId): string[] {
    const ids = new Set(accessId === 'member' ? group.members : group.owners);
    for (const a of this.pimActivations.values()) {
      if (a.groupId === group.id && a.accessId === accessId) ids.add(a.principalId);
    }
    return [...ids];
  }
}

function emptyDirectoryRoles(): DirectoryRoles {
  return {
    definitions: new Map(),
    administrativeUnits: new Map(),
    eligibilities: new Map(),
    activations: new Map(),
    requests: new Map(),
  };
}
