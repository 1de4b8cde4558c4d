import { describeAllocation, nextLevelOf } from '../lib/campaign/skills';
import type { RoundContext } from '../lib/campaign/types';
import { roundCandidates } from '../lib/selection/candidates';
import { recordStep, roundDir, type Ref } from '../lib/store';
import { scopeOf } from './manifest';
import { activityLog, configOf, curriculumAt, runStore } from './deps';
import { levelsOfSkill, planSkills, skillRuleOf, skillStatesAt, type SkillPlan } from './skills';

/**
 * Candidates of a round: trainable (not held-out) problems at the frontier level and, optionally, the next.
 * Per-skill mode: the round's budget is allocated across the skills first (lib/campaign/skills.ts), and each
 * skill with a share gives candidates at its own frontier (and next level), stored with the plan.
 */
export async function prepareRound(ctx: RoundContext): Promise<{ candidates: number; shards: number; allocation?: string }> {
  const config = await configOf(ctx);
  const curriculum = await curriculumAt(config.curriculumPath);
  const rule = skillRuleOf(config);
  let ids: string[];
  let skills: SkillPlan | undefined;
  if (rule) {
    skills = planSkills(await skillStatesAt(ctx, config, curriculum), ctx.round, rule);
    const levelsOf = levelsOfSkill(curriculum);
    ids = skills.allocation.flatMap((a) => {
      if (a.candidates === 0) return [];
      const next = config.estimation.nextLevel ? nextLevelOf(levelsOf(a.skill), a.frontier) : undefined;
      const levels = next === undefined ? [a.frontier] : [a.frontier, next];
      const perLevel = Math.max(1, Math.ceil(a.candidates / levels.length));
      return levels.flatMap((l) => roundCandidates(curriculum.levels, { frontier: l, round: ctx.round, nextLevel: false, maxPerLevel: perLevel }));
    });
  } else {
    ids = roundCandidates(curriculum.levels, { frontier: ctx.frontier, round: ctx.round, nextLevel: config.estimation.nextLevel, maxPerLevel: config.estimation.maxCandidatesPerLevel });
  }
  const stored = await runStore().writeJsonAtomic(`${roundDir(ctx.campaign, ctx.round)}/candidates.json`, { frontier: ctx.frontier, ids, ...(skills ? { skills } : {}) });
  const result = { candidates: ids.length, shards: Math.max(1, Math.ceil(ids.length / config.sharding.problemsPerShard)) };
  await recordStep(runStore(), ctx.campaign, ctx.round, scopeOf(ctx), 'candidates', { ref: { ...stored, count: ids.length }, count: result.candidates, shards: result.shards });
  if (!skills) return result;
  const allocation = describeAllocation(skills.allocation);
  activityLog(ctx, 'candidates').info({ allocation: skills.allocation }, allocation);
  return { ...result, allocation };
}

/** The ids of one shard of a list of problem ids stored by an earlier step. */
export async function shardIds(ref: Ref, shard: number, perShard: number): Promise<string[]> {
  const { ids } = await runStore().readJson<{ ids: string[] }>(runStore().relPathOf(ref));
  return ids.slice(shard * perShard, (shard + 1) * perShard);
}
