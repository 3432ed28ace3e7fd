import { describe, expect, it } from 'vitest';
import { activationCard } from '../../cards/activation/activationCard.js';
import { activeRolesSection } from '../../cards/activation/activeRolesSection.js';
import { activationFormCard } from '../../cards/activation/formCard.js';
import { eligibleListCard } from '../../cards/activation/listCard.js';
import { stepUpCard } from '../../cards/activation/stepUpCard.js';
import { type ApprovalCardView, approvalCard } from '../../cards/approver/approvalCard.js';
import { approvalsSummaryCard, bulkResultCard, digestCard } from '../../cards/approver/listCards.js';
import { adaptiveCard, container, textBlock } from '../../cards/elements.js';
import { errorCard } from '../../cards/errorCard.js';
import { helpCard } from '../../cards/helpCard.js';
import { messageCard } from '../../cards/messageCard.js';
import { packageDetailsCard } from '../../cards/requester/details.js';
import { expiryReminderCard } from '../../cards/requester/expiry.js';
import { giveUpConfirmCard, myAccessCard, myRequestsCard } from '../../cards/requester/mine.js';
import { noMatchCard, packageListCard } from '../../cards/requester/packageList.js';
import { requestFormCard } from '../../cards/requester/requestForm.js';
import { requestNotificationCard, requestStatusCard } from '../../cards/requester/status.js';
import { fitForTeams } from '../../cards/size.js';
import { welcomeCard } from '../../cards/welcomeCard.js';
import type { ApprovalOutcome, ApprovalState } from '../../services/model/approvals.js';
import type {
  AssignmentView,
  PackageSummary,
  RequestRequirements,
  RequestState,
  RequestView,
} from '../../services/model/entitlement.js';
import type { ActivationPhase, ActivationPolicy, ActivationState, EligibleRole } from '../../services/model/pim.js';
import { contrastProblems, contrastRatio, parseColor, THEMES, teamsHostConfig } from '../helpers/contrast.js';

/**
 * Every card the bot sends, in every state that colours it, read under the Teams light and dark host configs
 * (tests/e2e/hostConfigs/): each text must reach WCAG contrast on the background it sits on, 4.5:1 (3:1 if large).
 */

const NOW = '2026-03-02T10:00:00.000Z';
const PKG = '40000000-0000-4000-8000-000000000002';
const ALEX = { id: '10000000-0000-4000-8000-000000000001', displayName: 'Alex Wilber' };
const MEGAN = { id: '10000000-0000-4000-8000-000000000002', displayName: 'Megan Bowen' };
const GROUP = { id: '20000000-0000-4000-8000-000000000011', displayName: 'Finance Admins' };

const pkg = (n: number): PackageSummary => ({
  id: `40000000-0000-4000-8000-00000000000${n}`,
  displayName: `Package ${n}`,
  description: `What package ${n} is for`,
  catalogName: 'IT',
  resourceNames: [],
  isHidden: false,
});
const request = (state: RequestState, extra: Partial<RequestView> = {}): RequestView => ({
  id: '90000000-0000-4000-8000-000000000001',
  kind: 'add',
  state,
  status: state,
  packageId: PKG,
  packageName: 'Production Databases – Eligible DBA',
  createdAt: '2026-03-02T09:55:00.000Z',
  ...extra,
});
const assignment: AssignmentView = {
  id: '80000000-0000-4000-8000-000000000001',
  packageId: PKG,
  packageName: 'Finance reports',
  state: 'delivered',
  endsAt: '2026-04-01T10:00:00Z',
  canRenew: true,
  canGiveUp: true,
};
const requirements: RequestRequirements = {
  policyId: '50000000-0000-4000-8000-000000000002',
  policyDisplayName: 'Manager approval',
  policyDescription: 'Your manager approves.',
  approvalRequired: true,
  justificationRequired: true,
  allowCustomSchedule: true,
  lasts: { kind: 'duration', days: 30, hours: 0 },
  questions: [
    {
      kind: 'choice',
      id: 'q1',
      odataType: 'x',
      sequence: 1,
      required: true,
      text: 'Region?',
      multiple: false,
      choices: [],
    },
  ] as never,
};
const policy: ActivationPolicy = {
  maximumDuration: 'PT8H',
  maximumMinutes: 480,
  justificationRequired: true,
  ticketRequired: true,
  mfaRequired: true,
  approvalRequired: true,
  approvers: ['Megan Bowen'],
};
const role: EligibleRole = {
  group: { ...GROUP, description: 'Finance administration' },
  accessId: 'member',
  eligibleFrom: '2026-01-01T00:00:00Z',
  eligibleUntil: '2026-06-01T00:00:00Z',
  policy,
} as EligibleRole;
const activation = (phase: ActivationPhase): ActivationState => ({
  requestId: 'a0000000-0000-4000-8000-000000000001',
  group: GROUP,
  accessId: 'member',
  phase,
  startDateTime: '2026-03-02T09:30:00Z',
  endDateTime: '2026-03-02T10:05:00Z',
  approvers: ['Megan Bowen'],
});
const approval = (outcome?: ApprovalOutcome): ApprovalState => ({
  details: {
    kind: 'em',
    id: '90000000-0000-4000-8000-000000005000',
    requester: { ...ALEX, jobTitle: 'Engineer', department: 'IT', manager: MEGAN },
    target: { kind: 'em', packageId: PKG, packageName: 'Finance reports', packageDescription: 'Reports', grants: [] },
    justification: 'Month-end close',
    answers: [],
    requestedAt: '2026-03-01T10:00:00Z',
    stages: [
      { approvers: [MEGAN], escalationApprovers: [], justificationRequired: true, timeout: 'P7D' },
      { approvers: [], escalationApprovers: [], justificationRequired: false, timeout: 'P7D' },
    ],
  },
  currentStage: 1,
  escalated: false,
  decisions: [],
  outcome,
});
const approvalView = (extra: Partial<ApprovalCardView> = {}): ApprovalCardView => ({
  state: approval(),
  viewerId: MEGAN.id,
  viewer: { canDecide: true, isRequester: false, others: [] },
  now: NOW,
  binding: { op: '55555555-0000-4000-8000-000000000001', sig: 'x'.repeat(43) },
  ...extra,
});

const REQUEST_STATES: RequestState[] = [
  'submitted',
  'pendingApproval',
  'scheduled',
  'delivering',
  'delivered',
  'partiallyDelivered',
  'deliveryFailed',
  'denied',
  'expired',
  'canceled',
];
const PHASES: ActivationPhase[] = [
  'pendingApproval',
  'scheduled',
  'active',
  'ended',
  'deactivated',
  'extended',
  'denied',
  'canceled',
  'expired',
  'failed',
];
const OUTCOMES: ApprovalOutcome['kind'][] = ['approved', 'denied', 'expired', 'canceled', 'failed', 'revoked'];
const TONES = ['good', 'warning', 'attention'] as const;

/** Name → card, for every builder in cards/ and each state that changes how a card is coloured. */
function everyCard(): Array<[string, unknown]> {
  const statusView = (state: RequestState) => ({
    request: request(state),
    now: NOW,
    approvalStages: [{ approvers: ['your manager (Megan Bowen)'] }],
    eligibleRoles: [{ groupId: GROUP.id, accessId: 'member' as const, groupName: 'DBAs' }],
    refreshUserIds: ['29:alex'],
  });
  const oversized = adaptiveCard(Array.from({ length: 400 }, (_, i) => textBlock(`Line ${i} ${'x'.repeat(80)}`)));
  return [
    ['welcome', welcomeCard({ firstName: 'Alex' })],
    ['help', helpCard()],
    ['help, not understood', helpCard({ notUnderstood: 'grant me admin' })],
    ...TONES.map((tone): [string, unknown] => [`message (${tone})`, messageCard({ title: 'Done', text: 'x', tone })]),
    ['error', errorCard({ title: 'Graph is busy', message: 'Slow down.', nextStep: 'Try again in a minute.' })],
    ['trimmed card', fitForTeams(oversized).card],
    [
      'search results',
      packageListCard({
        query: 'fin',
        packages: [pkg(1), pkg(2)],
        total: 7,
        page: 0,
        pageSize: 2,
        searchId: '11111111-1111-4111-8111-111111111111',
      }),
    ],
    ['no match', noMatchCard({ query: 'payroll', suggestions: [pkg(1)] })],
    [
      'details with grants and policies',
      packageDetailsCard({
        id: PKG,
        displayName: 'Finance reports',
        description: 'Reports',
        catalogName: 'IT',
        grants: [{ kind: 'group', resourceName: 'Finance', roleName: 'Member', groupId: GROUP.id }],
        policies: [
          {
            id: requirements.policyId,
            displayName: 'Manager approval',
            description: 'Your manager approves.',
            approvalRequired: true,
            stages: [
              { approvers: ['Megan Bowen'], escalationApprovers: [], timeout: 'P7D', justificationRequired: false },
            ],
            justificationRequired: true,
            lasts: requirements.lasts,
          },
        ],
      } as never),
    ],
    [
      'my access with active roles',
      myAccessCard({ assignments: [assignment], now: NOW }, [
        activeRolesSection({
          roles: [
            {
              group: GROUP,
              accessId: 'member',
              startDateTime: NOW,
              endDateTime: '2026-03-02T18:00:00Z',
              assignmentType: 'activated',
            },
            { group: GROUP, accessId: 'owner', startDateTime: NOW, assignmentType: 'assigned' },
          ],
          now: NOW,
        }),
      ]),
    ],
    [
      'approvals summary with bulk approve',
      approvalsSummaryCard({
        items: [{ state: approval(), needsReason: false }],
        now: NOW,
        bulk: { refs: ['em:x:1'], binding: { op: 'op', sig: 'x'.repeat(43) } },
      }),
    ],
    [
      'details',
      packageDetailsCard({
        id: PKG,
        displayName: 'Finance reports',
        description: 'Reports',
        catalogName: 'IT',
        grants: [],
        policies: [],
      } as never),
    ],
    [
      'request form',
      requestFormCard({
        formId: 'f',
        packageName: 'Finance reports',
        mode: 'new',
        policies: [requirements],
        today: '2026-03-02',
      }),
    ],
    [
      'request form with errors',
      requestFormCard({
        formId: 'f',
        packageName: 'Finance reports',
        mode: 'new',
        policies: [requirements],
        chosenPolicyId: requirements.policyId,
        errors: { justification: 'Say why.' } as never,
        today: '2026-03-02',
      }),
    ],
    ...REQUEST_STATES.map((state): [string, unknown] => [`status (${state})`, requestStatusCard(statusView(state))]),
    ...REQUEST_STATES.map((state): [string, unknown] => [
      `notification (${state})`,
      requestNotificationCard(statusView(state)),
    ]),
    [
      'my requests',
      myRequestsCard({
        requests: REQUEST_STATES.map((s, i) => request(s, { id: `90000000-0000-4000-8000-00000000010${i}` })),
        now: NOW,
      }),
    ],
    [
      'my access',
      myAccessCard({ assignments: [assignment], now: NOW }, [
        activeRolesSection({ roles: [], now: NOW, missing: ['groupNames'] }),
      ]),
    ],
    ['give up', giveUpConfirmCard({ assignment, actionId: '33333333-0000-4000-8000-000000000001' })],
    [
      'expiry reminder',
      expiryReminderCard({ assignment: { ...assignment, endsAt: '2026-03-03T10:00:00Z' }, now: NOW }),
    ],
    ['eligible roles', eligibleListCard({ roles: [role], now: NOW, unavailable: ['policies'] })],
    [
      'eligible roles: active, waiting, with a notice',
      eligibleListCard({
        roles: [
          {
            ...role,
            active: {
              group: GROUP,
              accessId: 'member',
              startDateTime: '2026-03-02T09:30:00Z',
              endDateTime: '2026-03-02T10:30:00Z',
              assignmentType: 'activated',
              requestId: 'a0000000-0000-4000-8000-000000000001',
            },
          },
          {
            ...role,
            accessId: 'owner',
            pending: {
              requestId: 'a0000000-0000-4000-8000-000000000002',
              phase: 'pendingApproval',
              durationMinutes: 60,
            },
          },
        ],
        now: NOW,
        notice: { groupId: GROUP.id, accessId: 'owner', text: 'Request canceled.', tone: 'good' },
      }),
    ],
    [
      'activation form',
      activationFormCard({
        role,
        policy,
        durations: [60, 120],
        defaultMinutes: 60,
        op: 'op',
        now: NOW,
        problems: ['Say why.'],
        fieldProblems: { startDate: 'Not a date.' },
      }),
    ],
    [
      'step-up',
      stepUpCard({
        groupName: 'Finance Admins',
        accessId: 'member',
        signInUrl: 'https://bot.example/auth/stepup?state=x',
        linkMinutes: 10,
      }),
    ],
    ...PHASES.map((phase): [string, unknown] => [
      `activation (${phase})`,
      activationCard({ state: activation(phase), now: NOW, reminderMinutes: 10 }),
    ]),
    ...TONES.map((tone): [string, unknown] => [
      `activation notice (${tone})`,
      activationCard({ state: activation('active'), now: NOW, reminderMinutes: 10, notice: { text: 'Note', tone } }),
    ]),
    ['approval', approvalCard(approvalView())],
    ['approval reminder', approvalCard(approvalView({ reminder: true }))],
    ...TONES.map((tone): [string, unknown] => [
      `approval notice (${tone})`,
      approvalCard(approvalView({ notice: { tone, text: 'Note' } })),
    ]),
    ...OUTCOMES.map((kind): [string, unknown] => [
      `approval (${kind})`,
      approvalCard(approvalView({ state: approval({ kind, by: MEGAN, at: NOW, reason: 'Talk to Lee' }) })),
    ]),
    [
      'approvals summary',
      approvalsSummaryCard({
        items: [{ state: approval(), needsReason: false }],
        now: NOW,
        unavailable: ['pimRequests'],
      }),
    ],
    [
      'bulk result',
      bulkResultCard(
        [
          { state: approval(), approved: true },
          { state: approval(), approved: false },
        ],
        MEGAN.id,
      ),
    ],
    ['digest', digestCard({ items: [approval()], now: NOW })],
  ];
}

describe('every card reads in the Teams light and dark themes (WCAG contrast)', () => {
  const cards = everyCard();
  for (const theme of THEMES) {
    const config = teamsHostConfig(theme);
    it.each(cards)(`${theme}: %s`, (_name, card) => {
      expect(contrastProblems(card, config)).toEqual([]);
    });
  }
});

describe('the contrast check itself', () => {
  const light = teamsHostConfig('light');
  const dark = teamsHostConfig('dark');

  it('computes WCAG ratios: black on white is 21:1, a colour on itself 1:1, alpha blended first', () => {
    expect(contrastRatio(parseColor('#000000'), parseColor('#ffffff'))).toBeCloseTo(21, 5);
    expect(contrastRatio(parseColor('#2d2c2c'), parseColor('#ff2d2c2c'))).toBeCloseTo(1, 5);
    expect(parseColor('#bfffffff')).toEqual([255, 255, 255, 0xbf / 255]);
    expect(parseColor('rgba(1, 2, 3, 0.5)')).toEqual([1, 2, 3, 0.5]);
  });

  it('reports the "Pending approval" yellow on white in light, and the red on dark grey in dark', () => {
    const yellow = adaptiveCard([textBlock('Pending approval', { color: 'warning', weight: 'bolder' })]);
    expect(contrastProblems(yellow, light)).toEqual(['body[0] "Pending approval": 1.47:1 < 4.5:1']);
    const red = adaptiveCard([textBlock('Denied', { color: 'attention' })]);
    expect(contrastProblems(red, light)).toEqual([]);
    expect(contrastProblems(red, dark)).toEqual(['body[0] "Denied": 3.24:1 < 4.5:1']);
  });

  it("reads text on its container's style, in shown cards on the host's show-card style, and facts", () => {
    const onPale = adaptiveCard([
      container([textBlock('Pending approval', { color: 'warning' })], { style: 'warning' }),
    ]);
    expect(contrastProblems(onPale, dark)).toEqual(['body[0].items[0] "Pending approval": 1.18:1 < 4.5:1']);
    const subtleOnPale = adaptiveCard([container([textBlock('Note', { isSubtle: true })], { style: 'good' })]);
    expect(contrastProblems(subtleOnPale, dark)).toEqual([]);
    const shown = {
      ...adaptiveCard([]),
      actions: [
        {
          type: 'Action.ShowCard',
          title: 'More',
          card: { type: 'AdaptiveCard', body: [textBlock('x', { color: 'good' })] },
        },
      ],
    };
    expect(contrastProblems(shown, light)).toEqual(['actions[0].card.body[0] "x": 1.95:1 < 4.5:1']);
  });

  it('lets large text (24 px, Teams extraLarge) pass at 3:1', () => {
    const big = adaptiveCard([textBlock('Denied', { color: 'attention', size: 'extraLarge' })]);
    expect(contrastProblems(big, dark)).toEqual([]);
  });
});
