import type { RoundContext } from '../lib/campaign/types';
import { roundCandidates } from '../lib/selection/candidates';
import { recordStep, roundDir, type Ref } from '../lib/store';
import { scopeOf } from './manifest';
import { configOf, curriculumAt, runStore } from './deps';

/** Candidates of a round: trainable (not held-out) problems at the frontier level and, optionally, the next. */
export async function prepareRound(ctx: RoundContext): Promise<{ candidates: number; shards: number }> {
  const config = await configOf(ctx);
  const curriculum = await curriculumAt(config.curriculumPath);
  const ids = roundCandidates(curriculum.levels, { frontier: ctx.frontier, round: ctx.round, nextLevel: config.estimation.nextLevel, maxPerLevel: config.estimation.maxCandidatesPerLevel });
  const stored = await runStore().writeJsonAtomic(`${roundDir(ctx.campaign, ctx.round)}/candidates.json`, { frontier: ctx.frontier, ids });
  const result = { candidates: ids.length, shards: Math.max(1, Math.ceil(ids.length / config.sharding.problemsPerShard)) };
  await recordStep(runStore(), ctx.campaign, ctx.round, scopeOf(ctx), 'candidates', { ref: { ...stored, count: ids.length }, count: result.candidates, shards: result.shards });
  return result;
}

/** The ids of one shard of a list of problem ids stored by an earlier step. */
export async function shardIds(ref: Ref, shard: number, perShard: number): Promise<string[]> {
  const { ids } = await runStore().readJson<{ ids: string[] }>(runStore().relPathOf(ref));
  return ids.slice(shard * perShard, (shard + 1) * perShard);
}
