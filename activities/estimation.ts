import type { RoundInput } from '../lib/campaign/types';
import { providerFor } from '../lib/config/load';
import { estimatePassRate, type PassRateEstimate } from '../lib/estimation';
import { roundDir, type Ref } from '../lib/store';
import { shardIds } from './candidates';
import { activityLog, chatProvider, curriculumAt, grader, openLedger, problemIndex, runStore } from './deps';
import { drawSamples, forEachWithProgress, recordedPrefix, sampleKeyBase, type SampleSpec } from './sampling';

export interface EstimateRow {
  problemId: string;
  levelIndex: number;
  estimate: PassRateEstimate;
}

export function estimationSpec(ctx: RoundInput): SampleSpec {
  const e = ctx.config.estimation;
  return {
    purpose: 'estimate',
    style: e.style,
    model: ctx.model,
    trace: { ...ctx.config.traces, verifier: undefined, verifyEvery: 0, temperature: e.temperature, maxTokens: e.maxTokens },
  };
}

/** Pass rates of one shard of candidates, sampled in batches (the API's `n`) and resumable from the ledger. */
export async function estimateShard({ ctx, candidates, shard }: { ctx: RoundInput; candidates: Ref; shard: number }): Promise<{ ref: Ref; problems: number; samples: number }> {
  const curriculum = await curriculumAt(ctx.config.curriculumPath);
  const problemOf = problemIndex(curriculum);
  const ids = await shardIds(candidates, shard, ctx.config.sharding.problemsPerShard);
  const provider = chatProvider(providerFor(ctx.config, 'student'), ctx.served);
  const ledger = await openLedger(ctx.campaign, `estimate-r${ctx.round}-s${shard}`);
  const grade = grader(curriculum.answerType);
  const spec = estimationSpec(ctx);
  const options = { ...ctx.config.estimation, band: ctx.config.band.band };

  const rows = await forEachWithProgress(ids, 8, async (id): Promise<EstimateRow> => {
    const problem = problemOf(id);
    const done = recordedPrefix(ledger, sampleKeyBase(spec, id), options.k).map((t) => t.grade.correct);
    const estimate = await estimatePassRate(
      async (start, count) => (await drawSamples(ledger, provider, problem, spec, grade, start, count)).map((t) => t.grade.correct),
      options,
      done,
    );
    return { problemId: id, levelIndex: problem.levelIndex, estimate };
  });
  const ref = await runStore().writeJsonl(`${roundDir(ctx.campaign, ctx.round)}/estimates/shard-${shard}.jsonl`, rows);
  const samples = rows.reduce((s, r) => s + r.estimate.samples, 0);
  activityLog(ctx, 'estimate').info({ shard, problems: rows.length, samples, mode: options.mode }, 'pass rates estimated');
  return { ref, problems: rows.length, samples };
}
