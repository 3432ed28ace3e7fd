import type { AccessLength, PackageGrant, RequestKind, RequestState } from '../../services/model/entitlement.js';
import { plainText } from '../elements.js';

/** Words and dates shared by the requester cards. Times are shown in UTC: cards cannot know the reader's zone. */

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function parse(iso: string): Date | undefined {
  const at = new Date(iso);
  return Number.isNaN(at.getTime()) ? undefined : at;
}

export function formatDate(iso: string): string {
  const at = parse(iso);
  return at ? `${at.getUTCDate()} ${MONTHS[at.getUTCMonth()]} ${at.getUTCFullYear()}` : iso;
}

export function formatDateTime(iso: string): string {
  const at = parse(iso);
  if (!at) return iso;
  const hh = String(at.getUTCHours()).padStart(2, '0');
  const mm = String(at.getUTCMinutes()).padStart(2, '0');
  return `${formatDate(iso)}, ${hh}:${mm} UTC`;
}

const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;

/** "just now", "5 minutes ago", "in 9 days". */
export function relativeTime(iso: string, now: Date): string {
  const at = parse(iso);
  if (!at) return '';
  const diff = at.getTime() - now.getTime();
  const abs = Math.abs(diff);
  if (abs < 60_000) return 'just now';
  const [n, unit] =
    abs < 3_600_000
      ? [Math.round(abs / 60_000), 'minute']
      : abs < 86_400_000
        ? [Math.round(abs / 3_600_000), 'hour']
        : [Math.round(abs / 86_400_000), 'day'];
  return diff > 0 ? `in ${plural(n, unit)}` : `${plural(n, unit)} ago`;
}

/** "29 Nov 2026, 06:28 UTC (5 minutes ago)". */
export function whenText(iso: string, now: Date): string {
  const relative = relativeTime(iso, now);
  return relative ? `${formatDateTime(iso)} (${relative})` : formatDateTime(iso);
}

export function accessLengthText(lasts: AccessLength): string {
  switch (lasts.kind) {
    case 'duration': {
      if (lasts.days === 0) return plural(lasts.hours, 'hour');
      return lasts.hours === 0
        ? plural(lasts.days, 'day')
        : `${plural(lasts.days, 'day')} and ${plural(lasts.hours, 'hour')}`;
    }
    case 'until':
      return `until ${formatDate(lasts.date)}`;
    case 'noExpiry':
      return 'no end date';
    default:
      return 'as long as the policy sets';
  }
}

export type Tone = 'default' | 'good' | 'warning' | 'attention' | 'accent';

export interface StateLabel {
  label: string;
  tone: Tone;
}

const ADD_LABELS: Record<RequestState, StateLabel> = {
  submitted: { label: 'Submitted', tone: 'accent' },
  pendingApproval: { label: 'Pending approval', tone: 'warning' },
  scheduled: { label: 'Starts later', tone: 'accent' },
  delivering: { label: 'Approved, being set up', tone: 'accent' },
  delivered: { label: 'Delivered', tone: 'good' },
  partiallyDelivered: { label: 'Partly delivered', tone: 'warning' },
  deliveryFailed: { label: 'Delivery failed', tone: 'attention' },
  denied: { label: 'Denied', tone: 'attention' },
  expired: { label: 'Expired without a decision', tone: 'attention' },
  canceled: { label: 'Canceled', tone: 'default' },
  unknown: { label: 'In progress', tone: 'default' },
};

/** `startsAt`: the start of a scheduled request ("Starts on 5 Dec 2026", whether or not it needed approval). */
export function stateLabel(state: RequestState, kind: RequestKind, startsAt?: string): StateLabel {
  if (kind === 'remove') {
    if (state === 'delivered') return { label: 'Access removed', tone: 'good' };
    if (state === 'delivering' || state === 'submitted') return { label: 'Removing access', tone: 'accent' };
  }
  if (state === 'scheduled' && startsAt) return { ...ADD_LABELS.scheduled, label: `Starts on ${formatDate(startsAt)}` };
  return ADD_LABELS[state];
}

/** One line per grant: "Member of the group **Platform Engineering**". Names are escaped. */
export function grantText(grant: PackageGrant): string {
  const name = `**${plainText(grant.resourceName)}**`;
  const role = plainText(grant.roleName);
  if (grant.eligible) return `Eligible ${grant.eligible} of ${name} — activate when needed`;
  switch (grant.kind) {
    case 'group':
      return `${role} of the group ${name}`;
    case 'app':
      return `${role} in the app ${name}`;
    case 'site':
      return `${role} on the site ${name}`;
    case 'directoryRole':
      return `The directory role ${name}`;
    default:
      return `${role} in ${name}`;
  }
}

/** "A, B and C". */
export function joinAnd(parts: string[]): string {
  if (parts.length <= 1) return parts[0] ?? '';
  return `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}
