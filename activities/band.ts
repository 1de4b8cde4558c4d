import type { RoundContext } from '../lib/campaign/types';
import { selectBand as chooseBand, type LevelBandCounts } from '../lib/selection';
import { recordStep, roundDir } from '../lib/store';
import { scopeOf, shardRefs } from './manifest';
import { configOf, curriculumAt, problemIndex, runStore } from './deps';
import type { EstimateRow } from './estimation';

export interface BandFile {
  ids: string[];
  selected: { problemId: string; levelIndex: number; pHat: number; score: number }[];
  perLevel: LevelBandCounts[];
}

export function bandPath(campaign: string, round: number): string {
  return `${roundDir(campaign, round)}/band.json`;
}

/** The barely-solvable band of the round, ranked and capped, with counts per level. */
export async function selectBand({ ctx, shards }: { ctx: RoundContext; shards: number }): Promise<{
  candidates: number;
  inBand: number;
  selected: number;
  shards: number;
}> {
  const config = await configOf(ctx);
  const problemOf = problemIndex(await curriculumAt(config.curriculumPath));
  const estimates = await shardRefs(ctx, 'estimate', shards);
  const rows = (await Promise.all(estimates.map((r) => runStore().readJsonl<EstimateRow>(r)))).flat();
  const selection = chooseBand(
    rows.map((r) => ({ problem: problemOf(r.problemId), estimate: r.estimate })),
    config.band,
  );
  const file: BandFile = {
    ids: selection.selected.map((s) => s.problem.id),
    selected: selection.selected.map((s) => ({ problemId: s.problem.id, levelIndex: s.problem.levelIndex, pHat: s.estimate.pHat, score: s.score })),
    perLevel: selection.perLevel,
  };
  const stored = await runStore().writeJsonAtomic(bandPath(ctx.campaign, ctx.round), file);
  const result = {
    candidates: rows.length,
    inBand: selection.totals.inBand,
    selected: file.ids.length,
    shards: Math.max(1, Math.ceil(file.ids.length / config.sharding.problemsPerShard)),
  };
  await recordStep(runStore(), ctx.campaign, ctx.round, scopeOf(ctx), 'band', { ref: { ...stored, count: file.ids.length }, ...result });
  return result;
}
