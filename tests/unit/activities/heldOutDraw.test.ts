import { heldOutProblems } from '../../../activities/evaluation';
import type { Problem } from '../../../lib/curriculum/types';

const level = (index: number, held: number, train = 5) => ({
  index,
  problems: Array.from({ length: held + train }, (_, i) => ({ id: `l${index}-${String(i).padStart(3, '0')}`, levelIndex: index, heldOut: i < held }) as unknown as Problem),
});

describe('held-out problems of an evaluation', () => {
  const levels = [level(0, 6), level(1, 50), level(2, 50)];

  it('takes every held-out problem of a level that has no more than the size, and none above upTo', () => {
    const ps = heldOutProblems(levels, 1, 10, 'c:r1');
    expect(ps.filter((p) => p.levelIndex === 0).map((p) => p.id)).toEqual(levels[0]!.problems.filter((p) => p.heldOut).map((p) => p.id));
    expect(ps.some((p) => p.levelIndex === 2)).toBe(false);
    expect(ps.every((p) => p.heldOut)).toBe(true);
  });

  it('draws from a larger level: the size asked, the same for the same seed, not always the first N by id', () => {
    const draw = (seed: string) => heldOutProblems(levels, 1, 10, seed).filter((p) => p.levelIndex === 1).map((p) => p.id);
    const r1 = draw('c:r1');
    expect(r1).toHaveLength(10);
    expect(new Set(r1).size).toBe(10);
    expect(draw('c:r1')).toEqual(r1);
    expect([...r1].sort()).toEqual(r1);
    const firstN = levels[1]!.problems.filter((p) => p.heldOut).slice(0, 10).map((p) => p.id);
    const draws = ['c:r1', 'c:r2', 'c:r3', 'c:r4'].map(draw);
    expect(draws.some((d) => d.join() !== firstN.join())).toBe(true);
    expect(new Set(draws.map((d) => d.join())).size).toBeGreaterThan(1);
  });
});
