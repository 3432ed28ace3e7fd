import { describe, expect, it } from 'vitest';
import { checkExactlyOnce, type NumberedSend } from './processes.js';

/**
 * The crash test's rule, on made-up arrival logs: a kill may add one copy, of the card in flight at that kill only,
 * and the process that takes over sends that card first.
 */

const A = 'alex';
const expected = [1, 2, 3].map((n) => ({ n, user: A }));

/** Arrival log from `[card number, sender pid]` pairs. */
function log(...sends: [number, number][]): NumberedSend[] {
  return sends.map(([n, from], order) => ({ n, user: A, from, at: order, order }));
}

describe('checkExactlyOnce', () => {
  it('accepts every card once, and the in-flight card again right after its kill', () => {
    const sends = log([1, 101], [2, 101], [2, 102], [3, 102]);
    const result = checkExactlyOnce(sends, expected, new Set([101]));
    expect(result.problems).toEqual([]);
    expect(result.duplicates).toEqual([sends[1]]);
    expect(result.kills).toEqual([{ pid: 101, inFlight: sends[1], duplicated: true }]);
  });

  it('accepts a card three times when it was in flight at two kills in a row, one copy per kill', () => {
    const sends = log([1, 101], [2, 101], [2, 102], [2, 103], [3, 103]);
    const result = checkExactlyOnce(sends, expected, new Set([101, 102]));
    expect(result.problems).toEqual([]);
    expect(result.duplicates).toEqual([sends[1], sends[2]]);
    expect(result.kills.map((k) => k.duplicated)).toEqual([true, true]);
  });

  it('counts a kill whose card had been recorded as sent as no duplicate', () => {
    const result = checkExactlyOnce(log([1, 101], [2, 102], [3, 102]), expected, new Set([101]));
    expect(result.problems).toEqual([]);
    expect(result.kills).toEqual([expect.objectContaining({ pid: 101, duplicated: false })]);
  });

  it('refuses a second copy of a card that was not in flight at a kill', () => {
    const { problems } = checkExactlyOnce(log([1, 101], [2, 101], [1, 102], [3, 102]), expected, new Set([101]));
    expect(problems).toEqual([
      'card 1 for alex arrived again (copy 2 of 2, first from 101), but it was not the card in flight when process 101 was killed',
    ]);
  });

  it('refuses a repeat from a process nobody killed, and two repeats for one kill', () => {
    expect(checkExactlyOnce(log([1, 101], [2, 101], [2, 102], [3, 102]), expected, new Set()).problems).toEqual([
      'card 2 for alex arrived again (copy 2 of 2, first from 101), but process 101 was not killed',
    ]);
    const twice = log([1, 101], [2, 101], [2, 102], [2, 102], [3, 102]);
    expect(checkExactlyOnce(twice, expected, new Set([101])).problems).toEqual([
      'card 2 for alex arrived again (copy 3 of 3, first from 102), but process 102 was not killed',
    ]);
  });

  it('refuses a repeat that is not the first card after the kill, a missing card and a card never meant', () => {
    const late = log([1, 101], [2, 101], [3, 102], [2, 102]);
    expect(checkExactlyOnce(late, expected, new Set([101])).problems).toEqual([
      'card 2 for alex arrived again (copy 2 of 2, first from 101), but not as the first card after the kill of process 101',
    ]);
    expect(checkExactlyOnce(log([1, 101], [4, 101]), expected, new Set()).problems).toEqual([
      'card 2 for alex never arrived',
      'card 3 for alex never arrived',
      'card 4 for alex was never meant to be sent',
    ]);
  });
});
