/**
 * Providers: one class per kind (openai/, together/, fireworks/, local/), each over modules named after the
 * provider's own REST resources; the fine-tuning and serving interfaces they implement (types.ts); what the
 * round does with any of them, exactly once per business key (fineTune/ensureJob.ts, serving/ensureDeployment.ts);
 * the OpenAI-compatible chat client (chat/); and the one map from `kind` to class (providerClient.ts).
 */
export { createFineTuneProvider, createServingProvider, providerClient } from './providerClient';
export type { ProviderClient, ProviderClientConfig } from './types';
export { PROVIDER_CAPABILITIES, type ProviderCapabilities, type ProviderKind } from './capabilities';
export { OpenAIProvider, KEY_METADATA_FIELD } from './openai';
export { TogetherProvider, togetherEndpointNameForKey, togetherSuffixForKey } from './together';
export { FireworksProvider, fireworksDatasetIdFor, fireworksDeploymentIdForKey, fireworksJobIdForKey } from './fireworks';
export { LocalProvider, type LocalProviderConfig } from './local';
