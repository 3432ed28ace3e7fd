import { describe, expect, it } from 'vitest';
import { activationCard } from '../../cards/activation/activationCard.js';
import { scopeText } from '../../cards/activation/format.js';
import { eligibleListCard } from '../../cards/activation/listCard.js';
import type { ActivationPolicy, EligibleRole } from '../../services/model/pim.js';
import { checkCard } from '../helpers/cardCheck.js';
import { buttonTitles, type Card, cardText, findAction } from '../helpers/teamsHarness.js';

/** Entra role rows in the activate list and on the activation card: kind, scope, the same row states as groups. */

const NOW = '2026-03-02T10:00:00.000Z';
const REQUEST = 'a0000000-0000-4000-8000-000000000001';
const AU = '/administrativeUnits/ad000000-0000-4000-8000-000000000001';

const policy = (extra: Partial<ActivationPolicy> = {}): ActivationPolicy => ({
  maximumDuration: 'PT8H',
  maximumMinutes: 480,
  justificationRequired: true,
  ticketRequired: false,
  mfaRequired: false,
  approvalRequired: false,
  approvers: [],
  ...extra,
});

const group: EligibleRole = {
  group: { id: '20000000-0000-4000-8000-000000000011', displayName: 'Finance Admins' },
  accessId: 'member',
  eligibleFrom: '2026-01-01T00:00:00Z',
  policy: policy({ maximumMinutes: 60, maximumDuration: 'PT1H' }),
};

const role = (name: string, extra: Partial<EligibleRole> = {}): EligibleRole => ({
  group: { id: 'f2ef992c-3afb-46b9-b7cf-a126ee74c451', displayName: name },
  accessId: 'member',
  directoryScope: { id: '/' },
  eligibleFrom: '2026-01-01T00:00:00Z',
  policy: policy(),
  ...extra,
});

/** The row (a Container) of one name as a card of its own. */
function row(card: Card, name: string): Card {
  const found = (card.body ?? []).find(
    (el: any) => el.type === 'Container' && JSON.stringify(el.items?.[0] ?? {}).includes(`**${name}**`),
  );
  if (!found) throw new Error(`no row for ${name}: ${cardText(card)}`);
  return { type: 'AdaptiveCard', version: '1.5', body: [found] };
}

describe('Entra roles in the activate list', () => {
  it('says the scope: the whole directory, or the administrative unit by name', () => {
    expect(scopeText({ id: '/' })).toBe('whole directory');
    expect(scopeText({ id: AU, displayName: 'Contoso Europe' })).toBe('administrative unit Contoso Europe');
    expect(scopeText({ id: AU })).toBe('an administrative unit');
  });

  it('lists roles after the groups under their own title, with kind, scope, policy and an Activate naming the unit', () => {
    const card = eligibleListCard({
      roles: [
        group,
        role('Global Reader'),
        role('Helpdesk Administrator', { directoryScope: { id: AU, displayName: 'Contoso Europe' } }),
        role('User Administrator', { policy: policy({ mfaRequired: true, maximumMinutes: 240 }) }),
      ],
      now: NOW,
    });
    expect(checkCard(card)).toEqual([]);
    const text = cardText(card);
    expect(text.indexOf('Microsoft Entra roles')).toBeGreaterThan(text.indexOf('Finance Admins'));
    expect(text.indexOf('Microsoft Entra roles')).toBeLessThan(text.indexOf('Global Reader'));
    expect(cardText(row(card, 'Finance Admins'))).not.toContain('Scope');
    const reader = row(card, 'Global Reader');
    expect(cardText(reader)).toContain('**Global Reader** · Microsoft Entra role');
    expect(cardText(reader)).toContain('Scope whole directory');
    expect(cardText(row(card, 'User Administrator'))).toContain('up to 4 hours · justification · multi-factor sign-in');
    const helpdesk = row(card, 'Helpdesk Administrator');
    expect(cardText(helpdesk)).toContain('Scope administrative unit Contoso Europe');
    expect(findAction(helpdesk, 'Activate Helpdesk Administrator (Contoso Europe)')?.action.data).toMatchObject({
      groupId: 'f2ef992c-3afb-46b9-b7cf-a126ee74c451',
      accessId: 'member',
      directoryScopeId: AU,
      here: true,
    });
  });

  it('shows the same row states as groups: active with Deactivate, waiting with Cancel naming the role', () => {
    const active = role('Global Reader', {
      active: {
        group: { id: 'f2ef992c-3afb-46b9-b7cf-a126ee74c451', displayName: 'Global Reader' },
        accessId: 'member',
        directoryScope: { id: '/' },
        startDateTime: '2026-03-02T09:30:00Z',
        endDateTime: '2026-03-02T11:30:00Z',
        assignmentType: 'activated',
        requestId: REQUEST,
      },
    });
    const waiting = role('Exchange Administrator', {
      policy: policy({ approvalRequired: true }),
      pending: { requestId: REQUEST, phase: 'pendingApproval', durationMinutes: 60 },
    });
    const card = eligibleListCard({ roles: [active, waiting], now: NOW });
    expect(checkCard(card)).toEqual([]);
    expect(cardText(row(card, 'Global Reader'))).toMatch(/Now Active until/);
    expect(buttonTitles(row(card, 'Global Reader'))).toContain('Deactivate');
    const pending = row(card, 'Exchange Administrator');
    expect(cardText(pending)).toContain('Now Waiting for approval: 1 hour');
    const question = cardText(findAction(pending, 'Cancel request')?.action.card as Card);
    expect(question).toContain('Cancel your request to become **Exchange Administrator** (whole directory)?');
  });

  it('the activation card names the role and its scope, and a pending one names no approver', () => {
    const card = activationCard({
      state: {
        requestId: REQUEST,
        group: { id: '29232cdf-9323-42fd-ade2-1d097af3e4de', displayName: 'Exchange Administrator' },
        accessId: 'member',
        directoryScope: { id: '/' },
        phase: 'pendingApproval',
        approvers: [],
      },
      now: NOW,
      reminderMinutes: 10,
    });
    expect(checkCard(card)).toEqual([]);
    const text = cardText(card);
    expect(text).toContain(
      'Your request to become **Exchange Administrator** (whole directory) is waiting for an approver.',
    );
    expect(text).toContain('Role Exchange Administrator (Microsoft Entra role)');
    expect(text).toContain('Scope whole directory');
    expect(text).not.toContain('Group');
  });
});
