import { nextFrontier } from './advance';

/**
 * A frontier per skill (config `skills:`): each skill of the curriculum climbs its own levels. Pure rules shared
 * by the activities (allocation, advancement, transitions) and the campaign workflow (stopping), so this file
 * stays deterministic and free of I/O. Frontiers are level indices of the curriculum, as for the single frontier.
 */

export type SkillStatus = 'climbing' | 'done' | 'parked';

/** What a campaign carries per skill across rounds (CampaignState.skills; absent: one frontier for all levels). */
export interface SkillState {
  skill: string;
  /** Level index of the skill's current level (done: its last level). */
  frontier: number;
  status: SkillStatus;
  /** Why it is parked, or which level finished it. */
  reason?: string;
  /** Consecutive rounds without a band or without a promoted gain on this skill. */
  idleRounds: number;
  /** The round that parked it: re-tried every `retryEvery` rounds after. */
  parkedRound?: number;
  /** Estimation and trace samples drawn for this skill so far (evaluation samples not counted). */
  samples: number;
  /** In-band share of the skill's estimated candidates at its last estimation: the allocation weight. */
  bandRate?: number;
}

export interface SkillRule {
  /** Rounds without a band or without a promoted gain before a climbing skill is parked. */
  parkAfterRounds: number;
  /** A parked skill is estimated again every this many rounds... */
  retryEvery: number;
  /** ...with this share of the round's budget. */
  retryShare: number;
  /** Smallest share of the budget each climbing skill gets. */
  floorShare: number;
  /** Candidate problems estimated per round, all skills together (the sampling budget). */
  candidatesPerRound: number;
  /** In-band problems traced per round, all skills together (the training budget). */
  problemsPerRound: number;
}

/** One skill's part of a round. */
export interface SkillAllocation {
  skill: string;
  frontier: number;
  status: SkillStatus;
  /** Share of the round's budget, 0..1. */
  share: number;
  candidates: number;
  problems: number;
  /** A parked skill re-tried this round. */
  retry: boolean;
}

/** The level indices of each skill, in curriculum order (a skill's levels need not be contiguous). */
export function skillLevels(levels: readonly { index: number; skill: string }[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const l of [...levels].sort((a, b) => a.index - b.index)) (out.get(l.skill) ?? out.set(l.skill, []).get(l.skill)!).push(l.index);
  return out;
}

/** The state of every skill when a campaign starts at `startLevel`: each at its first level from there. */
export function initialSkills(levels: readonly { index: number; skill: string }[], startLevel: number): SkillState[] {
  return [...skillLevels(levels)].map(([skill, idx]) => {
    const first = idx.find((i) => i >= startLevel);
    return first === undefined
      ? { skill, frontier: idx[idx.length - 1]!, status: 'done', reason: `starts above its levels (start level ${startLevel})`, idleRounds: 0, samples: 0 }
      : { skill, frontier: first, status: 'climbing', idleRounds: 0, samples: 0 };
  });
}

/** A parked skill is re-tried in the rounds `retryEvery`, 2·`retryEvery`, … after the one that parked it. */
export function isRetryRound(s: SkillState, round: number, rule: Pick<SkillRule, 'retryEvery'>): boolean {
  return s.status === 'parked' && s.parkedRound !== undefined && round > s.parkedRound && (round - s.parkedRound) % rule.retryEvery === 0;
}

export const ALLOCATION_RULE =
  'each climbing skill gets the floor share, the rest of the budget goes to climbing skills in proportion to their in-band rate at the last estimation (0.5 before the first); a parked skill gets the retry share in its retry rounds, else nothing; a done skill nothing';

/**
 * The round's budget across skills (ALLOCATION_RULE). Candidates and problems are rounded, at least 1 for a
 * skill with a share.
 */
export function allocate(states: readonly SkillState[], round: number, rule: SkillRule): SkillAllocation[] {
  const retrying = states.filter((s) => isRetryRound(s, round, rule));
  const climbing = states.filter((s) => s.status === 'climbing');
  const pool = Math.max(0, 1 - retrying.length * rule.retryShare);
  const floor = climbing.length ? Math.min(rule.floorShare, pool / climbing.length) : 0;
  const weight = (s: SkillState) => s.bandRate ?? 0.5;
  const total = climbing.reduce((a, s) => a + weight(s), 0);
  const rest = pool - floor * climbing.length;
  const shareOf = (s: SkillState): number => {
    if (s.status === 'climbing') return floor + rest * (total > 0 ? weight(s) / total : 1 / climbing.length);
    return isRetryRound(s, round, rule) ? rule.retryShare : 0;
  };
  return states.map((s) => {
    const share = shareOf(s);
    const some = (n: number) => (share > 0 ? Math.max(1, Math.round(share * n)) : 0);
    return { skill: s.skill, frontier: s.frontier, status: s.status, share, candidates: some(rule.candidatesPerRound), problems: some(rule.problemsPerRound), retry: isRetryRound(s, round, rule) };
  });
}

/** The allocation as one line for the round's notes and the log. */
export function describeAllocation(allocs: readonly SkillAllocation[]): string {
  const parts = allocs.map((a) =>
    a.share > 0
      ? `${a.skill} ${(100 * a.share).toFixed(0)}% (level ${a.frontier}: ${a.candidates} candidates, ${a.problems} problems${a.retry ? ', retry of a parked skill' : ''})`
      : `${a.skill} 0% (${a.status})`,
  );
  return `allocation: ${parts.join('; ')}`;
}

/** The next level of a skill after `frontier`, or undefined at its last. */
export function nextLevelOf(levelsOfSkill: readonly number[], frontier: number): number | undefined {
  return levelsOfSkill.find((i) => i > frontier);
}

/** Held-out levels a round evaluates for one skill: up to the level above its frontier (a done skill: all). */
export function evaluatedLevels(levelsOfSkill: readonly number[], s: Pick<SkillState, 'frontier' | 'status'>): number[] {
  if (s.status === 'done') return [...levelsOfSkill];
  const next = nextLevelOf(levelsOfSkill, s.frontier) ?? s.frontier;
  return levelsOfSkill.filter((i) => i <= next);
}

/** The judged level of a skill: its frontier, or its next level when the parent already masters the frontier. */
export function skillJudgedLevel(parentAccuracy: Record<number, { accuracy: number } | undefined>, levelsOfSkill: readonly number[], frontier: number, masteryThreshold: number): number {
  const next = nextLevelOf(levelsOfSkill, frontier);
  return (parentAccuracy[frontier]?.accuracy ?? 0) >= masteryThreshold && next !== undefined ? next : frontier;
}

/** advance.ts's rule within one skill's levels: the frontier moves to the skill's next level; past its last, `top`. */
export function nextSkillFrontier(
  levelsOfSkill: readonly number[],
  a: { frontier: number; accuracy: Record<number, { accuracy: number; correct: number; n: number }>; masteryThreshold: number; frontierInBand: number; minBandSize: number; frontierMostlyAbove: boolean },
): { frontier: number; top: boolean; reason: string } {
  const pos = Math.max(0, levelsOfSkill.indexOf(a.frontier));
  const local = nextFrontier({
    frontier: pos,
    levelCount: levelsOfSkill.length,
    evaluation: Object.fromEntries(levelsOfSkill.map((l, i) => [i, a.accuracy[l]]).filter(([, v]) => v !== undefined)),
    masteryThreshold: a.masteryThreshold,
    frontierInBand: a.frontierInBand,
    minBandSize: a.minBandSize,
    frontierMostlyAbove: a.frontierMostlyAbove,
  });
  const top = local.frontier >= levelsOfSkill.length;
  const frontier = top ? levelsOfSkill[levelsOfSkill.length - 1]! : levelsOfSkill[local.frontier]!;
  // The reason names local positions as levels: say it with the curriculum's level indices.
  return { frontier, top, reason: local.reason.replace(/^level \d+/, `level ${a.frontier}`) };
}

/** What one round did for one skill. */
export interface SkillOutcome {
  skill: string;
  /** The skill had a share of the round. */
  estimated: boolean;
  retry: boolean;
  candidates: number;
  inBand: number;
  /** The promoted candidate gained on this skill's judged level (paired evidence). */
  gain: boolean;
  next: { frontier: number; top: boolean };
  samples: number;
  minBandSize: number;
}

/** The status transitions of one round (climbing -> done / parked, parked -> climbing on a retry that found a band). */
export function advanceSkills(states: readonly SkillState[], outcomes: readonly SkillOutcome[], rule: Pick<SkillRule, 'parkAfterRounds'>, round: number): SkillState[] {
  return states.map((s) => {
    const o = outcomes.find((x) => x.skill === s.skill);
    if (!o) return s;
    const base: SkillState = { ...s, samples: s.samples + o.samples, frontier: o.next.frontier };
    if (o.estimated) base.bandRate = o.candidates ? o.inBand / o.candidates : 0;
    if (s.status === 'done') return base;
    if (o.next.top) return { ...without(base), status: 'done', reason: `mastered its last level (${o.next.frontier})`, idleRounds: 0 };
    const progressed = o.gain || o.next.frontier !== s.frontier;
    const banded = o.inBand >= o.minBandSize;
    if (s.status === 'parked') return progressed || (o.retry && banded) ? { ...without(base), status: 'climbing', idleRounds: 0 } : base;
    const idle = progressed ? 0 : s.idleRounds + 1;
    if (idle < rule.parkAfterRounds) return { ...base, idleRounds: idle };
    const why = banded ? 'no promoted gain' : `no band (${o.inBand} in band)`;
    return { ...base, status: 'parked', idleRounds: idle, parkedRound: round, reason: `${why} at level ${s.frontier} for ${idle} rounds` };
  });
}

function without(s: SkillState): SkillState {
  const { reason: _r, parkedRound: _p, ...rest } = s;
  return rest;
}

/** The campaign's single frontier in per-skill mode: the lowest climbing (else parked) frontier; `levelCount` once all are done. */
export function campaignFrontier(states: readonly SkillState[], levelCount: number): number {
  const open = states.filter((s) => s.status === 'climbing');
  const pool = open.length ? open : states.filter((s) => s.status === 'parked');
  return pool.length ? Math.min(...pool.map((s) => s.frontier)) : levelCount;
}

export function allSkillsDone(states: readonly SkillState[] | undefined): boolean {
  return states !== undefined && states.length > 0 && states.every((s) => s.status === 'done');
}
