/** Fine-tuning through provider APIs: one interface, three kinds, exactly one job per business key. */
export type {
  CreateJobRequest,
  FineTuneEvent,
  FineTuneHyperparameters,
  FineTuneJob,
  FineTuneProvider,
  FineTuneProviderConfig,
  FineTuneProviderKind,
  FineTuneStatus,
} from './types';
export { createFineTuneProvider } from './createFineTuneProvider';
export { ensureJob, intentPathForKey, type EnsureJobOptions, type EnsureJobResult, type FineTuneIntent } from './ensureJob';
export { fineTuneKey, keySlug } from './businessKey';
export { readApiKey } from '../apiKey';
export {
  ProviderRequestError,
  ProviderUnavailableError,
  isRetryableProviderError,
  isNonRetryableStatus,
  type ProviderError,
} from './errors';
export { KEY_METADATA_FIELD } from '../openai';
export { togetherSuffixForKey } from '../together/fineTunes';
export { fireworksDatasetIdFor, fireworksJobIdForKey } from '../fireworks';
export { isTerminalStatus } from './status';
