import type {
  AccessPackage,
  AccessPackageApprovalStage,
  AccessPackageAssignment,
  AccessPackageAssignmentPolicy,
  AccessPackageAssignmentRequest,
  AccessPackageAssignmentRequestRequirements,
  AccessPackageLocalizedText,
  AccessPackageResourceRoleScope,
  ExpirationPattern,
} from '@microsoft/microsoft-graph-types';
import type {
  AccessLength,
  ApprovalStageView,
  AssignmentView,
  ChoiceQuestion,
  EligibleGroupRole,
  GroupAccess,
  PackageDetails,
  PackageGrant,
  PackageSummary,
  PolicyQuestion,
  PolicySummary,
  RequestKind,
  RequestRequirements,
  RequestState,
  RequestView,
  ResourceKind,
  TextQuestion,
} from '../model/entitlement.js';
import { describeSubjectSet } from './subjectSets.js';

/**
 * Graph JSON → the journey's view types. Tolerant on purpose (GRAPH-API.md §2, §8): enum casing varies, older beta
 * shapes still appear in answers (question `text` objects, `requestState`), and optional parts may be missing.
 */

export const TEXT_ANSWER_MAX = { singleLine: 256, multiLine: 2000 } as const;

const str = (value: unknown): string => (typeof value === 'string' ? value : '');
const lower = (value: unknown): string => str(value).toLowerCase();

export function toPackageSummary(raw: AccessPackage): PackageSummary {
  const names = (raw.resourceRoleScopes ?? []).map(resourceNameOf).filter((n) => n !== '');
  return {
    id: lower(raw.id),
    displayName: str(raw.displayName) || 'Unnamed access package',
    description: str(raw.description),
    catalogName: str(raw.catalog?.displayName),
    resourceNames: [...new Set(names)],
    isHidden: raw.isHidden === true,
  };
}

export function toPackageDetails(raw: AccessPackage, managerName?: string): PackageDetails {
  const summary = toPackageSummary(raw);
  return {
    id: summary.id,
    displayName: summary.displayName,
    description: summary.description,
    catalogName: summary.catalogName,
    grants: (raw.resourceRoleScopes ?? []).map(toGrant),
    policies: (raw.assignmentPolicies ?? []).filter(isRequestPolicy).map((p) => toPolicySummary(p, managerName)),
  };
}

/** Auto-assignment policies cannot be requested; only request-based ones matter to a requester. */
function isRequestPolicy(policy: AccessPackageAssignmentPolicy): boolean {
  return !policy.automaticRequestSettings;
}

function resourceNameOf(rs: AccessPackageResourceRoleScope): string {
  const fromResource = str(rs.role?.resource?.displayName) || str(rs.scope?.resource?.displayName);
  if (fromResource) return fromResource;
  const scopeName = str(rs.scope?.displayName);
  return scopeName && !rs.scope?.isRootScope ? scopeName : '';
}

const ORIGIN_KINDS: Record<string, ResourceKind> = {
  aadgroup: 'group',
  aadapplication: 'app',
  sharepointonline: 'site',
  directoryrole: 'directoryRole',
};

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function toGrant(rs: AccessPackageResourceRoleScope): PackageGrant {
  const kind = ORIGIN_KINDS[lower(rs.role?.originSystem ?? rs.scope?.originSystem)] ?? 'other';
  const roleName = str(rs.role?.displayName) || 'Access';
  const grant: PackageGrant = { kind, resourceName: resourceNameOf(rs) || roleName, roleName };
  if (kind !== 'group') return grant;
  const groupId = [rs.role?.resource?.originId, rs.scope?.originId].map(str).find((id) => GUID.test(id));
  if (groupId) grant.groupId = groupId.toLowerCase();
  const eligible = eligibleAccessOf(roleName, str(rs.role?.originId));
  if (eligible) grant.eligible = eligible;
  return grant;
}

/** "Eligible Member" / `EligibleMember_…` (GRAPH-API.md §4.15); the owner variant by analogy. */
function eligibleAccessOf(roleName: string, originId: string): GroupAccess | undefined {
  const name = roleName.toLowerCase().replace(/\s+/g, ' ');
  const origin = originId.toLowerCase();
  if (name === 'eligible member' || origin.startsWith('eligiblemember_')) return 'member';
  if (name === 'eligible owner' || origin.startsWith('eligibleowner_')) return 'owner';
  return undefined;
}

export function eligibleRolesOf(grants: PackageGrant[]): EligibleGroupRole[] {
  return grants
    .filter((g): g is PackageGrant & { eligible: GroupAccess; groupId: string } => !!g.eligible && !!g.groupId)
    .map((g) => ({ groupId: g.groupId, accessId: g.eligible, groupName: g.resourceName }));
}

export function toPolicySummary(policy: AccessPackageAssignmentPolicy, managerName?: string): PolicySummary {
  const approval = policy.requestApprovalSettings;
  const stages = (approval?.stages ?? []).map((s) => toStage(s, managerName));
  return {
    id: lower(policy.id),
    displayName: str(policy.displayName) || 'Policy',
    description: str(policy.description),
    approvalRequired: approval?.isApprovalRequiredForAdd === true && stages.length > 0,
    stages,
    justificationRequired: approval?.isRequestorJustificationRequired === true,
    lasts: accessLengthOf(policy.expiration),
  };
}

function toStage(stage: AccessPackageApprovalStage, managerName?: string): ApprovalStageView {
  const primary = (stage.primaryApprovers ?? []).map((s) => describeApprover(s, managerName));
  const fallback = (stage.fallbackPrimaryApprovers ?? []).map((s) => describeApprover(s, managerName));
  const approvers = primary.length > 0 ? primary : fallback;
  const view: ApprovalStageView = { approvers: approvers.length > 0 ? approvers : ['an approver'] };
  const visibility = (stage as { approverInformationVisibility?: unknown }).approverInformationVisibility;
  if (lower(visibility) === 'notvisible') view.approverHidden = true;
  return view;
}

/** A subjectSet in words, as the requester reads it (GRAPH-API.md §3.3; every kind in subjectSets.ts). */
export function describeApprover(subject: object, managerName?: string): string {
  return describeSubjectSet(subject, 'requester', managerName);
}

export function accessLengthOf(expiration: ExpirationPattern | null | undefined): AccessLength {
  const type = lower(expiration?.type);
  if (type === 'noexpiration') return { kind: 'noExpiry' };
  if (type === 'afterdatetime' && str(expiration?.endDateTime))
    return { kind: 'until', date: str(expiration?.endDateTime) };
  const ms = parseIsoDuration(str(expiration?.duration));
  if (ms !== undefined && ms > 0) {
    const hours = Math.round(ms / 3_600_000);
    return { kind: 'duration', days: Math.floor(hours / 24), hours: hours % 24 };
  }
  return { kind: 'unknown' };
}

const DURATION = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i;

/** ISO-8601 duration in milliseconds (years as 365 days, months as 30); undefined when it is not one. */
export function parseIsoDuration(text: string): number | undefined {
  const m = DURATION.exec(text.trim());
  if (!m || text.trim() === 'P' || text.trim().endsWith('T')) return undefined;
  const [y, mo, w, d, h, mi, s] = m.slice(1).map((v) => (v ? Number(v) : 0));
  const days = y * 365 + mo * 30 + w * 7 + d;
  return ((days * 24 + h) * 60 + mi) * 60_000 + s * 1000;
}

export function lengthInMs(length: AccessLength): number | undefined {
  return length.kind === 'duration' ? (length.days * 24 + length.hours) * 3_600_000 : undefined;
}

// ---------- requirements ----------

export function toRequirements(raw: AccessPackageAssignmentRequestRequirements, locale: string): RequestRequirements {
  const loose = raw as Record<string, unknown>;
  const questions = (raw.questions ?? [])
    .map((q) => toQuestion(q as Record<string, unknown>, locale))
    .filter((q): q is PolicyQuestion => q !== undefined)
    .sort((a, b) => a.sequence - b.sequence);
  return {
    policyId: lower(raw.policyId),
    policyDisplayName: str(raw.policyDisplayName) || 'Request policy',
    policyDescription: str(raw.policyDescription),
    // Older beta name `isApprovalRequired` is tolerated (GRAPH-API.md §8).
    approvalRequired: raw.isApprovalRequiredForAdd === true || loose.isApprovalRequired === true,
    justificationRequired: raw.isRequestorJustificationRequired === true,
    allowCustomSchedule: raw.allowCustomAssignmentSchedule === true || loose.isCustomAssignmentScheduleAllowed === true,
    lasts: accessLengthOf(raw.schedule?.expiration),
    questions,
  };
}

function toQuestion(q: Record<string, unknown>, locale: string): PolicyQuestion | undefined {
  const type = lower(q['@odata.type']).replace('#microsoft.graph.', '');
  const base = {
    id: str(q.id),
    sequence: typeof q.sequence === 'number' ? q.sequence : 0,
    required: q.isRequired === true,
    text: localized(q.text, q.localizations, locale) || 'Question',
  };
  if (!base.id) return undefined;
  if (type.endsWith('multiplechoicequestion')) return toChoiceQuestion(q, base, locale);
  if (type.endsWith('textinputquestion') || type === '') return toTextQuestion(q, base);
  return undefined;
}

function toTextQuestion(
  q: Record<string, unknown>,
  base: Omit<TextQuestion, 'kind' | 'odataType' | 'singleLine' | 'maxLength'>,
): TextQuestion {
  const singleLine = q.isSingleLineQuestion !== false;
  const question: TextQuestion = {
    ...base,
    kind: 'text',
    odataType: '#microsoft.graph.accessPackageTextInputQuestion',
    singleLine,
    maxLength: singleLine ? TEXT_ANSWER_MAX.singleLine : TEXT_ANSWER_MAX.multiLine,
  };
  const pattern = str(q.regexPattern);
  if (pattern && isUsableRegex(pattern)) question.regex = pattern;
  return question;
}

function toChoiceQuestion(
  q: Record<string, unknown>,
  base: Omit<ChoiceQuestion, 'kind' | 'odataType' | 'multiple' | 'choices'>,
  locale: string,
): ChoiceQuestion {
  const rawChoices = Array.isArray(q.choices) ? (q.choices as Record<string, unknown>[]) : [];
  const choices = rawChoices
    .map((c) => ({ value: str(c.actualValue), text: localized(c.text, c.localizations, locale) || str(c.actualValue) }))
    .filter((c) => c.value !== '');
  return {
    ...base,
    kind: 'choice',
    odataType: '#microsoft.graph.accessPackageMultipleChoiceQuestion',
    multiple: q.isMultipleSelectionAllowed === true,
    choices,
  };
}

/** Graph's patterns are .NET regexes; one JavaScript cannot compile is left to Graph to check. */
function isUsableRegex(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}

/**
 * The text in the person's language: an exact `languageCode` match, then the same base language, then the default.
 * Accepts v1.0 (`text` + `localizations`) and the older `text: {defaultText, localizedTexts}` shape.
 */
export function localized(text: unknown, localizations: unknown, locale: string): string {
  const legacy = text && typeof text === 'object' ? (text as Record<string, unknown>) : undefined;
  const fallback = legacy ? str(legacy.defaultText) : str(text);
  const list = (Array.isArray(localizations) ? localizations : legacy?.localizedTexts) as
    | AccessPackageLocalizedText[]
    | undefined;
  if (!Array.isArray(list) || list.length === 0 || !locale) return fallback;
  const wanted = locale.toLowerCase();
  const base = wanted.split('-')[0];
  const exact = list.find((l) => lower(l.languageCode) === wanted);
  const sameLanguage = list.find((l) => lower(l.languageCode).split('-')[0] === base);
  return str((exact ?? sameLanguage)?.text) || fallback;
}

// ---------- requests and assignments ----------

const STATES: Record<string, RequestState> = {
  submitted: 'submitted',
  pendingapproval: 'pendingApproval',
  scheduled: 'scheduled',
  delivering: 'delivering',
  delivered: 'delivered',
  partiallydelivered: 'partiallyDelivered',
  deliveryfailed: 'deliveryFailed',
  denied: 'denied',
  canceled: 'canceled',
  cancelled: 'canceled',
};

/** Graph has no `expired` request state: a timed-out approval reads as `denied` with an Expired/TimedOut status. */
export function requestStateOf(state: string, status: string): RequestState {
  const normalised = STATES[state.toLowerCase()] ?? 'unknown';
  if (normalised === 'denied' && /expired|timed\s*out|timeout/i.test(status)) return 'expired';
  return normalised;
}

export const FINAL_STATES: ReadonlySet<RequestState> = new Set([
  'delivered',
  'partiallyDelivered',
  'deliveryFailed',
  'denied',
  'expired',
  'canceled',
]);

export const CANCELABLE_STATES: ReadonlySet<RequestState> = new Set(['submitted', 'pendingApproval', 'scheduled']);

function requestKindOf(type: string): RequestKind {
  const t = type.toLowerCase();
  if (t.endsWith('add')) return 'add';
  if (t.endsWith('update')) return 'update';
  if (t.endsWith('remove')) return 'remove';
  return 'other';
}

export function toRequestView(
  raw: AccessPackageAssignmentRequest,
  fallbackPackage?: { id: string; name: string },
): RequestView {
  const loose = raw as Record<string, unknown>;
  const state = str(raw.state) || str(loose.requestState);
  const status = str(raw.status) || str(loose.requestStatus);
  const view: RequestView = {
    id: lower(raw.id),
    kind: requestKindOf(str(raw.requestType)),
    state: requestStateOf(state, status),
    status,
    packageId: lower(raw.accessPackage?.id) || fallbackPackage?.id || '',
    packageName: str(raw.accessPackage?.displayName) || fallbackPackage?.name || 'an access package',
  };
  const created = str(raw.createdDateTime);
  const completed = str(raw.completedDateTime) || str(loose.completedDate);
  if (created) view.createdAt = created;
  if (completed) view.completedAt = completed;
  const start = str(raw.schedule?.startDateTime);
  if (start && view.state === 'scheduled') view.startsAt = start;
  const end = str(raw.assignment?.schedule?.expiration?.endDateTime);
  if (end) view.accessEndsAt = end;
  const requestedEnd = requestedEndOf(raw.schedule, start || created);
  if (requestedEnd) view.requestedEndsAt = requestedEnd;
  if (raw.assignment?.id) view.assignmentId = lower(raw.assignment.id);
  if (view.kind === 'add' && startedBefore(raw.assignment?.schedule?.startDateTime, created)) view.renewal = true;
  return view;
}

/** The end a request's own schedule asks for: its end date, or its start plus its duration. */
function requestedEndOf(schedule: AccessPackageAssignmentRequest['schedule'], start: string): string | undefined {
  const expiration = schedule?.expiration;
  const type = lower(expiration?.type);
  if (type === 'afterdatetime' && str(expiration?.endDateTime)) return str(expiration?.endDateTime);
  const ms = type === 'afterduration' ? parseIsoDuration(str(expiration?.duration)) : undefined;
  const from = Date.parse(start);
  return ms && !Number.isNaN(from) ? new Date(from + ms).toISOString() : undefined;
}

/**
 * A `userAdd` whose assignment began before the request was made is a renewal: Graph has no renewal request type in
 * v1.0 (GRAPH-API.md §3.6), and a renewal extends the assignment the person already holds.
 */
function startedBefore(assignmentStart: string | null | undefined, created: string): boolean {
  const started = Date.parse(str(assignmentStart));
  const requested = Date.parse(created);
  return !Number.isNaN(started) && !Number.isNaN(requested) && started < requested - 60_000;
}

/**
 * The first approval stage's approvers, unless the policy hides them from requesters or asks nobody to approve
 * (stages kept on a policy that no longer needs approval name people who decide nothing about this access).
 */
function askWhoOf(policy: AccessPackageAssignmentPolicy | null | undefined): string[] {
  const approval = policy?.requestApprovalSettings;
  if (approval?.isApprovalRequiredForAdd !== true && approval?.isApprovalRequiredForUpdate !== true) return [];
  const first = approval.stages?.[0];
  if (!first) return [];
  const stage = toStage(first);
  return stage.approverHidden ? [] : stage.approvers.filter((a) => a !== 'an approver');
}

const ASSIGNMENT_STATES: Record<string, AssignmentView['state']> = {
  delivering: 'delivering',
  delivered: 'delivered',
  partiallydelivered: 'partiallyDelivered',
  expired: 'expired',
  deliveryfailed: 'deliveryFailed',
};

export function toAssignmentView(raw: AccessPackageAssignment): AssignmentView {
  const settings = raw.assignmentPolicy?.requestorSettings;
  const endsAt = str(raw.schedule?.expiration?.endDateTime);
  const view: AssignmentView = {
    id: lower(raw.id),
    packageId: lower(raw.accessPackage?.id),
    packageName: str(raw.accessPackage?.displayName) || 'an access package',
    state: ASSIGNMENT_STATES[lower(raw.state)] ?? 'unknown',
    // Renewing permanent access makes no sense; removal defaults to allowed as in the policy defaults.
    canRenew: settings?.enableTargetsToSelfUpdateAccess === true && endsAt !== '',
    canGiveUp: settings?.enableTargetsToSelfRemoveAccess !== false,
    canRequestAgain: settings?.enableTargetsToSelfAddAccess !== false,
    askWho: askWhoOf(raw.assignmentPolicy),
  };
  const startsAt = str(raw.schedule?.startDateTime);
  if (startsAt) view.startsAt = startsAt;
  if (endsAt) view.endsAt = endsAt;
  if (raw.assignmentPolicy?.id) view.policyId = lower(raw.assignmentPolicy.id);
  return view;
}
