import type { DemoNames } from './names.js';

/** One parsed pino line of the bot. */
export type LogRecord = { level?: string; msg?: string; time?: number } & Record<string, unknown>;

const OUTCOME_VERBS: Record<string, string> = {
  approved: 'approved',
  denied: 'denied',
};

/** The narrated line for a change the bot showed on cards ('approval change shown'), never its reasons. */
export function changeLine(r: LogRecord, names: DemoNames): string {
  const kind = String(r.kind ?? 'em');
  const what = names.request(kind, String(r.request ?? ''), str(r.requester), str(r.target));
  const by = names.person(str(r.decidedBy) ?? names.lastReviewer(kind, String(r.request ?? '')));
  const outcome = str(r.outcome);
  let happened: string;
  if (outcome && OUTCOME_VERBS[outcome]) happened = `${by} ${OUTCOME_VERBS[outcome]} ${what}`;
  else if (outcome === 'canceled') happened = `${what} was cancelled`;
  else if (outcome === 'expired') happened = `${what} expired without a decision`;
  else if (outcome) happened = `${what} ended (${outcome})`;
  else if (r.result) happened = `${by} ${String(r.result).toLowerCase()} stage ${r.stageDecided} of ${what}`;
  else happened = `${what} changed`;
  const people = Array.isArray(r.redrawnFor) ? r.redrawnFor.map((id) => names.person(str(id))) : [];
  const shown = people.length > 0 ? `card updated for ${list(people)}` : 'no card in a chat to update yet';
  return `${capitalise(happened)}: ${shown}`;
}

/** What a person did in the chat, from the bot's own log line of it; undefined for any other line. */
export function actionLine(r: LogRecord, names: DemoNames): string | undefined {
  const id = String(r.requestId ?? r.to ?? '');
  switch (r.msg) {
    case 'access request submitted':
      return `${capitalise(names.request('em', id))} submitted (${String(r.state)}): status card shown`;
    case 'activation requested':
      return `${capitalise(names.request('pim', id))} requested (${String(r.status)})`;
    case 'activation deactivated':
      return `${capitalise(names.request('pim', id))} deactivated`;
    case 'activation extended':
      return `${capitalise(names.request('pim', id))} extended`;
    default:
      return undefined;
  }
}

/** The narrated line for an activation whose end time passed ('activation end shown'). */
export function activationEndLine(r: LogRecord, names: DemoNames): string {
  const what = names.request('pim', String(r.requestId ?? ''));
  return `${capitalise(what)} ended: card updated for ${names.person(str(r.user))}`;
}

/** The narrated line for a card the bot pushed ('card sent'), from its notification key. */
export function sentLine(r: LogRecord, names: DemoNames): string {
  const to = names.person(str(r.user));
  const key = String(r.key ?? '');
  const [head, kind = '', id = ''] = key.split(':');
  if (head === 'approval') return `Approval card sent to ${to}: ${names.request(kind, id)} waits for them`;
  if (head === 'approval-reminder') return `Reminder sent to ${to}: ${names.request(kind, id)} still waits`;
  if (head === 'approval-digest') return `Digest of the approvals still waiting sent to ${to}`;
  if (head === 'request') {
    const state = key.split(':').at(-1);
    const what = names.request('em', kind);
    return state === 'adopted'
      ? `Status card sent to ${to} for ${what}`
      : `Update sent to ${to}: ${what} is now ${state}`;
  }
  const [slashHead, slashKind, slashId] = key.split('/');
  if (slashHead === 'expiry') {
    return `Reminder sent to ${to}: their ${names.packageOfAssignment(slashKind)} access ends soon`;
  }
  if (slashHead === 'activation' && slashKind === 'reminder') {
    return `Reminder sent to ${to}: their ${names.groupOfActivation(slashId ?? '')} activation ends soon`;
  }
  return `Card sent to ${to}`;
}

const REASONS: Record<string, string> = {
  noReference: 'they have not opened the bot; their cards wait',
  notInstalled: 'the app is not installed for them; their cards wait',
  blocked: 'they blocked the bot or an admin disabled it',
  conversationNotFound: 'their chat with the bot is gone',
  serviceUrlGone: 'the Teams client they used is not running; their cards wait',
};

/** "not reachable yet: Megan Bowen, Lee Gu — they have not opened the bot; their cards wait" */
export function unreachableLine(people: string[], reason: string): string {
  return `Not reachable yet: ${list(people)} — ${REASONS[reason] ?? reason}`;
}

export function list(items: string[]): string {
  return items.join(', ');
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
