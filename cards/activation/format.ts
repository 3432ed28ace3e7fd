import type { ActivationPolicy, GroupAccess, RolePart } from '../../services/model/pim.js';
import { plainText } from '../elements.js';

/**
 * Text helpers for the activation cards. Times use Adaptive Cards' `{{DATE()}}` / `{{TIME()}}` so Teams shows them in
 * the reader's time zone; `now` comes from the view model (cards never read the clock).
 */

/** `2026-11-29T14:32:00.123Z` → `2026-11-29T14:32:00Z` (the DATE/TIME functions want RFC 3339 without fractions). */
export function cardTimestamp(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A moment as the reader's local time; the date is added when it is not the same (UTC) day as `now`. */
export function timeText(iso: string, now: string): string {
  const at = cardTimestamp(iso);
  const sameDay = at.slice(0, 10) === cardTimestamp(now).slice(0, 10);
  return sameDay ? `{{TIME(${at})}}` : `{{DATE(${at}, SHORT)}} {{TIME(${at})}}`;
}

export function dateText(iso: string): string {
  return `{{DATE(${cardTimestamp(iso)}, SHORT)}}`;
}

/** "in 8 minutes", "in 2 hours", "5 minutes ago". */
export function relativeText(iso: string, now: string): string {
  const minutes = Math.round((Date.parse(iso) - Date.parse(now)) / 60_000);
  const amount = minutesText(Math.abs(minutes));
  if (minutes === 0) return 'now';
  return minutes > 0 ? `in ${amount}` : `${amount} ago`;
}

/** "30 minutes", "1 hour", "1 hour 30 minutes", "24 hours". */
export function minutesText(minutes: number): string {
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  const h = hours === 1 ? '1 hour' : `${hours} hours`;
  const m = rest === 1 ? '1 minute' : `${rest} minutes`;
  if (hours === 0) return m;
  return rest === 0 ? h : `${h} ${m}`;
}

export function roleWord(accessId: GroupAccess): string {
  return accessId === 'owner' ? 'owner' : 'member';
}

/** "a member of **Finance Admins**" / "an owner of **Finance Admins**". */
export function roleOf(accessId: GroupAccess, groupName: string): string {
  return `${accessId === 'owner' ? 'an owner' : 'a member'} of **${plainText(groupName)}**`;
}

/** "Membership of Finance Admins" (no Markdown), for titles and button labels. */
export function roleTitle(accessId: GroupAccess, groupName: string): string {
  return `${accessId === 'owner' ? 'Ownership' : 'Membership'} of ${groupName}`;
}

/** What activating asks for: "up to 1 hour · justification · ticket number · MFA · approval by Megan Bowen". */
export function policySummary(policy: ActivationPolicy): string {
  const parts = [`up to ${minutesText(policy.maximumMinutes)}`];
  if (policy.justificationRequired) parts.push('justification');
  if (policy.ticketRequired) parts.push('ticket number');
  if (policy.mfaRequired) parts.push('multi-factor sign-in');
  if (policy.authenticationContext) parts.push(`stronger sign-in (${plainText(policy.authenticationContext)})`);
  if (policy.approvalRequired) {
    parts.push(policy.approvers.length ? `approval by ${plainText(orList(policy.approvers))}` : 'approval');
  }
  return parts.join(' · ');
}

/** "Megan Bowen", "Megan Bowen or Patti Fernandez", "A, B or C". */
export function orList(names: string[]): string {
  if (names.length <= 1) return names[0] ?? '';
  return `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
}

const PART_WORDS: Record<RolePart, string> = {
  groupNames: 'some group names',
  policies: 'the activation rules of some groups',
  activeRoles: 'which roles are active now',
  pendingRequests: 'which activations wait for approval',
  accessPackages: 'which access packages your roles come from',
  activationRequests: 'which activations you can end from here',
};

/** "I could not read which roles are active now and some group names just now, so this list may be incomplete." */
export function missingPartsText(parts: RolePart[]): string {
  const words = parts.map((p) => PART_WORDS[p]);
  const list = words.length > 1 ? `${words.slice(0, -1).join(', ')} and ${words.at(-1)}` : words[0];
  return `I could not read ${list} just now, so this may be incomplete. Try again in a moment.`;
}
