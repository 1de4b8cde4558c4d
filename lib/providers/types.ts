import type { AzureProviderOptions } from './azure/options';
import type { StoredSource } from '../store/types';
import type { LocalProviderConfig } from './local/config';

/**
 * The interfaces every provider kind implements (openai/, together/, fireworks/, local/ each have one class
 * that fine-tunes and serves) and what such a class is built from. The chat client's types are its own
 * (chat/types.ts): sampling is one OpenAI-compatible client for every kind.
 */

// --- Fine-tuning jobs ---

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

/**
 * What a job trains: supervised (chat examples; the default when absent) or preference pairs (DPO) with its
 * beta. Each kind sends it as its API documents (docs/providers.md, "Preference fine-tuning (issue 24)").
 */
export type FineTuneMethod = { type: 'sft' } | { type: 'dpo'; beta: number };

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
  /** Absent: supervised. `dpo`: `trainingFileId` is a preference file (lib/datasets/preferenceFormat.ts). */
  method?: FineTuneMethod;
  metadata?: Record<string, string>;
}

export type FineTuneProviderKind = 'openai' | 'azure' | 'together' | 'fireworks' | 'local';

export interface FineTuneProvider {
  readonly kind: FineTuneProviderKind;
  /** Uploads a training file read from the run store (whichever store holds it: a directory or a bucket). */
  uploadDataset(source: StoredSource, opts: { name: string }): Promise<{ fileId: string }>;
  /** Creates one job, without retrying (a retried create can start a second job). */
  createJob(req: CreateJobRequest): Promise<FineTuneJob>;
  /** Jobs created with this business key, oldest first: how a retry adopts a job instead of creating another. */
  findJobsByKey(key: string): Promise<FineTuneJob[]>;
  getJob(id: string): Promise<FineTuneJob>;
  listEvents(id: string): Promise<FineTuneEvent[]>;
  cancelJob(id: string): Promise<FineTuneJob>;
}

// --- Serving: deployments, adapter loads, or nothing ---

/**
 * How a trained model becomes something we can sample from: a provider deployment (Fireworks on-demand,
 * Together dedicated endpoint), a runtime adapter load (vLLM, our local server), or nothing at all (OpenAI,
 * Together serverless). The round's `serve` phase calls this between fine-tune and evaluate.
 */
export type DeploymentState = 'pending' | 'ready' | 'failed' | 'deleted';

export interface Deployment {
  /** The provider's id of the deployment (or of the loaded adapter); what `getDeployment`/`deleteDeployment` take. */
  id: string;
  /** The trained model this deployment serves. */
  model: string;
  /** The name to put in chat requests' `model` field once ready (may differ from `model`, e.g. `<model>#<deployment>`). */
  servedModel: string;
  state: DeploymentState;
  /** The provider's own state word. */
  providerState: string;
  /** ISO 8601. */
  createdAt?: string;
  error?: string;
}

export interface EnsureDeploymentRequest {
  /** Business key, `<campaign>-r<n>-a<attempt>-serve`: at most one deployment exists per key. */
  key: string;
  /** The trained model (what the fine-tune job returned). */
  model: string;
}

export interface ServingProvider {
  /** The provider kind (`openai`, `together`, `fireworks`, `local`, ...). */
  readonly kind?: string;
  /** False when a trained model serves as soon as its job succeeded (no deployment is created). */
  needsDeployment(model: string): boolean;
  /** Creates the deployment, or adopts the one that already exists under `req.key`; never creates two. */
  ensureDeployment(req: EnsureDeploymentRequest): Promise<Deployment>;
  getDeployment(id: string): Promise<Deployment>;
  /** Tears the deployment down; a deployment that is already gone is not an error. */
  deleteDeployment(id: string): Promise<void>;
}

/** Options of the provider config that shape deployments (lib/config/schema.ts `serving`). */
export interface ServingOptions {
  /** Together: `serverless` (the fine-tune serves as is) or `dedicated` (an endpoint per model). */
  mode?: 'serverless' | 'dedicated';
  /** Together endpoint hardware id (`1x_nvidia_h100_80gb_sxm`). */
  hardware?: string;
  /** Fireworks accelerator type / count, or a deployment shape. */
  acceleratorType?: string;
  acceleratorCount?: number;
  deploymentShape?: string;
  minReplicas?: number;
  maxReplicas?: number;
}

// --- One configured provider ---

/**
 * One configured provider: a class per kind (openai/, together/, fireworks/, local/) that fine-tunes and
 * serves, each method backed by the provider's own REST resource module (files, jobs, deployments).
 */
export type ProviderClient = FineTuneProvider & ServingProvider;

/** What a provider class is built from: the provider's config block, less the chat limits (chat/ reads those). */
export interface ProviderClientConfig {
  kind: FineTuneProviderKind;
  /** e.g. `https://api.openai.com/v1`, `https://api.together.xyz/v1`, `https://api.fireworks.ai`. */
  baseURL: string;
  /**
   * Name of the environment variable holding the API key; the key itself never leaves the worker. Fine-tuning
   * a managed kind needs it; `local` and serving without a deployment may go without.
   */
  apiKeyEnv?: string;
  /** Fireworks account id (`accounts/<accountId>/...`). */
  accountId?: string;
  /** Per-request timeout for API calls (uploads get ten times as long). Default 60 s. */
  timeoutMs?: number;
  /** Fireworks: how long to wait for an uploaded dataset to become READY. Default 10 min. */
  datasetReadyTimeoutMs?: number;
  /** Fireworks: interval between dataset state checks. Default 2 s. */
  datasetPollMs?: number;
  /** How trained models are deployed (Together dedicated endpoints, Fireworks on-demand deployments). */
  serving?: ServingOptions;
  /** `local`: the training command, jobs directory, serve endpoints and known models. */
  local?: Omit<LocalProviderConfig, 'baseURL' | 'apiKeyEnv' | 'timeoutMs'>;
  /** `azure`: how long to wait for an upload to be processed, and where deployments are made. */
  azure?: AzureProviderOptions;
}
