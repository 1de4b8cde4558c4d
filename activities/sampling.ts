import { Context } from '@temporalio/activity';
import type { Problem } from '../lib/curriculum/types';
import { samplingParamsHash, type LedgerView, type SampleKey, type SamplingParams } from '../lib/ledger';
import type { ChatProvider } from '../lib/providers/chat';
import { generateCotSample, generateTrace, PROMPTS_HASH, type GradeFn, type TraceOptionsInput, type TraceRecord } from '../lib/traces';
import { multiTurnPromptsHash, resolvePrompts } from '../lib/traces/promptSet';

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

/** The params hash of a spec, computed once per spec object (every request of a shard asks). */
const paramsHashes = new WeakMap<SampleSpec, string>();

export function sampleKeyBase(spec: SampleSpec, problemId: string): Omit<SampleKey, 'sampleIndex'> {
  let hash = paramsHashes.get(spec);
  if (hash === undefined) paramsHashes.set(spec, (hash = samplingParamsHash(samplingParams(spec))));
  return { problemId, model: spec.model, samplingParamsHash: hash, purpose: spec.purpose };
}

function samplingParams(spec: SampleSpec): SamplingParams {
  const t = spec.trace;
  return spec.style === 'cot'
    ? { style: 'cot', prompts: PROMPTS_HASH.cot, temperature: t.temperature, maxTokens: t.maxTokens, seed: t.seed }
    : {
        style: 'multi-turn',
        // The curriculum's prompt set (system prompts, turn and temperature schedules), by content.
        prompts: t.prompts ? multiTurnPromptsHash(resolvePrompts(t.prompts)) : PROMPTS_HASH['multi-turn'],
        temperature: t.temperature,
        maxTokens: t.maxTokens,
        seed: t.seed,
        maxTurns: t.maxTurns,
        finalCheckEvery: t.finalCheckEvery,
        verifyEvery: t.verifyEvery,
        verifier: t.verifier?.model,
        verifierPolicy: t.verifier ? `${t.verifier.responseFormat ?? 'json_schema'}/${t.verifier.onUnparsed ?? 'flag'}` : undefined,
      };
}

/** The samples the ledger already holds for indices 0, 1, 2, ... up to the first gap. */
export async function recordedPrefix(ledger: LedgerView, base: Omit<SampleKey, 'sampleIndex'>, max: number): Promise<TraceRecord[]> {
  const out: TraceRecord[] = [];
  // One indexed query for this problem's keys, not one per index.
  for (const rec of await ledger.recordsOf(base, max)) {
    if (rec.sampleIndex !== out.length) break;
    out.push(rec.trace ?? traceFromRecord(rec.problemId, rec.model, rec.sampleIndex, rec.completion ?? '', rec.grade));
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

/** Trace options per spec, one object per spec (the trace generators cache their parse by it). */
const traceOptions = new WeakMap<SampleSpec, TraceOptionsInput>();

/** Draws samples `start .. start+count-1` of one problem and records them in the ledger. */
export async function drawSamples(
  ledger: LedgerView,
  provider: ChatProvider,
  problem: Problem,
  spec: SampleSpec,
  grade: GradeFn,
  start: number,
  count: number,
): Promise<TraceRecord[]> {
  let opts = traceOptions.get(spec);
  if (!opts) traceOptions.set(spec, (opts = { ...spec.trace, model: spec.model }));
  let traces: TraceRecord[];
  let failure: { error: unknown } | undefined;
  if (spec.style === 'cot') traces = await generateCotSample(provider, problem, opts, grade, start, count);
  else {
    // Every trace settles before this returns: the finished ones are recorded even when a sibling failed.
    // Indices already recorded (a sibling of an earlier attempt finished after a gap) are read, not drawn again.
    const base = sampleKeyBase(spec, problem.id);
    const settled = await Promise.allSettled(
      Array.from({ length: count }, async (_, i) => {
        const held = await ledger.get({ ...base, sampleIndex: start + i });
        if (held?.trace) return { ...held.trace, recorded: true };
        return generateTrace(provider, problem, opts, grade, start + i, { verifierProvider: spec.verifierProvider });
      }),
    );
    traces = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const rejected = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (rejected) failure = { error: rejected.reason };
  }
  const base = sampleKeyBase(spec, problem.id);
  const records = [];
  for (const t of traces) {
    if ((t as { recorded?: boolean }).recorded) continue;
    let completion = '';
    for (let i = t.messages.length - 1; i >= 0; i--)
      if (t.messages[i]!.role === 'assistant') {
        completion = t.messages[i]!.content;
        break;
      }
    records.push({
      ...base,
      sampleIndex: t.sampleIndex,
      completion,
      grade: t.grade,
      usage: t.usage,
      stopReason: t.stopReason,
      // Whole traces are kept where a later step reuses them (multi-turn estimation samples become training traces).
      trace: spec.style === 'multi-turn' ? t : undefined,
    });
  }
  await ledger.append(records);
  if (failure) throw failure.error;
  for (const t of traces) delete (t as { recorded?: boolean }).recorded;
  return traces;
}

/** Answers a chat client of activities/deps.ts took from stored completions (0 for any other client). */
export function adoptedBy(provider: ChatProvider | undefined): number {
  const adopted = (provider as { adopted?: () => number } | undefined)?.adopted;
  return typeof adopted === 'function' ? adopted() : 0;
}

/** Heartbeat details naming the answers adopted so far, once there are some. */
export function adoptedDetails(...providers: (ChatProvider | undefined)[]): () => Record<string, unknown> {
  return () => {
    const adoptedStored = providers.reduce((n, p) => n + adoptedBy(p), 0);
    return adoptedStored > 0 ? { adoptedStored } : {};
  };
}

/** While items run, a heartbeat at least this often (and thrice per heartbeat timeout): one item (a multi-turn trace behind a 429 storm) can outlast the timeout. */
const HEARTBEAT_EVERY_MS = 15_000;
/** Progress heartbeats after items, at most this often. */
const PROGRESS_EVERY_MS = 1_000;

/**
 * Runs `work` over items with at most `width` lanes, heartbeating progress after items (at most once a second) and every
 * HEARTBEAT_EVERY_MS in between (a dead worker still stops heartbeating; a slow item no longer looks dead).
 *
 * The first failure aborts the sibling lanes (their `signal`: no new item, no new request; a request already
 * sent finishes and is recorded) and waits for them to settle before the activity fails, so its retry finds
 * everything that was drawn in the ledger and draws nothing twice. A cancelled activity (campaign cancelled,
 * heartbeat timed out, worker shutting down) aborts the lanes the same way.
 */
export async function forEachWithProgress<T, R>(
  items: readonly T[],
  width: number,
  work: (item: T, signal: AbortSignal) => Promise<R>,
  /** More heartbeat details (e.g. answers adopted from stored completions). */
  details?: () => Record<string, unknown>,
): Promise<R[]> {
  // Captured here: the timer's callback need not run in the activity's async context.
  const activity = Context.current();
  const lanes = new AbortController();
  const onCancel = () => lanes.abort(activity.cancellationSignal.reason);
  activity.cancellationSignal.addEventListener('abort', onCancel, { once: true });
  if (activity.cancellationSignal.aborted) onCancel();
  const out: R[] = new Array(items.length);
  let next = 0;
  let done = 0;
  let firstError: { error: unknown } | undefined;
  let lastBeat = 0;
  const beat = () => {
    lastBeat = Date.now();
    activity.heartbeat({ done, total: items.length, attempt: activity.info.attempt, ...details?.() });
  };
  const lane = async () => {
    while (next < items.length && !lanes.signal.aborted) {
      const i = next++;
      try {
        out[i] = await work(items[i]!, lanes.signal);
      } catch (err) {
        if (!firstError) {
          firstError = { error: lanes.signal.aborted ? (lanes.signal.reason ?? err) : err };
          lanes.abort(err);
        }
        return;
      }
      done += 1;
      // Progress at most once a second (each heartbeat crosses into the SDK's native core); the timer below
      // keeps beating while items are slow.
      if (Date.now() - lastBeat >= PROGRESS_EVERY_MS || done === items.length) beat();
    }
  };
  const timer = setInterval(beat, Math.min(HEARTBEAT_EVERY_MS, (activity.info.heartbeatTimeoutMs ?? Infinity) / 3));
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(width, items.length)) }, lane));
  } finally {
    clearInterval(timer);
    activity.cancellationSignal.removeEventListener('abort', onCancel);
  }
  if (firstError) throw firstError.error;
  if (lanes.signal.aborted) throw lanes.signal.reason;
  return out;
}
