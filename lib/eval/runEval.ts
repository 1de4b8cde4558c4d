/**
 * Runs an eval: every model on every set with every procedure, k samples per problem through the eval's
 * sample ledger (a re-run draws only what is missing), then one result row per (model, set, procedure) and per
 * level (sets of several levels) and skill (`bySkill`).
 */
import { createOpenAIChatProvider, completeChoices, type ChatProvider } from '../providers/chat';
import { gradeAnswer } from '../grading';
import { samplingParamsHash, type LedgerView } from '../ledger';
import type { Problem } from '../curriculum';
import type { GradeFn } from '../traces';
import type { LoadedEvalConfig, Procedure } from './evalConfig';
import { resultRow, type ProblemSamples, type ResultRow } from './metrics';
import type { ResolvedModel } from './resolveModels';
import { evalSamplingParams, sampleProblem, type SamplingSpec } from './sampleProblem';
import type { EvalSet } from './sets';

export interface EvalReport {
  name: string;
  /** k: samples per problem. */
  samples: number;
  models: { name: string; model: string; baseURL: string; campaign?: { name: string; round: number; modelId: string } }[];
  sets: { name: string; evalOnly: boolean; answerType: string; levels: { id: string; problems: number }[] }[];
  results: ResultRow[];
  /** Samples drawn by this run (0 on a re-run of a finished eval). */
  drawn: number;
}

export interface RunEvalOptions {
  ledger: LedgerView;
  /** Progress lines (stderr in the CLI). */
  progress?: (line: string) => void;
}

/** The client of a model on an endpoint of its own (an eval's models, a campaign's endpoint references). */
export function evalChatClient(m: { baseURL: string; apiKeyEnv?: string; concurrency: number; requestsPerMinute?: number; tokensPerMinute?: number }): ChatProvider {
  const client = createOpenAIChatProvider({
    baseURL: m.baseURL,
    apiKeyEnv: m.apiKeyEnv,
    concurrency: m.concurrency,
    requestsPerMinute: m.requestsPerMinute,
    tokensPerMinute: m.tokensPerMinute,
  });
  return completeChoices(client, { singleSampleRequests: false, label: m.baseURL });
}

/** At most `width` problems in flight; results in input order. */
async function mapLanes<T, R>(items: readonly T[], width: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(width, items.length)) }, lane));
  return out;
}

export async function runEval(config: LoadedEvalConfig, models: readonly ResolvedModel[], sets: readonly EvalSet[], opts: RunEvalOptions): Promise<EvalReport> {
  const progress = opts.progress ?? (() => undefined);
  const k = config.samples;
  const verifier = config.multiTurn.verifier;
  const results: ResultRow[] = [];
  let drawnTotal = 0;
  for (const model of models) {
    const provider = evalChatClient(model);
    // The verifier runs on its own endpoint where it names one, else on the evaluated model's.
    const verifierProvider = verifier?.baseURL ? evalChatClient({ baseURL: verifier.baseURL, apiKeyEnv: verifier.apiKeyEnv, concurrency: model.concurrency }) : provider;
    for (const set of sets) {
      const answerType = set.curriculum.answerType;
      const grade: GradeFn = (completion, gold) => gradeAnswer(completion, gold, answerType);
      const problems: Problem[] = set.levels.flatMap((l) => l.problems);
      for (const procedure of set.procedures) {
        const spec = samplingSpec(config, model, set.name, procedure, verifierProvider);
        const paramsHash = samplingParamsHash(evalSamplingParams(spec));
        let done = 0;
        let drawn = 0;
        let lastLine = 0;
        const samples = await mapLanes(problems, model.concurrency, async (problem) => {
          const r = await sampleProblem(opts.ledger, provider, problem, spec, paramsHash, grade);
          done++;
          drawn += r.drawn;
          if (Date.now() - lastLine > 2000 || done === problems.length) {
            lastLine = Date.now();
            progress(`${model.name} on ${set.name} (${procedure}): ${done}/${problems.length} problems, ${drawn} samples drawn`);
          }
          return r.samples;
        });
        drawnTotal += drawn;
        results.push(...rowsOf({ model: model.name, set: set.name, procedure }, set, samples, k, model));
      }
    }
  }
  return {
    name: config.name,
    samples: k,
    models: models.map((m) => ({ name: m.name, model: m.model, baseURL: m.baseURL, ...(m.campaign ? { campaign: m.campaign } : {}) })),
    sets: sets.map((s) => ({
      name: s.name,
      evalOnly: s.curriculum.evalOnly === true,
      answerType: s.curriculum.answerType,
      levels: s.levels.map((l) => ({ id: l.id, problems: l.problems.length })),
    })),
    results,
    drawn: drawnTotal,
  };
}

function samplingSpec(config: LoadedEvalConfig, model: ResolvedModel, set: string, procedure: Procedure, verifierProvider: ChatProvider): SamplingSpec {
  const mt = config.multiTurn;
  return {
    name: model.name,
    model: model.model,
    set,
    procedure,
    k: config.samples,
    trace: {
      temperature: config.temperature,
      maxTokens: config.maxTokens,
      seed: config.seed,
      ...(procedure === 'multi-turn'
        ? { maxTurns: mt.maxTurns, finalCheckEvery: mt.finalCheckEvery, verifyEvery: mt.verifyEvery, ...(mt.verifier ? { verifier: { model: mt.verifier.model } } : {}) }
        : {}),
    },
    verifierProvider: procedure === 'multi-turn' ? verifierProvider : undefined,
  };
}

/** The set's row, then one per level (sets of several levels) and per skill (`bySkill`). */
function rowsOf(
  head: { model: string; set: string; procedure: string },
  set: EvalSet,
  samples: readonly ProblemSamples[],
  k: number,
  model: ResolvedModel,
): ResultRow[] {
  const at = set.curriculum.answerType;
  const rows = [resultRow(head, samples, k, at, model.price)];
  if (set.levels.length > 1)
    for (const level of set.levels) {
      const of = samples.filter((s) => s.levelId === level.id);
      if (of.length) rows.push(resultRow({ ...head, level: level.id }, of, k, at, model.price));
    }
  if (set.bySkill)
    for (const skill of [...new Set(samples.map((s) => s.skill))].sort())
      rows.push(resultRow({ ...head, skill }, samples.filter((s) => s.skill === skill), k, at, model.price));
  return rows;
}
