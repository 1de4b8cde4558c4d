import type { RoundInput } from '../lib/campaign/types';
import { providerFor } from '../lib/config/load';
import { estimatePassRate, type PassRateEstimate } from '../lib/estimation';
import { withSignal } from '../lib/providers/chat';
import { roundSamplingSeed } from '../lib/traces';
import { recordStep, roundDir, type Ref } from '../lib/store';
import { scopeOf } from './manifest';
import { shardIds } from './candidates';
import { activityLog, chatProvider, curriculumAt, grader, openLedger, problemIndex, runStore } from './deps';
import { drawSamples, forEachWithProgress, recordedPrefix, sampleKeyBase, type SampleSpec } from './sampling';

export interface EstimateRow {
  problemId: string;
  levelIndex: number;
  estimate: PassRateEstimate;
}

/**
 * The base seed of this round's estimation and trace samples: derived from `traces.seed` and the round where
 * the round workflow asks for it (`seedPerRound`), so a round after a rejected one draws new samples of the
 * same model; rounds recorded before that keep `traces.seed`.
 */
export function roundSeed(ctx: RoundInput): number {
  const base = ctx.config.traces.seed ?? 0;
  return ctx.seedPerRound ? roundSamplingSeed(base, ctx.round) : base;
}

export function estimationSpec(ctx: RoundInput): SampleSpec {
  const e = ctx.config.estimation;
  return {
    purpose: 'estimate',
    style: e.style,
    model: ctx.model,
    trace: { ...ctx.config.traces, verifier: undefined, verifyEvery: 0, temperature: e.temperature, maxTokens: e.maxTokens, seed: roundSeed(ctx) },
  };
}

/** Pass rates of one shard of candidates, sampled in batches (the API's `n`) and resumable from the ledger. */
export async function estimateShard({ ctx, candidates, shard }: { ctx: RoundInput; candidates: Ref; shard: number }): Promise<{ ref: Ref; problems: number; samples: number }> {
  const curriculum = await curriculumAt(ctx.config.curriculumPath);
  const problemOf = problemIndex(curriculum);
  const ids = await shardIds(candidates, shard, ctx.config.sharding.problemsPerShard);
  const providerConfig = providerFor(ctx.config, 'student');
  const provider = chatProvider(providerConfig, ctx.served);
  const ledger = await openLedger(ctx.campaign, `estimate-r${ctx.round}-s${shard}`);
  const grade = grader(curriculum.answerType);
  const spec = estimationSpec(ctx);
  const options = { ...ctx.config.estimation, band: ctx.config.band.band };

  // As many lanes as the provider takes requests: the provider's limiter (shared by every shard of this
  // worker) keeps the requests in flight at its concurrency, whatever the number of shards.
  const usage = { promptTokens: 0, completionTokens: 0 };
  const rows = await forEachWithProgress(ids, providerConfig.concurrency, async (id, signal): Promise<EstimateRow> => {
    const problem = problemOf(id);
    const done = recordedPrefix(ledger, sampleKeyBase(spec, id), options.k).map((t) => t.grade.correct);
    const estimate = await estimatePassRate(
      async (start, count) => {
        // The oldest shard first (CompleteOptions.priority): shards finish one after another, not all at once.
        const drawn = await drawSamples(ledger, withSignal(provider, signal, -shard), problem, spec, grade, start, count);
        for (const t of drawn) {
          usage.promptTokens += t.usage.promptTokens;
          usage.completionTokens += t.usage.completionTokens;
        }
        return drawn.map((t) => t.grade.correct);
      },
      options,
      done,
    );
    return { problemId: id, levelIndex: problem.levelIndex, estimate };
  });
  const ref = await runStore().writeJsonl(`${roundDir(ctx.campaign, ctx.round)}/estimates/shard-${shard}.jsonl`, rows);
  const samples = rows.reduce((s, r) => s + r.estimate.samples, 0);
  await recordStep(runStore(), ctx.campaign, ctx.round, scopeOf(ctx), 'estimate', { ref, problems: rows.length, samples, usage }, shard);
  activityLog(ctx, 'estimate').info({ shard, problems: rows.length, samples, mode: options.mode, usage }, 'pass rates estimated');
  return { ref, problems: rows.length, samples };
}
