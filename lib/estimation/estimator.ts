import { isInBand } from '../selection/band';
import { betaBinomialPmf } from './betaBinomial';
import { parseEstimationOptions, type EstimationOptions, type EstimationOptionsInput } from './options';
import { wilsonInterval } from './wilson';

export type EstimateStopReason = 'fixed-k' | 'curtailed-in' | 'curtailed-out' | 'posterior-in' | 'posterior-out' | 'cap';

export interface PassRateEstimate {
  pHat: number;
  /** Wilson 95% interval of the pass rate. */
  wilson: [number, number];
  samples: number;
  successes: number;
  stopReason: EstimateStopReason;
}

export interface EstimationState {
  successes: number;
  samples: number;
}

export type EstimationDecision = { stop: false; batchSize: number } | { stop: true; reason: EstimateStopReason };

export interface Estimator {
  readonly options: EstimationOptions;
  /** Whether to stop, and why; otherwise how many samples to draw next. */
  decide(state: EstimationState): EstimationDecision;
  /** How many samples to draw next; 0 means stop. */
  nextBatchSize(state: EstimationState): number;
  estimate(successes: number, samples: number, stopReason: EstimateStopReason): PassRateEstimate;
  /** The band decision the fixed rule makes on k samples with this many successes. */
  inBandAtK(successesAtK: number): boolean;
}

export function createEstimator(input: EstimationOptionsInput = {}): Estimator {
  const options = parseEstimationOptions(input);
  const { k, batchSize, mode, eps, prior, band } = options;
  // The fixed rule's decision for every possible final success count 0..k.
  const inBandAt = Array.from({ length: k + 1 }, (_, s) => isInBand(s / k, band));

  /** 'in' / 'out' when every reachable final count gives the same decision, else undefined. */
  function curtailed(s: number, n: number): 'in' | 'out' | undefined {
    const remaining = k - n;
    const first = inBandAt[s]!;
    for (let final = s + 1; final <= s + remaining; final++) if (inBandAt[final] !== first) return undefined;
    return first ? 'in' : 'out';
  }

  /** Posterior predictive probability that the fixed rule at k calls the problem in band. */
  function probabilityInBandAtK(s: number, n: number): number {
    const remaining = k - n;
    const pmf = betaBinomialPmf(remaining, prior.a + s, prior.b + (n - s));
    let p = 0;
    for (let j = 0; j <= remaining; j++) if (inBandAt[s + j]) p += pmf[j]!;
    return p;
  }

  function decide(state: EstimationState): EstimationDecision {
    const n = Math.min(state.samples, k);
    const s = Math.min(state.successes, n);
    if (state.successes < 0 || state.samples < 0 || state.successes > state.samples) {
      throw new RangeError(`estimation state is impossible: ${state.successes} successes in ${state.samples} samples`);
    }
    if (n >= k) return { stop: true, reason: mode === 'fixed' ? 'fixed-k' : 'cap' };
    // Batches end on multiples of batchSize and the rule is checked only there, so a run resumed from a
    // partial batch (a crash mid-batch) samples and stops exactly as an uninterrupted run would.
    const intoBatch = n % batchSize;
    const next = { stop: false as const, batchSize: Math.min(batchSize - intoBatch, k - n) };
    if (mode === 'fixed' || n === 0 || intoBatch !== 0) return next;
    const exact = curtailed(s, n);
    if (exact) return { stop: true, reason: exact === 'in' ? 'curtailed-in' : 'curtailed-out' };
    if (mode === 'curtail') return next;
    const pIn = probabilityInBandAtK(s, n);
    // Stop only when p-hat already agrees with the decision, so selection can rely on p-hat alone.
    const pHatIn = isInBand(s / n, band);
    if (pIn > 1 - eps && pHatIn) return { stop: true, reason: 'posterior-in' };
    if (pIn < eps && !pHatIn) return { stop: true, reason: 'posterior-out' };
    return next;
  }

  return {
    options,
    decide,
    nextBatchSize: (state) => {
      const d = decide(state);
      return d.stop ? 0 : d.batchSize;
    },
    estimate: (successes, samples, stopReason) => ({
      pHat: samples > 0 ? successes / samples : 0,
      wilson: wilsonInterval(successes, samples),
      samples,
      successes,
      stopReason,
    }),
    inBandAtK: (successesAtK) => inBandAt[successesAtK] ?? false,
  };
}
