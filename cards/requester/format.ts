import type { AccessLength, PackageGrant, RequestKind, RequestState } from '../../services/model/entitlement.js';
import { plainText } from '../elements.js';
import {
  calendarDaysUntil,
  daysText,
  momentDatePlain,
  momentDateText,
  momentPlain,
  momentText,
  type Reader,
} from '../time.js';

/** Words shared by the requester cards. Times come from cards/time.ts (the reader's zone through DATE/TIME). */

/** The date of a moment in the reader's zone (`{{DATE(t, SHORT)}}`), for TextBlocks and facts. */
export function formatDate(iso: string): string {
  return momentDateText(iso);
}

/** Plain-text date for fallback text, labels and buttons: "2 Dec 2026 (UTC)". */
export function formatDatePlain(iso: string): string {
  return momentDatePlain(iso);
}

/** Plain-text moment: "2 Dec 2026, 19:51 UTC" (for places that render no DATE/TIME). */
export function formatDateTime(iso: string): string {
  return momentPlain(iso);
}

const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;

/** "today", "tomorrow", "in 14 days" in calendar days (reader's zone when known, else UTC); '' for bad input. */
export function relativeTime(iso: string, now: Date, zone?: string): string {
  if (Number.isNaN(now.getTime())) return '';
  return daysText(iso, { now: now.toISOString(), zone }) ?? '';
}

/** Whole calendar days until `iso` for the reader (see cards/time.ts calendarDaysUntil). */
export function daysUntil(iso: string, reader: Reader): number | undefined {
  return calendarDaysUntil(iso, reader);
}

/** A moment in the reader's zone, with its date unless it is the reader's today (cards/time.ts momentText). */
export function whenText(iso: string, reader: Reader): string {
  return momentText(iso, reader);
}

/** How long access lasts; `plain` for input labels and buttons (no DATE functions there). */
export function accessLengthText(lasts: AccessLength, style: 'card' | 'plain' = 'card'): string {
  switch (lasts.kind) {
    case 'duration': {
      if (lasts.days === 0) return plural(lasts.hours, 'hour');
      return lasts.hours === 0
        ? plural(lasts.days, 'day')
        : `${plural(lasts.days, 'day')} and ${plural(lasts.hours, 'hour')}`;
    }
    case 'until':
      return `until ${style === 'plain' ? formatDatePlain(lasts.date) : formatDate(lasts.date)}`;
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
