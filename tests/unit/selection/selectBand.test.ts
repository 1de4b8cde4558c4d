import type { Problem } from '../../../lib/curriculum/types';
import { createEstimator } from '../../../lib/estimation';
import { UserError } from '../../../lib/errors';
import { BandOptionsSchema, selectBand, type EstimatedProblem } from '../../../lib/selection';

const fixed = createEstimator({ mode: 'fixed' });

function item(id: string, levelIndex: number, successes: number, heldOut = false): EstimatedProblem {
  const problem: Problem = {
    id,
    levelId: `L${levelIndex}`,
    levelIndex,
    skill: 'add',
    difficulty: levelIndex + 1,
    question: `q ${id}`,
    answer: '1',
    heldOut,
    steps: 2,
  };
  return { problem, estimate: fixed.estimate(successes, 20, 'fixed-k') };
}

describe('BandOptionsSchema', () => {
  it('defaults to [0.05, 0.5] ranked by learnability', () => {
    expect(BandOptionsSchema.parse({})).toMatchObject({ band: { min: 0.05, max: 0.5 }, rankBy: 'learnability' });
  });

  it('rejects min > max naming band.min', () => {
    const r = BandOptionsSchema.safeParse({ band: { min: 0.7, max: 0.3 } });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.path).toEqual(['band', 'min']);
  });

  it('selectBand turns bad options into a UserError naming the field', () => {
    expect(() => selectBand([], { band: { min: 0.7, max: 0.3 } })).toThrow(UserError);
    expect(() => selectBand([], { band: { min: 0.7, max: 0.3 } })).toThrow(/band\.min: band min must be <= band max/);
    expect(() => selectBand([], { maxProblems: 0 })).toThrow(/maxProblems/);
  });
});

describe('selectBand', () => {
  const items = [
    item('a', 0, 0), // 0.00 below
    item('b', 0, 1), // 0.05 in (edge)
    item('c', 0, 10), // 0.50 in (edge), learnability 0.25
    item('d', 0, 20), // 1.00 above
    item('e', 1, 6), // 0.30 in, 0.21
    item('f', 1, 4), // 0.20 in, 0.16
    item('g', 1, 6, true), // held out, would be in band
    item('h', 1, 11), // 0.55 above
    item('i', 2, 8), // 0.40 in, 0.24
    item('j', 2, 12), // 0.60 above
  ];

  it('keeps in-band problems ranked by learnability, never held-out ones, and counts per level', () => {
    const sel = selectBand(items);
    expect(sel.selected.map((s) => s.problem.id)).toEqual(['c', 'i', 'e', 'f', 'b']);
    expect(sel.selected.find((s) => s.problem.id === 'g')).toBeUndefined();
    expect(sel.perLevel).toEqual([
      { levelIndex: 0, levelId: 'L0', candidates: 4, heldOut: 0, below: 1, inBand: 2, above: 1, selected: 2 },
      { levelIndex: 1, levelId: 'L1', candidates: 3, heldOut: 1, below: 0, inBand: 2, above: 1, selected: 2 },
      { levelIndex: 2, levelId: 'L2', candidates: 2, heldOut: 0, below: 0, inBand: 1, above: 1, selected: 1 },
    ]);
    expect(sel.totals).toEqual({ candidates: 9, heldOut: 1, below: 1, inBand: 5, above: 3, selected: 5 });
  });

  it('ranks by closeness to a target', () => {
    const sel = selectBand(items, { rankBy: 'target', target: 0.2 });
    expect(sel.selected.map((s) => s.problem.id)).toEqual(['f', 'e', 'b', 'i', 'c']);
  });

  it('applies maxProblems and per-level caps', () => {
    expect(selectBand(items, { maxProblems: 2 }).selected.map((s) => s.problem.id)).toEqual(['c', 'i']);
    const perLevel = selectBand(items, { perLevelMax: 1 });
    expect(perLevel.selected.map((s) => s.problem.id)).toEqual(['c', 'i', 'e']);
    expect(perLevel.perLevel.map((l) => l.selected)).toEqual([1, 1, 1]);
    // 0.4 of maxProblems 4 -> at most 1 per level.
    const fraction = selectBand(items, { maxProblems: 4, perLevelMaxFraction: 0.4 });
    expect(fraction.selected.map((s) => s.problem.id)).toEqual(['c', 'i', 'e']);
  });

  it('breaks ties by problem id, whatever the input order', () => {
    const tied = [item('z', 0, 4), item('m', 0, 4), item('q', 0, 4)];
    expect(selectBand(tied).selected.map((s) => s.problem.id)).toEqual(['m', 'q', 'z']);
    expect(selectBand([...tied].reverse()).selected.map((s) => s.problem.id)).toEqual(['m', 'q', 'z']);
  });

  it('uses a custom band', () => {
    const sel = selectBand(items, { band: { min: 0.5, max: 0.6 } });
    expect(sel.selected.map((s) => s.problem.id)).toEqual(['c', 'h', 'j']);
  });

  it('refuses the same problem twice', () => {
    expect(() => selectBand([item('a', 0, 3), item('a', 0, 3)])).toThrow(/appears twice/);
  });
});
