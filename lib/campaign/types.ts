import type { ResolvedCampaignConfig } from '../config/load';
import type { PromotionEvidence } from '../registry/decidePromotion';
import type { Ref } from '../store/types';

/**
 * The small values that travel through Temporal: workflow inputs, results and the state a campaign carries
 * across continue-as-new. Bulk data stays in the run store; these hold references and counts.
 */

/** Accuracy on held-out problems, per level index. */
export type LevelAccuracy = Record<number, { accuracy: number; correct: number; n: number }>;

export interface RoundSummary {
  round: number;
  frontier: number;
  candidates: number;
  inBand: number;
  tracesKept: number;
  datasetExamples: number;
  /** The model the round produced (or the parent, when it produced none). */
  model: string;
  promoted: boolean;
  evaluation: LevelAccuracy;
  outcome: 'promoted' | 'rejected' | 'no-dataset' | 'band-empty';
  note: string;
  /** Problems of the band selected for traces (absent in rounds recorded before it was counted). */
  selected?: number;
  /** LLM verifier calls made while generating this round's traces (absent before it was counted). */
  verifierCalls?: number;
  /** The paired comparison of candidate and parent that decided promotion (absent before it was recorded). */
  promotion?: PromotionEvidence;
}

export interface CampaignState {
  /** The next round to run, 1-based. */
  round: number;
  /** 0-based level index of the frontier. */
  frontier: number;
  levelCount: number;
  baseModel: string;
  currentModel: string;
  roundsWithoutPromotion: number;
  /** The name that reaches `currentModel` when it is served by a deployment (absent: the model id itself). */
  currentServedModel?: string;
  /** The last few rounds, newest last (bounded so the state stays small). */
  summaries: RoundSummary[];
  /** Fine-tune attempt of the current round: a retry after `blocked` creates a job under a new business key. */
  attempt: number;
  /** Artifacts of the current round kept across a `blocked` state, so a retry starts at the fine-tune. */
  resume?: RoundResume;
  paused: boolean;
  /** Tunables changed at run time through the `configure` update. */
  config: ResolvedCampaignConfig;
}

export interface RoundResume {
  datasetRef: Ref;
  candidates: number;
  inBand: number;
  tracesKept: number;
  /** A job that is (or may be) still training: polled again on retry instead of paying for another one. */
  jobId?: string;
  /** The model the round already trained: a retry goes straight to registration and evaluation. */
  trained?: { model: string; jobId: string };
  /** The trained model's deployment, once ready: a retry does not poll or create it again. */
  served?: { servedModel: string; deploymentId?: string };
}

export interface CampaignInput {
  config: ResolvedCampaignConfig;
  /** Absent on the first run; carried by continue-as-new and by `strawberry resume`. */
  state?: CampaignState;
}

export interface RoundInput {
  campaign: string;
  round: number;
  frontier: number;
  levelCount: number;
  model: string;
  baseModel: string;
  attempt: number;
  resume?: RoundResume;
  /** Model id -> the name chat requests use to reach it (deployed models only; others serve as themselves). */
  served?: Record<string, string>;
  /**
   * Set by rounds started after the per-round seeds were added: estimation and traces sample with a base seed
   * derived from `traces.seed` and the round (`roundSamplingSeed`), not `traces.seed` itself.
   */
  seedPerRound?: boolean;
  config: ResolvedCampaignConfig;
}

export type RoundResult =
  | { status: 'completed'; summary: RoundSummary; nextFrontier: number; currentModel: string; mastered: boolean; currentServedModel?: string }
  | { status: 'blocked'; reason: string; resume?: RoundResume };

export type CampaignOutcome = {
  name: string;
  stopReason: string;
  rounds: RoundSummary[];
  finalModel: string;
  frontier: number;
};
