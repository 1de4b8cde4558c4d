/** Fine-tuning through provider APIs: one interface, a class per kind, exactly one job per business key. */
export type { CreateJobRequest, FineTuneEvent, FineTuneHyperparameters, FineTuneJob, FineTuneProvider, FineTuneProviderKind, FineTuneStatus } from '../types';
// Defined beside the one map from kind to class.
export { createFineTuneProvider } from '../providerClient';
export { ensureJob, intentPathForKey, type EnsureJobOptions, type EnsureJobResult, type FineTuneIntent } from './ensureJob';
export { fineTuneKey, keySlug } from '../businessKey';
export { readApiKey } from '../apiKey';
export {
  ProviderRequestError,
  ProviderUnavailableError,
  isRetryableProviderError,
  isNonRetryableStatus,
  type ProviderError,
} from '../errors';
export { isTerminalStatus } from './status';
