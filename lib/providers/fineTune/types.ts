/** One fine-tuning job as every provider kind reports it. */
export type FineTuneStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface FineTuneJob {
  id: string;
  status: FineTuneStatus;
  /** The provider's own status word (`validating_files`, `compressing`, `JOB_STATE_WRITING_RESULTS`, ...). */
  providerStatus: string;
  /** The model to sample from once the job succeeded. */
  fineTunedModel?: string;
  /** The provider's own error text for a failed job. */
  error?: string;
  /** ISO 8601. */
  createdAt?: string;
  /** Tokens the job trained on, as the provider reports them (OpenAI `trained_tokens`, Together `token_count`). */
  trainedTokens?: number;
  /** The provider's own price figure for the job, in the unit it reports (Together `total_price`). */
  providerPrice?: number;
  /** The provider's response as received (never holds the API key). */
  raw?: unknown;
}

export interface FineTuneEvent {
  /** ISO 8601. */
  at: string;
  level?: string;
  message: string;
}

export interface FineTuneHyperparameters {
  nEpochs?: number;
  /** OpenAI-style multiplier of the provider's default learning rate (`openai` kind). */
  learningRateMultiplier?: number;
  /** Absolute learning rate (`together`, `fireworks`). */
  learningRate?: number;
  batchSize?: number;
}

export interface CreateJobRequest {
  /** The catalog base model the campaign started from. */
  baseModel: string;
  /**
   * The previous round's trained model, absent in round 1. Each provider continues from it its own way
   * (OpenAI: the `ft:` model as `model`; Together: `from_checkpoint`; Fireworks: warm start; local: the
   * parent checkpoint given to the training command).
   */
  parent?: { model: string; jobId?: string };
  /** What `uploadDataset` returned. */
  trainingFileId: string;
  /** Human-readable part of the resulting model's name (`openai`; `fireworks` display name). */
  suffix: string;
  /**
   * The business key, `<campaign>-r<n>-a<attempt>`: at most one job exists per key. Providers record it where
   * they can find it again: OpenAI metadata, the Together model suffix, the Fireworks job id.
   */
  key: string;
  seed?: number;
  hyperparameters?: FineTuneHyperparameters;
  metadata?: Record<string, string>;
}

export type FineTuneProviderKind = 'openai' | 'together' | 'fireworks' | 'local';

export interface FineTuneProvider {
  readonly kind: FineTuneProviderKind;
  uploadDataset(localPath: string, opts: { name: string }): Promise<{ fileId: string }>;
  /** Creates one job, without retrying (a retried create can start a second job). */
  createJob(req: CreateJobRequest): Promise<FineTuneJob>;
  /** Jobs created with this business key, oldest first: how a retry adopts a job instead of creating another. */
  findJobsByKey(key: string): Promise<FineTuneJob[]>;
  getJob(id: string): Promise<FineTuneJob>;
  listEvents(id: string): Promise<FineTuneEvent[]>;
  cancelJob(id: string): Promise<FineTuneJob>;
}
