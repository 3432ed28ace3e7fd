import type { Activity, TurnContext } from 'botbuilder';
import { describe, expect, it } from 'vitest';
import { actingUser } from '../../bot/accessBot.js';
import { ConversationStore, referenceKey, timeZoneFromActivity } from '../../bot/proactive/conversations.js';
import { requestFormCard } from '../../cards/requester/requestForm.js';
import { readersToday } from '../../cards/time.js';
import { ManualClock } from '../../services/clock.js';
import { checkRequestForm } from '../../services/entitlement/requestForm.js';
import type { RequestRequirements } from '../../services/model/entitlement.js';
import { MemoryBotStorage } from '../../services/storage/memoryStorage.js';
import { cardText } from '../helpers/teamsHarness.js';
import { captureLog } from '../proactive/helpers.js';

/** The reader's zone: Teams sends it on messages; the bot keeps it with the person's conversation reference. */

const ALEX = '10000000-0000-4000-8000-000000000001';

function activity(extra: Partial<Activity> = {}): Partial<Activity> {
  return {
    type: 'message',
    channelId: 'msteams',
    serviceUrl: 'https://smba.trafficmanager.net/emea/',
    from: { id: '29:alex', name: 'Alex Wilber', aadObjectId: ALEX },
    recipient: { id: '28:bot', name: 'Access Bot' },
    conversation: { id: 'a:chat-alex', conversationType: 'personal', isGroup: false, name: '' },
    ...extra,
  };
}

/** Runs the store's middleware for one activity and returns who acts in that turn, as the handlers see them. */
async function turnOf(store: ConversationStore, incoming: Partial<Activity>) {
  const turn = { activity: incoming, turnState: new Map() } as unknown as TurnContext;
  await store.middleware().onTurn(turn, async () => {});
  return actingUser(turn);
}

function rig() {
  const storage = new MemoryBotStorage();
  const clock = new ManualClock(new Date('2026-12-02T23:50:00Z'));
  const log = captureLog().log;
  return {
    storage,
    store: new ConversationStore(storage, clock, log),
    fresh: () => new ConversationStore(storage, clock, log),
  };
}

describe('the reader’s time zone from Teams', () => {
  it('is read from localTimezone or the clientInfo entity, and only when it is a real zone', () => {
    expect(timeZoneFromActivity(activity({ localTimezone: 'Europe/Berlin' }))).toBe('Europe/Berlin');
    expect(
      timeZoneFromActivity(
        activity({ entities: [{ type: 'clientInfo', locale: 'en-US', timezone: 'Pacific/Kiritimati' }] }),
      ),
    ).toBe('Pacific/Kiritimati');
    for (const bad of ['Mars/Olympus', '', '../../x', 'Europe/Berlin\n', 42]) {
      expect(timeZoneFromActivity(activity({ localTimezone: bad as string }))).toBeUndefined();
      expect(timeZoneFromActivity(activity({ entities: [{ type: 'clientInfo', timezone: bad }] }))).toBeUndefined();
    }
    expect(timeZoneFromActivity(activity())).toBeUndefined();
  });

  it('is kept with the conversation reference, also through card clicks that carry none, and survives a restart', async () => {
    const { storage, store, fresh } = rig();
    expect((await turnOf(store, activity({ localTimezone: 'America/Los_Angeles' })))?.timeZone).toBe(
      'America/Los_Angeles',
    );
    // A card click (invoke) has no localTimezone: the person's zone is still known in that turn.
    const click = activity({ type: 'invoke', name: 'adaptiveCard/action' });
    expect((await turnOf(store, click))?.timeZone).toBe('America/Los_Angeles');
    expect((await storage.read([referenceKey(ALEX)]))[referenceKey(ALEX)]).toMatchObject({
      timeZone: 'America/Los_Angeles',
    });
    // Another process (or after a restart) reads it from storage, for proactive cards too.
    const later = fresh();
    expect(await later.timeZoneOf(ALEX)).toBe('America/Los_Angeles');
    expect((await later.get(ALEX))?.timeZone).toBe('America/Los_Angeles');
    expect((await turnOf(later, click))?.timeZone).toBe('America/Los_Angeles');
    // Travelling: the next message's zone replaces it.
    expect((await turnOf(later, activity({ localTimezone: 'Europe/Berlin' })))?.timeZone).toBe('Europe/Berlin');
    expect(await fresh().timeZoneOf(ALEX)).toBe('Europe/Berlin');
  });

  it('stays unknown when Teams never sent one, and a stored bad zone is dropped without losing the reference', async () => {
    const { storage, store, fresh } = rig();
    expect((await turnOf(store, activity()))?.timeZone).toBeUndefined();
    expect(await store.timeZoneOf(ALEX)).toBeUndefined();
    const key = referenceKey(ALEX);
    const stored = (await storage.read([key]))[key] as Record<string, unknown>;
    await storage.write({ [key]: { ...stored, timeZone: 'Not/AZone', eTag: '*' } });
    const reread = await fresh().get(ALEX);
    expect(reread?.conversationId).toBe('a:chat-alex');
    expect(reread?.timeZone).toBeUndefined();
  });

  it('is never another person’s: a chat reference made for someone else takes no zone', async () => {
    const { store } = rig();
    await turnOf(store, activity({ localTimezone: 'Pacific/Kiritimati' }));
    const other = '10000000-0000-4000-8000-000000000002';
    await store.saveFromChat(other, 'a:chat-megan');
    expect(await store.timeZoneOf(other)).toBeUndefined();
  });
});

describe('the request form reads its dates as days in the person’s zone', () => {
  const req: RequestRequirements = {
    policyId: 'pol',
    policyDisplayName: 'P',
    policyDescription: '',
    approvalRequired: false,
    justificationRequired: false,
    allowCustomSchedule: true,
    lasts: { kind: 'duration', days: 30, hours: 0 },
    questions: [],
  };
  // 23:50 UTC on 2 Dec: already 3 Dec in Berlin and Kiritimati, still 2 Dec in Los Angeles.
  const now = new Date('2026-12-02T23:50:00Z');
  const check = (startDate: string, zone?: string) =>
    checkRequestForm(req, { startDate, endDate: '2026-12-20' }, { packageId: 'p', targetId: 'me', now, zone });
  const start = (result: ReturnType<typeof check>) => (result.ok ? result.body.schedule?.startDateTime : result.errors);

  it("today is the person's today, and starting today means now", () => {
    expect(start(check('2026-12-03', 'Europe/Berlin'))).toBe(now.toISOString());
    expect(start(check('2026-12-02', 'America/Los_Angeles'))).toBe(now.toISOString());
    expect(start(check('2026-12-02', 'Europe/Berlin'))).toEqual({
      startDate: 'The start date is in the past: choose today or later.',
    });
    expect(start(check('2026-12-02'))).toBe(now.toISOString());
  });

  it('a later start begins at midnight there, which Graph gets in UTC', () => {
    expect(start(check('2026-12-04', 'Europe/Berlin'))).toBe('2026-12-03T23:00:00.000Z');
    expect(start(check('2026-12-04', 'America/Los_Angeles'))).toBe('2026-12-04T08:00:00.000Z');
    expect(start(check('2026-12-04', 'Pacific/Kiritimati'))).toBe('2026-12-03T10:00:00.000Z');
    expect(start(check('2026-12-04'))).toBe('2026-12-04T00:00:00.000Z');
  });

  it('the form says which zone its days are in and offers no day before the person’s today', () => {
    const form = (zone?: string) =>
      requestFormCard({
        formId: 'f',
        packageName: 'Sandbox',
        mode: 'new',
        policies: [req],
        today: readersToday({ now: now.toISOString(), zone }),
        zone,
      });
    expect(cardText(form('Europe/Berlin'))).toContain('Choose your dates (optional, days in Europe/Berlin)');
    expect(JSON.stringify(form('Europe/Berlin'))).toContain('"min":"2026-12-03"');
    expect(cardText(form())).toContain('Choose your dates (optional, days in UTC)');
    expect(JSON.stringify(form())).toContain('"min":"2026-12-02"');
  });
});
