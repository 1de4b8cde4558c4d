export * from './types';
// The one provider error classification (lib/providers/errors.ts), shared with the fine-tuning and serving clients.
export { ProviderRequestError, ProviderUnavailableError } from '../errors';
export { createOpenAIChatProvider, type OpenAIChatProviderOptions } from './chatCompletions';
export { readApiKey } from '../apiKey';
export { TokenBucket } from './tokenBucket';
export { retryAfterMs, backoffMs, classifyError, isRetryableStatus } from './retry';
export { completeChoices, choiceSeed, type CompleteChoicesOptions } from './completeChoices';
export { MAX_TOKENS_FIELD, maxTokensFieldOf, authHeaderOf, type MaxTokensField, type AuthHeader } from './requestShape';
