import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approverContext } from '../../bot/journeys/approver/context.js';
import { formInputId } from '../../cards/requester/requestForm.js';
import { PEOPLE } from '../devtenant/tokens.js';
import { Chats } from '../helpers/chats.js';
import { type Stack, startStack } from '../helpers/stack.js';
import { buttonTitles, cardText, teamsUser } from '../helpers/teamsHarness.js';

/**
 * Lee asks for Visio; his manager Megan approves (fallback: someone else). When Graph fails the read of Lee's profile
 * with his manager once (503 inside the `$batch`), Megan's `approvals` still lets her decide, and the next read finds
 * her as the approver: the stored plan was not taken as "no manager".
 */

const megan = teamsUser(PEOPLE.megan, 'Megan Bowen');
const lee = teamsUser(PEOPLE.lee, 'Lee Gu');

async function faults(stack: Stack, body?: unknown) {
  const res = await fetch(`${stack.devtenant?.url}/_devtenant/faults`, {
    method: body === undefined ? 'DELETE' : 'POST',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(res.status).toBeLessThan(300);
}

describe("a failed manager lookup is not 'no manager'", () => {
  let stack: Stack;
  let chats: Chats;
  beforeAll(async () => {
    stack = await startStack();
    chats = new Chats(stack.teams, { checkReplies: true });
    for (const user of [megan, lee]) await stack.teams.install(user);
  });
  afterAll(async () => stack?.stop());

  it("keeps Approve and Deny on the manager's card and resolves the manager on the next read", async () => {
    const [results] = await chats.say(lee, 'request visio');
    const form = await chats.press(lee, results, 'Request');
    await chats.click(lee, form, 'Submit request', { [formInputId(0, 'justification')]: 'DR runbook diagrams' });
    const requestId: string = chats.current(lee, results.id).refresh?.action?.data?.requestId;
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);

    // The $batch item that reads Lee's profile with his manager (the path the devtenant matches for batch items).
    await faults(stack, { rules: [{ pathPattern: `^/users/${PEOPLE.lee}\\?.*manager`, status: 503, count: 1 }] });
    const cards = await chats.say(megan, 'approvals');
    const forMegan = cards.find((c) => /Lee Gu asks for Visio/.test(cardText(c.card)));
    expect(forMegan, 'Megan is shown the request').toBeDefined();
    expect(buttonTitles(forMegan?.card ?? {})).toEqual(expect.arrayContaining(['Approve', 'Deny']));
    expect(cardText(forMegan?.card ?? {})).not.toMatch(/Waiting for a decision\./);
    const applied = await (await fetch(`${stack.devtenant?.url}/_devtenant/faults`)).json();
    expect(JSON.stringify(applied), 'the fault rule was used up').not.toContain('manager');

    expect(cardText(forMegan?.card ?? {})).not.toMatch(/cannot tell who is the requester's manager/);

    // The next read (the watcher's tick) resolves the manager: the stored plan names Megan.
    const report = await stack.bot.watcher.tickNow();
    expect(report.sources.find((s) => s.name === 'approvals')?.ok).toBe(true);
    const stored = await approverContext(stack.bot.app).store.record('em', requestId);
    expect(stored?.state.details.stages[0]?.approvers.map((p) => p.displayName)).toEqual(['Megan Bowen']);
    expect(stored?.state.details.stages[0]?.incomplete).toBeUndefined();
    // "approvals" again: her card is already in the chat, kept current rather than posted twice.
    await chats.say(megan, 'approvals');
    const again = chats.find(megan, /Lee Gu asks for Visio/);
    expect(cardText(again.card)).toMatch(/^Manager You$/m);
    expect(cardText(again?.card ?? {})).toMatch(/Your decision is needed\.$/m);
    expect(buttonTitles(again?.card ?? {})).toEqual(expect.arrayContaining(['Approve', 'Deny']));
  });
});
