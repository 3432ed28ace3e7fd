import { describe, expect, it } from 'vitest';
import { activationCard } from '../../cards/activation/activationCard.js';
import { activeRolesSection } from '../../cards/activation/activeRolesSection.js';
import { activationFormCard } from '../../cards/activation/formCard.js';
import { eligibleListCard } from '../../cards/activation/listCard.js';
import { approvalCard } from '../../cards/approver/approvalCard.js';
import { approvalsSummaryCard, bulkResultCard, digestCard } from '../../cards/approver/listCards.js';
import type { AdaptiveCard } from '../../cards/elements.js';
import { errorCard } from '../../cards/errorCard.js';
import { helpCard } from '../../cards/helpCard.js';
import { expiryReminderCard } from '../../cards/requester/expiry.js';
import { giveUpConfirmCard, myAccessCard, myRequestsCard } from '../../cards/requester/mine.js';
import { requestFormCard } from '../../cards/requester/requestForm.js';
import { requestNotificationCard, requestStatusCard } from '../../cards/requester/status.js';
import { welcomeCard } from '../../cards/welcomeCard.js';
import { GraphRequestError, toDomainError } from '../../services/graph/errors.js';
import type { ApprovalState } from '../../services/model/approvals.js';
import type { RequestState } from '../../services/model/entitlement.js';
import type { ActivationPhase, ActivationState, EligibleRole } from '../../services/model/pim.js';
import { seenIn } from '../helpers/cardTimes.js';

/**
 * Every card builder, fed with Graph's own time formats (7 fractional digits), shows times only through the
 * vocabulary: in TextBlocks and facts as `{{DATE()}}`/`{{TIME()}}` (which Teams renders in the reader's zone), in
 * buttons, labels, placeholders, choices and fallback text as plain UTC words (no function renders there).
 */

const NOW = '2026-12-02T23:50:00.0000000Z';
const ZONES = [undefined, 'Pacific/Kiritimati', 'America/Los_Angeles', 'Europe/Berlin'];
const G = (n: number) => `20000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const ALEX = { id: '10000000-0000-4000-8000-000000000001', displayName: 'Alex Wilber' };
const MEGAN = { id: '10000000-0000-4000-8000-000000000002', displayName: 'Megan Bowen' };

const MONTH =
  /\b(Jan(uary)?|Feb(ruary)?|Mar(ch)?|Apr(il)?|May|June?|July?|Aug(ust)?|Sept?(ember)?|Oct(ober)?|Nov(ember)?|Dec(ember)?)\b/;
const CLOCK = /\b\d{1,2}:\d{2}\b/;
const ISO_DAY = /\b\d{4}-\d{2}-\d{2}\b/;
const FROZEN = /\b(ago|just now)\b/;
const TOKEN = /\{\{(?:DATE|TIME)\([^)]*\)\}\}/g;

interface Place {
  where: string;
  text: string;
  /** TextBlock text and fact titles/values render DATE/TIME; nothing else does. */
  renders: boolean;
}

/** Every string a person can see, and whether the renderer formats times in it. */
function places(node: unknown, where = 'card'): Place[] {
  if (Array.isArray(node)) return node.flatMap((n, i) => places(n, `${where}[${i}]`));
  if (typeof node !== 'object' || node === null) return [];
  const r = node as Record<string, any>;
  const out: Place[] = [];
  const add = (key: string, renders: boolean) => {
    if (typeof r[key] === 'string') out.push({ where: `${where}.${key}`, text: r[key], renders });
  };
  if (r.type === 'TextBlock') add('text', true);
  if (r.type === 'AdaptiveCard') {
    add('fallbackText', false);
    add('speak', false);
  }
  if (typeof r.type === 'string' && r.type.startsWith('Action.')) add('title', false);
  if (typeof r.type === 'string' && r.type.startsWith('Input.')) {
    add('label', false);
    add('placeholder', false);
    add('errorMessage', false);
    for (const c of r.choices ?? []) out.push({ where: `${where}.choice`, text: c.title, renders: false });
  }
  if (r.type === 'FactSet') {
    for (const f of r.facts) {
      out.push({ where: `${where}.fact.title`, text: f.title, renders: true });
      out.push({ where: `${where}.fact.value`, text: f.value, renders: true });
    }
  }
  for (const key of ['body', 'items', 'columns', 'actions', 'card']) {
    if (r[key] !== undefined) out.push(...places(r[key], `${where}.${key}`));
  }
  return out;
}

/** What stays of a text once its time functions are taken out: it must name no time of its own. */
function problems(card: AdaptiveCard): string[] {
  const found: string[] = [];
  for (const { where, text, renders } of places(card)) {
    if (!renders && TOKEN.test(text)) found.push(`${where}: a time function where none renders: ${text}`);
    TOKEN.lastIndex = 0;
    const rest = renders ? text.replace(TOKEN, '') : text;
    if (renders) {
      for (const token of text.match(TOKEN) ?? []) {
        if (/\.\d/.test(token)) found.push(`${where}: fractional seconds in ${token}`);
      }
      for (const pattern of [MONTH, CLOCK, ISO_DAY]) {
        if (pattern.test(rest)) found.push(`${where}: a time outside the vocabulary: ${text}`);
      }
      if (FROZEN.test(rest)) found.push(`${where}: a relative time that freezes: ${text}`);
      // The renderer takes every token (seenIn throws on one it would show as typed).
      try {
        seenIn(text, 'UTC');
      } catch (err) {
        found.push(`${where}: ${(err as Error).message}`);
      }
    } else if (ISO_DAY.test(rest) || /T\d{2}:\d{2}/.test(rest)) {
      found.push(`${where}: a raw timestamp: ${text}`);
    } else if (CLOCK.test(rest) && !/UTC/.test(rest)) {
      found.push(`${where}: a plain time that does not say UTC: ${text}`);
    }
  }
  return found;
}

function approval(extra: Partial<ApprovalState> = {}): ApprovalState {
  return {
    details: {
      kind: 'em',
      id: '90000000-0000-4000-8000-000000000001',
      requester: { ...ALEX, jobTitle: 'Engineer', department: 'IT', manager: MEGAN },
      target: { kind: 'em', packageId: 'p1', packageName: 'Salesforce', packageDescription: '', grants: ['User'] },
      justification: 'Q3 pipeline',
      answers: [],
      requestedAt: '2026-12-01T21:50:00.0000000Z',
      startsAt: '2026-12-05T00:00:00.0000000Z',
      endsAt: '2027-01-05T00:00:00.0000000Z',
      stages: [
        { approvers: [MEGAN], escalationApprovers: [], justificationRequired: false, timeout: 'P14D' },
        { approvers: [MEGAN], escalationApprovers: [], justificationRequired: true, timeout: 'P7D' },
      ],
    },
    currentStage: 2,
    stageStartedAt: '2026-12-02T10:00:00.0000000Z',
    escalated: false,
    decisions: [{ stage: 1, result: 'Approved', by: MEGAN, at: '2026-12-02T10:00:00.0000000Z' }],
    ...extra,
  } as ApprovalState;
}

const role: EligibleRole = {
  group: { id: G(1), displayName: 'Finance Admins' },
  accessId: 'member',
  eligibleFrom: '2026-01-01T00:00:00.0000000Z',
  eligibleUntil: '2027-10-18T00:00:00.0000000Z',
  origin: { accessPackageId: 'p1', accessPackageName: 'Finance', assignmentEndDateTime: '2027-10-18T00:00:00Z' },
  policy: {
    maximumDuration: 'PT8H',
    maximumMinutes: 480,
    justificationRequired: true,
    ticketRequired: false,
    mfaRequired: false,
    approvalRequired: false,
    approvers: [],
  },
  active: { startDateTime: '2026-12-02T22:00:00.0000000Z', endDateTime: '2026-12-03T06:00:00.0000000Z' } as never,
};

function activation(phase: ActivationPhase): ActivationState {
  return {
    requestId: 'a0000000-0000-4000-8000-000000000001',
    group: role.group,
    accessId: 'member',
    phase,
    startDateTime: '2026-12-02T23:00:00.0000000Z',
    endDateTime: phase === 'active' ? '2026-12-02T23:55:00.0000000Z' : '2026-12-03T07:00:00.0000000Z',
    approvers: ['Megan Bowen'],
    deactivatedAt: '2026-12-02T23:30:00.0000000Z',
    extendedUntil: '2026-12-03T09:00:00.0000000Z',
  };
}

const REQUEST_STATES: RequestState[] = ['pendingApproval', 'scheduled', 'delivered', 'denied', 'canceled'];

function everyCard(zone: string | undefined): Array<[string, AdaptiveCard]> {
  const request = (state: RequestState) => ({
    id: '90000000-0000-4000-8000-000000000009',
    kind: 'add' as const,
    state,
    status: state,
    packageId: 'p1',
    packageName: 'Salesforce',
    createdAt: '2026-12-02T19:51:00.0000000Z',
    completedAt: '2026-12-02T23:00:00.0000000Z',
    startsAt: '2026-12-10T00:00:00.0000000Z',
    accessEndsAt: '2027-01-10T00:00:00.0000000Z',
  });
  const assignment = {
    id: '80000000-0000-4000-8000-000000000001',
    packageId: 'p1',
    packageName: 'Finance',
    state: 'delivered' as const,
    endsAt: '2026-12-16T23:50:00.0000000Z',
    canRenew: true,
    canGiveUp: true,
  };
  const binding = { op: 'op', sig: 'sig' };
  const viewer = { canDecide: true, isRequester: false, others: [] };
  const decided = approval({ outcome: { kind: 'denied', by: MEGAN, at: '2026-12-02T20:00:00.0000000Z' } });
  const cards: Array<[string, AdaptiveCard]> = [
    ...REQUEST_STATES.map((s): [string, AdaptiveCard] => [
      `status ${s}`,
      requestStatusCard({ request: request(s), now: NOW, zone, eligibleRoles: [] }),
    ]),
    ...REQUEST_STATES.map((s): [string, AdaptiveCard] => [
      `notification ${s}`,
      requestNotificationCard({ request: request(s), now: NOW, zone, eligibleRoles: [] }),
    ]),
    ['my requests', myRequestsCard({ requests: REQUEST_STATES.map(request), now: NOW })],
    [
      'my access',
      myAccessCard({ assignments: [assignment], now: NOW }, [
        activeRolesSection({
          roles: [{ ...role, ...role.active, assignmentType: 'activated', requestId: 'r' } as never],
          now: NOW,
        }),
      ]),
    ],
    ['give up', giveUpConfirmCard({ assignment, actionId: 'x' })],
    ['expiry', expiryReminderCard({ assignment, now: NOW, zone })],
    [
      'request form',
      requestFormCard({
        formId: 'f',
        packageName: 'Salesforce',
        mode: 'new',
        today: '2026-12-02',
        zone,
        policies: [
          {
            policyId: 'p',
            policyDisplayName: 'Employees',
            approvalRequired: true,
            justificationRequired: false,
            allowCustomSchedule: true,
            lasts: { kind: 'until', date: '2027-06-30T00:00:00.0000000Z' },
            questions: [],
          },
        ],
      } as never),
    ],
    ['approval pending', approvalCard({ state: approval(), viewerId: MEGAN.id, viewer, now: NOW, zone, binding })],
    ['approval decided', approvalCard({ state: decided, viewerId: ALEX.id, viewer, now: NOW, zone, binding })],
    [
      'approvals summary',
      approvalsSummaryCard({
        items: [{ state: approval(), needsReason: false }],
        now: NOW,
        bulk: { refs: ['r'], binding },
      }),
    ],
    [
      'bulk result',
      bulkResultCard(
        [
          { state: approval(), approved: true },
          { state: decided, approved: false },
        ],
        ALEX.id,
      ),
    ],
    ['digest', digestCard({ items: [approval()], now: NOW })],
    ['eligible roles', eligibleListCard({ roles: [role, { ...role, active: undefined }], now: NOW })],
    [
      'activation form',
      activationFormCard({
        role,
        policy: role.policy!,
        durations: [60, 480],
        defaultMinutes: 60,
        op: 'op',
        now: NOW,
        zone,
      }),
    ],
    ...(['pendingApproval', 'scheduled', 'active', 'ended', 'deactivated', 'extended', 'denied'] as const).map(
      (phase): [string, AdaptiveCard] => [
        `activation ${phase}`,
        activationCard({ state: activation(phase), now: NOW, zone, reminderMinutes: 10, viewerTeamsId: '29:a' }),
      ],
    ),
    [
      'activation active for hours',
      activationCard({
        state: { ...activation('active'), endDateTime: '2026-12-03T07:00:00.0000000Z' },
        now: NOW,
        zone,
        reminderMinutes: 10,
        viewerTeamsId: '29:a',
      }),
    ],
    [
      'activation, too soon to deactivate',
      errorCard({
        title: 'Not yet',
        message: 'x',
        nextStep: toDomainError(
          new GraphRequestError({
            status: 400,
            code: 'ActiveDurationTooShort',
            graphMessage: 'The Active duration is too short.',
            requestId: 'r',
            method: 'POST',
            path: '/v1.0/identityGovernance/privilegedAccess/group/assignmentScheduleRequests',
          }),
          { action: 'deactivate', activatedAt: new Date('2026-12-02T23:48:00.123Z') },
        ).nextStep,
      }),
    ],
    ['help', helpCard()],
    ['welcome', welcomeCard({ firstName: 'Alex' })],
  ];
  return cards;
}

describe('every card shows times only through the vocabulary', () => {
  for (const zone of ZONES) {
    it(`reader's zone ${zone ?? 'unknown'}`, () => {
      const cards = everyCard(zone);
      for (const [what, card] of cards) expect(problems(card), what).toEqual([]);

      // The fixtures do carry times: the check is not vacuous.
      const tokens = cards.flatMap(([, card]) => JSON.stringify(card).match(TOKEN) ?? []);
      expect(tokens.length).toBeGreaterThan(40);
    });
  }

  it('catches what it is meant to catch', () => {
    const bad = welcomeCard({});
    bad.body.push({ type: 'TextBlock', text: 'Started 6:48 PM' });
    bad.body.push({ type: 'TextBlock', text: 'until Thu, Dec 3, 2026' });
    bad.body.push({ type: 'TextBlock', text: 'Requested just now' });
    bad.body.push({ type: 'TextBlock', text: 'at {{TIME(2026-12-02T19:51:00.000Z)}}' });
    bad.body.push({ type: 'FactSet', facts: [{ title: 'Ends', value: '2026-12-02' }] });
    bad.actions = [{ type: 'Action.Execute', title: 'Until {{DATE(2026-12-02T19:51:00Z, SHORT)}}', verb: 'myAccess' }];
    bad.fallbackText = 'Ends 19:51';
    const found = problems(bad).map((p) => p.split(':')[0]);
    expect(found).toEqual([
      'card.fallbackText',
      'card.body[5].text',
      'card.body[6].text',
      'card.body[7].text',
      'card.body[8].text', // fractional seconds
      'card.body[8].text', // which the renderer shows as typed
      'card.body[9].fact.value',
      'card.actions[0].title', // a function where none renders
      'card.actions[0].title',
    ]);
  });
});

describe('the reader’s zone reaches what they see', () => {
  it('the status card in Kiritimati: the request time without a date when it is their today', () => {
    const card = requestStatusCard({
      request: { ...everyCardRequest(), createdAt: '2026-12-02T19:51:00.0000000Z' },
      now: NOW,
      zone: 'Pacific/Kiritimati',
      eligibleRoles: [],
    });
    expect(seenIn(JSON.stringify(card.body), 'Pacific/Kiritimati')).toContain('"Requested","value":"9:51 AM"');
    const unknown = requestStatusCard({ request: everyCardRequest(), now: NOW, eligibleRoles: [] });
    expect(seenIn(JSON.stringify(unknown.body), 'Pacific/Kiritimati')).toContain('"value":"Thu, Dec 3, 2026 9:51 AM"');
  });

  it('"Decision due" is right to the day in the approver’s zone', () => {
    // Stage 2 started 2 Dec 10:00 UTC with 7 days: due 9 Dec 10:00 UTC. At 23:50 UTC on 2 Dec that is 7 calendar days
    // away in UTC and Los Angeles (2 Dec → 9 Dec), 6 in Berlin (3 Dec → 9 Dec), 7 in Kiritimati (3 Dec → 10 Dec).
    const due = (zone?: string) =>
      approvalCard({
        state: approval(),
        viewerId: MEGAN.id,
        viewer: { canDecide: true, isRequester: false, others: [] },
        now: NOW,
        zone,
        binding: { op: 'o', sig: 's' },
      })
        .body.flatMap((e: any) => (e.type === 'FactSet' ? e.facts : []))
        .find((f: any) => f.title === 'Decision due')?.value;
    expect(due()).toBe('in 7 days ({{DATE(2026-12-09T10:00:00Z, SHORT)}} {{TIME(2026-12-09T10:00:00Z)}})');
    expect(due('America/Los_Angeles')).toMatch(/^in 7 days/);
    expect(due('Europe/Berlin')).toMatch(/^in 6 days/);
    expect(due('Pacific/Kiritimati')).toMatch(/^in 7 days/);
  });

  it('the forms say which zone their dates and times are in', () => {
    const form = (zone?: string) =>
      JSON.stringify(
        activationFormCard({
          role,
          policy: role.policy!,
          durations: [60],
          defaultMinutes: 60,
          op: 'o',
          now: NOW,
          zone,
        }),
      );
    expect(form()).toContain('"label":"Time (UTC)"');
    expect(form('Europe/Berlin')).toContain('"label":"Time (Europe/Berlin)"');
    expect(form('Europe/Berlin')).not.toContain('UTC');
  });
});

function everyCardRequest() {
  return {
    id: '90000000-0000-4000-8000-000000000009',
    kind: 'add' as const,
    state: 'pendingApproval' as const,
    status: 'PendingApproval',
    packageId: 'p1',
    packageName: 'Salesforce',
    createdAt: '2026-12-02T19:51:00.0000000Z',
  };
}
