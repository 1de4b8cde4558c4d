import type { Evaluation, LevelEvaluation } from './types';

export interface PromotionInput {
  candidateEval: Evaluation | Record<number, LevelEvaluation>;
  parentEval: Evaluation | Record<number, LevelEvaluation>;
  /** The level the round trained for. */
  frontierLevel: number;
  /** Largest accuracy drop allowed on a lower level, e.g. 0.05. */
  tolerance: number;
  /** Smallest frontier gain that counts as better; default 0 (strictly better). */
  minGain?: number;
}

export interface PromotionDecision {
  promote: boolean;
  reason: string;
}

/**
 * The promotion rule: the candidate must be better than its parent on the frontier level, and lose no more
 * than `tolerance` accuracy on any lower level the parent was evaluated on. Otherwise the parent stays.
 */
export function decidePromotion(input: PromotionInput): PromotionDecision {
  const { frontierLevel, tolerance } = input;
  const minGain = input.minGain ?? 0;
  const candidate = input.candidateEval as Record<string, LevelEvaluation>;
  const parent = input.parentEval as Record<string, LevelEvaluation>;
  const at = (e: Record<string, LevelEvaluation>, level: number) => e[String(level)];

  const cFrontier = at(candidate, frontierLevel);
  if (!cFrontier) return { promote: false, reason: `candidate has no evaluation on frontier level ${frontierLevel}` };
  const pFrontier = at(parent, frontierLevel);
  const parentAcc = pFrontier?.accuracy ?? 0;
  const gain = cFrontier.accuracy - parentAcc;
  const frontierText = `level ${frontierLevel}: ${fmt(cFrontier.accuracy)} vs parent ${pFrontier ? fmt(parentAcc) : 'unevaluated (0)'}`;
  if (!(gain > minGain)) {
    return { promote: false, reason: `not better on the frontier (${frontierText}${minGain > 0 ? `, needs a gain above ${fmt(minGain)}` : ''})` };
  }

  const lower = Object.keys(parent)
    .map(Number)
    .filter((l) => Number.isInteger(l) && l < frontierLevel)
    .sort((a, b) => a - b);
  for (const level of lower) {
    const p = at(parent, level)!;
    const c = at(candidate, level);
    if (!c) return { promote: false, reason: `candidate has no evaluation on level ${level}, where the parent has ${fmt(p.accuracy)}` };
    // A small epsilon keeps 0.9 - 0.05 vs 0.85 from failing on floating-point noise.
    if (c.accuracy < p.accuracy - tolerance - 1e-9) {
      return {
        promote: false,
        reason: `regressed on level ${level}: ${fmt(c.accuracy)} vs parent ${fmt(p.accuracy)} (tolerance ${fmt(tolerance)}), although better on ${frontierText}`,
      };
    }
  }
  const kept = lower.length ? `; within ${fmt(tolerance)} of the parent on level${lower.length > 1 ? 's' : ''} ${lower.join(', ')}` : '';
  return { promote: true, reason: `better on the frontier (${frontierText})${kept}` };
}

function fmt(x: number): string {
  return (Math.round(x * 1000) / 1000).toString();
}
