import { compareLevel, decidePromotion, type ProblemPair, type PromotionRule } from '../../../lib/registry';

const rule: PromotionRule = { minEffect: 0.02, tolerance: 0.05, confidence: 0.95, resamples: 2000, seed: 'cand' };

/** `m` problems of `level` with the given pass rates, cycling through them. */
function level(level: number, m: number, candidate: number[], parent: number[]): ProblemPair[] {
  return Array.from({ length: m }, (_, i) => ({ problemId: `L${level}-${i}`, level, candidate: candidate[i % candidate.length]!, parent: parent[i % parent.length]! }));
}

describe('compareLevel (paired bootstrap)', () => {
  it('gives the mean paired difference with bounds around it, reproducibly', () => {
    const pairs = level(1, 20, [0.75, 0.5, 0.625, 0.875], [0.5, 0.5, 0.375, 0.625]);
    const c = compareLevel(1, pairs, rule);
    expect(c.estimate).toBeCloseTo(0.1875, 10);
    expect(c.problems).toBe(20);
    expect(c.lower).toBeLessThan(c.estimate);
    expect(c.upper).toBeGreaterThan(c.estimate);
    expect(compareLevel(1, pairs, rule)).toEqual(c);
  });

  it('has a zero-width interval when every problem moved by the same amount, and no evidence from one problem', () => {
    const c = compareLevel(0, level(0, 10, [0.6], [0.5]), rule);
    expect(c.lower).toBeCloseTo(0.1, 10);
    expect(c.upper).toBeCloseTo(0.1, 10);
    expect(compareLevel(0, level(0, 1, [1], [0]), rule)).toMatchObject({ lower: -1, upper: 1 });
  });
});

describe('decidePromotion', () => {
  it('promotes a clear, consistent gain on the frontier and records the evidence', () => {
    const d = decidePromotion({ pairs: [...level(0, 12, [1, 0.875], [1, 0.875]), ...level(1, 16, [0.875, 0.75, 0.625], [0.5, 0.5, 0.375])], frontierLevel: 1, rule });
    expect(d.promote).toBe(true);
    expect(d.reason).toMatch(/^better on the frontier \(level 1: .* on 16 problems, difference \+0\.\d+ \[\+0\.\d+, \+0\.\d+\] at 0\.95\); no regression beyond 0\.05 on level 0$/);
    expect(d.evidence).toMatchObject({ confidence: 0.95, minEffect: 0.02, tolerance: 0.05, frontier: { level: 1, problems: 16 }, below: [{ level: 0, problems: 12 }] });
    expect(d.evidence!.test).toContain('paired bootstrap');
  });

  it('keeps the parent when the gain is noise: a higher mean whose interval reaches below the minimum effect', () => {
    // +0.0625 on average, but half the problems got worse.
    const d = decidePromotion({ pairs: level(1, 16, [0.875, 0.25, 0.75, 0.375], [0.5, 0.5, 0.375, 0.5]), frontierLevel: 1, rule });
    expect(d.evidence!.frontier.estimate).toBeGreaterThan(0);
    expect(d.promote).toBe(false);
    expect(d.reason).toMatch(/^no evidence of a gain above 0\.02 on the frontier/);
  });

  it('keeps the parent on a significant regression beyond tolerance below the frontier, and not on a small or noisy one', () => {
    const frontier = level(2, 16, [0.75, 0.625], [0.375, 0.25]);
    const worse = decidePromotion({ pairs: [...level(0, 12, [0.75, 0.625], [1, 0.875]), ...frontier], frontierLevel: 2, rule });
    expect(worse.promote).toBe(false);
    expect(worse.reason).toMatch(/^regressed on level 0 \(.*tolerance 0\.05\), although better on level 2/);
    // A drop of 0.03 (within tolerance) does not block, nor does a noisy one whose interval reaches above 0.
    expect(decidePromotion({ pairs: [...level(0, 12, [0.97], [1]), ...frontier], frontierLevel: 2, rule }).promote).toBe(true);
    expect(decidePromotion({ pairs: [...level(0, 12, [1, 0.5, 1, 0.25], [0.75, 1, 0.875, 0.5]), ...frontier], frontierLevel: 2, rule }).promote).toBe(true);
  });

  it('needs problems of the frontier evaluated for both models, honours minEffect and ignores higher levels', () => {
    expect(decidePromotion({ pairs: level(0, 5, [1], [0]), frontierLevel: 1, rule })).toEqual({
      promote: false,
      reason: 'no held-out problem of frontier level 1 was evaluated for both models',
    });
    const pairs = [...level(0, 20, [0.6], [0.5]), ...level(3, 20, [0], [1])];
    expect(decidePromotion({ pairs, frontierLevel: 0, rule }).promote).toBe(true);
    expect(decidePromotion({ pairs, frontierLevel: 0, rule: { ...rule, minEffect: 0.15 } }).promote).toBe(false);
  });
});
