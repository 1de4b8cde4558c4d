import OpenAI from 'openai';
import { readApiKey } from '../apiKey';
import { createLogger, type Logger } from '../../log';
import { ProviderRequestError, ProviderUnavailableError } from './errors';
import { backoffMs, classifyError } from './retry';
import { Semaphore } from './semaphore';
import { TokenBucket } from './tokenBucket';
import type { ChatProvider, ChatRequest, ChatResponse } from './types';

export interface OpenAIChatProviderOptions {
  /** An OpenAI-compatible endpoint, e.g. `https://api.openai.com/v1`, a vLLM or LiteLLM server, the sim. */
  baseURL: string;
  /**
   * Name of the environment variable holding the API key (never the key itself). Omit it for endpoints
   * without authentication (a local vLLM, the simulated provider).
   */
  apiKeyEnv?: string;
  /** Requests in flight at once. */
  concurrency?: number;
  requestsPerMinute?: number;
  /** Prompt + completion tokens per minute; a request is charged an estimate up front, corrected after. */
  tokensPerMinute?: number;
  /** Retries after the first attempt on 429, 5xx, timeouts and connection errors. */
  maxRetries?: number;
  /** Per attempt. */
  timeoutMs?: number;
  /** Backoff when the provider gives no retry-after: base, doubled per attempt, with jitter. */
  retryBaseDelayMs?: number;
  /** Longest wait between attempts, whatever retry-after says. */
  maxRetryDelayMs?: number;
  logger?: Logger;
}

/** The key sent to endpoints that need none: the SDK insists on some string. */
const NO_KEY = 'no-key';

function chatApiKey(apiKeyEnv: string | undefined, baseURL: string): string {
  return apiKeyEnv === undefined ? NO_KEY : readApiKey(apiKeyEnv, `the API key for ${baseURL}`);
}

/** Rough token count of a request before it is sent (about 4 characters a token), for the TPM limiter. */
function estimateTokens(req: ChatRequest): number {
  const chars = req.messages.reduce((sum, m) => sum + m.content.length + 8, 0);
  return Math.ceil(chars / 4) + (req.maxTokens ?? 512) * (req.n ?? 1);
}

/**
 * A ChatProvider over the `openai` SDK. Retries are ours, not the SDK's (the client has `maxRetries: 0`), so
 * each attempt passes the concurrency and rate limiters, retry-after is honoured, and the number of attempts
 * is exactly 1 + maxRetries.
 */
export function createOpenAIChatProvider(opts: OpenAIChatProviderOptions): ChatProvider {
  const {
    baseURL,
    concurrency = 8,
    maxRetries = 5,
    timeoutMs = 60000,
    retryBaseDelayMs = 500,
    maxRetryDelayMs = 60000,
  } = opts;
  const logger = opts.logger ?? createLogger({ component: 'chat-provider' });
  const apiKey = chatApiKey(opts.apiKeyEnv, baseURL);
  const client = new OpenAI({ baseURL, apiKey, maxRetries: 0, timeout: timeoutMs });
  const slots = new Semaphore(concurrency);
  const requests = opts.requestsPerMinute ? new TokenBucket(opts.requestsPerMinute) : undefined;
  const tokens = opts.tokensPerMinute ? new TokenBucket(opts.tokensPerMinute) : undefined;

  async function attempt(req: ChatRequest): Promise<ChatResponse> {
    const estimated = estimateTokens(req);
    await requests?.take(1);
    await tokens?.take(estimated);
    const completion = await client.chat.completions.create({
      model: req.model,
      messages: req.messages,
      ...(req.temperature !== undefined ? { temperature: req.temperature } : {}),
      ...(req.maxTokens !== undefined ? { max_tokens: req.maxTokens } : {}),
      ...(req.n !== undefined ? { n: req.n } : {}),
      ...(req.seed !== undefined ? { seed: req.seed } : {}),
    });
    const usage = {
      promptTokens: completion.usage?.prompt_tokens ?? 0,
      completionTokens: completion.usage?.completion_tokens ?? 0,
    };
    tokens?.charge(usage.promptTokens + usage.completionTokens - estimated);
    const choices = [...(completion.choices ?? [])]
      .sort((a, b) => a.index - b.index)
      .map((c) => ({ content: c.message?.content ?? '', finishReason: c.finish_reason ?? 'unknown' }));
    if (choices.length === 0) throw new ProviderRequestError(`${baseURL} returned no choices for model ${req.model}`, undefined);
    return { choices, usage };
  }

  return {
    complete: (req) =>
      slots.run(async () => {
        for (let tryIndex = 0; ; tryIndex++) {
          try {
            return await attempt(req);
          } catch (err) {
            const c = classifyError(err, apiKey === NO_KEY ? undefined : apiKey);
            if (!c.retryable) throw c.error;
            if (tryIndex >= maxRetries) {
              throw new ProviderUnavailableError(`${baseURL}: ${c.message} (gave up after ${tryIndex + 1} attempts)`, c.status, c.message, tryIndex + 1);
            }
            const waitMs = Math.min(maxRetryDelayMs, c.retryAfterMs ?? backoffMs(tryIndex, retryBaseDelayMs, maxRetryDelayMs));
            logger.warn({ status: c.status, attempt: tryIndex + 1, waitMs, model: req.model }, `chat request failed, retrying: ${c.message}`);
            await new Promise((r) => setTimeout(r, waitMs));
          }
        }
      }),
  };
}
