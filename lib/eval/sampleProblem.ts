/**
 * The k samples of one (model, set, procedure, problem), through the sample ledger: what the ledger holds is
 * read, only the missing indices are drawn (single-turn: one request per run of missing indices, with `n`;
 * multi-turn: one trace per index), and every drawn sample is recorded before it counts.
 */
import { lastBoxed } from '../curriculum/boxed';
import type { Problem } from '../curriculum';
import { samplingParamsHash, type LedgerView, type SampleKey, type SamplingParams } from '../ledger';
import type { ChatProvider } from '../providers/chat';
import { generateCotSample, generateTrace, PROMPTS_HASH, type GradeFn, type TraceOptionsInput, type TraceRecord } from '../traces';
import type { Procedure } from './evalConfig';
import type { ProblemSamples } from './metrics';

export interface SamplingSpec {
  /** The model's name in the eval (part of the key) and the id requests name. */
  name: string;
  model: string;
  set: string;
  procedure: Procedure;
  k: number;
  trace: Omit<TraceOptionsInput, 'model'>;
  verifierProvider?: ChatProvider;
}

/** Everything that changes what a sample is: the procedure and its prompt set's hash, the set, the sampling options. */
export function evalSamplingParams(spec: SamplingSpec): SamplingParams {
  const t = spec.trace;
  const common = { procedure: spec.procedure, set: spec.set, name: spec.name, temperature: t.temperature, maxTokens: t.maxTokens, seed: t.seed };
  return spec.procedure === 'single-turn'
    ? { ...common, prompts: PROMPTS_HASH.cot }
    : {
        ...common,
        prompts: PROMPTS_HASH['multi-turn'],
        maxTurns: t.maxTurns,
        finalCheckEvery: t.finalCheckEvery,
        verifyEvery: t.verifyEvery,
        verifier: t.verifier?.model,
      };
}

export function evalKeyBase(spec: SamplingSpec, paramsHash: string, problemId: string): Omit<SampleKey, 'sampleIndex'> {
  return { problemId, model: spec.model, samplingParamsHash: paramsHash, purpose: 'eval' };
}

/** Runs of consecutive indices: [0, 1, 2, 5, 6] -> [[0, 3], [5, 2]] as [start, count]. */
export function runsOf(indices: readonly number[]): [number, number][] {
  const runs: [number, number][] = [];
  for (const i of indices) {
    const last = runs[runs.length - 1];
    if (last && last[0] + last[1] === i) last[1]++;
    else runs.push([i, 1]);
  }
  return runs;
}

export async function sampleProblem(
  ledger: LedgerView,
  provider: ChatProvider,
  problem: Problem,
  spec: SamplingSpec,
  paramsHash: string,
  grade: GradeFn,
): Promise<{ samples: ProblemSamples; drawn: number }> {
  const base = evalKeyBase(spec, paramsHash, problem.id);
  const missing = await ledger.missing(base, spec.k);
  const opts: TraceOptionsInput = { ...spec.trace, model: spec.model };
  let drawn: TraceRecord[] = [];
  let failure: { error: unknown } | undefined;
  if (spec.procedure === 'single-turn') {
    for (const [start, count] of runsOf(missing)) drawn.push(...(await generateCotSample(provider, problem, opts, grade, start, count)));
  } else {
    // Every trace settles first: the finished ones are recorded even when a sibling failed, so a re-run pays only for the rest.
    const settled = await Promise.allSettled(missing.map((i) => generateTrace(provider, problem, opts, grade, i, { verifierProvider: spec.verifierProvider })));
    drawn = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const rejected = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (rejected) failure = { error: rejected.reason };
  }
  if (drawn.length)
    await ledger.append(
      drawn.map((t) => ({
        ...base,
        sampleIndex: t.sampleIndex,
        completion: [...t.messages].reverse().find((m) => m.role === 'assistant')?.content ?? '',
        grade: t.grade,
        usage: t.usage,
        stopReason: t.stopReason,
      })),
    );
  if (failure) throw failure.error;
  const records = await ledger.recordsOf(base, spec.k);
  return {
    drawn: drawn.length,
    samples: {
      problemId: problem.id,
      levelId: problem.levelId,
      skill: problem.skill,
      votes: records.map((r) => ({ answer: r.grade.extracted ?? (r.completion ? lastBoxed(r.completion) : undefined), correct: r.grade.correct })),
      promptTokens: records.reduce((s, r) => s + r.usage.promptTokens, 0),
      completionTokens: records.reduce((s, r) => s + r.usage.completionTokens, 0),
    },
  };
}

export { samplingParamsHash };
