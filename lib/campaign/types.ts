import type { ResolvedCampaignConfig } from '../config/load';
import type { PromotionEvidence } from '../registry/decidePromotion';
import type { CampaignSettings } from './settings';
import type { SkillState, SkillStatus } from './skills';

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
  /** Per-skill mode (config `skills:`): one row per skill of the curriculum (absent: one frontier). */
  skills?: SkillRoundRow[];
}

/** What a round did for one skill (`report --json`: rounds[].skills[]). */
export interface SkillRoundRow {
  skill: string;
  /** The skill's frontier when the round started. */
  frontier: number;
  /** Its status after the round, and why when parked. */
  status: SkillStatus;
  reason?: string;
  /** Estimation and trace samples drawn for the skill this round. */
  samples: number;
  /** In-band problems found for the skill. */
  bandSize: number;
  /** New dataset examples of the skill. */
  examples: number;
  /** Its share of the round's budget. */
  share: number;
  /** The skill's frontier after the round. */
  nextFrontier: number;
  /** The skill's level indices (for the skill x level views of reports). */
  levels: number[];
}

/**
 * The shape of workflow inputs this release writes and reads. A history of another shape (recorded by an
 * older release) is refused with a message that says how to carry the campaign over (`strawberry resume`).
 */
export const WORKFLOW_SHAPE = 3;

/** What a campaign carries across continue-as-new: ids, counters and the stored config's hash (under 1 KB). */
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
  /** Fine-tune attempt of the current round: a retry after `blocked` creates a job under a new business key. */
  attempt: number;
  paused: boolean;
  /** The stored config version the next round runs with (lib/config/configStore.ts; `configure` makes a new one). */
  configHash: string;
  /** Per-skill mode (config `skills:`): each skill's frontier, status and samples; absent: one frontier. */
  skills?: SkillState[];
}

/** How far a round got, kept across a `blocked` state so a retry starts at the fine-tune (its dataset is in the manifest). */
export interface RoundResume {
  datasetExamples: number;
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

/**
 * What `start` and `resume` begin a campaign workflow from: the config (stored in the run store first, then
 * passed by its hash) and, on resume, where the campaign stood.
 */
export interface CampaignStart {
  config: ResolvedCampaignConfig;
  state?: Omit<CampaignState, 'configHash'>;
}

export interface CampaignInput {
  shape: typeof WORKFLOW_SHAPE;
  name: string;
  /** The stored config the campaign starts with (`strawberry start` stores it in the run store first). */
  configHash: string;
  /** Absent on the first run; carried by continue-as-new and by `strawberry resume`. */
  state?: CampaignState;
}

/**
 * Which round an activity works for, and with which stored config: the small context every round activity
 * takes (activities load the config by `configHash`; the largest activity input stays under 600 bytes).
 */
export interface RoundContext {
  campaign: string;
  round: number;
  frontier: number;
  levelCount: number;
  model: string;
  baseModel: string;
  attempt: number;
  configHash: string;
  /** Model id -> the name chat requests use to reach it (deployed models only; others serve as themselves). */
  served?: Record<string, string>;
}

export interface RoundInput extends RoundContext {
  shape: typeof WORKFLOW_SHAPE;
  /** What the round workflow itself reads of the config (fan-out, timeouts, poll intervals). */
  settings: CampaignSettings;
  resume?: RoundResume;
}

export type RoundResult =
  | { status: 'completed'; summary: RoundSummary; nextFrontier: number; currentModel: string; mastered: boolean; currentServedModel?: string; skills?: SkillState[] }
  | { status: 'blocked'; reason: string; resume?: RoundResume };

export type CampaignOutcome = {
  name: string;
  stopReason: string;
  rounds: RoundSummary[];
  finalModel: string;
  frontier: number;
  /** Where the final evaluation is kept in the run store (`<campaign>/evaluation-final.json`), when it ran. */
  finalEvaluation?: string;
};
