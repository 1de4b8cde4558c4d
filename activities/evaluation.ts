import { levelAccuracy, type HeldOutProblemResult } from '../lib/campaign/roundDecision';
import { evaluatedLevels } from '../lib/campaign/skills';
import type { LevelAccuracy, RoundContext } from '../lib/campaign/types';
import { providerFor } from '../lib/config/load';
import type { Problem } from '../lib/curriculum/types';
import { seededRandom } from '../lib/curriculum/random';
import { shuffle } from '../lib/datasets/write';
import { withSignal } from '../lib/providers/chat';
import { ModelRegistry } from '../lib/registry';
import { roundDir } from '../lib/store';
import { activityLog, chatProvider, configOf, curriculumAt, grader, openLedger, runStore } from './deps';
import { levelsOfSkill, readSkillPlan } from './skills';
import { adoptedDetails, drawSamples, forEachWithProgress, recordedPrefix, sampleKeyBase, type SampleSpec } from './sampling';

export interface RoundEvaluation {
  /** The model this round trained, when it trained one. */
  candidate?: LevelAccuracy;
  /** The model the round started from. */
  parent: LevelAccuracy;
  /** Where the campaign started, for comparison in every round. */
  base: LevelAccuracy;
  /**
   * Per held-out problem, correct samples of each model out of `samples` (the same problems for every model):
   * the paired evidence promotion is decided on. Absent in evaluations recorded before it was kept.
   */
  perProblem?: HeldOutProblemResult[];
  /** The candidate these results are of (absent: the round trained none). */
  candidateModel?: string;
}

/** Where a round's held-out evaluation is kept for the decision and for reports. */
export function evaluationPath(campaign: string, round: number): string {
  return `${roundDir(campaign, round)}/evaluation.json`;
}

/**
 * Held-out problems of the levels a round is judged on: every level up to the one above the frontier. A level
 * with at most `perLevel` held-out problems gives all of them; a larger one a seeded draw of `perLevel` that
 * changes from round to round (never always the same first N), the same for every model of the round.
 */
export function heldOutProblems(levels: { index: number; problems: Problem[] }[], upTo: number | ReadonlySet<number>, perLevel: number, drawSeed: string): Problem[] {
  return levels
    .filter((l) => (typeof upTo === 'number' ? l.index <= upTo : upTo.has(l.index)))
    .flatMap((l) => {
      const held = l.problems.filter((p) => p.heldOut).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      if (held.length <= perLevel) return held;
      return shuffle(held, seededRandom(`heldout:${drawSeed}:${l.index}`))
        .slice(0, perLevel)
        .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    });
}

/**
 * Pass rates on held-out problems, per problem and per level, for the candidate, its parent and the base
 * model, on the same problems. Samples go through the ledger, so a model is never evaluated twice on the
 * same problem and settings.
 */
export async function evaluateModels({ ctx, candidate }: { ctx: RoundContext; candidate?: string }): Promise<{ problems: number; adoptedStored?: number }> {
  const config = await configOf(ctx);
  const curriculum = await curriculumAt(config.curriculumPath);
  const ev = config.evaluation;
  // Per-skill mode: every skill's held-out levels up to the one above its frontier (a done skill: all of them).
  const plan = await readSkillPlan(ctx);
  const levelsOf = levelsOfSkill(curriculum);
  const upTo = plan ? new Set(plan.states.flatMap((s) => evaluatedLevels(levelsOf(s.skill), s))) : Math.min(ctx.frontier + 1, ctx.levelCount - 1);
  const problems = heldOutProblems(curriculum.levels, upTo, ev.maxHeldOutPerLevel, `${ctx.campaign}:r${ctx.round}`);
  const providerConfig = providerFor(config, 'student');
  const provider = chatProvider(providerConfig, ctx.served);
  const ledger = await openLedger(ctx.campaign, `eval-r${ctx.round}`, config.storage);
  const grade = grader(curriculum.answerType);

  const evaluate = async (model: string): Promise<{ acc: LevelAccuracy; correct: Map<string, number> }> => {
    const spec: SampleSpec = {
      purpose: 'eval',
      style: 'cot',
      model,
      trace: { temperature: ev.temperature, maxTokens: config.estimation.maxTokens, seed: 0 },
    };
    const perProblem = await forEachWithProgress(problems, providerConfig.concurrency, async (problem, signal) => {
      const have = await recordedPrefix(ledger, sampleKeyBase(spec, problem.id), ev.samplesPerProblem);
      const fresh = have.length < ev.samplesPerProblem ? await drawSamples(ledger, withSignal(provider, signal), problem, spec, grade, have.length, ev.samplesPerProblem - have.length) : [];
      return { id: problem.id, level: problem.levelIndex, correct: [...have, ...fresh].filter((t) => t.grade.correct).length };
    }, adoptedDetails(provider));
    const acc = levelAccuracy(perProblem.map((p) => ({ ...p, samples: ev.samplesPerProblem })));
    return { acc, correct: new Map(perProblem.map((p) => [p.id, p.correct])) };
  };

  const registry = await ModelRegistry.load(runStore(), ctx.campaign);
  const parent = await evaluate(ctx.model);
  const base = await evaluate(ctx.baseModel);
  const cand = candidate ? await evaluate(candidate) : undefined;
  const result: RoundEvaluation = {
    parent: parent.acc,
    base: base.acc,
    perProblem: problems.map((p) => ({
      problemId: p.id,
      level: p.levelIndex,
      samples: ev.samplesPerProblem,
      parent: parent.correct.get(p.id) ?? 0,
      base: base.correct.get(p.id) ?? 0,
      ...(cand ? { candidate: cand.correct.get(p.id) ?? 0 } : {}),
    })),
  };
  await registry.setEvaluation(ctx.model, result.parent);
  await registry.setEvaluation(ctx.baseModel, result.base);
  if (candidate && cand) {
    result.candidate = cand.acc;
    result.candidateModel = candidate;
    await registry.setEvaluation(candidate, result.candidate);
  }
  await runStore().writeJsonAtomic(evaluationPath(ctx.campaign, ctx.round), result);
  const adoptedStored = provider.adopted();
  if (adoptedStored > 0) activityLog(ctx, 'evaluate').info({ problems: problems.length, adoptedStored }, 'held-out evaluation: answers adopted from stored completions');
  return { problems: problems.length, ...(adoptedStored > 0 ? { adoptedStored } : {}) };
}
