import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { guid, inputValue, submitData } from '../../bot/journeys/requester/schemas.js';
import { RequesterStore } from '../../bot/journeys/requester/store.js';
import { entitlementError, MAX_GRAPH_MESSAGE_CHARS, readableGraphMessage } from '../../services/entitlement/errors.js';
import {
  accessLengthOf,
  describeApprover,
  localized,
  parseIsoDuration,
  requestStateOf,
  toGrant,
  toRequestView,
  toRequirements,
} from '../../services/entitlement/parse.js';
import { checkRequestForm, latestEndDay, parseDate } from '../../services/entitlement/requestForm.js';
import { queryTerms, searchPackages, suggestPackages } from '../../services/entitlement/search.js';
import { GraphRequestError } from '../../services/graph/errors.js';
import { createLogger } from '../../services/log.js';
import type { PackageSummary, RequestRequirements } from '../../services/model/entitlement.js';
import { MemoryBotStorage } from '../../services/storage/memoryStorage.js';

const PACKAGES: PackageSummary[] = [
  ['Finance Reports – Read', 'Read access to management accounts and forecasts.', 'Finance', ['Finance Reports']],
  ['Finance Month-end Close (JIT)', 'Eligible membership of Finance Admins.', 'Finance', ['Finance Admins']],
  ['Salesforce – Sales Cloud User', 'A Sales Cloud licence.', 'Sales & Marketing', ['Salesforce']],
  ['Cloud Sandbox Subscription', 'Your own Azure sandbox.', 'IT & Cloud Operations', ['Cloud Sandbox Provisioning']],
  [
    'Production Databases – Eligible DBA',
    'DBA rights on the SQL estate.',
    'IT & Cloud Operations',
    ['Database Administrators'],
  ],
  ['Partner Portal – Contributor', 'Hidden: shared by link.', 'Sales & Marketing', ['Partner Portal']],
].map(([displayName, description, catalogName, resourceNames], i) => ({
  id: `p${i}`,
  displayName: displayName as string,
  description: description as string,
  catalogName: catalogName as string,
  resourceNames: resourceNames as string[],
  isHidden: i === 5,
}));

const names = (list: PackageSummary[]) => list.map((p) => p.displayName);

describe('package search', () => {
  it('tolerates typos and word order, and ranks the name above the description', () => {
    expect(names(searchPackages(PACKAGES, 'finanse reprots').matches)[0]).toBe('Finance Reports – Read');
    expect(names(searchPackages(PACKAGES, 'reports finance').matches)[0]).toBe('Finance Reports – Read');
    expect(names(searchPackages(PACKAGES, 'salesforse').matches)).toEqual(['Salesforce – Sales Cloud User']);
  });

  it('matches on catalog and resource names too', () => {
    expect(names(searchPackages(PACKAGES, 'database administrators').matches)[0]).toBe(
      'Production Databases – Eligible DBA',
    );
    expect(names(searchPackages(PACKAGES, 'marketing').matches)).toEqual(['Salesforce – Sales Cloud User']);
  });

  it('drops the words of a sentence that are not about the package', () => {
    expect(queryTerms('I need access to the finance reports please')).toEqual(['finance', 'reports']);
    expect(names(searchPackages(PACKAGES, 'I need the finance reports').matches)[0]).toBe('Finance Reports – Read');
  });

  it('lists everything (but hidden packages) for an empty query, in catalog order', () => {
    const all = searchPackages(PACKAGES, 'request access please');
    expect(all.terms).toEqual([]);
    expect(names(all.matches)).not.toContain('Partner Portal – Contributor');
    expect(names(all.matches)[0]).toBe('Finance Month-end Close (JIT)');
    expect(names(searchPackages(PACKAGES, 'partner portal').matches)).toEqual([]);
  });

  it('finds nothing for unrelated words, and suggests close names for near misses', () => {
    expect(searchPackages(PACKAGES, 'what is the weather').matches).toEqual([]);
    expect(searchPackages(PACKAGES, 'sndbx').matches).toEqual([]);
    expect(names(suggestPackages(PACKAGES, 'sndbx'))).toContain('Cloud Sandbox Subscription');
  });

  it('never throws, whatever is typed', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (q) => {
        expect(() => searchPackages(PACKAGES, q)).not.toThrow();
      }),
      { numRuns: 300 },
    );
  });
});

describe('reading Graph answers', () => {
  it('reads requirements in the v1.0 shape and the older beta shape, localized', () => {
    const req = toRequirements(
      {
        policyId: 'P1',
        policyDisplayName: 'Employees',
        isApprovalRequiredForAdd: true,
        isRequestorJustificationRequired: true,
        allowCustomAssignmentSchedule: false,
        schedule: { expiration: { type: 'afterDuration', duration: 'P90D' } },
        questions: [
          {
            '@odata.type': '#microsoft.graph.textInputQuestion',
            id: 'q2',
            sequence: 2,
            isRequired: false,
            text: { defaultText: 'Why?', localizedTexts: [{ text: 'Warum?', languageCode: 'de' }] },
          } as never,
          {
            '@odata.type': '#microsoft.graph.accessPackageMultipleChoiceQuestion',
            id: 'q1',
            sequence: 1,
            isRequired: true,
            text: 'Environment',
            choices: [
              {
                actualValue: 'prod',
                text: 'Production',
                localizations: [{ text: 'Produktion', languageCode: 'de-DE' }],
              },
            ],
          } as never,
        ],
      },
      'de-DE',
    );
    expect(req).toMatchObject({ policyId: 'p1', approvalRequired: true, justificationRequired: true });
    expect(req.lasts).toEqual({ kind: 'duration', days: 90, hours: 0 });
    expect(req.questions.map((q) => [q.id, q.text])).toEqual([
      ['q1', 'Environment'],
      ['q2', 'Warum?'],
    ]);
    expect(req.questions[0]).toMatchObject({ kind: 'choice', choices: [{ value: 'prod', text: 'Produktion' }] });
    expect(req.questions[1]).toMatchObject({
      kind: 'text',
      odataType: '#microsoft.graph.accessPackageTextInputQuestion',
    });
  });

  it('ignores a pattern JavaScript cannot compile (Graph still checks it)', () => {
    const req = toRequirements(
      {
        policyId: 'p',
        questions: [
          { '@odata.type': '#microsoft.graph.accessPackageTextInputQuestion', id: 'q', regexPattern: '(?<x' } as never,
        ],
      },
      'en',
    );
    expect(req.questions[0]).not.toHaveProperty('regex');
  });

  it('picks localized text by exact language, then base language, then the default', () => {
    const l10n = [
      { languageCode: 'fr-FR', text: 'Bonjour' },
      { languageCode: 'de', text: 'Hallo' },
    ];
    expect(localized('Hello', l10n, 'fr-FR')).toBe('Bonjour');
    expect(localized('Hello', l10n, 'de-AT')).toBe('Hallo');
    expect(localized('Hello', l10n, 'en-US')).toBe('Hello');
  });

  it('tells an expired request from a denied one, whatever the casing', () => {
    expect(requestStateOf('Denied', 'Expired')).toBe('expired');
    expect(requestStateOf('denied', 'TimedOut')).toBe('expired');
    expect(requestStateOf('denied', 'Denied')).toBe('denied');
    expect(requestStateOf('PendingApproval', 'PendingApprovalEscalated')).toBe('pendingApproval');
    expect(requestStateOf('somethingNew', '')).toBe('unknown');
    expect(toRequestView({ id: 'R', requestState: 'Delivered', requestStatus: 'Delivered' } as never).state).toBe(
      'delivered',
    );
  });

  it('recognises eligible PIM roles and reads the group id from the scope', () => {
    const grant = toGrant({
      role: { displayName: 'Eligible Member', originSystem: 'AadGroup', originId: 'EligibleMember_x' },
      scope: { originId: '20000000-0000-4000-8000-000000000018', isRootScope: true, displayName: 'Root' },
    });
    expect(grant).toMatchObject({ kind: 'group', eligible: 'member', groupId: '20000000-0000-4000-8000-000000000018' });
    expect(toGrant({ role: { displayName: 'Member', originSystem: 'AadGroup' } }).eligible).toBeUndefined();
  });

  it('describes approvers in words', () => {
    expect(describeApprover({ '@odata.type': '#microsoft.graph.requestorManager', managerLevel: 1 }, 'Megan')).toBe(
      'your manager (Megan)',
    );
    expect(describeApprover({ '@odata.type': '#microsoft.graph.requestorManager', managerLevel: 2 })).toBe(
      "your manager's manager",
    );
    expect(describeApprover({ '@odata.type': '#microsoft.graph.groupMembers', description: 'SecOps' })).toBe(
      'a member of SecOps',
    );
  });

  it('reads durations and expiry patterns', () => {
    expect(parseIsoDuration('PT8H')).toBe(8 * 3_600_000);
    expect(parseIsoDuration('P1DT12H')).toBe(36 * 3_600_000);
    expect(parseIsoDuration('P')).toBeUndefined();
    expect(parseIsoDuration('eight hours')).toBeUndefined();
    expect(accessLengthOf({ type: 'noExpiration' })).toEqual({ kind: 'noExpiry' });
    expect(accessLengthOf({ type: 'afterDateTime', endDateTime: '2027-01-01T00:00:00Z' })).toEqual({
      kind: 'until',
      date: '2027-01-01T00:00:00Z',
    });
    expect(accessLengthOf(null)).toEqual({ kind: 'unknown' });
  });
});

describe('checking the request form before Graph sees it', () => {
  const now = new Date('2026-03-02T10:00:00Z');
  const ctx = { packageId: 'pkg', targetId: 'me', now };
  const req: RequestRequirements = {
    policyId: 'pol',
    policyDisplayName: 'P',
    policyDescription: '',
    approvalRequired: false,
    justificationRequired: true,
    allowCustomSchedule: true,
    lasts: { kind: 'duration', days: 30, hours: 0 },
    questions: [
      {
        kind: 'text',
        id: 'cc',
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
        id: 'region',
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
  };

  it('builds the userAdd body with answers and a custom schedule', () => {
    const result = checkRequestForm(
      req,
      {
        justification: '  Load tests  ',
        answers: { cc: 'CC-1234', region: 'we, us' },
        startDate: '2026-03-04',
        endDate: '2026-03-18',
      },
      ctx,
    );
    expect(result).toEqual({
      ok: true,
      body: {
        requestType: 'userAdd',
        assignment: { accessPackageId: 'pkg', assignmentPolicyId: 'pol', targetId: 'me' },
        justification: 'Load tests',
        answers: [
          {
            '@odata.type': '#microsoft.graph.accessPackageAnswerString',
            value: 'CC-1234',
            displayValue: 'CC-1234',
            answeredQuestion: { '@odata.type': '#microsoft.graph.accessPackageTextInputQuestion', id: 'cc' },
          },
          expect.objectContaining({ value: 'we', displayValue: 'West Europe' }),
          expect.objectContaining({ value: 'us', displayValue: 'East US' }),
        ],
        schedule: {
          startDateTime: '2026-03-04T00:00:00.000Z',
          expiration: { type: 'afterDuration', duration: 'P14D' },
        },
      },
    });
  });

  it('starting today starts now; a start date alone ends when the policy says', () => {
    const result = checkRequestForm(
      req,
      { justification: 'x', answers: { cc: 'CC-1234' }, startDate: '2026-03-02' },
      ctx,
    );
    expect(result.ok && result.body.schedule).toEqual({
      startDateTime: '2026-03-02T10:00:00.000Z',
      expiration: { type: 'afterDuration', duration: 'P30D' },
    });
    const none = checkRequestForm(req, { justification: 'x', answers: { cc: 'CC-1234' } }, ctx);
    expect(none.ok && none.body.schedule).toBeUndefined();
  });

  it.each([
    [{ justification: '' }, 'justification', /justification is required/],
    [{ justification: 'j'.repeat(1001) }, 'justification', /1,000 characters; it has 1,001/],
    [{ answers: { cc: 'CC-12' } }, 'q:cc', /not in the format/],
    [{ answers: { cc: '' } }, 'q:cc', /needs an answer/],
    [{ answers: { cc: 'CC-1234\nCC-5678' } }, 'q:cc', /one line/],
    [{ answers: { cc: 'CC-1234', region: 'mars' } }, 'q:region', /one of the answers offered/],
    [{ startDate: '2026-03-01' }, 'startDate', /in the past/],
    [{ startDate: '2026-02-30' }, 'startDate', /as a date/],
    [{ startDate: '2026-03-10', endDate: '2026-03-09' }, 'endDate', /after the start date/],
    [{ startDate: '2026-03-10', endDate: '2026-04-10' }, 'endDate', /until 9 Apr 2026 at the latest/],
  ])('%j → field error on %s', (values, field, message) => {
    const result = checkRequestForm(req, { justification: 'ok', answers: { cc: 'CC-1234' }, ...values }, ctx);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[field]).toMatch(message);
  });

  it('a single-choice question takes one answer', () => {
    const single = {
      ...req,
      questions: [{ ...req.questions[1], multiple: false, required: true }],
    } as RequestRequirements;
    const result = checkRequestForm(single, { justification: 'x', answers: { region: 'we,us' } }, ctx);
    expect(!result.ok && result.errors['q:region']).toMatch(/only one/);
  });

  it('never throws and never sends an invalid form, whatever is typed', () => {
    fc.assert(
      fc.property(
        fc.record({
          justification: fc.string({ maxLength: 1200 }),
          startDate: fc.oneof(
            fc.string({ maxLength: 12 }),
            fc.date({ noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
          ),
          endDate: fc.string({ maxLength: 12 }),
          answers: fc.record({ cc: fc.string({ maxLength: 12 }), region: fc.string({ maxLength: 8 }) }),
        }),
        (values) => {
          const result = checkRequestForm(req, values, ctx);
          if (result.ok) {
            expect(result.body.justification?.length ?? 0).toBeGreaterThan(0);
            expect(result.body.answers?.[0]?.value).toMatch(/^CC-[0-9]{4}$/);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('reads dates strictly and bounds the end by the policy', () => {
    expect(parseDate('2026-02-29')).toBeUndefined();
    expect(parseDate('2028-02-29')).toBe(Date.UTC(2028, 1, 29));
    expect(latestEndDay({ kind: 'noExpiry' }, 0)).toBeUndefined();
    expect(latestEndDay({ kind: 'duration', days: 0, hours: 8 }, 0)).toBe(0);
  });
});

describe('Graph errors of a request in words', () => {
  const err = (status: number, code: string, graphMessage = '') =>
    new GraphRequestError({ status, code, graphMessage, method: 'POST', path: '/identityGovernance/x' });
  const words = (e: GraphRequestError) => entitlementError(e, { action: 'request X' });

  it("recognises Graph's generic codes by status and shows Graph's own message beside the bot's words", () => {
    const open = words(err(400, 'BadRequest', 'There is already an open request for this access package.'));
    expect(open.kind).toBe('badRequest');
    expect(open.userMessage).toBe(
      "I couldn't request X: Microsoft Entra did not accept it. Microsoft Graph says: “There is already an open request for this access package.”",
    );
    const refused = words(err(403, 'accessDenied', 'The requestor is not allowed to request this access package.'));
    expect(refused.kind).toBe('notAllowed');
    expect(refused.userMessage).toMatch(
      /^You are not allowed to request X: .* Microsoft Graph says: “The requestor is not allowed/,
    );
    expect(words(err(404, 'ResourceNotFound', 'The resource was not found.')).kind).toBe('notFound');
    expect(words(err(429, 'TooManyRequests')).kind).toBe('throttled');
    expect(words(err(400, 'BadRequest')).userMessage).toBe("I couldn't request X: Microsoft Entra did not accept it.");
    // Cards render Markdown: Graph's words show literally.
    expect(words(err(400, 'BadRequest', 'Use **only** [this](https://x.example) one_time')).userMessage).toContain(
      'says: “Use \\*\\*only\\*\\* \\[this\\](… one\\_time”',
    );
  });

  it("never shows a stack, an internal id, an address or more than a short paragraph of Graph's message", () => {
    const stack = words(
      err(
        400,
        'BadRequest',
        'The policy does not allow this.\r\n   at Microsoft.IGA.Requests.Validate(Request r) in D:\\a\\s\\x.cs:line 62 ---> System.InvalidOperationException',
      ),
    ).userMessage;
    expect(stack).toMatch(/“The policy does not allow this\.”$/);
    const ids = words(
      err(
        400,
        'BadRequest',
        "Policy '50000000-0000-4000-8000-000000000012' failed, see https://aka.ms/x. Trace ID: 42",
      ),
    ).userMessage;
    expect(ids).toMatch(/“Policy '…' failed, see … \.”$|“Policy '…' failed, see …”$/);
    expect(ids).not.toMatch(/50000000|aka\.ms|Trace/);
    const long = readableGraphMessage(`Refused. ${'word '.repeat(200)}`) ?? '';
    expect(long.length).toBeLessThanOrEqual(MAX_GRAPH_MESSAGE_CHARS);
    expect(long).toMatch(/^Refused\. word .*…$/);
    expect(readableGraphMessage('{"@odata.context":"0-0"}')).toBeUndefined();
    expect(readableGraphMessage('Look at this. It is fine.')).toBe('Look at this. It is fine.');
  });
});

describe('card data checks', () => {
  it('accepts GUIDs only as ids', () => {
    expect(guid.safeParse('40000000-0000-4000-8000-00000000000A').data).toBe('40000000-0000-4000-8000-00000000000a');
    for (const bad of ['', '../users', '40000000-0000-4000-8000', 'x'.repeat(36)]) {
      expect(guid.safeParse(bad).success).toBe(false);
    }
  });

  it('reads submitted inputs as text only', () => {
    const data = submitData.parse({
      formId: '22222222-2222-4222-8222-222222222222',
      policyId: '50000000-0000-4000-8000-000000000002',
      'p0.justification': 'why',
      'p0.q:x': 42,
    });
    expect(inputValue(data, 'p0.justification')).toBe('why');
    expect(inputValue(data, 'p0.q:x')).toBe('');
    expect(inputValue(data, 'missing')).toBe('');
  });
});

describe('submit claims (idempotency)', () => {
  const log = createLogger('silent');
  const clock = { now: () => new Date() };

  it('of many concurrent clicks on one form exactly one may send; the others see its result', async () => {
    const storage = new MemoryBotStorage();
    const store = new RequesterStore({ storage, log, clock });
    await store.createForm('me', 'form-1', { packageId: 'p', packageName: 'P', mode: 'new', policies: [] });
    const claims = await Promise.all(Array.from({ length: 8 }, () => store.claimForm('me', 'form-1')));
    expect(claims.filter((c) => c.kind === 'claimed')).toHaveLength(1);
    expect(claims.filter((c) => c.kind === 'busy')).toHaveLength(7);
    await store.finishForm('me', 'form-1', { state: 'done', requestId: 'r-1' });
    expect(await store.claimForm('me', 'form-1')).toEqual({ kind: 'done', requestId: 'r-1' });
    expect(await store.claimForm('someone-else', 'form-1')).toEqual({ kind: 'missing' });
  });

  it('a failed send may be tried again; a claim abandoned for a minute may be taken over', async () => {
    let now = Date.parse('2026-03-02T10:00:00Z');
    const store = new RequesterStore({ storage: new MemoryBotStorage(), log, clock: { now: () => new Date(now) } });
    await store.createForm('me', 'f', { packageId: 'p', packageName: 'P', mode: 'new', policies: [] });
    expect((await store.claimForm('me', 'f')).kind).toBe('claimed');
    await store.finishForm('me', 'f', { state: 'failed' });
    expect((await store.claimForm('me', 'f')).kind).toBe('claimed');
    expect((await store.claimForm('me', 'f')).kind).toBe('busy');
    now += 61_000;
    expect((await store.claimForm('me', 'f')).kind).toBe('claimed');
  });
});
