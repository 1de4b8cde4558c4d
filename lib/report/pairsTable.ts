import type { PairStats } from '../datasets/pairStats';

/**
 * Preference pairs per round and method, as rows for the `report` table and the HTML report: pairs made, pairs
 * per problem that gave any, the mean length difference within pairs (preferred minus non-preferred, in
 * characters; near 0 means the pairs do not just teach "be shorter"; `|length diff|` its absolute value) and
 * the drops by reason. `problems`: those with a pair / all seen.
 */
export const PAIR_COLUMNS = ['round', 'method', 'pairs', 'problems', 'per problem', 'length diff', '|length diff|', 'dropped'] as const;

export function pairRows(rounds: readonly { round: number; pairs?: PairStats }[]): string[][] {
  return rounds
    .filter((r) => r.pairs)
    .map(({ round, pairs: p }) => [
      String(round),
      p!.method,
      `${p!.pairs}${p!.written ? '' : ' (too few: no DPO job)'}`,
      `${p!.problemsWithPairs}/${p!.problems}`,
      p!.pairsPerProblem.toFixed(2),
      p!.meanLengthDiff.toFixed(0),
      p!.meanAbsLengthDiff.toFixed(0),
      Object.entries(p!.dropped)
        .filter(([, n]) => n > 0)
        .map(([why, n]) => `${why} ${n}`)
        .join(', '),
    ]);
}
