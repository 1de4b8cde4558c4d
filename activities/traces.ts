import path from 'node:path';
import type { RoundContext } from '../lib/campaign/types';
import type { Curriculum } from '../lib/curriculum/types';
import { buildChecker, checkTrace, firstFailedChecker, type StepChecker } from '../lib/stepChecks';
import type { PromptsInput } from '../lib/traces/promptConfig';
import { providerFor, type ResolvedCampaignConfig } from '../lib/config/load';
import { VERIFIER_VERSION } from '../lib/grading';
import { withSignal } from '../lib/providers/chat';
import { recordStep, roundDir } from '../lib/store';
import { scopeOf, shardRefs, stepRef } from './manifest';
import { withCurrentFlags, type TraceRecord } from '../lib/traces';
import { shardIds } from './candidates';
import { activityLog, chatProvider, configOf, curriculumAt, grader, openLedger, problemIndex, runStore } from './deps';
import { estimationSpec, roundSeed } from './estimation';
import { adoptedBy, adoptedDetails, drawSamples, forEachWithProgress, recordedPrefix, sampleKeyBase, type SampleSpec } from './sampling';

function traceSpec(ctx: RoundContext, config: ResolvedCampaignConfig, prompts: PromptsInput | undefined): SampleSpec {
  const { traces } = config;
  const verifier = traces.verifier;
  return {
    purpose: 'trace',
    style: 'multi-turn',
    model: ctx.model,
    trace: {
      ...traces,
      seed: roundSeed(config, ctx.round),
      ...(prompts ? { prompts } : {}),
      verifier: verifier
        ? { model: verifier.model === 'student' ? ctx.model : verifier.model, temperature: verifier.temperature, maxTokens: verifier.maxTokens, responseFormat: verifier.responseFormat, onUnparsed: verifier.onUnparsed }
        : undefined,
    },
    verifierProvider: verifier ? chatProvider(providerFor(config, 'verifier'), ctx.served) : undefined,
  };
}

/**
 * Multi-turn traces for one shard of the band: `traces.perProblem` per problem, of which correct estimation
 * samples count when estimation already used the trace style; the rest are generated (or read back from the
 * ledger after a retry).
 */
export async function generateTracesShard({ ctx, shard }: { ctx: RoundContext; shard: number }): Promise<{ generated: number; reused: number; correct: number; adoptedStored?: number }> {
  const config = await configOf(ctx);
  const curriculum = await curriculumAt(config.curriculumPath);
  const problemOf = problemIndex(curriculum);
  const ids = await shardIds(await stepRef(ctx, 'band'), shard, config.sharding.problemsPerShard);
  const providerConfig = providerFor(config, 'student');
  const provider = chatProvider(providerConfig, ctx.served);
  const ledger = await openLedger(ctx.campaign, `trace-r${ctx.round}-s${shard}`, config.storage);
  const grade = grader(curriculum.answerType);
  const spec = traceSpec(ctx, config, curriculum.prompts);
  const reuse = config.estimation.style === 'multi-turn' ? estimationSpec(ctx, config, curriculum.prompts) : undefined;
  const perProblem = config.traces.perProblem;
  let reusedCount = 0;
  const usage = { promptTokens: 0, completionTokens: 0 };

  const perProblemTraces = await forEachWithProgress(ids, providerConfig.concurrency, async (id, signal) => {
    const problem = problemOf(id);
    const reused = reuse
      ? (await recordedPrefix(ledger, sampleKeyBase(reuse, id), config.estimation.k))
          .filter((t) => t.grade.correct && t.style === 'multi-turn')
          .slice(0, perProblem)
      : [];
    reusedCount += reused.length;
    const need = perProblem - reused.length;
    const have = await recordedPrefix(ledger, sampleKeyBase(spec, id), need);
    const fresh: TraceRecord[] = have.length < need ? await drawSamples(ledger, withSignal(provider, signal, -shard), problem, { ...spec, verifierProvider: spec.verifierProvider && withSignal(spec.verifierProvider, signal, -shard) }, grade, have.length, need - have.length) : [];
    for (const t of fresh) {
      usage.promptTokens += t.usage.promptTokens;
      usage.completionTokens += t.usage.completionTokens;
    }
    return [...reused, ...have, ...fresh];
  }, adoptedDetails(provider, spec.verifierProvider));
  const traces = perProblemTraces.flat();
  const ref = await runStore().writeJsonl(`${roundDir(ctx.campaign, ctx.round)}/traces/shard-${shard}.jsonl`, traces);
  const adoptedStored = provider.adopted() + adoptedBy(spec.verifierProvider);
  const result = { generated: traces.length - reusedCount, reused: reusedCount, correct: traces.filter((t) => t.grade.correct).length, ...(adoptedStored > 0 ? { adoptedStored } : {}) };
  await recordStep(runStore(), ctx.campaign, ctx.round, scopeOf(ctx), 'traces', { ref, ...result, usage }, shard);
  activityLog(ctx, 'traces').info({ shard, problems: ids.length, generated: result.generated, reused: result.reused, correct: result.correct, adoptedStored }, 'traces generated');
  return result;
}

/**
 * Verification: every trace is graded against the ground truth by the current verifier version (traces
 * graded by an older version are regraded); the optional LLM verifier already checked the steps while the
 * trace was generated, and its unresolved flags are kept for selection.
 */
export async function verifyTraces({ ctx, shards }: { ctx: RoundContext; shards: number }): Promise<{ total: number; correct: number; flagged: number; regraded: number; stepChecked?: number; stepFailed?: number }> {
  const config = await configOf(ctx);
  const curriculum = await curriculumAt(config.curriculumPath);
  const traces = await shardRefs(ctx, 'traces', shards);
  const problemOf = problemIndex(curriculum);
  const grade = grader(curriculum.answerType);
  const checkersOf = levelCheckers(curriculum);
  let regraded = 0;
  const counts = { total: 0, correct: 0, flagged: 0, stepChecked: 0, stepFailed: 0 };
  // Streamed: one trace at a time from the shard files into verified.jsonl.
  async function* verified(): AsyncGenerator<TraceRecord> {
    for (const r of traces) {
      for await (const t of runStore().iterJsonl<TraceRecord>(r)) {
        // Flags of records written before the flag contract are re-derived (lib/traces/flags.ts).
        let v = withCurrentFlags(t);
        if (t.grade.verifierVersion !== VERIFIER_VERSION) {
          regraded += 1;
          const last = [...t.messages].reverse().find((m) => m.role === 'assistant')?.content ?? '';
          v = { ...v, grade: grade(last, problemOf(t.problemId).answer) };
        }
        // Step checkers judge the correct traces (an incorrect one is dropped whatever its steps).
        const checkers = checkersOf(v.levelIndex >= 0 ? v.levelIndex : problemOf(v.problemId).levelIndex);
        if (checkers.length > 0 && v.grade.correct) {
          v = { ...v, stepChecks: await checkTrace(v, problemOf(v.problemId), checkers) };
          counts.stepChecked++;
          if (firstFailedChecker(v.stepChecks) !== undefined) counts.stepFailed++;
        }
        counts.total++;
        if (v.grade.correct) counts.correct++;
        if (v.verifierFlags.length > 0) counts.flagged++;
        yield v;
      }
    }
  }
  const ref = await runStore().writeJsonl(`${roundDir(ctx.campaign, ctx.round)}/verified.jsonl`, verified());
  await recordStep(runStore(), ctx.campaign, ctx.round, scopeOf(ctx), 'verified', { ref, total: counts.total, correct: counts.correct });
  const { stepChecked, stepFailed, ...rest } = counts;
  return { ...rest, regraded, ...(stepChecked > 0 ? { stepChecked, stepFailed } : {}) };
}

/** The step checkers of each level (built once per activity; a command checker runs in the curriculum's directory). */
function levelCheckers(curriculum: Curriculum): (levelIndex: number) => StepChecker[] {
  const cwd = path.dirname(curriculum.path);
  const built = curriculum.levels.map((l) => (l.stepCheckers ?? []).map((spec) => buildChecker(spec, cwd)));
  return (i) => built[i] ?? [];
}
