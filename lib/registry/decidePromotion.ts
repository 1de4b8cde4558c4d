import { seededRandom } from '../curriculum/random';

/**
 * Promotion on paired evidence. Candidate and parent are evaluated on the same held-out problems; each
 * problem gives a pair of pass rates (correct / samples) and the per-problem difference d = candidate − parent.
 * For each judged level the decision uses the mean difference and a one-sided confidence bound on it from a
 * **paired bootstrap over problems** (problems are resampled with replacement, so the correlation between
 * the samples of one problem stays inside a resampled unit; the deviations are scaled by sqrt(m/(m−1)) so
 * the bootstrap spread matches the unbiased standard error at small m). Seeded, so a decision replays.
 *
 * - Frontier: promote only if the lower bound of the difference exceeds `minEffect` (a gain that is both
 *   real at the chosen confidence and large enough to matter).
 * - Every evaluated level below the frontier, judged the same way: the candidate regressed there when the
 *   upper bound of the difference is below 0 (it is worse at that confidence) and the estimate is below
 *   −`tolerance` (by more than the allowed drop).
 *
 * `npm run bench:promotion` measures the false-promotion rate (candidate = parent) and the power at a stated
 * margin for the defaults (see README.md, "Promotion").
 */

/** One held-out problem, evaluated for both models: pass rates in [0, 1]. */
export interface ProblemPair {
  problemId: string;
  level: number;
  candidate: number;
  parent: number;
}

export interface PromotionRule {
  /** Smallest frontier gain (in pass rate) the lower confidence bound must exceed (e.g. 0.02). */
  minEffect: number;
  /** Largest drop allowed on a lower level before a significant drop counts as a regression (e.g. 0.05). */
  tolerance: number;
  /** One-sided confidence of the bounds (e.g. 0.95). */
  confidence: number;
  /** Bootstrap resamples (e.g. 2000). */
  resamples: number;
  /** Seed text of the resampling (e.g. the candidate's id), so the same evidence gives the same decision. */
  seed: string;
}

/** The paired comparison on one level. */
export interface LevelComparison {
  level: number;
  /** Held-out problems evaluated for both models. */
  problems: number;
  /** Mean pass rates over those problems. */
  candidate: number;
  parent: number;
  /** Mean per-problem difference (candidate − parent) and its one-sided bounds at `confidence`. */
  estimate: number;
  lower: number;
  upper: number;
}

export interface PromotionEvidence {
  /** How the bounds were computed, in words (recorded with the decision). */
  test: string;
  confidence: number;
  minEffect: number;
  tolerance: number;
  frontier: LevelComparison;
  below: LevelComparison[];
}

export interface PromotionInput {
  pairs: readonly ProblemPair[];
  /** The level the round is judged on. */
  frontierLevel: number;
  rule: PromotionRule;
}

export interface PromotionDecision {
  promote: boolean;
  reason: string;
  evidence?: PromotionEvidence;
}

export const PROMOTION_TEST = 'paired bootstrap over held-out problems (per-problem pass-rate differences)';

/** Mean difference and one-sided bootstrap bounds over the given pairs. */
export function compareLevel(level: number, pairs: readonly ProblemPair[], rule: Pick<PromotionRule, 'confidence' | 'resamples' | 'seed'>): LevelComparison {
  const m = pairs.length;
  const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
  const d = pairs.map((p) => p.candidate - p.parent);
  const estimate = mean(d);
  const base = { level, problems: m, candidate: mean(pairs.map((p) => p.candidate)), parent: mean(pairs.map((p) => p.parent)), estimate };
  if (m < 2) return { ...base, lower: -1, upper: 1 }; // one problem or none: no evidence either way
  const scale = Math.sqrt(m / (m - 1));
  const dev = d.map((x) => estimate + (x - estimate) * scale);
  const rand = seededRandom(`promotion:${rule.seed}:${level}`);
  const means = new Float64Array(rule.resamples);
  for (let b = 0; b < rule.resamples; b++) {
    let s = 0;
    for (let i = 0; i < m; i++) s += dev[Math.floor(rand() * m)]!;
    means[b] = s / m;
  }
  means.sort();
  const alpha = 1 - rule.confidence;
  const q = (p: number) => means[Math.min(rule.resamples - 1, Math.max(0, Math.floor(p * rule.resamples)))]!;
  return { ...base, lower: q(alpha), upper: q(1 - alpha) };
}

/** The decision (see the module comment). Levels above the frontier are ignored. */
export function decidePromotion(input: PromotionInput): PromotionDecision {
  const { frontierLevel, rule } = input;
  const byLevel = new Map<number, ProblemPair[]>();
  for (const p of input.pairs) (byLevel.get(p.level) ?? byLevel.set(p.level, []).get(p.level)!).push(p);
  const frontierPairs = byLevel.get(frontierLevel) ?? [];
  if (frontierPairs.length === 0) return { promote: false, reason: `no held-out problem of frontier level ${frontierLevel} was evaluated for both models` };

  const frontier = compareLevel(frontierLevel, frontierPairs, rule);
  const below = [...byLevel.keys()]
    .filter((l) => l < frontierLevel)
    .sort((a, b) => a - b)
    .map((l) => compareLevel(l, byLevel.get(l)!, rule));
  const evidence: PromotionEvidence = {
    test: `${PROMOTION_TEST}, ${rule.resamples} resamples, one-sided ${fmt(rule.confidence)} bounds`,
    confidence: rule.confidence,
    minEffect: rule.minEffect,
    tolerance: rule.tolerance,
    frontier,
    below,
  };
  const frontierText = `level ${frontierLevel}: ${describe(frontier, rule.confidence)}`;
  if (!(frontier.lower > rule.minEffect)) {
    return { promote: false, reason: `no evidence of a gain above ${fmt(rule.minEffect)} on the frontier (${frontierText})`, evidence };
  }
  const regressed = below.find((c) => c.upper < 0 && c.estimate < -rule.tolerance - 1e-9);
  if (regressed) {
    return {
      promote: false,
      reason: `regressed on level ${regressed.level} (${describe(regressed, rule.confidence)}; tolerance ${fmt(rule.tolerance)}), although better on ${frontierText}`,
      evidence,
    };
  }
  const kept = below.length ? `; no regression beyond ${fmt(rule.tolerance)} on level${below.length > 1 ? 's' : ''} ${below.map((c) => c.level).join(', ')}` : '';
  return { promote: true, reason: `better on the frontier (${frontierText})${kept}`, evidence };
}

function describe(c: LevelComparison, confidence: number): string {
  return `${fmt(c.candidate)} vs parent ${fmt(c.parent)} on ${c.problems} problems, difference ${signed(c.estimate)} [${signed(c.lower)}, ${signed(c.upper)}] at ${fmt(confidence)}`;
}

function fmt(x: number): string {
  return (Math.round(x * 1000) / 1000).toString();
}

function signed(x: number): string {
  return `${x >= 0 ? '+' : ''}${fmt(x)}`;
}
