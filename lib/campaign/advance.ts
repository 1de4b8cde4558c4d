import type { LevelAccuracy } from './types';

/**
 * Advancement and stopping: pure rules shared by the concluding activity and the campaign workflow
 * (which imports this file, so it must stay deterministic and free of I/O).
 */

export interface AdvanceInput {
  frontier: number;
  levelCount: number;
  /** Held-out accuracy of the model the campaign goes on with. */
  evaluation: LevelAccuracy;
  masteryThreshold: number;
  /** In-band problems found at the frontier level this round. */
  frontierInBand: number;
  minBandSize: number;
  /** Problems at the frontier were mostly above the band (too easy) rather than below it. */
  frontierMostlyAbove: boolean;
}

/** The frontier moves up when its held-out accuracy passes the threshold, or when its band ran dry because it got easy. */
export function nextFrontier(a: AdvanceInput): { frontier: number; mastered: boolean; reason: string } {
  const acc = a.evaluation[a.frontier]?.accuracy ?? 0;
  if (acc >= a.masteryThreshold) {
    return { frontier: a.frontier + 1, mastered: true, reason: `level ${a.frontier} held-out accuracy ${pct(acc)} >= ${pct(a.masteryThreshold)}` };
  }
  if (a.frontierInBand < a.minBandSize && a.frontierMostlyAbove) {
    return { frontier: a.frontier + 1, mastered: false, reason: `level ${a.frontier} band ran dry (${a.frontierInBand} in band, most problems above it)` };
  }
  return { frontier: a.frontier, mastered: false, reason: `level ${a.frontier} held-out accuracy ${pct(acc)} < ${pct(a.masteryThreshold)}` };
}

export interface StopInput {
  round: number;
  frontier: number;
  levelCount: number;
  maxRounds: number;
  roundsWithoutPromotion: number;
  maxRoundsWithoutPromotion: number;
  /** Per-skill mode: the skills' states (the campaign stops once every skill is done). */
  skills?: readonly { status: string }[];
}

/** Why the campaign stops before running `round`, or undefined to go on. */
export function stopReason(s: StopInput): string | undefined {
  if (s.skills?.length && s.skills.every((k) => k.status === 'done')) return `every skill (${s.skills.length}) mastered its last level`;
  if (s.frontier >= s.levelCount) return `the top level (${s.levelCount - 1}) is mastered`;
  if (s.round > s.maxRounds) return `maxRounds (${s.maxRounds}) reached`;
  if (s.roundsWithoutPromotion >= s.maxRoundsWithoutPromotion) return `${s.roundsWithoutPromotion} rounds without promotion`;
  return undefined;
}

export function pct(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}
