import { effectiveSampleSize, pass1WithInterval } from '../../../lib/eval/interval';
import { wilsonInterval } from '../../../lib/estimation/wilson';

const problems = (rates: number[], n = 8) => rates.map((c) => ({ n, c }));

describe('pass@1 interval (Wilson with the clustered effective sample size)', () => {
  it('pass@1 is the mean of per-problem rates and lies inside its interval', () => {
    const r = pass1WithInterval(problems([8, 4, 0, 2, 6, 8, 1, 3]));
    expect(r.pass1).toBeCloseTo(32 / 64, 12);
    expect(r.interval[0]).toBeLessThan(r.pass1);
    expect(r.interval[1]).toBeGreaterThan(r.pass1);
  });

  it('fully clustered samples (each problem all right or all wrong) count as one sample per problem', () => {
    const ps = problems([8, 0, 8, 0, 8, 0, 8, 0, 8, 0]);
    expect(effectiveSampleSize(ps)).toBeCloseTo(10, 6);
    // Hand check: Wilson(5 of 10) = [0.2366, 0.7634].
    const [lo, hi] = pass1WithInterval(ps).interval;
    expect(lo).toBeCloseTo(0.2366, 3);
    expect(hi).toBeCloseTo(0.7634, 3);
    // ... and is much wider than treating the 80 samples as independent.
    const naive = wilsonInterval(40, 80);
    expect(hi - lo).toBeGreaterThan(1.5 * (naive[1] - naive[0]));
  });

  it('problems all at one rate inside (0, 1) look like independent samples (n_eff = all samples)', () => {
    const ps = problems([4, 4, 4, 4, 4]);
    expect(effectiveSampleSize(ps)).toBe(40);
    expect(pass1WithInterval(ps).interval).toEqual(wilsonInterval(20, 40));
  });

  it('at pass@1 = 0 or 1 the interval is not degenerate: Wilson over the problems', () => {
    const zero = pass1WithInterval(problems([0, 0, 0, 0, 0]));
    expect(zero.pass1).toBe(0);
    expect(zero.interval[0]).toBe(0);
    expect(zero.interval[1]).toBeCloseTo(wilsonInterval(0, 5)[1], 12); // about 0.434
    expect(zero.interval[1]).toBeGreaterThan(0.4);
    const one = pass1WithInterval(problems([8, 8, 8]));
    expect(one.interval[1]).toBe(1);
    expect(one.interval[0]).toBeCloseTo(wilsonInterval(3, 3)[0], 12);
  });

  it('the interval narrows as problems are added', () => {
    const small = pass1WithInterval(problems([8, 0, 4, 2]));
    const big = pass1WithInterval(problems(Array.from({ length: 40 }, (_, i) => [8, 0, 4, 2][i % 4]!)));
    expect(big.interval[1] - big.interval[0]).toBeLessThan(small.interval[1] - small.interval[0]);
  });
});
