import type { RoundContext } from '../lib/campaign/types';
import type { SkillAllocation } from '../lib/campaign/skills';
import { selectBand as chooseBand, type BandSelection, type EstimatedProblem, type LevelBandCounts } from '../lib/selection';
import type { BandOptionsInput } from '../lib/selection/options';
import { recordStep, roundDir } from '../lib/store';
import { scopeOf, shardRefs } from './manifest';
import { configOf, curriculumAt, problemIndex, runStore } from './deps';
import type { EstimateRow } from './estimation';
import { readSkillPlan, skillOfLevel } from './skills';

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
  const items = rows.map((r) => ({ problem: problemOf(r.problemId), estimate: r.estimate }));
  const plan = await readSkillPlan(ctx);
  const selection = plan ? bandPerSkill(items, plan.allocation, skillOfLevel(await curriculumAt(config.curriculumPath)), config.band) : chooseBand(items, config.band);
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

/** Per-skill mode: each skill's band capped at its allocated problems, merged best first. */
function bandPerSkill(
  items: EstimatedProblem[],
  allocation: readonly SkillAllocation[],
  skillOf: (level: number) => string,
  options: BandOptionsInput,
): Pick<BandSelection, 'selected' | 'perLevel' | 'totals'> {
  const parts = allocation
    .map((a) => ({ a, items: items.filter((i) => skillOf(i.problem.levelIndex) === a.skill) }))
    .filter((p) => p.items.length > 0)
    .map((p) => chooseBand(p.items, { ...options, maxProblems: p.a.problems }));
  const selected = parts.flatMap((p) => p.selected).sort((x, y) => y.score - x.score || (x.problem.id < y.problem.id ? -1 : 1));
  const perLevel = parts.flatMap((p) => p.perLevel).sort((x, y) => x.levelIndex - y.levelIndex);
  const totals = { candidates: 0, heldOut: 0, below: 0, inBand: 0, above: 0, selected: 0 };
  for (const c of perLevel) for (const key of Object.keys(totals) as (keyof typeof totals)[]) totals[key] += c[key];
  return { selected, perLevel, totals };
}
