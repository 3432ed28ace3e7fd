/**
 * A decision click still marked in flight (its process died around the PATCH) is settled on the next click by reading
 * the stages with the clicker's token (services/approvals/decide.ts), instead of "being recorded" for 30 s.
 */
import { describe, expect, it } from 'vitest';
import { type DecisionInput, decide } from '../../services/approvals/decide.js';
import { type ApprovalRecord, ApprovalStore } from '../../services/approvals/store.js';
import { ManualClock } from '../../services/clock.js';
import type { GraphFacade } from '../../services/graph/client.js';
import { GraphRequestError } from '../../services/graph/errors.js';
import type { PersonRef } from '../../services/model/approvals.js';
import { MemoryBotStorage } from '../../services/storage/memoryStorage.js';
import { captureLog } from '../proactive/helpers.js';

const AT = '2026-12-02T23:50:00.000Z';
const REQUEST = '90000000-0000-4000-8000-0000000000c1';
const STAGE = 'a0000000-0000-4000-8000-0000000000c1';
const megan: PersonRef = { id: '10000000-0000-4000-8000-000000000002', displayName: 'Megan Bowen' };
const alex: PersonRef = { id: '10000000-0000-4000-8000-000000000001', displayName: 'Alex Wilber' };
const OP = 'op-1';

const record: ApprovalRecord = {
  state: {
    details: {
      kind: 'em',
      id: REQUEST,
      requester: alex,
      target: { kind: 'em', packageId: 'p', packageName: 'Finance Reports – Read', grants: [] },
      answers: [],
      stages: [{ approvers: [megan], escalationApprovers: [], justificationRequired: false }],
    },
    currentStage: 1,
    stageId: STAGE,
    escalated: false,
    decisions: [],
  },
  shownTo: ['1:' + megan.id],
  updatedAt: AT,
};

const pimRecord: ApprovalRecord = {
  ...record,
  state: {
    ...record.state,
    details: {
      ...record.state.details,
      kind: 'pim',
      target: { kind: 'pim', groupId: 'g', groupName: 'Security Operations', accessId: 'member' },
    },
  },
};

const input: DecisionInput = { kind: 'em', id: REQUEST, decision: 'Approve', cardStage: 1 };

function stageJson(reviewResult: 'NotReviewed' | 'Approve' | 'Approved' | 'Deny' | 'Denied') {
  const decided = reviewResult !== 'NotReviewed';
  return {
    id: REQUEST,
    stages: [
      {
        id: STAGE,
        status: decided ? 'Completed' : 'InProgress',
        assignedToMe: !decided,
        reviewResult,
        ...(decided
          ? { reviewedBy: { id: megan.id, displayName: megan.displayName }, reviewedDateTime: AT, justification: '' }
          : {}),
      },
    ],
  };
}

const DEAD = { instance: 'bot-host:3978', incarnation: '0000000001-dead' };

/** A tenant that serves PIM approval stages only under `steps` (devtenant quirk `pimApprovalSegment: 'steps'`). */
function stepsTenant(reviewResult: Parameters<typeof stageJson>[0], calls: string[]): GraphFacade {
  return {
    get: async (path: string, options?: { query?: Record<string, string> }) => {
      const expand = options?.query?.$expand;
      calls.push(`GET ${path}?$expand=${expand}`);
      if (expand !== 'steps') {
        throw new GraphRequestError({ status: 400, code: 'BadRequest', method: 'GET', path });
      }
      const { stages, ...rest } = stageJson(reviewResult);
      return { ...rest, steps: stages };
    },
    patch: async (path: string) => {
      calls.push(`PATCH ${path}`);
    },
  } as unknown as GraphFacade;
}

async function rig(
  reviewResult: Parameters<typeof stageJson>[0],
  me?: { instance: string; incarnation: string },
  kind: 'em' | 'pim' = 'em',
) {
  const clock = new ManualClock(new Date(AT));
  const { log } = captureLog();
  const store = new ApprovalStore(new MemoryBotStorage(), log);
  const deps = { store, log, now: () => clock.now(), waitMs: 50, ...(me ? { identity: me } : {}) };
  const calls: string[] = [];
  const graph =
    kind === 'pim'
      ? stepsTenant(reviewResult, calls)
      : ({
          get: async (path: string) => {
            calls.push(`GET ${path}`);
            return stageJson(reviewResult);
          },
          patch: async (path: string) => {
            calls.push(`PATCH ${path}`);
          },
        } as unknown as GraphFacade);
  // The dead click: its operation and its stage lock were written, then the process was killed.
  expect(await store.startOperation(OP, megan.id, AT, DEAD)).toBe(true);
  const lock = {
    userId: megan.id,
    userName: megan.displayName,
    decision: 'Approve' as const,
    status: 'deciding' as const,
    at: AT,
    holder: DEAD,
  };
  expect(await store.takeLock(kind, REQUEST, STAGE, lock)).toBe(true);
  clock.advance(2000);
  return { deps, graph, calls, store };
}

describe('a decision click left in flight by a dead process', () => {
  it('is recorded once Graph shows the clicker decided the stage, without another PATCH', async () => {
    const { deps, graph, calls, store } = await rig('Approved');
    const outcome = await decide(deps, graph, megan, record, input, OP);
    expect(outcome.kind).toBe('recorded');
    if (outcome.kind === 'recorded') {
      expect(outcome.result).toBe('Approved');
      expect(outcome.state.decisions).toEqual([expect.objectContaining({ stage: 1, result: 'Approved' })]);
    }
    expect(calls.filter((c) => c.startsWith('PATCH'))).toEqual([]);
    expect((await store.lock('em', REQUEST, STAGE))?.value.status).toBe('decided');
    // The operation is finished: the same button again is a plain repeat.
    expect((await decide(deps, graph, megan, record, input, OP)).kind).toBe('repeat');
  });

  it('says "already decided" when the stage shows the other decision', async () => {
    const { deps, graph } = await rig('Denied');
    const outcome = await decide(deps, graph, megan, record, input, OP);
    expect(outcome).toMatchObject({ kind: 'alreadyDecided', result: 'Denied', by: { id: megan.id } });
  });

  it('stays "in progress" while the stage is still open (the PATCH may still arrive)', async () => {
    const { deps, graph, calls, store } = await rig('NotReviewed');
    const outcome = await decide(deps, graph, megan, record, input, OP);
    expect(outcome).toEqual({ kind: 'inProgress', by: megan });
    expect(calls.filter((c) => c.startsWith('PATCH'))).toEqual([]);
    expect((await store.lock('em', REQUEST, STAGE))?.value.status).toBe('deciding');
  });

  it('is taken over at once when an earlier process of this instance held it and the stage is still open', async () => {
    const { deps, graph, calls, store } = await rig('NotReviewed', {
      instance: DEAD.instance,
      incarnation: '0000000002-alive',
    });
    const outcome = await decide(deps, graph, megan, record, input, OP);
    expect(outcome.kind).toBe('recorded');
    expect(calls.filter((c) => c.startsWith('PATCH'))).toEqual([
      `PATCH /identityGovernance/entitlementManagement/accessPackageAssignmentApprovals/${REQUEST}/stages/${STAGE}`,
    ]);
    expect((await store.lock('em', REQUEST, STAGE))?.value.status).toBe('decided');
  });

  it('is not taken over when another instance (which may be alive) holds it', async () => {
    const { deps, graph, calls } = await rig('NotReviewed', { instance: 'other-host:3978', incarnation: '0000000002' });
    expect(await decide(deps, graph, megan, record, input, OP)).toEqual({ kind: 'inProgress', by: megan });
    expect(calls.filter((c) => c.startsWith('PATCH'))).toEqual([]);
  });

  it('is recorded on a tenant that serves PIM stages only under `steps`', async () => {
    const { deps, graph, calls, store } = await rig('Approved', undefined, 'pim');
    const pimInput: DecisionInput = { ...input, kind: 'pim' };
    const outcome = await decide(deps, graph, megan, pimRecord, pimInput, OP);
    expect(outcome).toMatchObject({ kind: 'recorded', result: 'Approved', stage: 1 });
    expect(calls.filter((c) => c.startsWith('PATCH'))).toEqual([]);
    expect(calls.at(-1)).toBe(
      `GET /identityGovernance/privilegedAccess/group/assignmentApprovals/${REQUEST}?$expand=steps`,
    );
    expect((await store.lock('pim', REQUEST, STAGE))?.value.status).toBe('decided');
  });
});
