import type { Problem } from '../curriculum/types';
import type { PassRateEstimate } from '../estimation/estimator';
import { UserError } from '../errors';
import { bandSide } from './band';
import { BandOptionsSchema, type BandOptions, type BandOptionsInput } from './options';

export interface EstimatedProblem {
  problem: Problem;
  estimate: PassRateEstimate;
}

export interface SelectedProblem extends EstimatedProblem {
  /** The ranking score: p(1 - p) for learnability, -|p - target| for target. Higher is better. */
  score: number;
}

export interface LevelBandCounts {
  levelIndex: number;
  levelId: string;
  /** Estimated problems that may be trained on (held-out ones are not candidates). */
  candidates: number;
  heldOut: number;
  below: number;
  inBand: number;
  above: number;
  selected: number;
}

export interface BandSelection {
  options: BandOptions;
  /** In ranking order, best first. */
  selected: SelectedProblem[];
  /** One entry per level that had any item, by level index. */
  perLevel: LevelBandCounts[];
  totals: Omit<LevelBandCounts, 'levelIndex' | 'levelId'>;
}

/**
 * Keeps the problems whose p-hat lies in the band, best first, within the caps. Held-out problems are never
 * selected. Ties are broken by problem id, so the same estimates always give the same selection.
 */
export function selectBand(items: readonly EstimatedProblem[], input: BandOptionsInput = {}): BandSelection {
  const parsed = BandOptionsSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UserError(`band options: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  const options = parsed.data;
  const { band } = options;
  const target = options.target ?? (band.min + band.max) / 2;
  const score = (p: number) => (options.rankBy === 'learnability' ? p * (1 - p) : -Math.abs(p - target));

  const levels = new Map<number, LevelBandCounts>();
  const countsOf = (p: Problem) => {
    let c = levels.get(p.levelIndex);
    if (!c) {
      c = { levelIndex: p.levelIndex, levelId: p.levelId, candidates: 0, heldOut: 0, below: 0, inBand: 0, above: 0, selected: 0 };
      levels.set(p.levelIndex, c);
    }
    return c;
  };

  const inBand: SelectedProblem[] = [];
  const seen = new Set<string>();
  for (const item of items) {
    if (seen.has(item.problem.id)) throw new Error(`selectBand: problem ${item.problem.id} appears twice`);
    seen.add(item.problem.id);
    const c = countsOf(item.problem);
    if (item.problem.heldOut) {
      c.heldOut++;
      continue;
    }
    c.candidates++;
    const side = bandSide(item.estimate.pHat, band);
    if (side === 'below') c.below++;
    else if (side === 'above') c.above++;
    else {
      c.inBand++;
      inBand.push({ ...item, score: score(item.estimate.pHat) });
    }
  }

  inBand.sort((x, y) => y.score - x.score || (x.problem.id < y.problem.id ? -1 : x.problem.id > y.problem.id ? 1 : 0));

  const capBase = options.maxProblems ?? inBand.length;
  const perLevelCap = Math.min(
    options.perLevelMax ?? Infinity,
    options.perLevelMaxFraction !== undefined ? Math.max(1, Math.floor(options.perLevelMaxFraction * capBase)) : Infinity,
  );
  const selected: SelectedProblem[] = [];
  for (const item of inBand) {
    if (options.maxProblems !== undefined && selected.length >= options.maxProblems) break;
    const c = countsOf(item.problem);
    if (c.selected >= perLevelCap) continue;
    c.selected++;
    selected.push(item);
  }

  const perLevel = [...levels.values()].sort((a, b) => a.levelIndex - b.levelIndex);
  const totals = { candidates: 0, heldOut: 0, below: 0, inBand: 0, above: 0, selected: 0 };
  for (const c of perLevel) for (const key of Object.keys(totals) as (keyof typeof totals)[]) totals[key] += c[key];
  return { options, selected, perLevel, totals };
}
