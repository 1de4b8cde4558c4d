/**
 * A campaign's final evaluation: its base model (round 0), its final model (at the end) and each reference
 * model of `evaluation.references`, on the held-out problems of EVERY level of the curriculum (the per-round
 * evaluation judges only up to the frontier's next level), with pass@1 and its interval, pass@k and maj@k.
 *
 * Samples go through the campaign's ledger under eval keys that name the model and its endpoint, not the stage:
 * the base model and the references evaluated at round 0 are read back, not drawn again, at the end, and a
 * retried or resumed evaluation pays only for what is missing.
 */
import type { Curriculum, Problem } from '../curriculum';
import type { Price } from '../budget/cost';
import { gradeAnswer } from '../grading';
import { samplingParamsHash, type LedgerView } from '../ledger';
import type { ChatProvider } from '../providers/chat';
import type { GradeFn } from '../traces';
import { resultRow, type ProblemSamples, type ResultRow } from './metrics';
import { evalSamplingParams, sampleProblem, type SamplingSpec } from './sampleProblem';

/** `base`: at round 0 (the base model and the references); `final`: at the end (base, final model, references). */
export type FinalStage = 'base' | 'final';

/** Where a stage's evaluation is kept in the run store. */
export function finalEvaluationPath(campaign: string, stage: FinalStage): string {
  return `${campaign}/evaluation-${stage}.json`;
}

export type ModelRole = 'base' | 'final' | 'reference';

export interface FinalEvaluation {
  campaign: string;
  stage: FinalStage;
  /** k: samples per problem and model. */
  k: number;
  /** The curriculum (the set rows name). */
  set: string;
  procedure: 'single-turn';
  levels: { index: number; id: string; problems: number }[];
  /** In the order evaluated; `drawn`: samples this evaluation drew (0 for what the ledger already held). */
  models: { name: string; role: ModelRole; model: string; drawn: number }[];
  /** Per model: one row over every level (no `level`), then one per level. */
  results: ResultRow[];
  drawn: number;
}

/** One model to evaluate: how it is shown, what requests name, which client reaches it. */
export interface ModelToEvaluate {
  /** Shown in tables: `base`, `final` or the reference's name. */
  name: string;
  role: ModelRole;
  /** The model id: requests name it (the client maps served names) and the sample keys hold it. */
  model: string;
  /**
   * Which endpoint serves it, in the sample keys (`provider:<name>`, `reference:<name>`): two endpoints serving
   * one id never share samples, while one model on one endpoint does at every stage.
   */
  endpoint: string;
  provider: ChatProvider;
  concurrency: number;
  price?: Price;
}

/** Runs `work` over items, at most `width` at once; the activity's version heartbeats (activities/sampling.ts). */
export type ForEach = <T, R>(items: readonly T[], width: number, work: (item: T, signal: AbortSignal) => Promise<R>) => Promise<R[]>;

export interface FinalEvaluationOptions {
  campaign: string;
  stage: FinalStage;
  curriculum: Curriculum;
  /** The held-out problems of every level (the same for every model and stage). */
  problems: readonly Problem[];
  models: readonly ModelToEvaluate[];
  k: number;
  sampling: { temperature: number; maxTokens: number; seed: number };
  ledger: LedgerView;
  forEach: ForEach;
  /** A client bound to the lane's abort signal (so a failed or cancelled evaluation sends no new request). */
  withSignal: (provider: ChatProvider, signal: AbortSignal) => ChatProvider;
}

export async function runFinalEvaluation(opts: FinalEvaluationOptions): Promise<FinalEvaluation> {
  const { curriculum, k } = opts;
  const answerType = curriculum.answerType;
  const grade: GradeFn = (completion, gold) => gradeAnswer(completion, gold, answerType);
  const levels = curriculum.levels
    .map((l) => ({ index: l.index, id: l.id, problems: opts.problems.filter((p) => p.levelIndex === l.index).length }))
    .filter((l) => l.problems > 0);
  const results: ResultRow[] = [];
  const models: FinalEvaluation['models'] = [];
  for (const m of opts.models) {
    const spec: SamplingSpec = { name: m.endpoint, model: m.model, set: curriculum.name, procedure: 'single-turn', k, trace: opts.sampling };
    const paramsHash = samplingParamsHash(evalSamplingParams(spec));
    let drawn = 0;
    const samples: ProblemSamples[] = await opts.forEach(opts.problems, m.concurrency, async (problem, signal) => {
      const r = await sampleProblem(opts.ledger, opts.withSignal(m.provider, signal), problem, spec, paramsHash, grade);
      drawn += r.drawn;
      return r.samples;
    });
    models.push({ name: m.name, role: m.role, model: m.model, drawn });
    const head = { model: m.name, set: curriculum.name, procedure: 'single-turn' };
    results.push(resultRow(head, samples, k, answerType, m.price));
    for (const level of levels) {
      const of = samples.filter((s) => s.levelId === level.id);
      if (of.length) results.push(resultRow({ ...head, level: level.id }, of, k, answerType, m.price));
    }
  }
  return {
    campaign: opts.campaign,
    stage: opts.stage,
    k,
    set: curriculum.name,
    procedure: 'single-turn',
    levels,
    models,
    results,
    drawn: models.reduce((s, m) => s + m.drawn, 0),
  };
}
