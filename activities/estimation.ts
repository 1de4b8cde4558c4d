import type { PromptsInput } from '../lib/traces/promptConfig';
import type { RoundContext } from '../lib/campaign/types';
import { providerFor, type ResolvedCampaignConfig } from '../lib/config/load';
import { estimatePassRate, type PassRateEstimate } from '../lib/estimation';
import { withSignal } from '../lib/providers/chat';
import { roundSamplingSeed } from '../lib/traces';
import { recordStep, roundDir } from '../lib/store';
import { scopeOf, stepRef } from './manifest';
import { shardIds } from './candidates';
import { activityLog, chatProvider, configOf, curriculumAt, grader, openLedger, problemIndex, runStore } from './deps';
import { adoptedDetails, drawSamples, forEachWithProgress, recordedPrefix, sampleKeyBase, type SampleSpec } from './sampling';

export interface EstimateRow {
  problemId: string;
  levelIndex: number;
  estimate: PassRateEstimate;
}

/**
 * The base seed of a round's estimation and trace samples, derived from `traces.seed` and the round: a round
 * after a rejected one draws new samples of the same model, and the same config draws the same samples under
 * any campaign name.
 */
export function roundSeed(config: ResolvedCampaignConfig, round: number): number {
  return roundSamplingSeed(config.traces.seed ?? 0, round);
}

export function estimationSpec(ctx: Pick<RoundContext, 'model' | 'round'>, config: ResolvedCampaignConfig, prompts?: PromptsInput): SampleSpec {
  const e = config.estimation;
  return {
    purpose: 'estimate',
    style: e.style,
    model: ctx.model,
    trace: { ...config.traces, verifier: undefined, verifyEvery: 0, temperature: e.temperature, maxTokens: e.maxTokens, seed: roundSeed(config, ctx.round), ...(prompts ? { prompts } : {}) },
  };
}

/** Pass rates of one shard of candidates, sampled in batches (the API's `n`) and resumable from the ledger. */
export async function estimateShard({ ctx, shard }: { ctx: RoundContext; shard: number }): Promise<{ problems: number; samples: number; adoptedStored?: number }> {
  const config = await configOf(ctx);
  const curriculum = await curriculumAt(config.curriculumPath);
  const problemOf = problemIndex(curriculum);
  const ids = await shardIds(await stepRef(ctx, 'candidates'), shard, config.sharding.problemsPerShard);
  const providerConfig = providerFor(config, 'student');
  const provider = chatProvider(providerConfig, ctx.served);
  const ledger = await openLedger(ctx.campaign, `estimate-r${ctx.round}-s${shard}`, config.storage);
  const grade = grader(curriculum.answerType);
  const spec = estimationSpec(ctx, config, curriculum.prompts);
  const options = { ...config.estimation, band: config.band.band };

  // As many lanes as the provider takes requests: the provider's limiter (shared by every shard of this
  // worker) keeps the requests in flight at its concurrency, whatever the number of shards.
  const usage = { promptTokens: 0, completionTokens: 0 };
  const rows = await forEachWithProgress(ids, providerConfig.concurrency, async (id, signal): Promise<EstimateRow> => {
    const problem = problemOf(id);
    const done = (await recordedPrefix(ledger, sampleKeyBase(spec, id), options.k)).map((t) => t.grade.correct);
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
  }, adoptedDetails(provider));
  const ref = await runStore().writeJsonl(`${roundDir(ctx.campaign, ctx.round)}/estimates/shard-${shard}.jsonl`, rows);
  const samples = rows.reduce((s, r) => s + r.estimate.samples, 0);
  await recordStep(runStore(), ctx.campaign, ctx.round, scopeOf(ctx), 'estimate', { ref, problems: rows.length, samples, usage }, shard);
  const adoptedStored = provider.adopted();
  activityLog(ctx, 'estimate').info({ shard, problems: rows.length, samples, mode: options.mode, usage, adoptedStored }, 'pass rates estimated');
  return { problems: rows.length, samples, ...(adoptedStored > 0 ? { adoptedStored } : {}) };
}
