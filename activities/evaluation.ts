import type { LevelAccuracy, RoundInput } from '../lib/campaign/types';
import { providerFor } from '../lib/config/load';
import type { Problem } from '../lib/curriculum/types';
import { withSignal } from '../lib/providers/chat';
import { ModelRegistry } from '../lib/registry';
import { chatProvider, curriculumAt, grader, openLedger, runStore } from './deps';
import { drawSamples, forEachWithProgress, recordedPrefix, sampleKeyBase, type SampleSpec } from './sampling';

export interface RoundEvaluation {
  /** The model this round trained, when it trained one. */
  candidate?: LevelAccuracy;
  /** The model the round started from. */
  parent: LevelAccuracy;
  /** Where the campaign started, for comparison in every round. */
  base: LevelAccuracy;
}

/** Held-out problems of the levels a round is judged on: every level up to the one above the frontier. */
function heldOutProblems(levels: { index: number; problems: Problem[] }[], upTo: number, perLevel: number): Problem[] {
  return levels
    .filter((l) => l.index <= upTo)
    .flatMap((l) =>
      l.problems
        .filter((p) => p.heldOut)
        .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
        .slice(0, perLevel),
    );
}

/**
 * Accuracy on held-out problems per level, for the candidate, its parent and the base model. Samples go
 * through the ledger, so a model is never evaluated twice on the same problem and settings.
 */
export async function evaluateModels({ ctx, candidate }: { ctx: RoundInput; candidate?: string }): Promise<RoundEvaluation> {
  const curriculum = await curriculumAt(ctx.config.curriculumPath);
  const ev = ctx.config.evaluation;
  const upTo = Math.min(ctx.frontier + 1, ctx.levelCount - 1);
  const problems = heldOutProblems(curriculum.levels, upTo, ev.maxHeldOutPerLevel);
  const providerConfig = providerFor(ctx.config, 'student');
  const provider = chatProvider(providerConfig);
  const ledger = await openLedger(ctx.campaign, `eval-r${ctx.round}`);
  const grade = grader(curriculum.answerType);

  const evaluate = async (model: string): Promise<LevelAccuracy> => {
    const spec: SampleSpec = {
      purpose: 'eval',
      style: 'cot',
      model,
      trace: { temperature: ev.temperature, maxTokens: ctx.config.estimation.maxTokens, seed: 0 },
    };
    const perProblem = await forEachWithProgress(problems, providerConfig.concurrency, async (problem, signal) => {
      const have = recordedPrefix(ledger, sampleKeyBase(spec, problem.id), ev.samplesPerProblem);
      const fresh = have.length < ev.samplesPerProblem ? await drawSamples(ledger, withSignal(provider, signal), problem, spec, grade, have.length, ev.samplesPerProblem - have.length) : [];
      return { level: problem.levelIndex, correct: [...have, ...fresh].filter((t) => t.grade.correct).length };
    });
    const acc: LevelAccuracy = {};
    for (const { level, correct } of perProblem) {
      const e = (acc[level] ??= { accuracy: 0, correct: 0, n: 0 });
      e.correct += correct;
      e.n += ev.samplesPerProblem;
    }
    for (const e of Object.values(acc)) e.accuracy = e.n ? e.correct / e.n : 0;
    return acc;
  };

  const registry = await ModelRegistry.load(runStore(), ctx.campaign);
  const result: RoundEvaluation = { parent: await evaluate(ctx.model), base: await evaluate(ctx.baseModel) };
  await registry.setEvaluation(ctx.model, result.parent);
  await registry.setEvaluation(ctx.baseModel, result.base);
  if (candidate) {
    result.candidate = await evaluate(candidate);
    await registry.setEvaluation(candidate, result.candidate);
  }
  return result;
}
