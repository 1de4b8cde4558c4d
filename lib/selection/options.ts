import { z } from 'zod';
import { PassRateBandSchema } from './band';

/** How the "barely solvable" problems of a round are chosen from their pass-rate estimates. */
export const BandOptionsSchema = z
  .object({
    band: PassRateBandSchema.prefault({}),
    rankBy: z
      .enum(['learnability', 'target'])
      .default('learnability')
      .describe('order inside the band: p(1 - p), highest first, or closeness of p-hat to `target`'),
    target: z.number().min(0).max(1).optional().describe('rankBy target: the pass rate to be closest to (default: band middle)'),
    maxProblems: z.number().int().positive().optional().describe('cap on the problems selected in all'),
    perLevelMax: z.number().int().positive().optional().describe('cap on the problems selected from one level'),
    perLevelMaxFraction: z
      .number()
      .gt(0)
      .max(1)
      .optional()
      .describe('cap per level as a fraction of maxProblems (or of the in-band count when there is no maxProblems)'),
  })
  .refine((o) => o.rankBy !== 'target' || o.target === undefined || (o.target >= o.band.min && o.target <= o.band.max), {
    message: 'target must lie inside the band',
    path: ['target'],
  });

export type BandOptions = z.infer<typeof BandOptionsSchema>;
export type BandOptionsInput = z.input<typeof BandOptionsSchema>;
