import {
  describeSubjectSet,
  MAX_MANAGER_LEVEL,
  managerLevelOf,
  PEOPLE_KINDS,
  subjectKindOf,
} from '../entitlement/subjectSets.js';
import type { BatchRequest, GraphFacade } from '../graph/client.js';
import type { Logger } from '../log.js';
import type { PersonRef, StagePlan } from '../model/approvals.js';
import type { EmStageJson, PimStageJson, SubjectSetJson } from './graphShapes.js';
import { EM_ROOT, personOf } from './graphShapes.js';

/**
 * The requester as approver resolution needs them: `requestorManager` / `targetManager` mean their manager at the
 * policy's `managerLevel` (the bot's requests are for oneself, so the target is the requester); `internalSponsors` /
 * `externalSponsors` mean the sponsors of the connected organization they came from
 * (`requestor($expand=connectedOrganization)`, GRAPH-API.md 4.13); `targetUserSponsors` their own `sponsors`.
 */
export interface RequesterContext {
  id: string;
  manager?: PersonRef;
  /** True when the requester's profile (and so their direct manager) could not be read: no manager is not known. */
  managerUnread?: boolean;
  connectedOrganizationId?: string;
}

type SponsorKind = 'internal' | 'external';
const SPONSOR_KINDS: Record<string, SponsorKind> = { internalSponsors: 'internal', externalSponsors: 'external' };

const kindOf = subjectKindOf;
const isManagerKind = (kind: string) => kind === 'requestorManager' || kind === 'targetManager';

const seg = encodeURIComponent;

/**
 * Turns policy subject sets that stand for people (`PEOPLE_KINDS`) into people, with one `$batch` for every lookup all
 * the stages of all the requests at hand need (managers above the second level take one more round each): first
 * `need(...)` everything, then `load`, then `resolve`. Other kinds resolve to nobody, so fallback approvers apply.
 */
export class ApproverResolver {
  private readonly groups = new Map<string, PersonRef[]>();
  private readonly users = new Map<string, PersonRef>();
  /** user id → their manager (null: none, a 404). A failed read leaves no entry: the chain is not known. */
  private readonly managers = new Map<string, PersonRef | null>();
  /** `<kind>:<id>` of the lookups Graph did not answer (429, 503, timeout): resolution from them is incomplete. */
  private readonly failed = new Set<string>();
  /** Manager chains still to walk: the requester's direct manager and how many levels above them are needed. */
  private readonly chains: { from: PersonRef; above: number }[] = [];
  private readonly userSponsors = new Map<string, PersonRef[]>();
  /** `internal:<orgId>` / `external:<orgId>` → the organization's sponsors. */
  private readonly sponsors = new Map<string, PersonRef[]>();

  need(sets: readonly SubjectSetJson[] | null | undefined, requester: RequesterContext): void {
    for (const set of sets ?? []) {
      const kind = kindOf(set);
      if (kind === 'groupMembers' && set.groupId) this.groups.set(set.groupId.toLowerCase(), []);
      if (kind === 'singleUser' && set.userId && !set.description)
        this.users.set(set.userId.toLowerCase(), unknown(set.userId));
      if (isManagerKind(kind) && managerLevelOf(set) > 1 && requester.manager) {
        this.chains.push({ from: requester.manager, above: managerLevelOf(set) - 1 });
      }
      if (kind === 'targetUserSponsors') this.userSponsors.set(requester.id.toLowerCase(), []);
      const sponsorKind = SPONSOR_KINDS[kind];
      if (sponsorKind && requester.connectedOrganizationId) {
        this.sponsors.set(`${sponsorKind}:${requester.connectedOrganizationId.toLowerCase()}`, []);
      }
    }
  }

  /** Reads what `need` collected, in one round trip (chunks of 20 inside the batch). Failed items resolve to nobody. */
  async load(app: GraphFacade, log: Logger): Promise<void> {
    await this.loadRound(app, log, [
      ...[...this.groups.keys()].map((id) => get(`g:${id}`, `/groups/${seg(id)}/members?$select=id,displayName`)),
      ...[...this.users.keys()].map((id) => get(`u:${id}`, `/users/${seg(id)}?$select=id,displayName`)),
      ...[...this.userSponsors.keys()].map((id) => get(`p:${id}`, `/users/${seg(id)}/sponsors?$select=id,displayName`)),
      ...this.managerReads(),
      ...[...this.sponsors.keys()].map((key) => {
        const [kind, orgId] = key.split(':');
        return get(
          `s:${key}`,
          `${EM_ROOT}/connectedOrganizations/${seg(orgId)}/${kind}Sponsors?$select=id,displayName`,
        );
      }),
    ]);
    // Each further level of a manager chain is known only once the level below it is read.
    for (let round = 2; round < MAX_MANAGER_LEVEL; round++) await this.loadRound(app, log, this.managerReads());
  }

  /** `/users/{id}/manager` for the next unread link of every chain. */
  private managerReads(): BatchRequest[] {
    const ids = new Set<string>();
    for (const chain of this.chains) {
      let person: PersonRef | null | undefined = chain.from;
      for (let i = 0; i < chain.above && person; i++) {
        if (!this.managers.has(person.id)) {
          ids.add(person.id);
          break;
        }
        person = this.managers.get(person.id);
      }
    }
    return [...ids].map((id) => get(`m:${id}`, `/users/${seg(id)}/manager?$select=id,displayName`));
  }

  private async loadRound(app: GraphFacade, log: Logger, requests: BatchRequest[]): Promise<void> {
    if (requests.length === 0) return;
    for (const result of await app.batch(requests)) {
      const [kind, id] = [result.id.slice(0, 1), result.id.slice(2)];
      if (result.status !== 200) {
        // No manager is a 404 on Graph: the chain ends there, and fallback approvers apply. A failure that may pass
        // (throttled, unavailable, timed out) says nothing about who approves: the plan is incomplete, read again later.
        if (isTransient(result.status)) this.failed.add(`${kind}:${id}`);
        else if (kind === 'm') this.managers.set(id, null);
        log.warn({ lookup: kind, id, status: result.status }, 'could not resolve an approver subject');
        continue;
      }
      const body = result.body as { value?: DirectoryObjectJson[] } & PersonJson;
      this.failed.delete(`${kind}:${id}`);
      if (kind === 'g') this.groups.set(id, (body.value ?? []).map(personOf).filter(isPerson));
      // Sponsors are directory objects; only users are asked (a sponsor group is not expanded here).
      if (kind === 's') this.sponsors.set(id, (body.value ?? []).filter(isUserObject).map(personOf).filter(isPerson));
      if (kind === 'u') this.users.set(id, personOf(body) ?? unknown(id));
      if (kind === 'p')
        this.userSponsors.set(id, (body.value ?? []).filter(isUserObject).map(personOf).filter(isPerson));
      if (kind === 'm') this.managers.set(id, personOf(body) ?? null);
    }
  }

  resolve(sets: readonly SubjectSetJson[] | null | undefined, requester: RequesterContext): PersonRef[] {
    const people = new Map<string, PersonRef>();
    for (const set of sets ?? []) {
      for (const person of this.resolveOne(set, requester)) people.set(person.id, person);
    }
    people.delete(requester.id);
    return [...people.values()];
  }

  private resolveOne(set: SubjectSetJson, requester: RequesterContext): PersonRef[] {
    const kind = kindOf(set);
    if (kind === 'singleUser' && set.userId) {
      const id = set.userId.toLowerCase();
      return [set.description ? { id, displayName: set.description } : (this.users.get(id) ?? unknown(id))];
    }
    if (kind === 'groupMembers' && set.groupId) return this.groups.get(set.groupId.toLowerCase()) ?? [];
    if (isManagerKind(kind)) {
      let person: PersonRef | null | undefined = requester.manager;
      for (let level = 1; level < managerLevelOf(set) && person; level++) person = this.managers.get(person.id);
      return person ? [person] : [];
    }
    if (kind === 'targetUserSponsors') return this.userSponsors.get(requester.id.toLowerCase()) ?? [];
    const sponsorKind = SPONSOR_KINDS[kind];
    if (sponsorKind) {
      const orgId = requester.connectedOrganizationId?.toLowerCase();
      return orgId ? (this.sponsors.get(`${sponsorKind}:${orgId}`) ?? []) : [];
    }
    // Connected organization members, attribute rules, apps and the other kinds outside PEOPLE_KINDS resolve to
    // nobody here; fallback approvers apply, and the card says so (`unresolvedKinds`).
    return [];
  }

  /**
   * Whether some of `sets` could not be resolved because a lookup failed (not because Graph said there is nobody):
   * a plan built from them must not fall back nor be kept as final.
   */
  incomplete(sets: readonly SubjectSetJson[] | null | undefined, requester: RequesterContext): boolean {
    return (sets ?? []).some((set) => this.failedFor(set, requester));
  }

  private failedFor(set: SubjectSetJson, requester: RequesterContext): boolean {
    const kind = kindOf(set);
    if (kind === 'groupMembers' && set.groupId) return this.failed.has(`g:${set.groupId.toLowerCase()}`);
    if (isManagerKind(kind)) {
      if (!requester.manager) return !!requester.managerUnread;
      let person: PersonRef | null | undefined = requester.manager;
      for (let level = 1; level < managerLevelOf(set) && person; level++) {
        if (!this.managers.has(person.id)) return true;
        person = this.managers.get(person.id);
      }
      return false;
    }
    if (kind === 'targetUserSponsors') return this.failed.has(`p:${requester.id.toLowerCase()}`);
    const sponsorKind = SPONSOR_KINDS[kind];
    const orgId = requester.connectedOrganizationId?.toLowerCase();
    if (sponsorKind && orgId) return this.failed.has(`s:${sponsorKind}:${orgId}`);
    return false;
  }

  /** Who `sets` name, in words an approver reads; a named user without a description by the name read for them. */
  words(sets: readonly SubjectSetJson[] | null | undefined): string[] {
    const words = (sets ?? []).map((set) => {
      const read =
        kindOf(set) === 'singleUser' && !set.description && set.userId && this.users.get(set.userId.toLowerCase());
      return read && read.displayName !== UNKNOWN_NAME ? read.displayName : describeSubjectSet(set, 'approver');
    });
    return [...new Set(words)];
  }

  /** The kinds in `sets` that stand for nobody the bot can send a card to, in words an approver reads. */
  unresolvedKinds(sets: readonly SubjectSetJson[] | null | undefined, requester: RequesterContext): string[] {
    const words = (sets ?? [])
      .filter((set) => !PEOPLE_KINDS.has(kindOf(set)) || this.resolveOne(set, requester).length === 0)
      // A lookup that failed for now is read again; the card does not say the bot cannot tell who they are.
      .filter((set) => !this.failedFor(set, requester))
      .map((set) => describeSubjectSet(set, 'approver'));
    return [...new Set(words)];
  }
}

interface PersonJson {
  id?: string;
  displayName?: string;
}

interface DirectoryObjectJson extends PersonJson {
  '@odata.type'?: string;
}

/** A directoryObject that is a user (no `@odata.type` = a user, as in `$select`ed member lists). */
function isUserObject(o: DirectoryObjectJson): boolean {
  const type = o['@odata.type'];
  return !type || /\.user$/i.test(type);
}

/**
 * Throttling, timeouts and server errors pass. Other answers (404 no manager, 403 a permission the app lacks) do not
 * change by asking again, so they resolve to nobody and fallback approvers apply.
 */
export function isTransient(status: number): boolean {
  return status === 0 || status === 408 || status === 429 || status >= 500;
}

function get(id: string, url: string): BatchRequest {
  return { id, method: 'GET', url };
}

const UNKNOWN_NAME = 'An approver';

function unknown(id: string): PersonRef {
  return { id: id.toLowerCase(), displayName: UNKNOWN_NAME };
}

function isPerson(p: PersonRef | undefined): p is PersonRef {
  return !!p;
}

/** Primary approvers, or the fallback ones when none resolve (never the requester), as Entra does it. */
export function emStageNeeds(stage: EmStageJson, requester: RequesterContext, resolver: ApproverResolver): void {
  resolver.need(stage.primaryApprovers, requester);
  resolver.need(stage.fallbackPrimaryApprovers, requester);
  resolver.need(stage.escalationApprovers, requester);
  resolver.need(stage.fallbackEscalationApprovers, requester);
}

export function emStagePlan(stage: EmStageJson, requester: RequesterContext, resolver: ApproverResolver): StagePlan {
  const resolvedPrimary = resolver.resolve(stage.primaryApprovers, requester);
  const primaryIncomplete = resolver.incomplete(stage.primaryApprovers, requester);
  const usesFallback =
    resolvedPrimary.length === 0 && !primaryIncomplete && (stage.fallbackPrimaryApprovers ?? []).length > 0;
  const primary = usesFallback ? resolver.resolve(stage.fallbackPrimaryApprovers, requester) : resolvedPrimary;
  const escalationEnabled = !!stage.isEscalationEnabled;
  const resolvedEscalation = escalationEnabled ? resolver.resolve(stage.escalationApprovers, requester) : [];
  const escalationIncomplete = escalationEnabled && resolver.incomplete(stage.escalationApprovers, requester);
  const escalation =
    resolvedEscalation.length > 0 || escalationIncomplete
      ? resolvedEscalation
      : escalationEnabled
        ? resolver.resolve(stage.fallbackEscalationApprovers, requester)
        : [];
  const incomplete =
    primaryIncomplete ||
    (usesFallback && resolver.incomplete(stage.fallbackPrimaryApprovers, requester)) ||
    escalationIncomplete ||
    (escalationEnabled &&
      resolvedEscalation.length === 0 &&
      resolver.incomplete(stage.fallbackEscalationApprovers, requester));
  return {
    approvers: primary,
    ...(incomplete ? { incomplete } : {}),
    ...namedApprovers(stage.primaryApprovers, requester, resolver, usesFallback),
    escalationApprovers: escalation,
    escalateAfter: escalationEnabled ? (stage.durationBeforeEscalation ?? undefined) : undefined,
    timeout: stage.durationBeforeAutomaticDenial ?? undefined,
    justificationRequired: !!stage.isApproverJustificationRequired,
  };
}

export function pimStageNeeds(stage: PimStageJson, requester: RequesterContext, resolver: ApproverResolver): void {
  resolver.need(stage.primaryApprovers, requester);
  resolver.need(stage.escalationApprovers, requester);
}

export function pimStagePlan(stage: PimStageJson, requester: RequesterContext, resolver: ApproverResolver): StagePlan {
  const escalationEnabled = !!stage.isEscalationEnabled && (stage.escalationTimeInMinutes ?? 0) > 0;
  const incomplete =
    resolver.incomplete(stage.primaryApprovers, requester) ||
    (escalationEnabled && resolver.incomplete(stage.escalationApprovers, requester));
  return {
    approvers: resolver.resolve(stage.primaryApprovers, requester),
    ...(incomplete ? { incomplete } : {}),
    ...namedApprovers(stage.primaryApprovers, requester, resolver, false),
    escalationApprovers: escalationEnabled ? resolver.resolve(stage.escalationApprovers, requester) : [],
    escalateAfter: escalationEnabled ? `PT${stage.escalationTimeInMinutes}M` : undefined,
    // PIM for Groups gives approvers 24 hours unless the policy says otherwise (GRAPH-API.md 6.9).
    timeout: `P${stage.approvalStageTimeOutInDays ?? 1}D`,
    justificationRequired: !!stage.isApproverJustificationRequired,
  };
}

function namedApprovers(
  sets: readonly SubjectSetJson[] | null | undefined,
  requester: RequesterContext,
  resolver: ApproverResolver,
  usesFallback: boolean,
): Pick<StagePlan, 'approverKinds' | 'unresolvedKinds' | 'usesFallback'> {
  const unresolved = resolver.unresolvedKinds(sets, requester);
  return {
    approverKinds: resolver.words(sets),
    ...(unresolved.length > 0 ? { unresolvedKinds: unresolved } : {}),
    ...(usesFallback ? { usesFallback } : {}),
  };
}
