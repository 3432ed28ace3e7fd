import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createTenantState } from '../../devtenant/index.js';
import { demoNames } from '../../scripts/demo/names.js';
import { freshDemoState } from '../../scripts/demo/state.js';
import { DemoTerminal, heldOutput } from '../../scripts/demo/terminal.js';
import { createLogger } from '../../services/log.js';
import { PEOPLE } from '../devtenant/tokens.js';

const VISIO_REQUEST = '90000000-0000-4000-8000-000000000003';
const VISIO_PACKAGE = '40000000-0000-4000-8000-000000000012';
const SALESFORCE_REQUEST = '90000000-0000-4000-8000-000000000001';
/** Lee's seeded activation of Network Admins, waiting for Alex. */
const LEE_ACTIVATION = 'b0000000-0000-4000-8000-000000000001';
const AT = new Date(2026, 11, 3, 9, 5, 7).getTime(); // local time: the terminal prints the reader's clock

function terminalOn(verbose = false) {
  const printed: string[] = [];
  const terminal = new DemoTerminal({
    names: demoNames(createTenantState()),
    write: (t) => printed.push(t),
    verbose,
    gatherMs: 50,
  });
  const log = createLogger('trace', terminal);
  return { printed, terminal, log };
}

describe('the npm start terminal', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    vi.setSystemTime(AT);
  });
  afterEach(() => vi.useRealTimers());

  it('narrates a decision with the names of the people and the package, and never its reason', () => {
    const { printed, log } = terminalOn();
    log.info(
      {
        kind: 'em',
        request: VISIO_REQUEST,
        requester: PEOPLE.alex,
        target: VISIO_PACKAGE,
        outcome: 'approved',
        decidedBy: PEOPLE.megan,
        justification: 'Budget approved by finance',
        redrawnFor: [PEOPLE.alex, PEOPLE.megan],
      },
      'approval change shown',
    );
    expect(printed).toEqual([
      "09:05:07  Megan Bowen approved Alex Wilber's request for Visio & Project Licences: card updated for Alex Wilber, Megan Bowen\n",
    ]);
  });

  it('takes the decider from the devtenant when the bot could not read who decided', () => {
    const state = createTenantState();
    const printed: string[] = [];
    const log = createLogger(
      'info',
      new DemoTerminal({ names: demoNames(state), write: (t) => printed.push(t), verbose: false }),
    );
    const stage = state.pimRequests.get(LEE_ACTIVATION)?.approval?.stages[0];
    if (!stage) throw new Error('the seeded activation has no open stage');
    stage.reviewResult = 'Approved';
    stage.reviewedBy = { id: PEOPLE.alex, displayName: 'Alex Wilber' };
    log.info({ kind: 'pim', request: LEE_ACTIVATION, outcome: 'approved', redrawnFor: [] }, 'approval change shown');
    log.info({ requestId: LEE_ACTIVATION, user: PEOPLE.lee }, 'activation end shown');
    expect(printed).toEqual([
      "09:05:07  Alex Wilber approved Lee Gu's activation of Network Admins: no card in a chat to update yet\n",
      "09:05:07  Lee Gu's activation of Network Admins ended: card updated for Lee Gu\n",
    ]);
  });

  it('says what a person did in the chat', () => {
    const { printed, log } = terminalOn();
    log.info({ requestId: VISIO_REQUEST, state: 'pendingApproval' }, 'access request submitted');
    log.info({ requestId: LEE_ACTIVATION, status: 'PendingApproval' }, 'activation requested');
    expect(printed).toEqual([
      "09:05:07  Alex Wilber's request for Visio & Project Licences submitted (pendingApproval): status card shown\n",
      "09:05:07  Lee Gu's activation of Network Admins requested (PendingApproval)\n",
    ]);
  });

  it('names the cards it pushes from their notification keys', () => {
    const { printed, log } = terminalOn();
    log.info({ key: `approval:em:${SALESFORCE_REQUEST}:stage1:${PEOPLE.alex}`, user: PEOPLE.alex }, 'card sent');
    expect(printed).toEqual([
      "09:05:07  Approval card sent to Alex Wilber: Isaiah Langer's request for Salesforce – Sales Cloud User waits for them\n",
    ]);
  });

  it('gathers the people it cannot reach into one line with their names, and says it once', () => {
    const { printed, log } = terminalOn();
    for (const user of [PEOPLE.megan, PEOPLE.alex, PEOPLE.megan]) {
      log.warn({ user, reason: 'noReference' }, `cannot reach ${user}`);
    }
    expect(printed).toEqual([]);
    vi.advanceTimersByTime(60);
    log.warn({ user: PEOPLE.megan, reason: 'noReference' }, `cannot reach ${PEOPLE.megan}`);
    vi.advanceTimersByTime(60);
    expect(printed).toEqual([
      '09:05:07  Not reachable yet: Megan Bowen, Alex Wilber — they have not opened the bot; their cards wait\n',
    ]);
  });

  it('prints nothing for the watcher and other routine lines, and one short line for a warning', () => {
    const { printed, log } = terminalOn();
    log.debug({ ms: 12, sources: [] }, 'watch tick');
    log.info({ pending: 4, added: 0 }, 'approvals watched');
    log.info({ url: 'http://127.0.0.1:3978' }, 'Access Bot listening');
    expect(printed).toEqual([]);
    log.warn(
      { err: new Error('socket hang up'), kind: 'em' },
      'could not send an approval card; the watcher tries again',
    );
    expect(printed).toEqual([
      '09:05:07  warn: could not send an approval card; the watcher tries again (err: socket hang up, kind: "em")\n',
    ]);
  });

  it('shows every line, redacted, at LOG_LEVEL debug', () => {
    const { printed, log } = terminalOn(true);
    log.debug({ ms: 12, justification: 'private words' }, 'watch tick');
    expect(printed).toEqual(['09:05:07  debug: watch tick (ms: 12, justification: "[redacted]")\n']);
  });

  it('holds what the bot says before the banner and prints it after', () => {
    const out: string[] = [];
    const held = heldOutput((t) => out.push(t));
    held.write('early\n');
    out.push('banner\n');
    held.release();
    held.write('later\n');
    expect(out).toEqual(['banner\n', 'early\n', 'later\n']);
  });
});

describe('the demo state folder', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'demo-state-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('is emptied at every start and holds the bot storage', () => {
    const first = freshDemoState(root);
    expect(first).toEqual({ shown: './data/demo', storage: `sqlite:${path.join(root, 'data/demo/bot.db')}` });
    writeFileSync(path.join(root, 'data/demo/bot.db'), 'the first run');
    freshDemoState(root);
    expect(existsSync(path.join(root, 'data/demo/bot.db'))).toBe(false);
  });

  it('refuses to empty a folder npm start did not make', () => {
    mkdirSync(path.join(root, 'mine'));
    writeFileSync(path.join(root, 'mine/notes.txt'), 'keep me');
    expect(() => freshDemoState(root, 'mine')).toThrow(/refusing to empty it/);
    expect(readdirSync(path.join(root, 'mine'))).toEqual(['notes.txt']);
  });
});
