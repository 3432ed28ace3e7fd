import type { ActivationPolicy, DirectoryScope, GroupAccess, RolePart } from '../../services/model/pim.js';
import { plainText } from '../elements.js';
import { momentDateText, momentText, parseMoment, cardTimestamp as toCardTimestamp } from '../time.js';

/** Text helpers for the activation cards. Times come from cards/time.ts; `now` comes from the view model. */

/** `2026-11-29T14:32:00.123Z` → `2026-11-29T14:32:00Z` (the DATE/TIME functions want RFC 3339 without fractions). */
export function cardTimestamp(iso: string): string {
  return toCardTimestamp(iso) ?? iso;
}

/** A moment in the reader's zone; the date is added unless it is the reader's today (zone known, cards/time.ts). */
export function timeText(iso: string, now: string, zone?: string): string {
  return momentText(iso, { now, zone });
}

/** The date of a moment (eligibility ends at a moment; the reader's zone decides its day). */
export function dateText(iso: string): string {
  return momentDateText(iso);
}

/** "in 8 minutes", "in 2 hours", "5 minutes ago": only on the activation card, whose refresh redraws it. */
export function relativeText(iso: string, now: string): string {
  const at = parseMoment(iso);
  const from = parseMoment(now);
  if (at === undefined || from === undefined) return '';
  const minutes = Math.round((at - from) / 60_000);
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

/** "member", "owner", or "Microsoft Entra role" (a directory scope marks an Entra role). */
export function roleWord(accessId: GroupAccess, scope?: DirectoryScope): string {
  if (scope) return 'Microsoft Entra role';
  return accessId === 'owner' ? 'owner' : 'member';
}

/** Where an Entra role applies: "whole directory", or the administrative unit's name. */
export function scopeText(scope: DirectoryScope): string {
  if (scope.id === '/') return 'whole directory';
  return scope.displayName ? `administrative unit ${scope.displayName}` : 'an administrative unit';
}

/**
 * "a member of **Finance Admins**" / "an owner of **Finance Admins**"; for an Entra role "**Global Reader** (whole
 * directory)".
 */
export function roleOf(accessId: GroupAccess, groupName: string, scope?: DirectoryScope): string {
  if (scope) return `**${plainText(groupName)}** (${plainText(scopeText(scope))})`;
  return `${accessId === 'owner' ? 'an owner' : 'a member'} of **${plainText(groupName)}**`;
}

/** "Membership of Finance Admins", "Global Reader role" (no Markdown), for titles and button labels. */
export function roleTitle(accessId: GroupAccess, groupName: string, scope?: DirectoryScope): string {
  if (scope) return scope.id === '/' ? `${groupName} role` : `${groupName} role (${scopeText(scope)})`;
  return `${accessId === 'owner' ? 'Ownership' : 'Membership'} of ${groupName}`;
}

/** What activating asks for: "up to 1 hour · justification · ticket number · MFA · approval by Megan Bowen". */
export function policySummary(policy: ActivationPolicy): string {
  const parts = [`up to ${minutesText(policy.maximumMinutes)}`];
  if (policy.justificationRequired) parts.push('justification');
  if (policy.ticketRequired) parts.push('ticket number');
  if (policy.mfaRequired) parts.push('multi-factor sign-in');
  if (policy.authenticationContext) {
    parts.push(`stronger sign-in (${plainText(policy.authenticationContextName ?? policy.authenticationContext)})`);
  }
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
  directoryRoles: 'your eligible Microsoft Entra roles',
  groupNames: 'some group names',
  policies: 'the activation rules of some groups or roles',
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
