import { z } from 'zod';

/**
 * The "barely solvable" band on the estimated pass rate p-hat. Estimation (which stops sampling once the
 * decision is known) and selection (which keeps the problems inside) must use the same band, so both
 * read it from here.
 */
export const PassRateBandSchema = z
  .object({
    min: z.number().min(0).max(1).default(0.05).describe('lowest p-hat kept (inclusive)'),
    max: z.number().min(0).max(1).default(0.5).describe('highest p-hat kept (inclusive)'),
  })
  .refine((b) => b.min <= b.max, { message: 'band min must be <= band max', path: ['min'] });

export type PassRateBand = z.infer<typeof PassRateBandSchema>;

export const DEFAULT_BAND: PassRateBand = { min: 0.05, max: 0.5 };

// p-hat is a ratio of small integers; a tiny tolerance keeps 1/20 = 0.05 inside a band that starts at 0.05.
const EPS = 1e-12;

export function isInBand(pHat: number, band: PassRateBand): boolean {
  return pHat >= band.min - EPS && pHat <= band.max + EPS;
}

export type BandSide = 'below' | 'in' | 'above';

export function bandSide(pHat: number, band: PassRateBand): BandSide {
  if (pHat < band.min - EPS) return 'below';
  if (pHat > band.max + EPS) return 'above';
  return 'in';
}
