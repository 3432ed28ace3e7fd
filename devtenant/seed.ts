import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { parseDuration } from './time.js';

/**
 * The seed file format (devtenant/seed/demo.json). Shapes follow Graph where Graph has one (policies, questions,
 * subject sets); timestamps may be ISO, `now`, or relative to start-up (`-P30D`, `+PT2H`).
 */

const guid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be a GUID');
const when = z.string().min(1);
const duration = z.string().refine((d) => parseDuration(d) !== null, 'must be an ISO-8601 duration like PT8H or P30D');
const subjectSet = z.looseObject({ '@odata.type': z.string().regex(/^#microsoft\.graph\.\w+$/) });

const user = z.object({
  id: guid,
  displayName: z.string().min(1),
  givenName: z.string(),
  surname: z.string(),
  mail: z.string(),
  userPrincipalName: z.string().min(3),
  jobTitle: z.string().nullable().default(null),
  department: z.string().nullable().default(null),
  officeLocation: z.string().nullable().default(null),
  mobilePhone: z.string().nullable().default(null),
  businessPhones: z.array(z.string()).default([]),
  employeeId: z.string().nullable().default(null),
  managerId: guid.nullable().default(null),
  /** The user's `sponsors` (users of this tenant): who `targetUserSponsors` approvers stand for. */
  sponsorIds: z.array(guid).default([]),
  accountEnabled: z.boolean().default(true),
  preferredLanguage: z.string().default('en-US'),
  /** `Guest` = an external user (B2B); `allMemberUsers` policies leave guests out. */
  userType: z.enum(['Member', 'Guest']).default('Member'),
  /** Null = the tenant's display name (Graph's `companyName`). */
  companyName: z.string().nullable().default(null),
  /** The connected organization an external user came from (accessPackageSubject.connectedOrganization). */
  connectedOrganizationId: guid.nullable().default(null),
});

/**
 * A connected organization (GRAPH-API.md §3.3, §4.13): its sponsors are users of this tenant (internal) or of the
 * partner (external, usually guests here). Its users are the seed users whose `connectedOrganizationId` points at it.
 */
const connectedOrganization = z.object({
  id: guid,
  displayName: z.string().min(1),
  description: z.string().default(''),
  state: z.enum(['configured', 'proposed']).default('configured'),
  identitySources: z.array(subjectSet).default([]),
  internalSponsors: z.array(guid).default([]),
  externalSponsors: z.array(guid).default([]),
  createdDateTime: when.default('-P180D'),
});

/**
 * A Conditional Access authentication context (Graph's authenticationContextClassReference): the id is the claim value
 * PIM policies name (`c1`) and tokens carry in `acrs`; the display name is what people should read.
 */
const authenticationContext = z.object({
  id: z.string().min(1),
  displayName: z.string().min(1),
  description: z.string().nullable().default(null),
  isAvailable: z.boolean().default(true),
});

const pimApproval = z.object({
  approvers: z.array(subjectSet).min(1),
  escalationApprovers: z.array(subjectSet).default([]),
  isApproverJustificationRequired: z.boolean().default(true),
  isEscalationEnabled: z.boolean().default(false),
  escalationTimeInMinutes: z.number().int().min(0).default(0),
  approvalStageTimeOutInDays: z.number().int().min(1).default(1),
});

const pimRules = z.object({
  maximumDuration: duration.default('PT8H'),
  enabledRules: z.array(z.enum(['MultiFactorAuthentication', 'Justification', 'Ticketing'])).default([]),
  authenticationContext: z.string().nullable().default(null),
  approval: pimApproval.nullable().default(null),
  /** `Expiration_Admin_Eligibility`: null = permanent eligibility allowed. */
  eligibleMaximumDuration: duration.nullable().default('P365D'),
});

const group = z.object({
  id: guid,
  displayName: z.string().min(1),
  description: z.string().nullable().default(null),
  mailNickname: z.string(),
  mail: z.string().nullable().default(null),
  mailEnabled: z.boolean().default(false),
  securityEnabled: z.boolean().default(true),
  groupTypes: z.array(z.string()).default([]),
  visibility: z.string().nullable().default('Private'),
  createdDateTime: when.default('-P400D'),
  members: z.array(guid).default([]),
  owners: z.array(guid).default([]),
  /** Present = the group is onboarded to PIM for Groups, with these activation rules per role. */
  pim: z.object({ member: pimRules.optional(), owner: pimRules.optional() }).nullable().default(null),
});

const catalog = z.object({
  id: guid,
  displayName: z.string().min(1),
  description: z.string().default(''),
  isExternallyVisible: z.boolean().default(false),
  createdDateTime: when.default('-P300D'),
});

const resource = z.object({
  id: guid,
  catalogId: guid,
  displayName: z.string().min(1),
  description: z.string().default(''),
  /** `DirectoryRole`: an Entra role (originId = its role definition id), delivered as an eligibility. */
  originSystem: z.enum(['AadGroup', 'AadApplication', 'SharePointOnline', 'DirectoryRole']),
  originId: z.string().min(1),
});

const question = z.looseObject({
  '@odata.type': z.enum([
    '#microsoft.graph.accessPackageTextInputQuestion',
    '#microsoft.graph.accessPackageMultipleChoiceQuestion',
  ]),
  id: guid,
  sequence: z.number().int().default(0),
  isRequired: z.boolean().default(true),
  isAnswerEditable: z.boolean().default(false),
  text: z.string().min(1),
  localizations: z.array(z.unknown()).default([]),
  isSingleLineQuestion: z.boolean().optional(),
  regexPattern: z.string().nullable().optional(),
  isMultipleSelectionAllowed: z.boolean().optional(),
  choices: z
    .array(z.object({ actualValue: z.string(), text: z.string(), localizations: z.array(z.unknown()).default([]) }))
    .optional(),
});

const approvalStage = z.object({
  durationBeforeAutomaticDenial: duration.default('P14D'),
  isApproverJustificationRequired: z.boolean().default(false),
  isEscalationEnabled: z.boolean().default(false),
  durationBeforeEscalation: duration.default('PT0S'),
  primaryApprovers: z.array(subjectSet).min(1),
  fallbackPrimaryApprovers: z.array(subjectSet).default([]),
  escalationApprovers: z.array(subjectSet).default([]),
  fallbackEscalationApprovers: z.array(subjectSet).default([]),
  approverInformationVisibility: z.string().default('default'),
});

const policy = z.object({
  id: guid,
  displayName: z.string().min(1),
  description: z.string().default(''),
  allowedTargetScope: z
    .enum([
      'notSpecified',
      'specificDirectoryUsers',
      'specificConnectedOrganizationUsers',
      'allMemberUsers',
      'allDirectoryUsers',
      'allConfiguredConnectedOrganizationUsers',
      'allExternalUsers',
    ])
    .default('allMemberUsers'),
  specificAllowedTargets: z.array(subjectSet).default([]),
  expiration: z
    .object({
      type: z.enum(['notSpecified', 'noExpiration', 'afterDateTime', 'afterDuration']),
      duration: duration.nullable().default(null),
      endDateTime: when.nullable().default(null),
    })
    .default({ type: 'afterDuration', duration: 'P365D', endDateTime: null }),
  requestorSettings: z
    .object({
      allowCustomAssignmentSchedule: z.boolean().default(false),
      enableTargetsToSelfAddAccess: z.boolean().default(true),
      enableTargetsToSelfUpdateAccess: z.boolean().default(false),
      enableTargetsToSelfRemoveAccess: z.boolean().default(true),
      enableOnBehalfRequestorsToAddAccess: z.boolean().default(false),
      enableOnBehalfRequestorsToUpdateAccess: z.boolean().default(false),
      enableOnBehalfRequestorsToRemoveAccess: z.boolean().default(false),
      onBehalfRequestors: z.array(subjectSet).default([]),
    })
    .prefault({}),
  requestApprovalSettings: z
    .object({
      isApprovalRequiredForAdd: z.boolean().default(false),
      isApprovalRequiredForUpdate: z.boolean().default(false),
      isRequestorJustificationRequired: z.boolean().default(false),
      stages: z.array(approvalStage).max(3).default([]),
    })
    .prefault({}),
  questions: z.array(question).default([]),
  createdDateTime: when.default('-P200D'),
});

const accessPackage = z.object({
  id: guid,
  catalogId: guid,
  displayName: z.string().min(1),
  description: z.string().default(''),
  isHidden: z.boolean().default(false),
  createdDateTime: when.default('-P200D'),
  resourceRoles: z.array(z.object({ resourceId: guid, role: z.string().min(1) })).default([]),
  policies: z.array(policy).min(1),
});

const assignment = z.object({
  id: guid,
  accessPackageId: guid,
  policyId: guid,
  targetId: guid,
  startDateTime: when,
  endDateTime: when.nullable().default(null),
  requestId: guid.optional(),
  justification: z.string().nullable().default(null),
});

const pendingRequest = z.object({
  id: guid,
  requestorId: guid,
  accessPackageId: guid,
  policyId: guid,
  justification: z.string().nullable().default(null),
  answers: z.array(z.unknown()).default([]),
  createdDateTime: when,
});

const accessId = z.enum(['member', 'owner']);

const pim = z.object({
  eligibilities: z
    .array(
      z.object({
        id: guid.optional(),
        principalId: guid,
        groupId: guid,
        accessId,
        startDateTime: when.default('-P30D'),
        endDateTime: when.nullable().default(null),
      }),
    )
    .default([]),
  activations: z
    .array(
      z.object({
        id: guid.optional(),
        principalId: guid,
        groupId: guid,
        accessId,
        startDateTime: when,
        endDateTime: when,
        justification: z.string().default(''),
      }),
    )
    .default([]),
  requests: z
    .array(
      z.object({
        id: guid,
        principalId: guid,
        groupId: guid,
        accessId,
        justification: z.string().default(''),
        duration: duration.default('PT2H'),
        createdDateTime: when,
        ticketInfo: z.object({ ticketNumber: z.string(), ticketSystem: z.string() }).nullable().default(null),
      }),
    )
    .default([]),
});

/** An app of the org's Teams app catalog (what an admin uploads in the Teams admin center). */
const teamsApp = z.object({
  id: guid,
  /** The manifest `id` (TEAMS_APP_ID). */
  externalId: guid,
  displayName: z.string().min(1),
  distributionMethod: z.enum(['organization', 'sideloaded', 'store']).default('organization'),
  version: z.string().default('1.0.0'),
  /** The manifest's bot id (the bot's Entra app id). */
  botId: guid,
  createdDateTime: when.default('-P30D'),
  /** Users who already have the app in their personal scope. */
  installedFor: z.array(guid).default([]),
});

/**
 * PIM for Microsoft Entra roles: role definitions (built-in ids = template ids) with their activation policy,
 * administrative units (scopes), and who is eligible, active or waiting for approval. `directoryScopeId` is `/` or
 * `/administrativeUnits/{id}`.
 */
const directoryScopeId = z
  .string()
  .regex(/^\/(administrativeUnits\/[0-9a-f-]{36})?$/i, "must be '/' or '/administrativeUnits/{id}'")
  .default('/');
const roleTarget = { principalId: guid, roleDefinitionId: guid, directoryScopeId };
const directoryRoles = z.object({
  administrativeUnits: z
    .array(
      z.object({
        id: guid,
        displayName: z.string().min(1),
        description: z.string().default(''),
        visibility: z.string().nullable().default(null),
      }),
    )
    .default([]),
  roleDefinitions: z
    .array(
      z.object({
        id: guid,
        displayName: z.string().min(1),
        description: z.string().default(''),
        allowedResourceActions: z.array(z.string()).default([]),
        policy: pimRules.prefault({}),
      }),
    )
    .default([]),
  eligibilities: z
    .array(
      z.object({
        id: guid.optional(),
        ...roleTarget,
        startDateTime: when.default('-P30D'),
        endDateTime: when.nullable().default(null),
      }),
    )
    .default([]),
  activations: z
    .array(
      z.object({
        id: guid.optional(),
        ...roleTarget,
        startDateTime: when,
        endDateTime: when,
        justification: z.string(),
      }),
    )
    .default([]),
  requests: z
    .array(
      z.object({
        id: guid,
        ...roleTarget,
        justification: z.string().default(''),
        duration: duration.default('PT2H'),
        createdDateTime: when,
        ticketInfo: z.object({ ticketNumber: z.string(), ticketSystem: z.string() }).nullable().default(null),
      }),
    )
    .default([]),
});

export const seedSchema = z.object({
  tenant: z.object({ id: guid, displayName: z.string().min(1), domain: z.string().min(1) }),
  users: z.array(user).min(1),
  connectedOrganizations: z.array(connectedOrganization).default([]),
  authenticationContexts: z.array(authenticationContext).default([]),
  groups: z.array(group).default([]),
  catalogs: z.array(catalog).default([]),
  resources: z.array(resource).default([]),
  accessPackages: z.array(accessPackage).default([]),
  assignments: z.array(assignment).default([]),
  requests: z.array(pendingRequest).default([]),
  pim: pim.prefault({}),
  teamsApps: z.array(teamsApp).default([]),
  directoryRoles: directoryRoles.prefault({}),
});

/** A seed as written in the file (defaults may be omitted). */
export type SeedData = z.input<typeof seedSchema>;
export type Seed = z.output<typeof seedSchema>;
export type SeedUser = Seed['users'][number];
export type SeedConnectedOrganization = Seed['connectedOrganizations'][number];
export type SeedAuthenticationContext = Seed['authenticationContexts'][number];
export type SeedPolicy = Seed['accessPackages'][number]['policies'][number];
export type PimRulesSpec = z.output<typeof pimRules>;
export type ApprovalStageSpecJson = z.output<typeof approvalStage>;
export type SubjectSetJson = z.output<typeof subjectSet>;
export type QuestionJson = z.output<typeof question>;

export const DEFAULT_PIM_RULES: PimRulesSpec = pimRules.parse({});

export const DEFAULT_SEED_PATH = join(dirname(fileURLToPath(import.meta.url)), 'seed', 'demo.json');

/** Reads and validates a seed; throws an Error whose message says what is wrong and where. */
export function loadSeed(source: string | SeedData = DEFAULT_SEED_PATH): Seed {
  let raw: unknown = source;
  if (typeof source === 'string') {
    try {
      raw = JSON.parse(readFileSync(source, 'utf8'));
    } catch (err) {
      throw new Error(`devtenant: cannot read seed '${source}': ${(err as Error).message}`);
    }
  }
  const parsed = seedSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`devtenant: invalid seed:\n${z.prettifyError(parsed.error)}`);
  checkReferences(parsed.data);
  return parsed.data;
}

function checkReferences(seed: Seed): void {
  const problems: string[] = [];
  const users = new Set(seed.users.map((u) => u.id));
  const groups = new Set(seed.groups.map((g) => g.id));
  const catalogs = new Set(seed.catalogs.map((c) => c.id));
  const resources = new Map(seed.resources.map((r) => [r.id, r]));
  const need = (ok: boolean, what: string): void => {
    if (!ok) problems.push(what);
  };
  for (const u of seed.users) {
    need(!u.managerId || users.has(u.managerId), `user ${u.id}: unknown managerId ${u.managerId}`);
    for (const s of u.sponsorIds) need(users.has(s), `user ${u.id}: unknown sponsor ${s}`);
  }
  const orgs = new Set(seed.connectedOrganizations.map((o) => o.id.toLowerCase()));
  for (const u of seed.users) {
    if (!u.connectedOrganizationId) continue;
    need(orgs.has(u.connectedOrganizationId.toLowerCase()), `user ${u.id}: unknown connectedOrganizationId`);
    need(u.userType === 'Guest', `user ${u.id}: only a Guest can belong to a connected organization`);
  }
  const guests = new Set(seed.users.filter((u) => u.userType === 'Guest').map((u) => u.id));
  for (const o of seed.connectedOrganizations) {
    for (const s of [...o.internalSponsors, ...o.externalSponsors])
      need(users.has(s), `connected organization ${o.id}: unknown sponsor ${s}`);
    for (const s of o.internalSponsors)
      need(!guests.has(s), `connected organization ${o.id}: internal sponsor ${s} must be a Member, not a Guest`);
  }
  for (const g of seed.groups) {
    for (const m of [...g.members, ...g.owners]) need(users.has(m), `group ${g.id}: unknown user ${m}`);
  }
  for (const r of seed.resources) {
    need(catalogs.has(r.catalogId), `resource ${r.id}: unknown catalogId`);
    need(r.originSystem !== 'AadGroup' || groups.has(r.originId), `resource ${r.id}: unknown group ${r.originId}`);
  }
  const policies = new Map<string, string>();
  for (const p of seed.accessPackages) {
    need(catalogs.has(p.catalogId), `access package ${p.id}: unknown catalogId`);
    for (const rr of p.resourceRoles) {
      const res = resources.get(rr.resourceId);
      need(!!res, `access package ${p.id}: unknown resourceId ${rr.resourceId}`);
      if (res?.originSystem === 'DirectoryRole') {
        need(
          DIRECTORY_ROLE_ROLES.includes(rr.role),
          `access package ${p.id}: a directory role is delivered as ${DIRECTORY_ROLE_ROLES.join(', ')}`,
        );
      }
      if (res?.originSystem === 'AadGroup') {
        need(
          GROUP_ROLES.includes(rr.role),
          `access package ${p.id}: group role must be one of ${GROUP_ROLES.join(', ')}`,
        );
      }
    }
    for (const pol of p.policies) policies.set(pol.id, p.id);
  }
  for (const a of seed.assignments) {
    need(policies.get(a.policyId) === a.accessPackageId, `assignment ${a.id}: policy is not a policy of its package`);
    need(users.has(a.targetId), `assignment ${a.id}: unknown targetId`);
  }
  for (const r of seed.requests) {
    need(policies.get(r.policyId) === r.accessPackageId, `request ${r.id}: policy is not a policy of its package`);
    need(users.has(r.requestorId), `request ${r.id}: unknown requestorId`);
  }
  for (const e of [...seed.pim.eligibilities, ...seed.pim.activations, ...seed.pim.requests]) {
    need(
      users.has(e.principalId) && groups.has(e.groupId),
      `PIM item for ${e.principalId}/${e.groupId}: unknown user or group`,
    );
  }
  for (const app of seed.teamsApps) {
    for (const u of app.installedFor) need(users.has(u), `teams app ${app.id}: unknown user ${u} in installedFor`);
  }
  checkDirectoryRoleReferences(seed, users, need);
  if (problems.length > 0) throw new Error(`devtenant: invalid seed references:\n- ${problems.join('\n- ')}`);
}

export const GROUP_ROLES = ['Member', 'Owner', 'Eligible Member', 'Eligible Owner'];
/** `Active Member` (a permanent role assignment) is not modelled. */
export const DIRECTORY_ROLE_ROLES = ['Eligible Member'];

function checkDirectoryRoleReferences(seed: Seed, users: Set<string>, need: (ok: boolean, what: string) => void): void {
  const roles = seed.directoryRoles;
  const definitions = new Set(roles.roleDefinitions.map((r) => r.id.toLowerCase()));
  const units = new Set(roles.administrativeUnits.map((u) => u.id.toLowerCase()));
  for (const r of roles.roleDefinitions) {
    need(!r.policy.approval || r.policy.approval.approvers.length > 0, `role ${r.id}: approval without approvers`);
  }
  for (const r of seed.resources) {
    if (r.originSystem !== 'DirectoryRole') continue;
    need(definitions.has(r.originId.toLowerCase()), `resource ${r.id}: unknown directory role ${r.originId}`);
  }
  for (const e of [...roles.eligibilities, ...roles.activations, ...roles.requests]) {
    const where = `directory role item for ${e.principalId}/${e.roleDefinitionId}`;
    need(users.has(e.principalId), `${where}: unknown principalId`);
    need(definitions.has(e.roleDefinitionId.toLowerCase()), `${where}: unknown roleDefinitionId`);
    const unit = /^\/administrativeUnits\/(.+)$/i.exec(e.directoryScopeId)?.[1];
    need(!unit || units.has(unit.toLowerCase()), `${where}: unknown administrative unit ${unit}`);
  }
}
