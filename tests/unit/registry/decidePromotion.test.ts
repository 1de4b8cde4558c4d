import { decidePromotion } from '../../../lib/registry';

const ev = (pairs: Record<number, number>) =>
  Object.fromEntries(Object.entries(pairs).map(([l, acc]) => [l, { accuracy: acc, n: 100, correct: Math.round(acc * 100) }]));

describe('decidePromotion', () => {
  it('promotes a candidate better on the frontier with lower levels within tolerance', () => {
    const d = decidePromotion({ candidateEval: ev({ 0: 0.88, 1: 0.9, 2: 0.5 }), parentEval: ev({ 0: 0.9, 1: 0.9, 2: 0.3 }), frontierLevel: 2, tolerance: 0.05 });
    expect(d).toEqual({ promote: true, reason: 'better on the frontier (level 2: 0.5 vs parent 0.3); within 0.05 of the parent on levels 0, 1' });
  });

  it('keeps the parent when the frontier does not improve', () => {
    const d = decidePromotion({ candidateEval: ev({ 0: 0.95, 1: 0.4 }), parentEval: ev({ 0: 0.9, 1: 0.4 }), frontierLevel: 1, tolerance: 0.05 });
    expect(d.promote).toBe(false);
    expect(d.reason).toBe('not better on the frontier (level 1: 0.4 vs parent 0.4)');
  });

  it('keeps the parent on a regression beyond tolerance on a lower level', () => {
    const d = decidePromotion({ candidateEval: ev({ 0: 0.8, 1: 0.7 }), parentEval: ev({ 0: 0.9, 1: 0.4 }), frontierLevel: 1, tolerance: 0.05 });
    expect(d).toEqual({ promote: false, reason: 'regressed on level 0: 0.8 vs parent 0.9 (tolerance 0.05), although better on level 1: 0.7 vs parent 0.4' });
  });

  it('accepts a drop of exactly the tolerance', () => {
    expect(decidePromotion({ candidateEval: ev({ 0: 0.85, 1: 0.5 }), parentEval: ev({ 0: 0.9, 1: 0.4 }), frontierLevel: 1, tolerance: 0.05 }).promote).toBe(true);
  });

  it('treats an unevaluated parent frontier as 0 and requires the candidate to be evaluated', () => {
    expect(decidePromotion({ candidateEval: ev({ 0: 0.1 }), parentEval: {}, frontierLevel: 0, tolerance: 0 })).toEqual({
      promote: true,
      reason: 'better on the frontier (level 0: 0.1 vs parent unevaluated (0))',
    });
    expect(decidePromotion({ candidateEval: ev({ 1: 0.5 }), parentEval: ev({ 0: 0.9 }), frontierLevel: 0, tolerance: 0 })).toEqual({
      promote: false,
      reason: 'candidate has no evaluation on frontier level 0',
    });
    expect(decidePromotion({ candidateEval: ev({ 1: 0.5 }), parentEval: ev({ 0: 0.9, 1: 0.2 }), frontierLevel: 1, tolerance: 0.1 })).toEqual({
      promote: false,
      reason: 'candidate has no evaluation on level 0, where the parent has 0.9',
    });
  });

  it('honours a minimum gain and ignores higher levels', () => {
    const base = { parentEval: ev({ 0: 0.5, 3: 0.9 }), frontierLevel: 0, tolerance: 0 };
    expect(decidePromotion({ ...base, candidateEval: ev({ 0: 0.52, 3: 0.1 }), minGain: 0.05 }).promote).toBe(false);
    expect(decidePromotion({ ...base, candidateEval: ev({ 0: 0.6, 3: 0.1 }), minGain: 0.05 }).promote).toBe(true);
  });
});
