import { createHash } from 'node:crypto';
import type { Problem } from '../curriculum/types';

export interface CandidateRule {
  /** 0-based level index of the frontier. */
  frontier: number;
  round: number;
  /** Also take the level above the frontier. */
  nextLevel: boolean;
  /** Cap per level (a seeded sample that changes from round to round); absent: every trainable problem. */
  maxPerLevel?: number;
}

/** Candidates of a round: trainable (not held-out) problems at the frontier level and, optionally, the next. */
export function roundCandidates(levels: readonly { index: number; problems: readonly Problem[] }[], rule: CandidateRule): string[] {
  const chosen = levels.filter((l) => l.index === rule.frontier || (rule.nextLevel && l.index === rule.frontier + 1));
  return chosen.flatMap((l) => {
    const trainable = l.problems.filter((p) => !p.heldOut).map((p) => p.id);
    return rule.maxPerLevel === undefined || trainable.length <= rule.maxPerLevel ? trainable : sampleOfRound(trainable, rule.round, rule.maxPerLevel);
  });
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
