export * from './types';
export * from './errors';
export { createOpenAIChatProvider, readApiKey, type OpenAIChatProviderOptions } from './openai';
export { Semaphore } from './semaphore';
export { TokenBucket } from './tokenBucket';
export { retryAfterMs, backoffMs, classifyError, isRetryableStatus } from './retry';
