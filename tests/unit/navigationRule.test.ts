import type { TurnContext } from 'botbuilder';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { actionTable } from '../../bot/actions/index.js';
import {
  ACTION_KINDS,
  type ActionScope,
  ActionTable,
  defineAction,
  MAX_ACTION_DATA_BYTES,
} from '../../bot/actions/registry.js';
import { cardReply, LEFT_AS_IT_WAS_NOTE, NOT_POSTED_NOTE } from '../../bot/invokeResponse.js';
import { allVerbs, Verbs } from '../../cards/verbs.js';
import { createLogger } from '../../services/log.js';

/** Issue 13: every verb says whether it replaces the clicked card; navigation never does. */

function fakeScope(): { scope: ActionScope; sent: unknown[] } {
  const sent: unknown[] = [];
  const turn = {
    activity: { replyToId: 'clicked-card', conversation: { id: 'a:chat' } },
    sendActivity: vi.fn(async (activity: unknown) => {
      sent.push(activity);
      return { id: `posted-${sent.length}` };
    }),
    updateActivity: vi.fn(),
  } as unknown as TurnContext;
  const scope = { turn, user: { aadObjectId: 'u1', name: 'Alex' }, app: { log: createLogger('silent') } };
  return { scope: scope as unknown as ActionScope, sent };
}

const invoke = (verb: string, data: Record<string, unknown> = {}) => ({
  action: { type: 'Action.Execute', verb, data },
});

/** Buttons that go somewhere else (issue 13's list); each must post a new card when opened from another card. */
const NAVIGATION = [
  Verbs.help,
  Verbs.showCatalog,
  Verbs.showDetails,
  Verbs.myAccess,
  Verbs.myRequests,
  Verbs.listApprovals,
  Verbs.activateList,
];

describe('the verb registry: what a click does to the clicked card', () => {
  const table = actionTable();

  it('registers every verb, each with a declared kind', () => {
    expect([...table.verbs()].sort()).toEqual([...allVerbs].sort());
    for (const verb of table.verbs()) expect(ACTION_KINDS, verb).toContain(table.kindOf(verb));
  });

  it('declares the navigation buttons as posting a new card (lists: unless their own pager is clicked)', () => {
    for (const verb of NAVIGATION) expect(['postsCard', 'pagedList'], verb).toContain(table.kindOf(verb));
    for (const verb of [Verbs.submitRequest, Verbs.approve, Verbs.deny, Verbs.cancelRequest, Verbs.renew])
      expect(table.kindOf(verb), verb).toBe('updatesCard');
    expect(table.kindOf(Verbs.showMore)).toBe('updatesCard');
  });

  it('never answers a navigation click with a replacing card: the card is posted and the clicked one stays', async () => {
    for (const verb of table.verbs().filter((v) => table.kindOf(v) !== 'updatesCard')) {
      const { scope, sent } = fakeScope();
      // Data over the size limit: even the error card is posted below, it does not replace what was clicked.
      const answer = await table.handle(scope, invoke(verb, { note: 'x'.repeat(MAX_ACTION_DATA_BYTES) }));
      expect(answer.type, verb).toBe('application/vnd.microsoft.activity.message');
      expect(answer.value, verb).toBe(LEFT_AS_IT_WAS_NOTE);
      expect(sent, verb).toHaveLength(1);
      expect(scope.turn.updateActivity).not.toHaveBeenCalled();
    }
  });

  it('a list pages itself in place, but opening it from another card posts it', async () => {
    const list = defineAction({
      verb: 'someList',
      kind: 'pagedList',
      data: z.object({ page: z.number().default(0) }),
      run: async (_scope, { page }) => cardReply({ type: 'AdaptiveCard', version: '1.5', body: [], page }),
    });
    const small = new ActionTable([list]);
    const opened = fakeScope();
    expect((await small.handle(opened.scope, invoke('someList'))).type).toBe(
      'application/vnd.microsoft.activity.message',
    );
    expect(opened.sent).toHaveLength(1);
    const paged = fakeScope();
    const answer = await small.handle(paged.scope, invoke('someList', { page: 1 }));
    expect(answer.type).toBe('application/vnd.microsoft.card.adaptive');
    expect(paged.sent).toHaveLength(0);
  });

  it('help from any card posts the help card and leaves the clicked card', async () => {
    const { scope, sent } = fakeScope();
    const answer = await table.handle(scope, invoke(Verbs.help));
    expect(answer.type).toBe('application/vnd.microsoft.activity.message');
    expect(JSON.stringify(sent[0])).toMatch(/AdaptiveCard/);
  });

  it('when Teams refuses the new message (429, blocked), the clicked card still stays and the note says to retry', async () => {
    const { scope } = fakeScope();
    vi.mocked(scope.turn.sendActivity).mockRejectedValueOnce(
      Object.assign(new Error('Too Many Requests'), { statusCode: 429 }),
    );
    const answer = await table.handle(scope, invoke(Verbs.help));
    expect(answer.type).toBe('application/vnd.microsoft.activity.message');
    expect(answer.value).toBe(NOT_POSTED_NOTE);
    expect(scope.turn.updateActivity).not.toHaveBeenCalled();
  });
});
