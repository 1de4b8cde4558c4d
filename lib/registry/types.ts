import type { PromotionEvidence } from './decidePromotion';
import type { FineTuneProviderKind } from '../providers/types';

/** Held-out result of one model on one curriculum level. */
export interface LevelEvaluation {
  accuracy: number;
  n: number;
  correct: number;
}

/** Per level index (JSON object keys are strings: `"0"`, `"1"`, ...). */
export type Evaluation = Record<string, LevelEvaluation>;

export type ModelStatus = 'base' | 'candidate' | 'promoted' | 'rejected';

export interface ModelEntry {
  modelId: string;
  /** Provider kind (`openai`, `together`, `fireworks`) or another label for a base model. */
  provider: FineTuneProviderKind | string;
  /** The model this one was fine-tuned from. */
  parent?: string;
  /** 0 for the base model, the round that trained it otherwise. */
  round: number;
  datasetRef?: string;
  datasetSha256?: string;
  jobId?: string;
  evaluation?: Evaluation;
  /** Where the model is served when its provider needs a deployment (lib/providers/serving). */
  deployment?: DeploymentRecord;
  status: ModelStatus;
  /** Why it was promoted or rejected. */
  reason?: string;
  /** The paired comparison with its parent that decided it: estimate, interval and test (absent before it was recorded). */
  promotionEvidence?: PromotionEvidence;
  createdAt: string;
  updatedAt: string;
}

/** The registry file, `runs/<campaign>/registry.json`. */
export interface RegistryFile {
  version: 1;
  campaign: string;
  models: ModelEntry[];
}

/** A deployment the campaign created for a model, and how long it ran (what it cost is time on hardware). */
export interface DeploymentRecord {
  id: string;
  provider: string;
  /** What chat requests name to reach the model. */
  servedModel: string;
  /** ISO 8601: when the deployment was created (or adopted), became ready, was torn down. */
  createdAt: string;
  readyAt?: string;
  deletedAt?: string;
  /** Seconds from creation to teardown, set when it is torn down. */
  runningSeconds?: number;
}
