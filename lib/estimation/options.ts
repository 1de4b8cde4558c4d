import { z } from 'zod';
import { PassRateBandSchema } from '../selection/band';

/**
 * How a problem's pass rate is estimated. One schema is the source of truth: the campaign config embeds it,
 * docs and defaults come from it.
 *
 * - `fixed`:   k samples, always (the proposal's rule, k = 20).
 * - `curtail`: exact curtailment of the fixed rule: stop as soon as the in-band decision at k cannot change
 *              whatever the remaining samples give. Same decision as `fixed`, always.
 * - `bayes`:   Beta(a, b) prior on the pass rate; stop when the posterior probability that the fixed rule at k
 *              would call the problem in band is below eps or above 1 - eps. Capped at k.
 */
export const EstimationModeSchema = z.enum(['fixed', 'curtail', 'bayes']);
export type EstimationMode = z.infer<typeof EstimationModeSchema>;

export const BetaPriorSchema = z.object({
  a: z.number().positive().describe('Beta prior successes (pseudo-count)'),
  b: z.number().positive().describe('Beta prior failures (pseudo-count)'),
});

/**
 * Default prior (with batchSize 5, eps 0.01), tuned with `npm run bench:estimation` on 20,000 problems:
 * 35% never solved, 20% always solved, 45% uniform. U-shaped, as real frontier problem sets are. Measured:
 * 0.71x the samples of k = 20, 99.9% agreement with the fixed rule, 0.4% of in-band problems dropped.
 * A more sceptical prior (a = 0.02) also stops never-solved problems early (0.6x) but drops 3.6%.
 */
export const DEFAULT_PRIOR = { a: 0.05, b: 0.05 };

export const EstimationOptionsSchema = z.object({
  mode: EstimationModeSchema.default('fixed'),
  k: z.number().int().min(1).max(1000).default(20).describe('samples of the fixed rule, and the cap of adaptive modes'),
  batchSize: z.number().int().min(1).max(128).default(5).describe('samples drawn per request (the API `n`)'),
  eps: z.number().gt(0).lt(0.5).default(0.01).describe('bayes: stop when P(in band) < eps or > 1 - eps'),
  prior: BetaPriorSchema.default(DEFAULT_PRIOR),
  band: PassRateBandSchema.prefault({}),
});

export type EstimationOptions = z.infer<typeof EstimationOptionsSchema>;
/** What callers may pass: every field optional, defaults filled by the schema. */
export type EstimationOptionsInput = z.input<typeof EstimationOptionsSchema>;

export function parseEstimationOptions(input: EstimationOptionsInput = {}): EstimationOptions {
  return EstimationOptionsSchema.parse(input);
}
