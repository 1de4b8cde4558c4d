import OpenAI, { APIConnectionTimeoutError, APIError } from 'openai';
import { readApiKey } from '../apiKey';
import { providerHttpError } from '../errors';

/**
 * How the OpenAI resource modules call the `openai` SDK: a client per call, so the key is read from the
 * environment at the moment of use and never kept; each call says how many SDK retries it allows (0 for
 * creates and uploads); every SDK error comes out as a `ProviderRequestError` or `ProviderUnavailableError`.
 */
export class OpenAIClient {
  constructor(
    private readonly opts: {
      /** OpenAI, Azure OpenAI (v1 API), a LiteLLM proxy or the simulated provider. */
      baseURL: string;
      apiKeyEnv: string;
      /** Per request. */
      timeoutMs: number;
      /** Azure OpenAI takes the key in an `api-key` header (its REST reference's security scheme), not as a bearer token. */
      authHeader?: 'bearer' | 'api-key';
      /** Prefix of error messages (default `openai`). */
      label?: string;
    },
  ) {}

  get timeoutMs(): number {
    return this.opts.timeoutMs;
  }

  async call<T>(what: string, maxRetries: number, fn: (api: OpenAI) => Promise<T>, timeoutMs = this.opts.timeoutMs): Promise<T> {
    const key = readApiKey(this.opts.apiKeyEnv, "the fine-tuning provider's API key");
    const headers = this.opts.authHeader === 'api-key' ? { 'api-key': key, authorization: null } : undefined;
    const api = new OpenAI({ apiKey: key, baseURL: this.opts.baseURL, maxRetries, timeout: timeoutMs, ...(headers ? { defaultHeaders: headers } : {}) });
    try {
      return await fn(api);
    } catch (err) {
      throw translate(`${this.opts.label ?? 'openai'}: ${what}`, err, key);
    }
  }
}

function translate(what: string, err: unknown, key: string): Error {
  if (err instanceof APIConnectionTimeoutError) return providerHttpError(what, undefined, 'request timed out', key);
  if (err instanceof APIError) {
    const body = err.error as { message?: unknown } | undefined;
    const message = typeof body?.message === 'string' ? body.message : err.message;
    return providerHttpError(what, err.status, message, key);
  }
  return err instanceof Error ? err : new Error(String(err));
}
