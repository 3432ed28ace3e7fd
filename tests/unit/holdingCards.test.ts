import { describe, expect, it } from 'vitest';
import { packageDetailsCard } from '../../cards/requester/details.js';
import { expiryReminderCard } from '../../cards/requester/expiry.js';
import { noMatchCard, packageListCard } from '../../cards/requester/packageList.js';
import { holdingsOf } from '../../services/entitlement/holdings.js';
import type {
  AssignmentView,
  PackageDetails,
  PackageHolding,
  PackageSummary,
  RequestView,
} from '../../services/model/entitlement.js';
import { checkCard } from '../helpers/cardCheck.js';
import { buttonTitles, cardText } from '../helpers/teamsHarness.js';

const PKG = '40000000-0000-4000-8000-000000000006';
const summary: PackageSummary = {
  id: PKG,
  displayName: 'Payroll – Read',
  description: 'Payroll reports',
  catalogName: 'HR',
  resourceNames: [],
  isHidden: false,
};
const details: PackageDetails = {
  id: PKG,
  displayName: 'Payroll – Read',
  description: 'Payroll reports',
  catalogName: 'HR',
  grants: [],
  policies: [],
};
const assignment: AssignmentView = {
  id: '80000000-0000-4000-8000-000000000001',
  packageId: PKG,
  packageName: 'Payroll – Read',
  state: 'delivered',
  endsAt: '2026-03-16T10:00:00.000Z',
  canRenew: true,
  canGiveUp: true,
  canRequestAgain: true,
};
const held = (a: Partial<AssignmentView> = {}): PackageHolding => ({
  kind: 'held',
  assignment: { ...assignment, ...a },
});

function listWith(holding?: PackageHolding) {
  const holdings = holding ? new Map([[PKG, holding]]) : undefined;
  return packageListCard({ query: 'payroll', packages: [summary], total: 1, page: 0, pageSize: 5, holdings });
}

describe('search results and details know what the person has', () => {
  it('offers Request for a package the person does not have', () => {
    expect(buttonTitles(listWith())).toContain('Request');
    expect(buttonTitles(packageDetailsCard(details))).toContain('Request');
  });

  it('says "You have this until ..." with Renew, and no Request, where the policy allows renewing', () => {
    for (const card of [listWith(held()), packageDetailsCard(details, held())]) {
      expect(checkCard(card)).toEqual([]);
      expect(cardText(card)).toContain('You have this until {{DATE(2026-03-16T10:00:00Z, SHORT)}}.');
      expect(buttonTitles(card)).toContain('Renew');
      expect(buttonTitles(card)).not.toContain('Request');
    }
  });

  it('says when it can be requested again where the policy does not allow renewing', () => {
    for (const card of [listWith(held({ canRenew: false })), packageDetailsCard(details, held({ canRenew: false }))]) {
      expect(cardText(card)).toContain('You can request it again after {{DATE(2026-03-16T10:00:00Z, SHORT)}}.');
      expect(buttonTitles(card)).not.toContain('Renew');
      expect(buttonTitles(card)).not.toContain('Request');
    }
  });

  it('says nothing about requesting again when the policy does not let the person request it', () => {
    const card = listWith(held({ canRenew: false, canRequestAgain: false }));
    expect(cardText(card)).toContain('You have this until {{DATE(2026-03-16T10:00:00Z, SHORT)}}.');
    expect(cardText(card)).not.toMatch(/request it again/i);
  });

  it('says "You have this, no end date" for permanent access, with neither Renew nor Request', () => {
    const card = listWith(held({ endsAt: undefined, canRenew: false }));
    expect(cardText(card)).toContain('You have this, no end date.');
    expect(buttonTitles(card).sort()).toEqual(['Details', 'My requests']);
  });

  it('says a pending request waits for approval and offers its status instead of Request', () => {
    const waiting: PackageHolding = { kind: 'waiting', requestId: '90000000-0000-4000-8000-000000000001' };
    for (const card of [listWith(waiting), packageDetailsCard(details, waiting)]) {
      expect(cardText(card)).toContain('Your request is waiting for approval.');
      expect(buttonTitles(card)).toContain('See its status');
      expect(buttonTitles(card)).not.toContain('Request');
    }
  });

  it('says "nothing you can request matches" with what to try next', () => {
    const text = cardText(noMatchCard({ query: 'xylophone', suggestions: [] }));
    expect(text).toContain('Nothing you can request matches "xylophone".');
    expect(text).toMatch(/Try the name of the app, group or site/);
  });
});

describe('the expiry reminder and the catalog agree', () => {
  it.each([
    ['renewable', {}],
    ['not renewable', { canRenew: false }],
  ])('uses the same words and date for the same assignment (%s)', (_name, change) => {
    const a = { ...assignment, ...change };
    const reminder = cardText(expiryReminderCard({ assignment: a, now: '2026-03-02T10:00:00.000Z' }));
    const catalog = cardText(listWith({ kind: 'held', assignment: a }));
    const sentences = catalog.match(/You have this[^.]*\.|You can request it again[^.]*\.|Renew it[^.]*\./g) ?? [];
    expect(sentences.length).toBeGreaterThan(0);
    for (const s of sentences) expect(reminder).toContain(s);
    const reminderRenews = buttonTitles(expiryReminderCard({ assignment: a, now: '2026-03-02T10:00:00.000Z' }));
    const catalogRenews = buttonTitles(listWith({ kind: 'held', assignment: a }));
    expect(reminderRenews.includes('Renew')).toBe(catalogRenews.includes('Renew'));
  });
});

describe('holdingsOf', () => {
  const request = (r: Partial<RequestView>): RequestView => ({
    id: '90000000-0000-4000-8000-000000000001',
    kind: 'add',
    state: 'pendingApproval',
    status: 'PendingApproval',
    packageId: PKG,
    packageName: 'Payroll – Read',
    ...r,
  });

  it('keeps delivered access over a waiting renewal, and ignores ended access and decided requests', () => {
    expect(holdingsOf([assignment], [request({})]).get(PKG)?.kind).toBe('held');
    expect(holdingsOf([{ ...assignment, state: 'expired' }], [request({})]).get(PKG)?.kind).toBe('waiting');
    expect(holdingsOf([{ ...assignment, state: 'expired' }], [request({ state: 'denied' })]).get(PKG)).toBeUndefined();
  });
});

describe('a renewal that waits for approval', () => {
  const renewal: RequestView = {
    id: '90000000-0000-4000-8000-000000000009',
    kind: 'add',
    state: 'pendingApproval',
    packageId: PKG,
    packageName: 'Payroll – Read',
  } as RequestView;

  it('says so beside "You have this until ...", and offers its status instead of a second Renew', () => {
    const holding = holdingsOf([assignment], [renewal]).get(PKG);
    for (const card of [listWith(holding), packageDetailsCard(details, holding)]) {
      expect(checkCard(card)).toEqual([]);
      expect(cardText(card)).toMatch(/You have this until \{\{DATE\(2026-[^)]+\)\}\}\./);
      expect(cardText(card)).toContain('Your renewal is waiting for approval.');
      expect(buttonTitles(card)).toContain('See its status');
      expect(buttonTitles(card)).not.toContain('Renew');
      expect(buttonTitles(card)).not.toContain('Request');
    }
  });

  it('a decided renewal leaves Renew as the policy allows', () => {
    const holding = holdingsOf([assignment], [{ ...renewal, state: 'denied' }]).get(PKG);
    expect(buttonTitles(listWith(holding))).toContain('Renew');
    expect(cardText(listWith(holding))).not.toContain('renewal is waiting');
  });
});
