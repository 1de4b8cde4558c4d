import type { FineTuneProvider, FineTuneProviderKind } from './fineTune/types';
import type { LocalProviderConfig } from './local/config';
import type { ServingOptions, ServingProvider } from './serving/types';

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
}
