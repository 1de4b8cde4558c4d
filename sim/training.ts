import type { AnswerType } from '../lib/curriculum/types';
import type { SimConfig } from './config';
import type { ProblemIndex } from './problems';
import { abilityFor, effectiveDifficulty, type Abilities } from './students';
import type { TrainingExample } from './trainingFile';
import { boxedIsCorrect } from './answers';

/**
 * The learning dynamics of a fine-tuning job (documented in sim/README.md). Per skill s with ability a:
 *   evidence(s) = sum over correct examples of bump(d - a) * 1/(1 + r)
 *       bump(x) = exp(-(x - peakOffset)^2 / (2 bumpWidth^2)), d = the problem's difficulty, r = earlier repeats
 *   wrong(s)    = sum over wrong examples of 1/(1 + r)
 *   a' = a + maxGainPerJob * (1 - exp(-evidence * lr / saturation)) - wrongPenalty * wrong
 * Skills absent from the data (and the default ability) lose `forgetting`.
 */

export interface Hyperparameters {
  /** learning_rate_multiplier; 'auto' = 1. */
  learningRateMultiplier?: number | 'auto';
  /** n_epochs; 'auto' = 3. */
  nEpochs?: number | 'auto';
}

export interface SkillReport {
  correct: number;
  wrong: number;
  evidence: number;
  before: number;
  after: number;
}

export interface TrainingReport {
  child: Abilities;
  skills: Record<string, SkillReport>;
  /** Examples whose problem the sim does not know (they teach nothing). */
  unknown: number;
}

export type AnswerChecker = (text: string, gold: string, answerType: AnswerType) => boolean;

export function bump(x: number, cfg: SimConfig): number {
  const z = (x - cfg.training.peakOffset) / cfg.training.bumpWidth;
  return Math.exp(-0.5 * z * z);
}

/**
 * How a job learns from its examples: SFT (the default) counts each correct example as evidence 1 and each wrong
 * one as a penalty. DPO (the examples are the pairs' preferred outputs) weighs evidence by
 * `training.preferenceWeight`, never penalises (the rejected output is what is pushed down), and every skill
 * in the file loses `drift` (`training.dpoDrift` for a DPO job whose parent no SFT job trained: no SFT term).
 */
export interface Learning {
  evidenceWeight: number;
  penaliseWrong: boolean;
  drift: number;
}

const SFT: Learning = { evidenceWeight: 1, penaliseWrong: true, drift: 0 };

export function trainAbilities(
  parent: Abilities,
  examples: readonly TrainingExample[],
  problems: ProblemIndex,
  cfg: SimConfig,
  hyper: Hyperparameters = {},
  isCorrect: AnswerChecker = boxedIsCorrect,
  learning: Learning = SFT,
): TrainingReport {
  const lr = typeof hyper.learningRateMultiplier === 'number' ? hyper.learningRateMultiplier : 1;
  const epochs = typeof hyper.nEpochs === 'number' ? hyper.nEpochs : 3;
  const epochFactor = Math.min(2, Math.max(1 / 3, epochs / 3));
  const repeats = new Map<string, number>();
  const skills: Record<string, SkillReport> = {};
  let unknown = 0;

  for (const ex of examples) {
    const firstUser = ex.messages.find((m) => m.role === 'user');
    const problem = firstUser ? problems.fromUserText(firstUser.content) : undefined;
    if (!problem) {
      unknown++;
      continue;
    }
    const taught = ex.messages
      .filter((m) => m.role === 'assistant' && m.weight !== 0)
      .map((m) => m.content)
      .join('\n');
    const r = repeats.get(problem.id) ?? 0;
    repeats.set(problem.id, r + 1);
    const before = abilityFor(parent, problem.skill);
    const s = (skills[problem.skill] ??= { correct: 0, wrong: 0, evidence: 0, before, after: before });
    const diminishing = 1 / (1 + r);
    if (isCorrect(taught, problem.answer, problems.answerType(problem.id))) {
      s.correct++;
      s.evidence += bump(effectiveDifficulty(problem, cfg) - before, cfg) * diminishing * learning.evidenceWeight;
    } else if (learning.penaliseWrong) {
      s.wrong += diminishing;
    }
  }

  const t = cfg.training;
  const abilities: Record<string, number> = {};
  for (const [skill, a] of Object.entries(parent.abilities)) if (!(skill in skills)) abilities[skill] = a - t.forgetting;
  for (const [skill, s] of Object.entries(skills)) {
    const gain = t.maxGainPerJob * (1 - Math.exp((-s.evidence * lr * epochFactor) / t.saturation));
    s.after = s.before + gain - t.wrongPenalty * s.wrong - learning.drift;
    abilities[skill] = s.after;
  }
  return { child: { abilities, defaultAbility: parent.defaultAbility - t.forgetting }, skills, unknown };
}
