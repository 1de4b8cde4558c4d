import {
  betaBinomialPmf,
  createEstimator,
  EstimationOptionsSchema,
  estimatePassRate,
  wilsonInterval,
  type EstimationOptionsInput,
} from '../../../lib/estimation';
import { isInBand } from '../../../lib/selection/band';
import { mulberry32 } from '../../../lib/random';

const rng = mulberry32;

/** Runs an estimator over a fixed outcome stream; returns samples used and the band decision on p-hat. */
function runStream(stream: boolean[], opts: EstimationOptionsInput) {
  const est = createEstimator(opts);
  let n = 0;
  let s = 0;
  for (let size = est.nextBatchSize({ successes: s, samples: n }); size > 0; size = est.nextBatchSize({ successes: s, samples: n })) {
    for (let j = 0; j < size; j++) if (stream[n + j]) s++;
    n += size;
  }
  const decision = est.decide({ successes: s, samples: n });
  return { n, s, inBand: isInBand(s / n, est.options.band), reason: decision.stop ? decision.reason : undefined };
}

describe('EstimationOptionsSchema', () => {
  it('fills the defaults', () => {
    const o = EstimationOptionsSchema.parse({});
    expect(o).toMatchObject({ mode: 'fixed', k: 20, batchSize: 5, eps: 0.01, band: { min: 0.05, max: 0.5 } });
    expect(o.prior.a).toBeGreaterThan(0);
  });

  it('names the field of a band with min > max', () => {
    const r = EstimationOptionsSchema.safeParse({ band: { min: 0.6, max: 0.2 } });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.path).toEqual(['band', 'min']);
    expect(r.error!.issues[0]!.message).toMatch(/min must be <= band max/);
  });

  it('rejects an unknown mode and a non-integer k', () => {
    expect(EstimationOptionsSchema.safeParse({ mode: 'guess' }).success).toBe(false);
    expect(EstimationOptionsSchema.safeParse({ k: 2.5 }).success).toBe(false);
  });
});

describe('wilsonInterval', () => {
  it('matches known values', () => {
    const [lo, hi] = wilsonInterval(10, 20);
    expect(lo).toBeCloseTo(0.2993, 3);
    expect(hi).toBeCloseTo(0.7007, 3);
    const [lo0, hi0] = wilsonInterval(0, 20);
    expect(lo0).toBe(0);
    expect(hi0).toBeCloseTo(0.1611, 3);
    expect(wilsonInterval(0, 0)).toEqual([0, 1]);
  });
});

describe('betaBinomialPmf', () => {
  it('is uniform under a Beta(1,1) posterior and sums to one otherwise', () => {
    for (const p of betaBinomialPmf(7, 1, 1)) expect(p).toBeCloseTo(1 / 8, 10);
    const sum = betaBinomialPmf(15, 0.3, 4.2).reduce((a, b) => a + b, 0);
    expect(sum).toBeCloseTo(1, 10);
  });
});

describe('fixed mode', () => {
  it('draws k samples in batches, then stops with fixed-k', () => {
    const est = createEstimator({ mode: 'fixed', k: 20, batchSize: 6 });
    expect(est.nextBatchSize({ successes: 0, samples: 0 })).toBe(6);
    expect(est.nextBatchSize({ successes: 0, samples: 18 })).toBe(2);
    expect(est.nextBatchSize({ successes: 0, samples: 20 })).toBe(0);
    expect(est.decide({ successes: 3, samples: 20 })).toEqual({ stop: true, reason: 'fixed-k' });
    const e = est.estimate(3, 20, 'fixed-k');
    expect(e).toMatchObject({ pHat: 0.15, samples: 20, successes: 3, stopReason: 'fixed-k' });
  });

  it('rejects an impossible state', () => {
    expect(() => createEstimator().decide({ successes: 5, samples: 3 })).toThrow(/impossible/);
  });
});

describe('curtail mode', () => {
  it('agrees with the fixed rule on every possible stream (k = 10, exhaustive)', () => {
    const band = { min: 0.1, max: 0.5 };
    for (const batchSize of [1, 3]) {
      for (let bits = 0; bits < 1 << 10; bits++) {
        const stream = Array.from({ length: 10 }, (_, i) => ((bits >> i) & 1) === 1);
        const fixed = runStream(stream, { mode: 'fixed', k: 10, band });
        const cur = runStream(stream, { mode: 'curtail', k: 10, band, batchSize });
        expect(cur.inBand).toBe(fixed.inBand);
        expect(cur.n).toBeLessThanOrEqual(10);
      }
    }
  });

  it('stops out as soon as too many successes, and in when the rest cannot push it out', () => {
    const est = createEstimator({ mode: 'curtail', k: 20, batchSize: 1 });
    expect(est.decide({ successes: 11, samples: 11 })).toEqual({ stop: true, reason: 'curtailed-out' });
    expect(est.decide({ successes: 10, samples: 10 })).toMatchObject({ stop: false });
    // 2 successes in 12: at most 2 + 8 = 10 of 20 = 0.5, still in band whatever comes.
    expect(est.decide({ successes: 2, samples: 12 })).toEqual({ stop: true, reason: 'curtailed-in' });
    // Never solved: one success in the last sample would put it in band, so all 20 are needed.
    expect(est.decide({ successes: 0, samples: 19 })).toMatchObject({ stop: false });
    expect(est.decide({ successes: 0, samples: 20 })).toEqual({ stop: true, reason: 'cap' });
  });
});

describe('bayes mode', () => {
  it('saves samples and rarely disagrees with the fixed rule on simulated problems', () => {
    const rand = rng(42);
    const N = 4000;
    let samples = 0;
    let disagree = 0;
    let fixedIn = 0;
    let dropped = 0;
    for (let i = 0; i < N; i++) {
      const u = rand();
      const p = u < 0.35 ? 0 : u < 0.55 ? 1 : rand();
      const stream = Array.from({ length: 20 }, () => rand() < p);
      const fixed = runStream(stream, { mode: 'fixed' });
      const bayes = runStream(stream, { mode: 'bayes' });
      samples += bayes.n;
      if (fixed.inBand) fixedIn++;
      if (bayes.inBand !== fixed.inBand) disagree++;
      if (fixed.inBand && !bayes.inBand) dropped++;
    }
    expect(samples / N / 20).toBeLessThan(0.8);
    expect(disagree / N).toBeLessThanOrEqual(0.01);
    expect(dropped / fixedIn).toBeLessThanOrEqual(0.015);
  });

  it('stops early on runs of successes, on failures with a sceptical prior, with p-hat consistent with the reason', () => {
    const est = createEstimator({ mode: 'bayes' });
    // 10 of 10: only 10 failures in a row could keep it in band at k = 20 (curtailment alone needs 11).
    expect(est.decide({ successes: 10, samples: 10 })).toEqual({ stop: true, reason: 'posterior-out' });
    // With the default prior a never-solved problem is sampled to k (one late success would put it in band) ...
    expect(est.decide({ successes: 0, samples: 15 })).toMatchObject({ stop: false });
    // ... with a prior that expects more never-solved problems it stops early.
    const sceptical = createEstimator({ mode: 'bayes', prior: { a: 0.005, b: 0.05 } });
    expect(sceptical.decide({ successes: 0, samples: 15 })).toEqual({ stop: true, reason: 'posterior-out' });
    const mid = est.decide({ successes: 3, samples: 10 });
    if (mid.stop) expect(mid.reason).toBe('posterior-in');
    // Never stops "in" when p-hat is outside the band.
    for (let n = 1; n < 20; n++) {
      for (let s = 0; s <= n; s++) {
        const dec = est.decide({ successes: s, samples: n });
        if (dec.stop && (dec.reason === 'posterior-in' || dec.reason === 'curtailed-in')) expect(isInBand(s / n, est.options.band)).toBe(true);
        if (dec.stop && (dec.reason === 'posterior-out' || dec.reason === 'curtailed-out')) expect(isInBand(s / n, est.options.band)).toBe(false);
      }
    }
  });
});

describe('estimatePassRate', () => {
  const stream = [false, true, false, false, true, false, false, false, false, true, false, false, false, false, false, false, false, false, false, false];

  function drawer(calls: [number, number][]) {
    return async (start: number, count: number) => {
      calls.push([start, count]);
      return stream.slice(start, start + count);
    };
  }

  it('draws batches until the rule stops', async () => {
    const calls: [number, number][] = [];
    const e = await estimatePassRate(drawer(calls), { mode: 'fixed', batchSize: 8 });
    expect(calls).toEqual([
      [0, 8],
      [8, 8],
      [16, 4],
    ]);
    expect(e).toMatchObject({ successes: 3, samples: 20, pHat: 0.15, stopReason: 'fixed-k' });
  });

  it('resumes from samples already done and reaches the same estimate', async () => {
    const calls: [number, number][] = [];
    const full = await estimatePassRate(drawer([]), { mode: 'curtail' });
    const resumed = await estimatePassRate(drawer(calls), { mode: 'curtail' }, stream.slice(0, 7));
    expect(calls[0]).toEqual([7, 3]);
    expect(resumed).toEqual(full);
    expect(full.stopReason).toBe('curtailed-in');
  });

  it('uses only the first k samples already done', async () => {
    const calls: [number, number][] = [];
    const e = await estimatePassRate(drawer(calls), { mode: 'fixed', k: 10 }, stream);
    expect(calls).toEqual([]);
    expect(e).toMatchObject({ samples: 10, successes: 3 });
  });

  it('fails when a batch comes back short', async () => {
    await expect(estimatePassRate(async () => [true], { batchSize: 4 })).rejects.toThrow(/returned 1 results, expected 4/);
  });
});
