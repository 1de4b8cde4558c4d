import { heartbeat } from '@temporalio/activity';
import type { Problem } from '../lib/curriculum/types';
import { samplingParamsHash, type SampleKey, type SampleLedger } from '../lib/ledger';
import type { ChatProvider } from '../lib/providers/chat';
import { generateCotSample, generateTrace, PROMPTS_VERSION, type GradeFn, type TraceOptionsInput, type TraceRecord } from '../lib/traces';

/**
 * Sampling through the ledger: every sample is recorded under its key before the activity moves on, and a
 * re-run (retry, crash, resume) takes what the ledger holds and draws only what is missing.
 */
export interface SampleSpec {
  purpose: 'estimate' | 'trace' | 'eval';
  style: 'cot' | 'multi-turn';
  model: string;
  /** Options of the trace generator (model is set from `model`). */
  trace: Omit<TraceOptionsInput, 'model'>;
  verifierProvider?: ChatProvider;
}

export function sampleKeyBase(spec: SampleSpec, problemId: string): Omit<SampleKey, 'sampleIndex'> {
  const t = spec.trace;
  const params =
    spec.style === 'cot'
      ? { style: 'cot', prompts: PROMPTS_VERSION, temperature: t.temperature, maxTokens: t.maxTokens, seed: t.seed }
      : {
          style: 'multi-turn',
          prompts: PROMPTS_VERSION,
          temperature: t.temperature,
          maxTokens: t.maxTokens,
          seed: t.seed,
          maxTurns: t.maxTurns,
          finalCheckEvery: t.finalCheckEvery,
          verifyEvery: t.verifyEvery,
          verifier: t.verifier?.model,
        };
  return { problemId, model: spec.model, samplingParamsHash: samplingParamsHash(params), purpose: spec.purpose };
}

/** The samples the ledger already holds for indices 0, 1, 2, ... up to the first gap. */
export function recordedPrefix(ledger: SampleLedger, base: Omit<SampleKey, 'sampleIndex'>, max: number): TraceRecord[] {
  const out: TraceRecord[] = [];
  for (let i = 0; i < max; i++) {
    const rec = ledger.get({ ...base, sampleIndex: i });
    if (!rec) break;
    out.push(rec.trace ?? traceFromRecord(rec.problemId, rec.model, i, rec.completion ?? '', rec.grade));
  }
  return out;
}

function traceFromRecord(problemId: string, model: string, sampleIndex: number, completion: string, grade: TraceRecord['grade']): TraceRecord {
  return {
    problemId,
    levelIndex: -1,
    model,
    messages: [{ role: 'assistant', content: completion }],
    grade,
    turns: 1,
    verifierFlags: [],
    usage: { promptTokens: 0, completionTokens: 0 },
    stopReason: 'final-answer',
    style: 'cot',
    sampleIndex,
  };
}

/** Draws samples `start .. start+count-1` of one problem and records them in the ledger. */
export async function drawSamples(
  ledger: SampleLedger,
  provider: ChatProvider,
  problem: Problem,
  spec: SampleSpec,
  grade: GradeFn,
  start: number,
  count: number,
): Promise<TraceRecord[]> {
  const opts = { ...spec.trace, model: spec.model };
  const traces =
    spec.style === 'cot'
      ? await generateCotSample(provider, problem, opts, grade, start, count)
      : await Promise.all(
          Array.from({ length: count }, (_, i) => generateTrace(provider, problem, opts, grade, start + i, { verifierProvider: spec.verifierProvider })),
        );
  const base = sampleKeyBase(spec, problem.id);
  await ledger.append(
    traces.map((t) => ({
      ...base,
      sampleIndex: t.sampleIndex,
      completion: [...t.messages].reverse().find((m) => m.role === 'assistant')?.content ?? '',
      grade: t.grade,
      usage: t.usage,
      stopReason: t.stopReason,
      // Whole traces are kept where a later step reuses them (multi-turn estimation samples become training traces).
      trace: spec.style === 'multi-turn' ? t : undefined,
    })),
  );
  return traces;
}

/** Runs `work` over items with at most `width` in flight, heartbeating progress after each. */
export async function forEachWithProgress<T, R>(items: readonly T[], width: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  let done = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i]!);
      heartbeat({ done: ++done, total: items.length });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(width, items.length)) }, lane));
  return out;
}
