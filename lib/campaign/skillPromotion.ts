import { compareLevel, PROMOTION_TEST, type LevelComparison, type ProblemPair, type PromotionEvidence, type PromotionRule } from '../registry/decidePromotion';

/**
 * Promotion with a frontier per skill, on the same paired evidence as the single frontier
 * (lib/registry/decidePromotion.ts): the candidate is promoted when at least one skill it trained on gained
 * confidently on that skill's judged level (lower bound > minEffect) and no skill regressed on any of its
 * held-out levels up to its judged one (upper bound < 0 and a drop beyond `tolerance`), whether or not the
 * round trained on it: a skill already done or parked must not be paid for with another's gain.
 */

export interface SkillToJudge {
  skill: string;
  /** The level the skill is judged on (its frontier, or its next level when the parent masters the frontier). */
  judged: number;
  /** The round trained on this skill (a gain can only come from these). */
  trained: boolean;
}

export interface SkillVerdict {
  skill: string;
  judged: number;
  gain: boolean;
  /** The first level of this skill that regressed, if any. */
  regressed?: LevelComparison;
  evidence: PromotionEvidence;
}

export interface SkillPromotionDecision {
  promote: boolean;
  reason: string;
  skills: SkillVerdict[];
}

export function decideSkillPromotion(pairs: readonly ProblemPair[], skills: readonly SkillToJudge[], levelsOf: (skill: string) => readonly number[], rule: PromotionRule): SkillPromotionDecision {
  const byLevel = new Map<number, ProblemPair[]>();
  for (const p of pairs) (byLevel.get(p.level) ?? byLevel.set(p.level, []).get(p.level)!).push(p);
  const verdicts = skills.map((s): SkillVerdict => {
    const levels = levelsOf(s.skill).filter((l) => l <= s.judged && byLevel.has(l));
    const frontier = compareLevel(s.judged, byLevel.get(s.judged) ?? [], rule);
    const below = levels.filter((l) => l < s.judged).map((l) => compareLevel(l, byLevel.get(l)!, rule));
    const regressed = [...below, ...(byLevel.has(s.judged) ? [frontier] : [])].find((c) => c.upper < 0 && c.estimate < -rule.tolerance - 1e-9);
    const evidence: PromotionEvidence = {
      test: `${PROMOTION_TEST}, ${rule.resamples} resamples, one-sided ${rule.confidence} bounds`,
      confidence: rule.confidence,
      minEffect: rule.minEffect,
      tolerance: rule.tolerance,
      frontier,
      below,
    };
    return { skill: s.skill, judged: s.judged, gain: s.trained && frontier.problems > 0 && frontier.lower > rule.minEffect, ...(regressed ? { regressed } : {}), evidence };
  });
  const gains = verdicts.filter((v) => v.gain);
  const regressions = verdicts.filter((v) => v.regressed);
  const fmt = (c: LevelComparison) => `${c.estimate >= 0 ? '+' : ''}${c.estimate.toFixed(3)} [${c.lower.toFixed(3)}, ${c.upper.toFixed(3)}]`;
  const gainText = gains.map((v) => `${v.skill} level ${v.judged} ${fmt(v.evidence.frontier)}`).join(', ');
  if (regressions.length) {
    const r = regressions.map((v) => `${v.skill} level ${v.regressed!.level} ${fmt(v.regressed!)}`).join(', ');
    return { promote: false, reason: `regressed on ${r} (tolerance ${rule.tolerance})${gains.length ? `, although better on ${gainText}` : ''}`, skills: verdicts };
  }
  if (!gains.length) return { promote: false, reason: `no skill gained above ${rule.minEffect} on its judged level`, skills: verdicts };
  return { promote: true, reason: `better on ${gainText}; no skill regressed beyond ${rule.tolerance}`, skills: verdicts };
}
