import { createHash } from 'node:crypto';
import type { RoundInput } from '../lib/campaign/types';
import type { ResolvedCampaignConfig } from '../lib/config/load';
import { providerFor } from '../lib/config/load';
import { ModelRegistry } from '../lib/registry';
import { recordStep, roundDir, type Ref } from '../lib/store';
import { scopeOf } from './manifest';
import { assertConfigFitsCurriculum } from '../lib/config/curriculumFit';
import { curriculumAt, runStore } from './deps';

/** First run of a campaign: how many levels the curriculum has, and the base model in the registry. */
export async function initCampaign({ config }: { config: ResolvedCampaignConfig }): Promise<{ levelCount: number }> {
  const curriculum = await curriculumAt(config.curriculumPath);
  await assertConfigFitsCurriculum(config, curriculum);
  const registry = await ModelRegistry.load(runStore(), config.name);
  await registry.registerBase({ modelId: config.student.baseModel, provider: providerFor(config, 'student').kind });
  return { levelCount: curriculum.levels.length };
}

/** Candidates of a round: trainable (not held-out) problems at the frontier level and, optionally, the next. */
export async function prepareRound(ctx: RoundInput): Promise<{ candidatesRef: Ref; candidates: number; shards: number }> {
  const curriculum = await curriculumAt(ctx.config.curriculumPath);
  const levels = curriculum.levels.filter((l) => l.index === ctx.frontier || (ctx.config.estimation.nextLevel && l.index === ctx.frontier + 1));
  const cap = ctx.config.estimation.maxCandidatesPerLevel;
  const ids = levels.flatMap((l) => {
    const trainable = l.problems.filter((p) => !p.heldOut).map((p) => p.id);
    return cap === undefined || trainable.length <= cap ? trainable : sampleOfRound(trainable, ctx.round, cap);
  });
  const stored = await runStore().writeJsonAtomic(`${roundDir(ctx.campaign, ctx.round)}/candidates.json`, { frontier: ctx.frontier, ids });
  const result = {
    candidatesRef: { ...stored, count: ids.length },
    candidates: ids.length,
    shards: Math.max(1, Math.ceil(ids.length / ctx.config.sharding.problemsPerShard)),
  };
  await recordStep(runStore(), ctx.campaign, ctx.round, scopeOf(ctx), 'candidates', { ref: result.candidatesRef, count: result.candidates, shards: result.shards });
  return result;
}

/** A deterministic sample that changes from round to round, so capped levels show the student new problems. */
function sampleOfRound(ids: string[], round: number, n: number): string[] {
  const rank = (id: string) => createHash('sha256').update(`${round}:${id}`).digest('hex');
  return ids
    .map((id) => ({ id, r: rank(id) }))
    .sort((a, b) => (a.r < b.r ? -1 : 1))
    .slice(0, n)
    .map((x) => x.id);
}

/** The ids of one shard of a list of problem ids stored by an earlier step. */
export async function shardIds(ref: Ref, shard: number, perShard: number): Promise<string[]> {
  const { ids } = await runStore().readJson<{ ids: string[] }>(runStore().relPathOf(ref));
  return ids.slice(shard * perShard, (shard + 1) * perShard);
}
