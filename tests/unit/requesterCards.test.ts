import { describe, expect, it } from 'vitest';
import { remindData } from '../../bot/journeys/approver/schemas.js';
import { activeRolesSection, myAccessRoleSections } from '../../cards/activation/activeRolesSection.js';
import { packageDetailsCard } from '../../cards/requester/details.js';
import { accessLengthText, relativeTime } from '../../cards/requester/format.js';
import { giveUpConfirmCard, myAccessCard, myAccessSection, myRequestsCard } from '../../cards/requester/mine.js';
import { noMatchCard, packageListCard } from '../../cards/requester/packageList.js';
import { formInputId, requestFormCard } from '../../cards/requester/requestForm.js';
import { type RequestStatusView, requestNotificationCard, requestStatusCard } from '../../cards/requester/status.js';
import type {
  AssignmentView,
  PackageDetails,
  PackageSummary,
  RequestRequirements,
  RequestView,
} from '../../services/model/entitlement.js';
import { checkCard } from '../helpers/cardCheck.js';
import { seenIn } from '../helpers/cardTimes.js';
import { buttonTitles, type Card, cardText, findAction } from '../helpers/teamsHarness.js';

const PKG = '40000000-0000-4000-8000-000000000002';
const NOW = '2026-03-02T10:00:00.000Z';

function pkg(n: number, extra: Partial<PackageSummary> = {}): PackageSummary {
  return {
    id: `40000000-0000-4000-8000-00000000000${n}`,
    displayName: `Package ${n}`,
    description: `What package ${n} is for`,
    catalogName: 'IT',
    resourceNames: [],
    isHidden: false,
    ...extra,
  };
}

const requirements = (extra: Partial<RequestRequirements> = {}): RequestRequirements => ({
  policyId: '50000000-0000-4000-8000-000000000002',
  policyDisplayName: 'Manager approval',
  policyDescription: 'Your manager approves.',
  approvalRequired: true,
  justificationRequired: true,
  allowCustomSchedule: false,
  lasts: { kind: 'duration', days: 30, hours: 0 },
  questions: [],
  ...extra,
});

const request = (extra: Partial<RequestView> = {}): RequestView => ({
  id: '90000000-0000-4000-8000-000000000001',
  kind: 'add',
  state: 'pendingApproval',
  status: 'PendingApproval',
  packageId: PKG,
  packageName: 'Production Databases – Eligible DBA',
  createdAt: '2026-03-02T09:55:00.000Z',
  ...extra,
});

const statusView = (extra: Partial<RequestView> = {}, view: Partial<RequestStatusView> = {}): RequestStatusView => ({
  request: request(extra),
  now: NOW,
  approvalStages: [{ approvers: ['your manager (Megan Bowen)'] }, { approvers: ['a member of Security Reviewers'] }],
  eligibleRoles: [{ groupId: '20000000-0000-4000-8000-000000000018', accessId: 'member', groupName: 'DBAs' }],
  refreshUserIds: ['29:alex'],
  ...view,
});

describe('search results and catalog cards', () => {
  it('lists a page with Details and Request per package and Next when there is more', () => {
    const card = packageListCard({
      query: 'finanse',
      packages: [pkg(1), pkg(2)],
      total: 7,
      page: 0,
      pageSize: 2,
      searchId: '11111111-1111-4111-8111-111111111111',
    });
    expect(checkCard(card)).toEqual([]);
    expect(cardText(card)).toMatch(/Access packages for "finanse"[\s\S]*Showing 1–2 of 7[\s\S]*Package 1/);
    expect(buttonTitles(card)).toEqual(['Next', 'My requests', 'Details', 'Request', 'Details', 'Request']);
    expect(findAction(card, 'Next')?.action).toMatchObject({
      verb: 'showMore',
      data: { searchId: '11111111-1111-4111-8111-111111111111', page: 1 },
    });
    const middle = packageListCard({
      query: 'finanse',
      packages: [pkg(3), pkg(4)],
      total: 7,
      page: 1,
      pageSize: 2,
      searchId: '11111111-1111-4111-8111-111111111111',
    });
    expect(checkCard(middle)).toEqual([]);
    expect(buttonTitles(middle).slice(0, 3)).toEqual(['Previous', 'Next', 'My requests']);
    expect(findAction(middle, 'Previous')?.action.data).toEqual({
      searchId: '11111111-1111-4111-8111-111111111111',
      page: 0,
    });
    expect(findAction(card, 'Request')?.action).toMatchObject({ verb: 'requestForm', data: { packageId: pkg(1).id } });
  });

  it('has no Previous or Next on a single page, and escapes names and what the person typed', () => {
    const card = packageListCard({
      query: '**bold** [link](x)',
      packages: [pkg(1, { displayName: '**Admins**' })],
      total: 1,
      page: 0,
      pageSize: 5,
    });
    expect(buttonTitles(card)).toEqual(['My requests', 'Details', 'Request']);
    expect(cardText(card)).toContain('\\*\\*bold\\*\\* \\[link\\](x)');
    expect(cardText(card)).toContain('**\\*\\*Admins\\*\\***');
  });

  it('says when nothing matched, with close names or a way to browse', () => {
    const suggested = noMatchCard({ query: 'finanse', suggestions: [pkg(3)] });
    expect(checkCard(suggested)).toEqual([]);
    expect(cardText(suggested)).toMatch(/Nothing you can request matches "finanse"[\s\S]*Package 3/);
    const none = noMatchCard({ query: 'xylophone', suggestions: [] });
    expect(buttonTitles(none)).toEqual(['Browse the catalog', 'Help']);
  });
});

describe('package details card', () => {
  const details: PackageDetails = {
    id: PKG,
    displayName: 'Production Databases – Eligible DBA',
    description: 'DBA rights just in time.',
    catalogName: 'IT & Cloud Operations',
    grants: [
      { kind: 'group', resourceName: 'Database Administrators', roleName: 'Eligible Member', eligible: 'member' },
      { kind: 'app', resourceName: 'Azure DevOps', roleName: 'Contributor' },
      { kind: 'site', resourceName: 'Finance Reports', roleName: 'Visitors' },
    ],
    policies: [
      {
        id: 'p1',
        displayName: 'Two stages',
        description: '',
        approvalRequired: true,
        stages: [{ approvers: ['your manager'] }, { approvers: ['Megan Bowen', 'Patti Fernandez'] }],
        justificationRequired: true,
        lasts: { kind: 'duration', days: 90, hours: 0 },
      },
    ],
  };

  it('shows what it grants (eligible roles as activate-when-needed), who approves and how long', () => {
    const card = packageDetailsCard(details);
    expect(checkCard(card)).toEqual([]);
    const text = cardText(card);
    expect(text).toContain('Eligible member of **Database Administrators** — activate when needed');
    expect(text).toContain('Contributor in the app **Azure DevOps**');
    expect(text).toContain('Visitors on the site **Finance Reports**');
    expect(text).toContain('Approval your manager, then Megan Bowen or Patti Fernandez');
    expect(text).toContain('Access lasts 90 days');
    expect(buttonTitles(card)).toEqual(['Request', 'Back to the catalog']);
  });

  it('names each policy when there are several', () => {
    const two = { ...details, policies: [details.policies[0], { ...details.policies[0], displayName: 'Fast lane' }] };
    expect(cardText(packageDetailsCard(two))).toMatch(/2 ways to get it[\s\S]*Two stages[\s\S]*Fast lane/);
  });
});

describe('request form card', () => {
  const withQuestions = requirements({
    allowCustomSchedule: true,
    questions: [
      {
        kind: 'text',
        id: 'q1',
        odataType: '#microsoft.graph.accessPackageTextInputQuestion',
        sequence: 0,
        required: true,
        text: 'Cost centre',
        singleLine: true,
        regex: '^CC-[0-9]{4}$',
        maxLength: 256,
      },
      {
        kind: 'choice',
        id: 'q2',
        odataType: '#microsoft.graph.accessPackageMultipleChoiceQuestion',
        sequence: 1,
        required: false,
        text: 'Regions',
        multiple: true,
        choices: [
          { value: 'we', text: 'West Europe' },
          { value: 'us', text: 'East US' },
        ],
      },
    ],
  });
  const base = {
    formId: '22222222-2222-4222-8222-222222222222',
    packageName: 'Sandbox',
    mode: 'new' as const,
    today: '2026-03-02',
  };

  function inputs(card: Card): any[] {
    const found: any[] = [];
    const walk = (els: any[]) => {
      for (const el of els ?? []) {
        if (String(el.type).startsWith('Input.')) found.push(el);
        walk(el.items);
      }
    };
    walk(card.body);
    for (const action of card.actions ?? []) if (action.card) walk(action.card.body);
    return found;
  }

  it('asks exactly what the policy asks, with its rules on the inputs', () => {
    const card = requestFormCard({ ...base, policies: [withQuestions] });
    expect(checkCard(card)).toEqual([]);
    const byId = Object.fromEntries(inputs(card).map((i) => [i.id, i]));
    expect(Object.keys(byId)).toEqual(['p0.justification', 'p0.q:q1', 'p0.q:q2', 'p0.startDate', 'p0.endDate']);
    expect(byId['p0.justification']).toMatchObject({ isRequired: true, isMultiline: true, maxLength: 1000 });
    expect(byId['p0.q:q1']).toMatchObject({ regex: '^CC-[0-9]{4}$', isRequired: true, label: 'Cost centre' });
    expect(byId['p0.q:q2']).toMatchObject({ isMultiSelect: true, label: 'Regions (optional)' });
    expect(byId['p0.startDate']).toMatchObject({ type: 'Input.Date', min: '2026-03-02' });
    expect(byId['p0.endDate'].label).toContain('at most 30 days after the start');
    expect(findAction(card, 'Submit request')?.action).toMatchObject({
      verb: 'submitRequest',
      data: { formId: base.formId, policyId: withQuestions.policyId },
    });
  });

  it('leaves out what the policy does not ask', () => {
    const card = requestFormCard({ ...base, policies: [requirements({ justificationRequired: false })] });
    const ids = inputs(card).map((i) => i.id);
    expect(ids).toEqual(['p0.justification']);
    expect(inputs(card)[0]).toMatchObject({ label: 'Why do you need it? (optional)' });
    expect(inputs(card)[0].isRequired).toBeUndefined();
  });

  it('offers one ShowCard per policy when several apply, with inputs that never collide', () => {
    const card = requestFormCard({
      ...base,
      policies: [withQuestions, requirements({ policyId: 'other', policyDisplayName: 'Fast lane' })],
    });
    expect(checkCard(card)).toEqual([]);
    expect(card.actions?.map((a) => a.type)).toEqual(['Action.ShowCard', 'Action.ShowCard']);
    expect(buttonTitles(card)).toEqual(['Manager approval', 'Submit request', 'Fast lane', 'Submit request']);
    expect(inputs(card).map((i) => i.id)).toContain(formInputId(1, 'justification'));
  });

  it('shows field errors next to their inputs and keeps what was typed, for the submitted policy only', () => {
    const card = requestFormCard({
      ...base,
      policies: [requirements({ policyId: 'a' }), withQuestions],
      chosenPolicyId: withQuestions.policyId,
      values: { justification: 'because', 'q:q1': 'CC-12' },
      errors: { 'q:q1': 'The answer is not in the format this question asks for (^CC-[0-9]{4}$).' },
    });
    expect(checkCard(card)).toEqual([]);
    const text = cardText(card);
    expect(text).toMatch(/One answer needs fixing/);
    expect(text).toMatch(/Policy: \*\*Manager approval\*\*/);
    const body = card.body.map((el: any) => el.id ?? el.text ?? el.items?.[0]?.text);
    const at = body.indexOf('p1.q:q1');
    expect(String(body[at + 1])).toMatch(/not in the format/);
    expect(card.body[at + 1]).toMatchObject({ type: 'Container', style: 'attention' });
    expect(inputs(card).find((i) => i.id === 'p1.q:q1').value).toBe('CC-12');
    expect(buttonTitles(card)).toEqual(['Submit request', 'Choose another policy']);
  });

  it('with more than 5 policies, offers a required choice set and Continue instead of a button each', () => {
    const many = (n: number) =>
      Array.from({ length: n }, (_, i) =>
        requirements({ policyId: `5000000${i}-0000-4000-8000-000000000002`, policyDisplayName: `Policy ${i + 1}` }),
      );
    const five = requestFormCard({ ...base, policies: many(5) });
    expect(checkCard(five)).toEqual([]);
    expect(five.actions?.map((a) => a.type)).toEqual(Array(5).fill('Action.ShowCard'));
    for (const n of [6, 7, 12]) {
      const card = requestFormCard({ ...base, policies: many(n) });
      expect(checkCard(card)).toEqual([]);
      expect(card.actions).toHaveLength(1);
      expect(findAction(card, 'Continue')?.action).toMatchObject({
        verb: 'requestForm',
        data: { formId: base.formId },
      });
      const choice = inputs(card).find((i) => i.id === 'policyId');
      expect(choice).toMatchObject({ type: 'Input.ChoiceSet', isRequired: true, label: 'Policy' });
      expect(choice.choices.map((c: any) => c.title)).toEqual(many(n).map((p) => p.policyDisplayName));
      expect(choice.choices.map((c: any) => c.value)).toEqual(many(n).map((p) => p.policyId));
      expect(cardText(card)).toContain(`You can get this package in ${n} ways.`);
    }
  });

  const unanswerable = (required: boolean) =>
    requirements({
      questions: [
        {
          kind: 'choice',
          id: 'q3',
          odataType: '#microsoft.graph.accessPackageMultipleChoiceQuestion',
          sequence: 0,
          required,
          text: 'Which **region**?',
          multiple: false,
          choices: [],
        },
      ],
    });

  it('never renders a required question that cannot be answered: says what it asks and links to My Access', () => {
    const card = requestFormCard({ ...base, policies: [unanswerable(true)] });
    expect(checkCard(card)).toEqual([]);
    expect(inputs(card).map((i) => i.id)).toEqual(['p0.justification']);
    expect(cardText(card)).toContain(
      'This policy asks "Which \\*\\*region\\*\\*?", but offers no answers that can be chosen here. Request it in My Access instead.',
    );
    expect(findAction(card, 'Submit request')).toBeUndefined();
    expect(findAction(card, 'Request in My Access')?.action).toMatchObject({
      type: 'Action.OpenUrl',
      url: 'https://myaccess.microsoft.com',
    });
    // With several policies, only the blocked one sends to My Access.
    const two = requestFormCard({
      ...base,
      policies: [unanswerable(true), requirements({ policyId: 'other', policyDisplayName: 'Fast lane' })],
    });
    expect(checkCard(two)).toEqual([]);
    expect(buttonTitles(two)).toEqual(['Manager approval', 'Request in My Access', 'Fast lane', 'Submit request']);
  });

  it('leaves out an optional question that has no answers to choose, and still submits', () => {
    const card = requestFormCard({ ...base, policies: [unanswerable(false)] });
    expect(checkCard(card)).toEqual([]);
    expect(inputs(card).map((i) => i.id)).toEqual(['p0.justification']);
    expect(cardText(card)).toContain('It is optional, so I leave it out.');
    expect(buttonTitles(card)).toEqual(['Submit request']);
  });

  it('titles a renewal as one', () => {
    expect(cardText(requestFormCard({ ...base, mode: 'renew', policies: [requirements()] }))).toMatch(/^Renew Sandbox/);
  });
});

describe('status card', () => {
  it('pending: who approves, when it was requested, Cancel, and a refresh for the requester', () => {
    const card = requestStatusCard(statusView());
    expect(checkCard(card)).toEqual([]);
    const text = cardText(card);
    expect(text).toMatch(/Pending approval/);
    expect(text).toContain('Approvers your manager (Megan Bowen), then a member of Security Reviewers');
    // In the reader's zone, with the date unless it is their today (their zone is unknown here: always the date).
    expect(text).toContain('Requested {{DATE(2026-03-02T09:55:00Z, SHORT)}} {{TIME(2026-03-02T09:55:00Z)}}');
    expect(seenIn(text, 'America/Los_Angeles')).toContain('Requested Mon, Mar 2, 2026 1:55 AM');
    const known = cardText(requestStatusCard(statusView({}, { zone: 'Europe/Berlin' })));
    expect(seenIn(known, 'Europe/Berlin')).toContain('Requested 10:55 AM');
    expect(buttonTitles(card)).toEqual(['Remind approvers', 'Cancel request', 'Yes, cancel request', 'My requests']);
    expect(card.refresh).toEqual({
      action: { type: 'Action.Execute', verb: 'refreshRequest', data: { requestId: request().id } },
      userIds: ['29:alex'],
    });
  });

  it('pending approval: Remind approvers sends the verb and data the reminder handler reads', () => {
    const card = requestStatusCard(statusView());
    expect(findAction(card, 'Remind approvers')?.action).toEqual({
      type: 'Action.Execute',
      title: 'Remind approvers',
      verb: 'remindApprovers',
      data: { requestId: request().id },
    });
    // The handler's schema (bot/journeys/approver/schemas.ts remindData) accepts exactly this.
    expect(remindData.parse(findAction(card, 'Remind approvers')?.action.data)).toEqual({
      requestId: request().id,
      kind: 'em',
    });
  });

  it.each([
    ['submitted', 'Submitted'],
    ['delivered', 'Delivered'],
    ['denied', 'Denied'],
    ['expired', 'Expired'],
    ['canceled', 'Canceled'],
  ] as const)('%s: no Remind approvers (nothing waits for an approver)', (state, status) => {
    const card = requestStatusCard(statusView({ state, status }));
    expect(buttonTitles(card)).not.toContain('Remind approvers');
  });

  it('a removal waiting in Entra offers no reminder either', () => {
    const card = requestStatusCard(statusView({ kind: 'remove', state: 'pendingApproval' }));
    expect(buttonTitles(card)).not.toContain('Remind approvers');
  });

  it('delivered with an eligible role: Activate now for the activation journey', () => {
    const card = requestStatusCard(
      statusView({ state: 'delivered', status: 'Delivered', accessEndsAt: '2026-05-31T10:00:00Z' }),
    );
    expect(checkCard(card)).toEqual([]);
    expect(cardText(card)).toMatch(
      /Delivered[\s\S]*eligible member of \*\*DBAs\*\*[\s\S]*Access until \{\{DATE\(2026-05-31T10:00:00Z, SHORT\)\}\}/,
    );
    expect(findAction(card, 'Activate now')?.action).toMatchObject({
      verb: 'activateForm',
      data: { groupId: '20000000-0000-4000-8000-000000000018', accessId: 'member' },
    });
    expect(buttonTitles(card)).not.toContain('Cancel request');
  });

  it.each([
    ['denied', 'Denied', /Denied/],
    ['denied', 'Expired', /Expired without a decision/],
    ['canceled', 'Canceled', /Canceled/],
  ] as const)('%s (%s) offers Request again', (state, status, label) => {
    const view = statusView({ state: status === 'Expired' ? 'expired' : state, status });
    const card = requestStatusCard(view);
    expect(cardText(card)).toMatch(label);
    expect(buttonTitles(card)).toEqual(['Request again', 'My requests']);
    expect(cardText(requestNotificationCard(view))).toMatch(label);
  });

  it('a removal reads as giving access up', () => {
    const card = requestStatusCard(statusView({ kind: 'remove', state: 'delivered', status: 'Delivered' }));
    expect(cardText(card)).toMatch(/^Giving up Production Databases – Eligible DBA\nAccess removed/);
    expect(buttonTitles(card)).toEqual(['My requests']);
  });

  it('the notification is short and offers the next step', () => {
    const card = requestNotificationCard(statusView({ state: 'delivered', status: 'Delivered' }));
    expect(checkCard(card)).toEqual([]);
    expect(cardText(card).split('\n')).toHaveLength(2);
    expect(buttonTitles(card)).toEqual(['Activate now']);
  });
});

describe('my requests and my access cards', () => {
  it('my requests: Cancel for pending, Request again for denied', () => {
    const card = myRequestsCard({
      requests: [request(), request({ id: 'r2', state: 'denied', status: 'Denied', packageName: 'Visio' })],
      now: NOW,
    });
    expect(checkCard(card)).toEqual([]);
    expect(cardText(card)).toMatch(/Pending first, then the most recent\./);
    expect(buttonTitles(card)).toEqual([
      'Find access',
      'My access',
      'Cancel request',
      'Yes, cancel request',
      'Request again',
    ]);
  });

  it('my requests pages with Previous and Next, 10 a page', () => {
    const requests = Array.from({ length: 23 }, (_, i) => request({ id: `r${i}`, packageName: `Package ${i + 1}` }));
    const pages = [0, 1, 2].map((page) => myRequestsCard({ requests, page, now: NOW }));
    for (const card of pages) expect(checkCard(card)).toEqual([]);
    expect(cardText(pages[0])).toContain('Showing 1–10 of 23.');
    expect(cardText(pages[2])).toContain('Showing 21–23 of 23.');
    expect(buttonTitles(pages[0]).slice(0, 3)).toEqual(['Next', 'Find access', 'My access']);
    expect(buttonTitles(pages[1]).slice(0, 2)).toEqual(['Previous', 'Next']);
    expect(buttonTitles(pages[2]).slice(0, 2)).toEqual(['Previous', 'Find access']);
    expect(findAction(pages[1], 'Next')?.action).toMatchObject({ verb: 'myRequests', data: { page: 2 } });
    expect(findAction(pages[1], 'Previous')?.action).toMatchObject({ verb: 'myRequests', data: { page: 0 } });
    const names = pages.flatMap((card) => cardText(card).match(/\*\*Package \d+\*\*/g) ?? []);
    expect(names).toEqual(requests.map((r) => `**${r.packageName}**`));
  });

  const assignment = (extra: Partial<AssignmentView> = {}): AssignmentView => ({
    id: '80000000-0000-4000-8000-000000000001',
    packageId: PKG,
    packageName: 'Campaign',
    state: 'delivered',
    endsAt: '2026-03-11T10:00:00Z',
    canRenew: true,
    canGiveUp: true,
    ...extra,
  });

  it('my access: end dates, Renew only where allowed, Give up access', () => {
    const card = myAccessCard({
      assignments: [assignment(), assignment({ id: 'a2', packageName: 'DevOps', canRenew: false, endsAt: undefined })],
      now: NOW,
    });
    expect(checkCard(card)).toEqual([]);
    expect(cardText(card)).toMatch(
      /\*\*Campaign\*\*\nUntil \{\{DATE\(2026-03-11T10:00:00Z, SHORT\)\}\}\n[\s\S]*\*\*DevOps\*\*\nNo end date/,
    );
    expect(buttonTitles(card)).toEqual(['Find access', 'My requests', 'Renew', 'Give up access', 'Give up access']);
  });

  it("my access sections compose with other journeys' sections", () => {
    const own = myAccessSection({ assignments: [], now: NOW });
    expect(own.title).toMatchObject({ type: 'TextBlock', text: 'Access packages' });
    const other = { title: { type: 'TextBlock' as const, text: 'Active group memberships' }, rows: [], whenEmpty: [] };
    const card = myAccessCard({ assignments: [], now: NOW }, [other]);
    expect(checkCard(card)).toEqual([]);
    expect(cardText(card)).toMatch(/no access packages at the moment[\s\S]*Active group memberships$/);
  });

  it('my access pages through packages and group memberships as one list, with Previous and Next', () => {
    const assignments = Array.from({ length: 14 }, (_, i) =>
      assignment({ id: `a${i}`, packageName: `Package ${i + 1}` }),
    );
    const roles = Array.from({ length: 9 }, (_, i) => ({
      group: { id: `20000000-0000-4000-8000-0000000001${String(i).padStart(2, '0')}`, displayName: `Group ${i + 1}` },
      accessId: 'member' as const,
      startDateTime: '2026-03-02T09:30:00Z',
      endDateTime: '2026-03-02T10:30:00Z',
      assignmentType: 'activated' as const,
      requestId: `a0000000-0000-4000-8000-0000000000${String(i).padStart(2, '0')}`,
    }));
    const section = activeRolesSection({ roles, now: NOW });
    const pages = [0, 1, 2].map((page) => myAccessCard({ assignments, page, now: NOW }, [section]));
    for (const card of pages) expect(checkCard(card)).toEqual([]);
    expect(cardText(pages[0])).toMatch(/^Your access\nShowing 1–10 of 23\.\nAccess packages\n/);
    expect(cardText(pages[0])).not.toContain('Active group memberships');
    expect(cardText(pages[1])).toMatch(/Access packages\n\*\*Package 11\*\*[\s\S]*Active group memberships\n/);
    expect(cardText(pages[2])).toMatch(/^Your access\nShowing 21–23 of 23\.\nActive group memberships\n/);
    expect(buttonTitles(pages[1]).slice(0, 2)).toEqual(['Previous', 'Next']);
    expect(findAction(pages[1], 'Next')?.action).toMatchObject({ verb: 'myAccess', data: { page: 2 } });
    expect(buttonTitles(pages[2])).not.toContain('Next');
    const all = pages.map(cardText).join('\n');
    for (const a of assignments) expect(all.split(`**${a.packageName}**`)).toHaveLength(2);
    for (const r of roles) expect(all.split(`**${r.group.displayName}**`)).toHaveLength(2);
    // A page past the end (the list shrank since the click) shows the last one.
    expect(cardText(myAccessCard({ assignments, page: 9, now: NOW }, [section]))).toContain('Showing 21–23 of 23.');
  });

  it('my access shows an empty section where its place falls: no packages first, no memberships last', () => {
    const role = (i: number) => ({
      group: { id: `20000000-0000-4000-8000-0000000002${String(i).padStart(2, '0')}`, displayName: `Group ${i + 1}` },
      accessId: 'member' as const,
      startDateTime: '2026-03-02T09:30:00Z',
      assignmentType: 'assigned' as const,
    });
    const roles = activeRolesSection({ roles: Array.from({ length: 12 }, (_, i) => role(i)), now: NOW });
    const noPackages = [0, 1].map((page) => cardText(myAccessCard({ assignments: [], page, now: NOW }, [roles])));
    expect(noPackages[0]).toMatch(/^Your access\nShowing 1–10 of 12\.\nAccess packages\nYou have no access packages/);
    expect(noPackages[1]).toMatch(/^Your access\nShowing 11–12 of 12\.\nActive group memberships\n\*\*Group 11\*\*/);
    expect(noPackages[1]).not.toContain('Access packages');
    const ten = Array.from({ length: 10 }, (_, i) => assignment({ id: `a${i}`, packageName: `Package ${i + 1}` }));
    const none = activeRolesSection({ roles: [], now: NOW });
    const card = myAccessCard({ assignments: ten, now: NOW }, [none]);
    expect(cardText(card)).toMatch(/\*\*Package 10\*\*[\s\S]*Active group memberships\nNone right now/);
    expect(buttonTitles(card)).not.toContain('Next');
  });

  it('my access with the active group memberships: end times, Deactivate only for an activation', () => {
    const group = (n: number, displayName: string) => ({ id: `20000000-0000-4000-8000-00000000001${n}`, displayName });
    const card = myAccessCard({ assignments: [assignment()], now: NOW }, [
      activeRolesSection({
        now: NOW,
        roles: [
          {
            group: group(1, 'Finance Admins'),
            accessId: 'member',
            startDateTime: '2026-03-02T09:30:00Z',
            endDateTime: '2026-03-02T10:30:00.000Z',
            assignmentType: 'activated',
            requestId: 'a0000000-0000-4000-8000-000000000001',
          },
          {
            group: group(2, 'Helpdesk'),
            accessId: 'owner',
            startDateTime: '2026-01-01T00:00:00Z',
            assignmentType: 'assigned',
          },
        ],
      }),
    ]);
    expect(checkCard(card)).toEqual([]);
    expect(cardText(card)).toMatch(
      /\*\*Campaign\*\*[\s\S]*Active group memberships\n\*\*Finance Admins\*\* \(member\): until \{\{DATE\(2026-03-02T10:30:00Z, SHORT\)\}\} \{\{TIME\(2026-03-02T10:30:00Z\)\}\}\n\*\*Helpdesk\*\* \(owner\): permanent assignment$/,
    );
    // Deactivate asks first, in the card: the button only opens the question; its one button deactivates.
    const ask = findAction(card, 'Deactivate')?.action;
    expect(ask).toMatchObject({ type: 'Action.ShowCard' });
    expect(ask.verb).toBeUndefined();
    expect(cardText(ask.card)).toContain('Stop being a member of **Finance Admins** now?');
    expect(findAction(card, 'Yes, deactivate')?.action).toMatchObject({
      type: 'Action.Execute',
      verb: 'deactivateInMyAccess',
      data: { requestId: 'a0000000-0000-4000-8000-000000000001', page: 0 },
    });
    expect(buttonTitles(card).filter((t) => t === 'Deactivate')).toHaveLength(1);
  });

  const FINANCE = {
    group: { id: '20000000-0000-4000-8000-000000000011', displayName: 'Finance Admins' },
    accessId: 'member' as const,
    startDateTime: '2026-03-02T09:58:00Z',
    endDateTime: '2026-03-02T10:30:00.000Z',
    assignmentType: 'activated' as const,
    requestId: 'a0000000-0000-4000-8000-000000000001',
  };
  const GLOBAL_READER = {
    group: { id: 'f2ef992c-3afb-46b9-b7cf-a126ee74c451', displayName: 'Global Reader' },
    accessId: 'member' as const,
    directoryScope: { id: '/administrativeUnits/30000000-0000-4000-8000-000000000001', displayName: 'Paris' },
    startDateTime: '2026-03-02T09:30:00Z',
    endDateTime: '2026-03-02T11:00:00.000Z',
    assignmentType: 'activated' as const,
    requestId: 'a0000000-0000-4000-8000-000000000002',
  };

  it('my access puts what Deactivate did by its row, or where the row was once the membership has ended', () => {
    const refused = { groupId: FINANCE.group.id, accessId: 'member' as const, tone: 'attention' as const };
    const stillThere = myAccessCard({ assignments: [], page: 1, now: NOW }, [
      activeRolesSection({ roles: [FINANCE], now: NOW, page: 1, notice: { ...refused, text: 'Not yet: too soon.' } }),
    ]);
    expect(checkCard(stillThere)).toEqual([]);
    expect(cardText(stillThere)).toMatch(/\*\*Finance Admins\*\* \(member\): until [^\n]*\nNot yet: too soon\.$/);
    expect(findAction(stillThere, 'Yes, deactivate')?.action.data).toMatchObject({ page: 1 });
    const ended = {
      ...refused,
      tone: 'good' as const,
      text: 'Deactivated: you are no longer a member of Finance Admins.',
    };
    const gone = myAccessCard({ assignments: [], now: NOW }, [
      activeRolesSection({ roles: [], now: NOW, notice: ended }),
    ]);
    expect(cardText(gone)).toMatch(
      /Active group memberships\nDeactivated: you are no longer a member of Finance Admins\.$/,
    );
    expect(cardText(gone)).not.toContain('None right now');
  });

  it('my access lists active Entra roles in their own section, with scope, end time and Deactivate', () => {
    const sections = myAccessRoleSections({ roles: [FINANCE, GLOBAL_READER], now: NOW });
    const card = myAccessCard({ assignments: [], now: NOW }, sections);
    expect(checkCard(card)).toEqual([]);
    expect(cardText(card)).toMatch(
      /Active group memberships\n\*\*Finance Admins\*\* \(member\): until [^\n]*\nActive Microsoft Entra roles\n\*\*Global Reader\*\* \(administrative unit Paris\): until \{\{DATE\(2026-03-02T11:00:00Z, SHORT\)\}\} \{\{TIME\(2026-03-02T11:00:00Z\)\}\}$/,
    );
    const asks = JSON.stringify(card).match(/Stop being [^?]*\?/g);
    expect(asks).toEqual([
      'Stop being a member of **Finance Admins** now?',
      'Stop being **Global Reader** (administrative unit Paris) now?',
    ]);
    // Nobody without an active Entra role gets an empty section about them.
    expect(
      cardText(myAccessCard({ assignments: [], now: NOW }, myAccessRoleSections({ roles: [FINANCE], now: NOW }))),
    ).not.toContain('Entra');
  });

  it('my access says when the group memberships could not be read, and still lists the packages', () => {
    const card = myAccessCard({ assignments: [assignment()], now: NOW }, [
      activeRolesSection({ roles: [], now: NOW, unavailable: true }),
    ]);
    expect(cardText(card)).toMatch(/\*\*Campaign\*\*[\s\S]*I could not read your group memberships just now/);
    expect(cardText(card)).not.toMatch(/None right now/);
  });

  it('giving up asks to confirm, carrying the confirmation id', () => {
    const card = giveUpConfirmCard({ assignment: assignment(), actionId: '33333333-3333-4333-8333-333333333333' });
    expect(checkCard(card)).toEqual([]);
    expect(findAction(card, 'Yes, give up access')?.action).toMatchObject({
      verb: 'confirmGiveUp',
      data: { assignmentId: assignment().id, actionId: '33333333-3333-4333-8333-333333333333' },
    });
  });
});

describe('wording helpers', () => {
  it('says how long access lasts and how many calendar days away something is', () => {
    expect(accessLengthText({ kind: 'duration', days: 0, hours: 8 })).toBe('8 hours');
    expect(accessLengthText({ kind: 'duration', days: 1, hours: 4 })).toBe('1 day and 4 hours');
    expect(accessLengthText({ kind: 'until', date: '2026-12-31T00:00:00Z' })).toBe(
      'until {{DATE(2026-12-31T00:00:00Z, SHORT)}}',
    );
    expect(accessLengthText({ kind: 'until', date: '2026-12-31T00:00:00Z' }, 'plain')).toBe('until 31 Dec 2026 (UTC)');
    expect(accessLengthText({ kind: 'noExpiry' })).toBe('no end date');
    expect(relativeTime('2026-03-02T09:59:30Z', new Date(NOW))).toBe('today');
    expect(relativeTime('2026-03-01T10:00:00Z', new Date(NOW))).toBe('yesterday');
    expect(relativeTime('2026-03-16T10:00:00Z', new Date(NOW))).toBe('in 14 days');
    expect(relativeTime('2026-03-16T09:00:00Z', new Date(NOW))).toBe('in 14 days');
    expect(relativeTime('2026-03-03T01:00:00Z', new Date(NOW), 'America/Los_Angeles')).toBe('today');
  });
});
