import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { TurnContext } from 'botbuilder';
import { describe, expect, it } from 'vitest';
import { sendCard, updateCard } from '../../bot/cardSender.js';
import { cardReply } from '../../bot/invokeResponse.js';
import { activationCard } from '../../cards/activation/activationCard.js';
import { activeRolesSection } from '../../cards/activation/activeRolesSection.js';
import { activationFormCard } from '../../cards/activation/formCard.js';
import { eligibleListCard } from '../../cards/activation/listCard.js';
import { approvalCard } from '../../cards/approver/approvalCard.js';
import { approvalsPage, approvalsSummaryCard, bulkResultCard, digestCard } from '../../cards/approver/listCards.js';
import { type AdaptiveCard, adaptiveCard, container, executeAction, heading, textBlock } from '../../cards/elements.js';
import { packageDetailsCard } from '../../cards/requester/details.js';
import { expiryReminderCard } from '../../cards/requester/expiry.js';
import { giveUpConfirmCard, myAccessCard, myRequestsCard } from '../../cards/requester/mine.js';
import { noMatchCard, packageListCard } from '../../cards/requester/packageList.js';
import { requestFormCard } from '../../cards/requester/requestForm.js';
import { requestStatusCard } from '../../cards/requester/status.js';
import { cardUtf16Bytes, fitForTeams, MAX_CARD_UTF16_BYTES, TRIMMED_NOTE } from '../../cards/size.js';
import { Verbs } from '../../cards/verbs.js';
import type { ApprovalState, PersonRef } from '../../services/model/approvals.js';
import type {
  AssignmentView,
  PackageSummary,
  PolicyQuestion,
  RequestRequirements,
  RequestView,
} from '../../services/model/entitlement.js';
import type { ActivationPolicy, ActiveRole, EligibleRole } from '../../services/model/pim.js';
import { checkCard } from '../helpers/cardCheck.js';
import { buttonTitles, cardText, findAction } from '../helpers/teamsHarness.js';

/**
 * Every card built from ten times the demo tenant's data (devtenant/seed/demo.json): each stays within Teams' limits
 * (40 KB in UTF-16, at most 6 buttons, …), and a list card pages instead of growing, with every item on some page.
 */

const TIMES = 10;
const NOW = '2026-03-02T10:00:00.000Z';
const seed = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../devtenant/seed/demo.json'), 'utf8'));

const uuid = (prefix: string, n: number) => `${prefix}-0000-4000-8000-${String(n).padStart(12, '0')}`;
/** `items` ten times over, each copy told apart by its number. */
function tenfold<T, R>(items: T[], make: (item: T, n: number, copy: number) => R): R[] {
  return Array.from({ length: TIMES }, (_, copy) =>
    items.map((item, i) => make(item, copy * items.length + i, copy)),
  ).flat();
}

const catalogName = (id: string) => seed.catalogs.find((c: any) => c.id === id)?.displayName ?? 'General';
const packages: PackageSummary[] = tenfold(seed.accessPackages, (p: any, n, copy) => ({
  id: uuid('40000000', 1000 + n),
  displayName: `${p.displayName} (${copy + 1})`,
  description: p.description,
  catalogName: catalogName(p.catalogId),
  resourceNames: [],
  isHidden: false,
}));
const people: PersonRef[] = tenfold(seed.users, (u: any, n, copy) => ({
  id: uuid('10000000', 1000 + n),
  displayName: `${u.displayName} (${copy + 1})`,
}));
const groups = tenfold(seed.groups, (g: any, n, copy) => ({
  id: uuid('20000000', 1000 + n),
  displayName: `${g.displayName} (${copy + 1})`,
  description: g.description as string,
}));
/** The demo's assignments are a few; ten times every package it has is a person who holds a lot. */
const assignments: AssignmentView[] = packages.map((p, n) => ({
  id: uuid('80000000', 1000 + n),
  packageId: p.id,
  packageName: p.displayName,
  state: 'delivered',
  endsAt: '2026-04-01T10:00:00Z',
  canRenew: true,
  canGiveUp: true,
}));
const requests: RequestView[] = packages.map((p, n) => ({
  id: uuid('90000000', 1000 + n),
  kind: 'add',
  state: n % 2 ? 'pendingApproval' : 'denied',
  status: n % 2 ? 'PendingApproval' : 'Denied',
  packageId: p.id,
  packageName: p.displayName,
  createdAt: '2026-03-01T10:00:00Z',
}));
const policy: ActivationPolicy = {
  maximumDuration: 'PT8H',
  maximumMinutes: 480,
  justificationRequired: true,
  ticketRequired: true,
  mfaRequired: true,
  approvalRequired: true,
  approvers: people.slice(0, 30).map((p) => p.displayName),
};
const eligibleRoles: EligibleRole[] = groups.map((group, n) => ({
  group,
  accessId: n % 2 ? 'owner' : 'member',
  eligibleFrom: '2026-01-01T00:00:00Z',
  eligibleUntil: '2026-06-01T00:00:00Z',
  origin: {
    accessPackageId: packages[n % packages.length].id,
    accessPackageName: packages[n % packages.length].displayName,
  },
  policy,
}));
const activeRoles: ActiveRole[] = groups.map((group, n) => ({
  group,
  accessId: 'member',
  startDateTime: '2026-03-02T09:00:00Z',
  endDateTime: '2026-03-02T17:00:00Z',
  assignmentType: 'activated',
  requestId: uuid('a0000000', 1000 + n),
}));
const demoQuestions: PolicyQuestion[] = seed.accessPackages
  .flatMap((p: any) => p.policies.flatMap((pol: any) => pol.questions ?? []))
  .map((q: any) =>
    q.choices
      ? {
          kind: 'choice',
          id: q.id,
          odataType: q['@odata.type'],
          sequence: q.sequence,
          required: q.isRequired,
          text: q.text,
          multiple: !!q.isMultipleSelectionAllowed,
          choices: q.choices.map((c: any) => ({ value: c.actualValue, text: c.text })),
        }
      : {
          kind: 'text',
          id: q.id,
          odataType: q['@odata.type'],
          sequence: q.sequence,
          required: q.isRequired,
          text: q.text,
          singleLine: !!q.isSingleLineQuestion,
          maxLength: 4000,
        },
  );
const questions: PolicyQuestion[] = tenfold(demoQuestions, (q, n) => ({ ...q, id: uuid('70000000', 1000 + n) }));
const mostPolicies = Math.max(...seed.accessPackages.map((p: any) => p.policies.length));
const policies: RequestRequirements[] = Array.from({ length: mostPolicies * TIMES }, (_, n) => ({
  policyId: uuid('50000000', 1000 + n),
  policyDisplayName: `Policy ${n + 1} for planning and month-end close`,
  policyDescription: seed.accessPackages[n % seed.accessPackages.length].description,
  approvalRequired: true,
  justificationRequired: true,
  allowCustomSchedule: true,
  lasts: { kind: 'duration', days: 30, hours: 0 },
  questions,
}));

function expectWithinTeams(card: AdaptiveCard, what: string): void {
  expect(checkCard(card), what).toEqual([]);
  expect(cardUtf16Bytes(card), what).toBeLessThanOrEqual(MAX_CARD_UTF16_BYTES);
}

/** Follows Next from the first page to the last, checking each page; returns the pages' texts. */
function everyPage(what: string, build: (page: number) => AdaptiveCard, verb: string): string[] {
  const texts: string[] = [];
  for (let page = 0; page < 1000; page++) {
    const card = build(page);
    expectWithinTeams(card, `${what}, page ${page + 1}`);
    texts.push(cardText(card));
    const next = findAction(card, 'Next')?.action as { verb?: string; data?: { page?: number } } | undefined;
    if (!next) return texts;
    expect(next.verb).toBe(verb);
    expect(next.data?.page).toBe(page + 1);
    expect(buttonTitles(build(page + 1))).toContain('Previous');
  }
  throw new Error(`${what} never ends`);
}

/** How many pages show `text` (each item must be on exactly one). */
const pagesWith = (texts: string[], text: string) => texts.filter((t) => t.includes(text)).length;

describe(`every card with ${TIMES} times the demo's data stays within Teams' limits`, () => {
  it(`my access: ${assignments.length} packages and ${activeRoles.length} group memberships, paged`, () => {
    const section = activeRolesSection({ roles: activeRoles, now: NOW });
    const texts = everyPage(
      'my access',
      (page) => myAccessCard({ assignments, page, now: NOW }, [section]),
      'myAccess',
    );
    expect(texts.length).toBeGreaterThan(1);
    for (const a of assignments) expect(pagesWith(texts, `**${a.packageName}**\nUntil`), a.packageName).toBe(1);
    for (const r of activeRoles) {
      expect(pagesWith(texts, `**${r.group.displayName}** (member)`), r.group.displayName).toBe(1);
    }
  });

  it(`my requests: ${requests.length} requests, paged`, () => {
    const texts = everyPage('my requests', (page) => myRequestsCard({ requests, page, now: NOW }), 'myRequests');
    for (const r of requests) expect(pagesWith(texts, `**${r.packageName}**`), r.packageName).toBe(1);
  });

  it(`search results and the catalog: ${packages.length} packages, paged`, () => {
    const texts = everyPage(
      'catalog',
      (page) =>
        packageListCard({
          packages: packages.slice(page * 5, page * 5 + 5),
          total: packages.length,
          page,
          pageSize: 5,
          searchId: uuid('11111111', 1),
        }),
      'showMore',
    );
    expect(texts).toHaveLength(packages.length / 5);
    expectWithinTeams(noMatchCard({ query: 'x'.repeat(300), suggestions: packages.slice(0, 5) }), 'no match');
  });

  it(`eligible roles: ${eligibleRoles.length} roles with their policies, paged`, () => {
    const texts = everyPage(
      'eligible roles',
      (page) => eligibleListCard({ roles: eligibleRoles, page, now: NOW }),
      'activateList',
    );
    for (const r of eligibleRoles) {
      expect(pagesWith(texts, `**${r.group.displayName}** · `), r.group.displayName).toBe(1);
    }
  });

  it(`the request form: ${policies.length} policies, each with ${questions.length} questions`, () => {
    const base = {
      formId: uuid('22222222', 1),
      packageName: packages[0].displayName,
      mode: 'new' as const,
      today: '2026-03-02',
    };
    expectWithinTeams(requestFormCard({ ...base, policies }), 'policy choice');
    expectWithinTeams(requestFormCard({ ...base, policies: policies.slice(0, 5) }), 'five policies');
    expectWithinTeams(requestFormCard({ ...base, policies, chosenPolicyId: policies[3].policyId }), 'one policy');
  });

  it('package details, the status card, give up and the expiry reminder', () => {
    // Graph allows 3 approval stages; each names ten times the demo's approvers.
    const stages = Array.from({ length: 3 }, (_, n) => ({
      approvers: people.slice(n * 20, n * 20 + 20).map((p) => p.displayName),
      escalationApprovers: [],
      timeout: 'P7D',
      justificationRequired: false,
    }));
    expectWithinTeams(
      packageDetailsCard({
        id: packages[0].id,
        displayName: packages[0].displayName,
        description: packages[0].description,
        catalogName: packages[0].catalogName,
        grants: groups.map((g) => ({ kind: 'group', resourceName: g.displayName, roleName: 'Member', groupId: g.id })),
        policies: policies.map((p) => ({
          id: p.policyId,
          displayName: p.policyDisplayName,
          description: p.policyDescription,
          approvalRequired: true,
          stages,
          justificationRequired: true,
          lasts: p.lasts,
        })),
      } as never),
      'details',
    );
    expectWithinTeams(
      requestStatusCard({
        request: requests[1],
        now: NOW,
        approvalStages: stages as never,
        eligibleRoles: groups.map((g) => ({ groupId: g.id, accessId: 'member', groupName: g.displayName })),
        refreshUserIds: ['29:alex'],
      }),
      'status',
    );
    expectWithinTeams(giveUpConfirmCard({ assignment: assignments[0], actionId: uuid('33333333', 1) }), 'give up');
    expectWithinTeams(
      expiryReminderCard({ assignment: { ...assignments[0], endsAt: '2026-03-03T10:00:00Z' }, now: NOW }),
      'expiry',
    );
  });

  it('the activation form and card', () => {
    const role = eligibleRoles[0];
    expectWithinTeams(
      activationFormCard({
        role,
        policy,
        durations: [30, 60, 120, 240, 480],
        defaultMinutes: 60,
        op: uuid('44444444', 1),
        now: NOW,
      }),
      'activation form',
    );
    expectWithinTeams(
      activationCard({
        state: {
          requestId: uuid('a0000000', 1),
          group: role.group,
          accessId: 'member',
          phase: 'pendingApproval',
          approvers: policy.approvers,
        },
        now: NOW,
        reminderMinutes: 10,
        viewerTeamsId: '29:alex',
      }),
      'activation card',
    );
  });

  const approval = (n: number): ApprovalState => ({
    details: {
      kind: 'em',
      id: uuid('90000000', 5000 + n),
      requester: {
        ...people[n % people.length],
        jobTitle: 'Cloud Operations Engineer',
        department: 'IT',
        manager: people[1],
      },
      target: {
        kind: 'em',
        packageId: packages[n % packages.length].id,
        packageName: packages[n % packages.length].displayName,
        packageDescription: packages[n % packages.length].description,
        grants: groups.map((g) => `Eligible Member of ${g.displayName}`),
      },
      justification: seed.assignments[0].justification,
      answers: questions.map((q) => ({ question: q.text, answer: 'An answer of a reasonable length' })),
      requestedAt: '2026-03-01T10:00:00Z',
      stages: [{ approvers: people, escalationApprovers: people, justificationRequired: true, timeout: 'P7D' }],
    },
    currentStage: 1,
    escalated: false,
    decisions: [],
  });

  const waiting = tenfold(seed.requests, (_r, n) => ({ state: approval(n), needsReason: n % 3 === 0 }));
  /** The fact line of one waiting request, on the summary and the digest alike. */
  const factOf = (state: ApprovalState) =>
    `${state.details.requester.displayName} ${(state.details.target as { packageName: string }).packageName} · `;

  it(`approvals: the card with ${people.length} approvers and the bulk result`, () => {
    const binding = { op: uuid('55555555', 1), sig: 'x'.repeat(43) };
    expectWithinTeams(
      approvalCard({
        state: approval(0),
        viewerId: people[1].id,
        viewer: { canDecide: true, isRequester: false, others: people.slice(2) },
        now: NOW,
        binding,
        refreshUserIds: Array.from({ length: 60 }, (_, i) => `29:${uuid('10000000', i)}`),
      }),
      'approval card',
    );
    expectWithinTeams(
      bulkResultCard(
        waiting.map((i, n) => ({ state: i.state, approved: n % 2 === 0 })),
        people[1].id,
      ),
      'bulk',
    );
  });

  it(`approvals: ${waiting.length} waiting requests, paged, "Approve all shown" for the page only`, () => {
    const binding = { op: uuid('55555555', 1), sig: 'x'.repeat(43) };
    const build = (page: number) => {
      const shown = approvalsPage(waiting, page).items.filter((i) => !i.needsReason);
      const refs = shown.map((i) => `em:${i.state.details.id}:1`);
      return approvalsSummaryCard({ items: waiting, page, now: NOW, bulk: { refs, binding } });
    };
    const texts = everyPage('approvals', build, 'listApprovals');
    expect(texts.length).toBeGreaterThan(1);
    for (const i of waiting) expect(pagesWith(texts, factOf(i.state)), i.state.details.id).toBe(1);
    texts.forEach((text, page) => {
      expect(text).toContain(`${waiting.length} requests wait for your decision`);
      expect(text).toMatch(
        new RegExp(`Showing ${page * 10 + 1}–${Math.min(waiting.length, page * 10 + 10)} of ${waiting.length}\\.`),
      );
      // The question (asked once "Approve all shown" re-read what waits) names exactly this page's requests that
      // need no reason, and says the others stay.
      const onPage = approvalsPage(waiting, page).items.filter((i) => !i.needsReason);
      expect(findAction(build(page), 'Approve all shown')?.action.verb).toBe('reviewApproveAll');
      const confirm = approvalsSummaryCard({
        items: waiting,
        page,
        now: NOW,
        confirm: { items: onPage, binding, decidedSince: 0 },
      });
      expect(checkCard(confirm)).toEqual([]);
      const confirmText = cardText(confirm);
      expect(confirmText).toContain(`Approve these ${onPage.length} requests shown on this page?`);
      expect(confirmText).toContain(
        `the ${waiting.length - approvalsPage(waiting, page).items.length} requests on other pages stay`,
      );
      const named = waiting.filter((i) => confirmText.includes(`${i.state.details.requester.displayName}: `));
      expect(named.map((i) => i.state.details.id)).toEqual(onPage.map((i) => i.state.details.id));
    });
    expect(buttonTitles(build(texts.length - 1))).not.toContain('Next');
    expect(findAction(build(1), 'Refresh')?.action.data).toEqual({ page: 1 });
  });

  it(`the digest: ${waiting.length} waiting requests, paged`, () => {
    const states = waiting.map((i) => i.state);
    const texts = everyPage('digest', (page) => digestCard({ items: states, page, now: NOW }), 'approvalDigest');
    expect(texts.length).toBeGreaterThan(1);
    for (const state of states) expect(pagesWith(texts, factOf(state)), state.details.id).toBe(1);
    for (const text of texts) expect(text).not.toMatch(/more\./);
    expect(texts[0]).toContain(`Showing 1–10 of ${states.length}.`);
  });
});

describe('the guard where cards leave the bot', () => {
  /** A card no builder makes any more: 400 rows of a list, with buttons. */
  const oversized = () =>
    adaptiveCard(
      [
        heading('Your access'),
        ...packages
          .concat(packages, packages)
          .map((p) => container([textBlock(`**${p.displayName}**`), textBlock(p.description)], { separator: true })),
      ],
      { actions: [executeAction('Find access', Verbs.showCatalog), executeAction('My requests', Verbs.myRequests)] },
    );

  it('an invoke answer over 40 KB in UTF-16 is cut to fit, keeping its heading and buttons, and says so', () => {
    expect(cardUtf16Bytes(oversized())).toBeGreaterThan(MAX_CARD_UTF16_BYTES);
    const sent = cardReply(oversized()).value as unknown as AdaptiveCard;
    expectWithinTeams(sent, 'trimmed reply');
    expect(cardText(sent).split('\n')[0]).toBe('Your access');
    expect(cardText(sent).split('\n').at(-1)).toBe(TRIMMED_NOTE);
    expect(buttonTitles(sent)).toEqual(['Find access', 'My requests']);
    // As much of the list as fits is still shown.
    expect(cardUtf16Bytes(sent)).toBeGreaterThan(MAX_CARD_UTF16_BYTES * 0.9);
  });

  it('a sent or updated card is cut the same way; a card that fits goes out untouched', async () => {
    const activities: any[] = [];
    const turn = {
      sendActivity: async (activity: any) => {
        activities.push(activity);
        return { id: 'activity-1' };
      },
      updateActivity: async (activity: any) => {
        activities.push(activity);
      },
    } as unknown as TurnContext;
    await sendCard(turn, oversized());
    await updateCard(turn, 'activity-1', oversized());
    const small = myRequestsCard({ requests: requests.slice(0, 3), now: NOW });
    await sendCard(turn, small);
    const [sent, updated, fits] = activities.map((a) => a.attachments[0].content);
    for (const card of [sent, updated]) {
      expectWithinTeams(card, 'trimmed message');
      expect(cardText(card).split('\n').at(-1)).toBe(TRIMMED_NOTE);
    }
    expect(fits).toEqual(small);
    expect(fitForTeams(small)).toEqual({ card: small, trimmed: false });
  });
});
