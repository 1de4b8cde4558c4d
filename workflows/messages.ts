import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Tunables } from '../lib/config/tunables';
import type { RoundSummary } from '../lib/campaign/types';
import type { SkillState } from '../lib/campaign/skills';

/** Messages of the campaign workflow (the round workflow answers the same pause/unpause/status). */

/** Stop at the next phase boundary. */
export const pauseSignal = defineSignal('pause');
/** Go on after `pause`; after `blocked`, retry the round's failed step (a new fine-tune attempt). */
export const unpauseSignal = defineSignal('unpause');
export interface CancelOptions {
  /** Leave the deployments the campaign created running (default: torn down). */
  keepDeployments?: boolean;
}
/**
 * End the campaign: the running round is cancelled, its provider job is cancelled, the deployments the
 * campaign created are torn down (unless `keepDeployments`); the registry keeps what was done.
 */
export const cancelSignal = defineSignal<[CancelOptions?]>('cancel');

/** Change safe tunables from the next round on; the validator rejects bad values before anything is recorded. */
export const configureUpdate = defineUpdate<Tunables, [Tunables]>('configure');

export interface CampaignStatus {
  name: string;
  round: number;
  phase: string;
  frontier: number;
  levelCount: number;
  currentModel: string;
  baseModel: string;
  paused: boolean;
  blockedReason?: string;
  roundsWithoutPromotion: number;
  summaries: RoundSummary[];
  /** Progress of the running round's phase, e.g. {done: 120, total: 400}. */
  progress?: { phase: string; done: number; total: number };
  /** The stored config version the next round runs with (`<runs>/<name>/configs/<hash>.json`). */
  configHash?: string;
  /** Per-skill mode (config `skills:`): each skill's frontier, status and samples. */
  skills?: SkillState[];
}

export const statusQuery = defineQuery<CampaignStatus>('status');

export interface RoundStatus {
  round: number;
  phase: string;
  paused: boolean;
  progress?: { phase: string; done: number; total: number };
}
export const roundStatusQuery = defineQuery<RoundStatus>('roundStatus');
