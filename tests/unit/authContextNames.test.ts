import { describe, expect, it } from 'vitest';
import { policySummary } from '../../cards/activation/format.js';
import { stepUpCard } from '../../cards/activation/stepUpCard.js';
import { ManualClock } from '../../services/clock.js';
import { GraphRequestError } from '../../services/graph/errors.js';
import { createLogger } from '../../services/log.js';
import type { ActivationPolicy, EligibleRole } from '../../services/model/pim.js';
import { AuthContextNames, FAILED_TTL_MS, NAMES_TTL_MS, withContextNames } from '../../services/pim/authContexts.js';
import { checkCard } from '../helpers/cardCheck.js';
import { cardText } from '../helpers/teamsHarness.js';

const policy = (extra: Partial<ActivationPolicy> = {}): ActivationPolicy => ({
  maximumDuration: 'PT2H',
  maximumMinutes: 120,
  justificationRequired: true,
  ticketRequired: false,
  mfaRequired: false,
  authenticationContext: 'c1',
  approvalRequired: false,
  approvers: [],
  ...extra,
});

const stepUp = (extra: { authenticationContext?: string; authenticationContextName?: string }) =>
  stepUpCard({
    groupName: 'Azure Subscription Owners',
    accessId: 'member',
    signInUrl: 'https://bot.example/auth/stepup?state=abc',
    linkMinutes: 10,
    ...extra,
  });

describe('the authentication context on the activation cards', () => {
  it('the policy summary names the context as the tenant does, and its id only when the name is unknown', () => {
    expect(policySummary(policy({ authenticationContextName: 'Privileged access' }))).toBe(
      'up to 2 hours · justification · stronger sign-in (Privileged access)',
    );
    expect(policySummary(policy())).toBe('up to 2 hours · justification · stronger sign-in (c1)');
    expect(policySummary(policy({ authenticationContext: undefined }))).toBe('up to 2 hours · justification');
  });

  it('a name cannot inject Markdown into the summary', () => {
    const summary = policySummary(policy({ authenticationContextName: '**Admins** [x](https://evil.example)' }));
    // Every Markdown character comes escaped: no unescaped `**` or `](`.
    expect(summary).toContain('stronger sign-in (');
    expect(summary).not.toMatch(/(?<!\\)\*(?<!\\)\*|(?<!\\)\]\(/);
  });

  it('the step-up card names the context, or shows its id, and stays a valid card either way', () => {
    const named = stepUp({ authenticationContext: 'c1', authenticationContextName: 'Privileged access' });
    expect(checkCard(named)).toEqual([]);
    expect(cardText(named)).toContain('authentication context "Privileged access"');
    expect(cardText(named)).not.toContain('"c1"');
    const unnamed = stepUp({ authenticationContext: 'c1' });
    expect(checkCard(unnamed)).toEqual([]);
    expect(cardText(unnamed)).toContain('authentication context "c1"');
    expect(cardText(stepUp({}))).toContain('multi-factor authentication');
  });
});

const silent = createLogger('silent');

function reader(answers: Array<Map<string, string> | Error>) {
  let calls = 0;
  const read = async () => {
    const answer = answers[Math.min(calls++, answers.length - 1)];
    if (answer instanceof Error) throw answer;
    return answer;
  };
  return { read, calls: () => calls };
}

const NAMES = new Map([['c1', 'Privileged access']]);
const refused = new GraphRequestError({
  status: 403,
  code: 'AccessDenied',
  graphMessage: 'You cannot perform the requested operation, required scopes are missing in the token.',
  method: 'GET',
  path: '/identity/conditionalAccess/authenticationContextClassReferences',
});

describe('AuthContextNames (one app-only read for all, kept a few minutes)', () => {
  it('reads once for everyone asking at the same time, then answers from memory until the names are old', async () => {
    const clock = new ManualClock(new Date('2026-03-02T10:00:00Z'));
    const source = reader([NAMES, new Map([['c1', 'Privileged access (renamed)']])]);
    const names = new AuthContextNames(source.read, clock, silent);
    const [a, b] = await Promise.all([names.nameOf('c1'), names.nameOf('C1')]);
    expect([a, b]).toEqual(['Privileged access', 'Privileged access']);
    clock.advance(NAMES_TTL_MS - 1000);
    expect(await names.nameOf('c1')).toBe('Privileged access');
    expect(source.calls()).toBe(1);
    clock.advance(2000);
    expect(await names.nameOf('c1')).toBe('Privileged access (renamed)');
    expect(source.calls()).toBe(2);
    expect(await names.nameOf('c2')).toBeUndefined();
    expect(await names.nameOf(undefined)).toBeUndefined();
  });

  it('a refused read gives no names (cards show the ids) and is tried again after a minute, not on every card', async () => {
    const clock = new ManualClock(new Date('2026-03-02T10:00:00Z'));
    const source = reader([refused, NAMES]);
    const names = new AuthContextNames(source.read, clock, silent);
    expect(await names.nameOf('c1')).toBeUndefined();
    expect(await names.nameOf('c1')).toBeUndefined();
    expect(source.calls()).toBe(1);
    clock.advance(FAILED_TTL_MS);
    expect(await names.nameOf('c1')).toBe('Privileged access');
    expect(source.calls()).toBe(2);
  });

  it('does not hold a card back for a slow read: no names within the wait, the names for the next card', async () => {
    const clock = new ManualClock(new Date('2026-03-02T10:00:00Z'));
    let release: (names: Map<string, string>) => void = () => undefined;
    const slow = new Promise<Map<string, string>>((resolve) => {
      release = resolve;
    });
    const names = new AuthContextNames(() => slow, clock, silent, 20);
    expect(await names.nameOf('c1')).toBeUndefined();
    release(NAMES);
    await slow;
    expect(await names.nameOf('c1')).toBe('Privileged access');
  });

  it('puts the names into the policies that ask for a context, leaving the others as they are', () => {
    const role = (id: string, p?: ActivationPolicy): EligibleRole => ({
      group: { id, displayName: id },
      accessId: 'member',
      eligibleFrom: '2026-01-01T00:00:00Z',
      policy: p,
    });
    const list = {
      roles: [role('azure', policy()), role('finance', policy({ authenticationContext: undefined })), role('x')],
      unavailable: [],
    };
    const named = withContextNames(list, NAMES);
    expect(named.roles.map((r) => r.policy?.authenticationContextName)).toEqual([
      'Privileged access',
      undefined,
      undefined,
    ]);
    expect(named.roles[1]).toBe(list.roles[1]);
    expect(withContextNames(list, new Map())).toBe(list);
  });
});
