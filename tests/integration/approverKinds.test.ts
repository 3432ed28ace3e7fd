import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formInputId } from '../../cards/requester/requestForm.js';
import type { SeedData } from '../../devtenant/index.js';
import { DEFAULT_SEED_PATH } from '../../devtenant/seed.js';
import { checkCard } from '../helpers/cardCheck.js';
import { Chats, type Shown } from '../helpers/chats.js';
import { emRequest } from '../helpers/devtenantGraph.js';
import { type Stack, startStack } from '../helpers/stack.js';
import { buttonTitles, cardText, teamsUser } from '../helpers/teamsHarness.js';

/**
 * Approver kinds beyond the usual ones (issue 18 item 7), served by the devtenant: "Visio & Project Licences" is
 * approved by the requester's third-level manager (`targetManager`, managerLevel 3) or a member of the connected
 * organization Fabrikam (`connectedOrganizationMembers`). Lee Gu → Megan Bowen → Patti Fernandez → Debra Berger:
 * the watcher walks the chain and sends Debra the card; Fabrikam's members cannot be found from the bot's side, so the
 * card says they decide in My Access. Debra's one click delivers the access.
 */

const id = (prefix: string, n: number) => `${prefix}-0000-4000-8000-${String(n).padStart(12, '0')}`;
const person = (n: number) => id('10000000', n);
const VISIO_POLICY = id('50000000', 12);
const FABRIKAM = id('e0000000', 1);

const lee = teamsUser(person(7), 'Lee Gu');
const megan = teamsUser(person(2), 'Megan Bowen');
const patti = teamsUser(person(5), 'Patti Fernandez');
const debra = teamsUser(person(16), 'Debra Berger');

function seedWithKinds(): SeedData {
  const seed = JSON.parse(readFileSync(DEFAULT_SEED_PATH, 'utf8'));
  for (const pkg of seed.accessPackages) {
    for (const policy of pkg.policies) {
      if (policy.id !== VISIO_POLICY) continue;
      policy.requestApprovalSettings.stages[0].primaryApprovers = [
        { '@odata.type': '#microsoft.graph.targetManager', managerLevel: 3 },
        {
          '@odata.type': '#microsoft.graph.connectedOrganizationMembers',
          connectedOrganizationId: FABRIKAM,
          description: 'Fabrikam',
        },
      ];
    }
  }
  return seed;
}

describe("a policy approved by the target's third-level manager or a connected organization's members", () => {
  let stack: Stack;
  let chats: Chats;
  let status: Shown;
  let requestId: string;
  beforeAll(async () => {
    stack = await startStack({ devtenant: { seed: seedWithKinds() } });
    chats = new Chats(stack.teams, { checkReplies: true });
    for (const user of [lee, megan, patti, debra]) await stack.teams.install(user);
  });
  afterAll(async () => stack?.stop());

  it('tells the requester who approves, in words', async () => {
    const [found] = await chats.say(lee, 'request visio');
    const form = { card: await chats.click(lee, found, 'Request'), id: found.id };
    await chats.click(lee, form, 'Submit request', {
      [formInputId(0, 'justification')]: 'Drawing the new network diagrams',
    });
    status = { card: chats.current(lee, found.id), id: found.id };
    expect(cardText(status.card)).toMatch(
      /Approvers your third-level manager or a member of Fabrikam \(connected organization\)/,
    );
    requestId = status.card.refresh?.action?.data?.requestId;
    expect((await emRequest(stack, requestId)).state).toBe('pendingApproval');
  });

  it('sends the card to the third-level manager only, saying who else decides in My Access', async () => {
    const report = await stack.bot.watcher.tickNow();
    expect(report.sources.find((s) => s.name === 'approvals')?.ok).toBe(true);
    const card = chats.find(debra, /Lee Gu asks for Visio & Project Licences/).card;
    expect(cardText(card)).toMatch(
      /Who approves the requester's third-level manager or a member of Fabrikam \(connected organization\)/,
    );
    expect(cardText(card)).toMatch(
      /cannot tell who is a member of Fabrikam \(connected organization\): they decide in My Access/,
    );
    expect(buttonTitles(card)).toEqual(['Approve', 'Deny']);
    expect(checkCard(card)).toEqual([]);
    for (const other of [megan, patti]) expect(chats.all(other, /Lee Gu asks for Visio/)).toHaveLength(0);
  });

  it('lets the third-level manager approve in Teams (the devtenant agrees she is an approver)', async () => {
    const card = chats.find(debra, /Lee Gu asks for Visio & Project Licences/);
    const after = await chats.click(debra, card, 'Approve');
    expect(cardText(after)).toMatch(/Approved by you/);
    expect((await emRequest(stack, requestId)).state).toBe('delivered');
  });
});
