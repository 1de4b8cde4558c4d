import { meanPassAtK, passAtK } from '../../../lib/eval/passAtK';

/** C(n, k) exactly, in BigInt: an independent check of the product form. */
function choose(n: number, k: number): bigint {
  if (k < 0 || k > n) return 0n;
  let r = 1n;
  for (let i = 1; i <= k; i++) r = (r * BigInt(n - k + i)) / BigInt(i);
  return r;
}
function exact(n: number, c: number, k: number): number {
  const num = choose(n - c, k);
  const den = choose(n, k);
  // 1 - num/den with 15 significant digits of the ratio.
  const scale = 10n ** 15n;
  return 1 - Number((num * scale) / den) / 1e15;
}

describe('pass@k (Chen et al. 2021, unbiased estimator)', () => {
  it('matches hand-computed values', () => {
    expect(passAtK(5, 2, 2)).toBeCloseTo(1 - 3 / 10, 12); // 1 - C(3,2)/C(5,2)
    expect(passAtK(10, 3, 5)).toBeCloseTo(1 - 21 / 252, 12); // 1 - C(7,5)/C(10,5)
    expect(passAtK(8, 1, 8)).toBe(1);
    expect(passAtK(8, 4, 2)).toBeCloseTo(1 - 6 / 28, 12); // 1 - C(4,2)/C(8,2)
  });

  it('pass@1 is the fraction of correct samples', () => {
    for (const [n, c] of [[8, 3], [20, 7], [1, 1], [200, 13]] as const) expect(passAtK(n, c, 1)).toBeCloseTo(c / n, 12);
  });

  it('c = 0 gives 0 and c = n gives 1, for every k', () => {
    for (const k of [1, 4, 8]) {
      expect(passAtK(8, 0, k)).toBe(0);
      expect(passAtK(8, 8, k)).toBe(1);
    }
  });

  it('k > n - c gives exactly 1 (every k-subset holds a correct sample)', () => {
    expect(passAtK(8, 5, 4)).toBe(1);
    expect(passAtK(8, 1, 8)).toBe(1);
    expect(passAtK(10, 3, 8)).toBe(1);
    expect(passAtK(10, 3, 7)).toBeLessThan(1);
    expect(passAtK(10, 3, 7)).toBeCloseTo(1 - 1 / 120, 12); // 1 - C(7,7)/C(10,7)
  });

  it('the paper setting (n = 200) agrees with exact binomial coefficients and stays in [0, 1]', () => {
    for (const [c, k] of [[1, 1], [1, 10], [1, 100], [10, 100], [50, 10], [3, 150]] as const) {
      const v = passAtK(200, c, k);
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
      expect(v).toBeCloseTo(exact(200, c, k), 10);
    }
    expect(passAtK(200, 1, 100)).toBeCloseTo(0.5, 12); // one correct sample: half of the 100-subsets hold it
  });

  it('is monotone in k and refuses k > n and bad counts', () => {
    let last = 0;
    for (let k = 1; k <= 8; k++) {
      const v = passAtK(8, 2, k);
      expect(v).toBeGreaterThanOrEqual(last);
      last = v;
    }
    expect(() => passAtK(4, 1, 8)).toThrow(/at least 8 samples/);
    expect(() => passAtK(4, 5, 1)).toThrow(RangeError);
    expect(() => passAtK(4, 1, 0)).toThrow(RangeError);
  });

  it('averages per problem (each problem weighs the same)', () => {
    expect(meanPassAtK([{ n: 8, c: 8 }, { n: 8, c: 0 }], 1)).toBeCloseTo(0.5, 12);
    expect(meanPassAtK([{ n: 8, c: 1 }, { n: 8, c: 0 }], 8)).toBeCloseTo(0.5, 12);
    expect(meanPassAtK([], 1)).toBeNaN();
  });
});
