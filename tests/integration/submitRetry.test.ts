/**
 * A Submit whose POST got no clear answer (a 5xx after the retries) leaves its intent: Graph may still create the
 * request. Pressing Submit again inside the reconcile window must not POST a second time; the card says it is still
 * checking. Once the window has passed with no matching request, the next Submit sends (exactly once).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formInputId } from '../../cards/requester/requestForm.js';
import { PEOPLE } from '../devtenant/tokens.js';
import { type Stack, startStack } from '../helpers/stack.js';
import { type Card, cardsIn, cardText, findAction, teamsUser } from '../helpers/teamsHarness.js';

const alex = teamsUser(PEOPLE.alex, 'Alex Wilber');
const SUBMIT_PATH = '/identityGovernance/entitlementManagement/assignmentRequests';

describe('Submit again after a 5xx, while the first POST may still land', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ sharedClock: true });
  });
  afterAll(async () => stack?.stop());

  const posts = async () =>
    (await stack.graphCalls()).filter((c) => c.method === 'POST' && c.path.endsWith(SUBMIT_PATH) && !c.batchItem);

  async function campaignForm(): Promise<{ card: Card; id: string }> {
    const events = await stack.teams.say(alex, 'request campaign');
    const results = events.find((e) => cardsIn(e.activity).length > 0);
    if (!results) throw new Error('no search results');
    const reply = await stack.teams.click(alex, cardsIn(results.activity)[0], 'Request', {}, results.activityId);
    const card = reply.body?.value as Card;
    expect(findAction(card, 'Submit request')).toBeDefined();
    return { card, id: results.activityId };
  }

  const failPosts = (rules: Record<string, unknown>[]) =>
    fetch(`${stack.devtenant?.url}/_devtenant/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        rules: rules.map((r) => ({ pathPattern: '/assignmentRequests$', method: 'POST', ...r })),
      }),
    });

  it('a double click whose first POST got a 5xx: the other click does not say "nothing was created"', async () => {
    const form = await campaignForm();
    const inputs = { [formInputId(0, 'justification')]: 'Spring campaign posts' };
    // The first attempt answers late (the other click waits for it), then it and its retries answer 503.
    expect((await failPosts([{ status: 503, latencyMs: 1000, count: 1 }])).status).toBe(200);
    expect((await failPosts([{ status: 503, retryAfterSeconds: 0, count: 3 }])).status).toBe(200);
    await stack.clearGraphLog();
    const answers = await Promise.all([
      stack.teams.click(alex, form.card, 'Submit request', inputs, form.id),
      stack.teams.click(alex, form.card, 'Submit request', inputs, form.id),
    ]);
    const texts = answers.map((a) => cardText(a.body?.value));
    expect(texts.some((t) => /Still checking/.test(t))).toBe(true);
    for (const text of texts) expect(text).not.toMatch(/Nothing was created/);
    expect((await posts()).map((c) => c.status)).toEqual([503, 503, 503, 503]);
  });

  it('answers "still checking" without a second POST, and sends once the window has passed', async () => {
    const form = await campaignForm();
    const inputs = { [formInputId(0, 'justification')]: 'Spring campaign posts' };
    // Every attempt of the bot's POST (the first and its three retries) answers 503.
    expect((await failPosts([{ status: 503, retryAfterSeconds: 0, count: 4 }])).status).toBe(200);
    await stack.clearGraphLog();

    const first = await stack.teams.click(alex, form.card, 'Submit request', inputs, form.id);
    expect(cardText(first.body?.value)).not.toMatch(/Pending|Delivered/);
    const sentFirst = (await posts()).length;
    expect(sentFirst).toBeGreaterThan(0);

    // Inside the 60 s window: nothing is sent again, and the card does not claim that nothing was created.
    await stack.advance(20);
    const again = await stack.teams.click(alex, form.card, 'Submit request', inputs, form.id);
    const text = cardText(again.body?.value);
    expect(text).toMatch(/Still checking/);
    expect(text).not.toMatch(/Nothing was created/);
    expect(await posts()).toHaveLength(sentFirst);

    // Past the window with no such request in Graph: the POST is known to be lost, so this Submit sends it.
    await stack.advance(61);
    const later = await stack.teams.click(alex, form.card, 'Submit request', inputs, form.id);
    expect(cardText(later.body?.value)).toMatch(/Delivered|Pending/);
    expect(await posts()).toHaveLength(sentFirst + 1);
    expect((await posts()).at(-1)?.status).toBe(201);
  });
});
