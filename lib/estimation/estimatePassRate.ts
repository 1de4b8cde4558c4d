import { createEstimator, type PassRateEstimate } from './estimator';
import type { EstimationOptionsInput } from './options';

/**
 * Draws `count` samples starting at sample index `startIndex` (the caller asks the API for `n = count`
 * choices and grades them) and says which ones were correct.
 */
export type DrawBatch = (startIndex: number, count: number) => Promise<boolean[]>;

/**
 * Estimates a problem's pass rate, batch by batch, until the estimator says stop. `alreadyDone` are the
 * graded samples a previous run recorded (from the ledger, in sample-index order): they are counted first and
 * never drawn again. Only the first k samples count, so a resumed run decides exactly as an uninterrupted one.
 */
export async function estimatePassRate(
  drawBatch: DrawBatch,
  opts: EstimationOptionsInput = {},
  alreadyDone: readonly boolean[] = [],
): Promise<PassRateEstimate> {
  const estimator = createEstimator(opts);
  const results = alreadyDone.slice(0, estimator.options.k);
  let successes = results.filter(Boolean).length;
  for (;;) {
    const decision = estimator.decide({ successes, samples: results.length });
    if (decision.stop) return estimator.estimate(successes, results.length, decision.reason);
    const batch = await drawBatch(results.length, decision.batchSize);
    if (batch.length !== decision.batchSize) {
      throw new Error(`drawBatch(${results.length}, ${decision.batchSize}) returned ${batch.length} results, expected ${decision.batchSize}`);
    }
    for (const ok of batch) {
      results.push(ok);
      if (ok) successes++;
    }
  }
}
