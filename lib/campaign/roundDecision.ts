import type { ProblemPair } from '../registry/decidePromotion';
import type { LevelAccuracy } from './types';

/**
 * Pure rules of a round's decision, shared by the concluding activity, the CLI and tests: which level a
 * candidate is judged on, and the paired evidence promotion reads.
 */

/** Held-out results of a round, per problem: correct samples of each model out of `samples`. */
export interface HeldOutProblemResult {
  problemId: string;
  level: number;
  samples: number;
  parent: number;
  base: number;
  candidate?: number;
}

/**
 * The level the candidate is judged on: the frontier, unless the parent already masters it (both would sit at
 * the ceiling there), in which case the round trained mostly on the next level, and that is where it is judged.
 */
export function judgedLevel(parent: LevelAccuracy, frontier: number, levelCount: number, masteryThreshold: number): number {
  const parentAtFrontier = parent[frontier]?.accuracy ?? 0;
  return parentAtFrontier >= masteryThreshold && frontier + 1 < levelCount ? frontier + 1 : frontier;
}

/** Pass-rate pairs (candidate, parent) of the problems both models were evaluated on. */
export function promotionPairs(perProblem: readonly HeldOutProblemResult[]): ProblemPair[] {
  return perProblem
    .filter((p) => p.candidate !== undefined && p.samples > 0)
    .map((p) => ({ problemId: p.problemId, level: p.level, candidate: p.candidate! / p.samples, parent: p.parent / p.samples }));
}

/** Accuracy per level from per-problem results of one model. */
export function levelAccuracy(rows: readonly { level: number; correct: number; samples: number }[]): LevelAccuracy {
  const acc: LevelAccuracy = {};
  for (const { level, correct, samples } of rows) {
    const e = (acc[level] ??= { accuracy: 0, correct: 0, n: 0 });
    e.correct += correct;
    e.n += samples;
  }
  for (const e of Object.values(acc)) e.accuracy = e.n ? e.correct / e.n : 0;
  return acc;
}
