import type { Problem } from '../../../lib/curriculum/types';
import { roundCandidates } from '../../../lib/selection';

const problem = (level: number, i: number, heldOut = false): Problem => ({ id: `L${level}-${i}`, levelIndex: level, heldOut }) as unknown as Problem;
const levels = [0, 1, 2].map((index) => ({ index, problems: [...Array.from({ length: 6 }, (_, i) => problem(index, i)), problem(index, 99, true)] }));

describe('round candidates', () => {
  it('takes trainable problems of the frontier and, optionally, the next level; never held-out ones', () => {
    const only = roundCandidates(levels, { frontier: 1, round: 1, nextLevel: false });
    expect(only).toEqual(['L1-0', 'L1-1', 'L1-2', 'L1-3', 'L1-4', 'L1-5']);
    const both = roundCandidates(levels, { frontier: 1, round: 1, nextLevel: true });
    expect(both).toHaveLength(12);
    expect(both.some((id) => id.endsWith('-99'))).toBe(false);
    expect(roundCandidates(levels, { frontier: 2, round: 1, nextLevel: true })).toHaveLength(6);
  });

  it('caps a level with a seeded sample that changes from round to round', () => {
    const r1 = roundCandidates(levels, { frontier: 0, round: 1, nextLevel: false, maxPerLevel: 3 });
    expect(r1).toHaveLength(3);
    expect(roundCandidates(levels, { frontier: 0, round: 1, nextLevel: false, maxPerLevel: 3 })).toEqual(r1);
    const rounds = [2, 3, 4, 5].map((round) => roundCandidates(levels, { frontier: 0, round, nextLevel: false, maxPerLevel: 3 }).join());
    expect(rounds.some((r) => r !== r1.join())).toBe(true);
  });
});
