export * from './types';
export * from './errors';
export { createOpenAIChatProvider, type OpenAIChatProviderOptions } from './chatCompletions';
export { readApiKey } from '../apiKey';
export { TokenBucket } from './tokenBucket';
export { retryAfterMs, backoffMs, classifyError, isRetryableStatus } from './retry';
export { completeChoices, choiceSeed, type CompleteChoicesOptions } from './completeChoices';
