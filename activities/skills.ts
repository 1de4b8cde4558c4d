import type { ResolvedCampaignConfig } from '../lib/config/load';
import { allocate, initialSkills, skillLevels, type SkillAllocation, type SkillRule, type SkillState } from '../lib/campaign/skills';
import type { RoundContext } from '../lib/campaign/types';
import type { Curriculum } from '../lib/curriculum/types';
import { roundDir } from '../lib/store';
import { runStore } from './deps';

/**
 * Per-skill mode (config `skills:`) in the run store: the round's plan (the skills' states at its start and
 * the allocation) is written with its candidates by `prepareRound`; the steps after it read it from there, so
 * activity inputs stay the small RoundContext. The states a round starts from are those the previous round's
 * summary left (`skillStates`), or the initial ones.
 */

export interface SkillPlan {
  states: SkillState[];
  allocation: SkillAllocation[];
}

export function skillRuleOf(config: ResolvedCampaignConfig): SkillRule | undefined {
  const s = config.skills;
  if (!s) return undefined;
  return {
    parkAfterRounds: s.parkAfterRounds,
    retryEvery: s.retryEvery,
    retryShare: s.retryShare,
    floorShare: s.floorShare,
    candidatesPerRound: s.candidatesPerRound,
    problemsPerRound: s.problemsPerRound ?? config.band.maxProblems ?? 40,
  };
}

/** The skill of every level index. */
export function skillOfLevel(curriculum: Pick<Curriculum, 'levels'>): (levelIndex: number) => string {
  const map = new Map(curriculum.levels.map((l) => [l.index, l.skill]));
  return (i) => map.get(i) ?? '?';
}

export function levelsOfSkill(curriculum: Pick<Curriculum, 'levels'>): (skill: string) => number[] {
  const map = skillLevels(curriculum.levels);
  return (s) => map.get(s) ?? [];
}

/** The skills' states at the start of `ctx.round`. */
export async function skillStatesAt(ctx: Pick<RoundContext, 'campaign' | 'round'>, config: ResolvedCampaignConfig, curriculum: Pick<Curriculum, 'levels'>): Promise<SkillState[]> {
  const prev = `${roundDir(ctx.campaign, ctx.round - 1)}/summary.json`;
  if (ctx.round > 1 && (await runStore().exists(prev))) {
    const states = (await runStore().readJson<{ skillStates?: SkillState[] }>(prev)).skillStates;
    if (states) return states;
  }
  return initialSkills(curriculum.levels, config.startLevel);
}

export function planSkills(states: SkillState[], round: number, rule: SkillRule): SkillPlan {
  return { states, allocation: allocate(states, round, rule) };
}

/** The round's plan as `prepareRound` stored it (undefined: single-frontier mode). */
export async function readSkillPlan(ctx: Pick<RoundContext, 'campaign' | 'round'>): Promise<SkillPlan | undefined> {
  const rel = `${roundDir(ctx.campaign, ctx.round)}/candidates.json`;
  if (!(await runStore().exists(rel))) return undefined;
  return (await runStore().readJson<{ skills?: SkillPlan }>(rel)).skills;
}
