import type { BatchRequest, GraphFacade } from '../graph/client.js';
import type { Logger } from '../log.js';
import type { PersonRef, StagePlan } from '../model/approvals.js';
import type { EmStageJson, PimStageJson, SubjectSetJson } from './graphShapes.js';
import { EM_ROOT, personOf } from './graphShapes.js';

/**
 * The requester as approver resolution needs them: `requestorManager` means their manager (or the manager's);
 * `internalSponsors` / `externalSponsors` mean the sponsors of the connected organization they came from
 * (`requestor($expand=connectedOrganization)`, GRAPH-API.md 4.13).
 */
export interface RequesterContext {
  id: string;
  manager?: PersonRef;
  connectedOrganizationId?: string;
}

type SponsorKind = 'internal' | 'external';
const SPONSOR_KINDS: Record<string, SponsorKind> = { internalsponsors: 'internal', externalsponsors: 'external' };

function kindOf(set: SubjectSetJson): string {
  return (set['@odata.type'] ?? '').replace('#microsoft.graph.', '').toLowerCase();
}

const seg = encodeURIComponent;

/**
 * Turns policy subject sets (singleUser, groupMembers, requestorManager, internalSponsors, externalSponsors) into
 * people, with one `$batch` for every lookup all the stages of all the requests at hand need: first `need(...)`
 * everything, then `load`, then `resolve`.
 */
export class ApproverResolver {
  private readonly groups = new Map<string, PersonRef[]>();
  private readonly users = new Map<string, PersonRef>();
  private readonly managers = new Map<string, PersonRef | null>();
  /** `internal:<orgId>` / `external:<orgId>` → the organization's sponsors. */
  private readonly sponsors = new Map<string, PersonRef[]>();

  need(sets: readonly SubjectSetJson[] | null | undefined, requester: RequesterContext): void {
    for (const set of sets ?? []) {
      const kind = kindOf(set);
      if (kind === 'groupmembers' && set.groupId) this.groups.set(set.groupId.toLowerCase(), []);
      if (kind === 'singleuser' && set.userId && !set.description)
        this.users.set(set.userId.toLowerCase(), unknown(set.userId));
      if (kind === 'requestormanager' && (set.managerLevel ?? 1) === 2 && requester.manager) {
        this.managers.set(requester.manager.id, null);
      }
      const sponsorKind = SPONSOR_KINDS[kind];
      if (sponsorKind && requester.connectedOrganizationId) {
        this.sponsors.set(`${sponsorKind}:${requester.connectedOrganizationId.toLowerCase()}`, []);
      }
    }
  }

  /** Reads what `need` collected, in one round trip (chunks of 20 inside the batch). Failed items resolve to nobody. */
  async load(app: GraphFacade, log: Logger): Promise<void> {
    const requests: BatchRequest[] = [
      ...[...this.groups.keys()].map((id) => get(`g:${id}`, `/groups/${seg(id)}/members?$select=id,displayName`)),
      ...[...this.users.keys()].map((id) => get(`u:${id}`, `/users/${seg(id)}?$select=id,displayName`)),
      ...[...this.managers.keys()].map((id) => get(`m:${id}`, `/users/${seg(id)}/manager?$select=id,displayName`)),
      ...[...this.sponsors.keys()].map((key) => {
        const [kind, orgId] = key.split(':');
        return get(
          `s:${key}`,
          `${EM_ROOT}/connectedOrganizations/${seg(orgId)}/${kind}Sponsors?$select=id,displayName`,
        );
      }),
    ];
    if (requests.length === 0) return;
    for (const result of await app.batch(requests)) {
      const [kind, id] = [result.id.slice(0, 1), result.id.slice(2)];
      if (result.status !== 200) {
        log.warn({ lookup: kind, id, status: result.status }, 'could not resolve an approver subject');
        continue;
      }
      const body = result.body as { value?: DirectoryObjectJson[] } & PersonJson;
      if (kind === 'g') this.groups.set(id, (body.value ?? []).map(personOf).filter(isPerson));
      // Sponsors are directory objects; only users are asked (a sponsor group is not expanded here).
      if (kind === 's') this.sponsors.set(id, (body.value ?? []).filter(isUserObject).map(personOf).filter(isPerson));
      if (kind === 'u') this.users.set(id, personOf(body) ?? unknown(id));
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
    if (kind === 'singleuser' && set.userId) {
      const id = set.userId.toLowerCase();
      return [set.description ? { id, displayName: set.description } : (this.users.get(id) ?? unknown(id))];
    }
    if (kind === 'groupmembers' && set.groupId) return this.groups.get(set.groupId.toLowerCase()) ?? [];
    if (kind === 'requestormanager') {
      const level = set.managerLevel ?? 1;
      if (level === 1) return requester.manager ? [requester.manager] : [];
      const second = level === 2 && requester.manager ? this.managers.get(requester.manager.id) : undefined;
      return second ? [second] : [];
    }
    const sponsorKind = SPONSOR_KINDS[kind];
    if (sponsorKind) {
      const orgId = requester.connectedOrganizationId?.toLowerCase();
      return orgId ? (this.sponsors.get(`${sponsorKind}:${orgId}`) ?? []) : [];
    }
    // targetUserSponsors (a user's own sponsors: GRAPH-API.md documents no read for them), connected organization
    // members and attribute rules cannot be resolved here; fallback approvers apply.
    return [];
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

function get(id: string, url: string): BatchRequest {
  return { id, method: 'GET', url };
}

function unknown(id: string): PersonRef {
  return { id: id.toLowerCase(), displayName: 'An approver' };
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
  const primary = firstNonEmpty(
    resolver.resolve(stage.primaryApprovers, requester),
    resolver.resolve(stage.fallbackPrimaryApprovers, requester),
  );
  const escalationEnabled = !!stage.isEscalationEnabled;
  const escalation = escalationEnabled
    ? firstNonEmpty(
        resolver.resolve(stage.escalationApprovers, requester),
        resolver.resolve(stage.fallbackEscalationApprovers, requester),
      )
    : [];
  return {
    approvers: primary,
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
  return {
    approvers: resolver.resolve(stage.primaryApprovers, requester),
    escalationApprovers: escalationEnabled ? resolver.resolve(stage.escalationApprovers, requester) : [],
    escalateAfter: escalationEnabled ? `PT${stage.escalationTimeInMinutes}M` : undefined,
    // PIM for Groups gives approvers 24 hours unless the policy says otherwise (GRAPH-API.md 6.9).
    timeout: `P${stage.approvalStageTimeOutInDays ?? 1}D`,
    justificationRequired: !!stage.isApproverJustificationRequired,
  };
}

function firstNonEmpty(a: PersonRef[], b: PersonRef[]): PersonRef[] {
  return a.length > 0 ? a : b;
}
