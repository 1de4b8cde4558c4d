import type { PairCounts } from './pairs';

/** What dataset-stats.json (and reports) keep of a round's pairing: the counts, per problem and by reason. */
export interface PairStats {
  method: 'dpo' | 'sft-then-dpo';
  pairs: number;
  problems: number;
  problemsWithPairs: number;
  /** Pairs per problem that gave at least one pair. */
  pairsPerProblem: number;
  /** Mean of (preferred chars - non-preferred chars), and of its absolute value. */
  meanLengthDiff: number;
  meanAbsLengthDiff: number;
  noPreferred: number;
  noNonPreferred: number;
  dropped: PairCounts['dropped'];
  /** False when fewer than `dataset.pairs.minPairs` pairs were made (no preference file, no DPO job). */
  written: boolean;
}

export function pairStats(method: PairStats['method'], c: PairCounts, written: boolean): PairStats {
  return {
    method,
    pairs: c.pairs,
    problems: c.problems,
    problemsWithPairs: c.problemsWithPairs,
    pairsPerProblem: c.problemsWithPairs > 0 ? c.pairs / c.problemsWithPairs : 0,
    meanLengthDiff: c.meanLengthDiff,
    meanAbsLengthDiff: c.meanAbsLengthDiff,
    noPreferred: c.noPreferred,
    noNonPreferred: c.noNonPreferred,
    dropped: { ...c.dropped },
    written,
  };
}
