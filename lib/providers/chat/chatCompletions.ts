/**
 * The chat completions resource of any OpenAI-compatible endpoint (`POST <baseURL>/chat/completions`,
 * https://platform.openai.com/docs/api-reference/chat/create): OpenAI, Azure OpenAI, vLLM, LiteLLM, Together,
 * Fireworks (`/inference/v1`), the sim. Every provider kind samples through this one client.
 */
import { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai';
import type { ChatCompletion } from 'openai/resources/chat/completions';
import PQueue from 'p-queue';
import { getJson, postJson, TransportError, type JsonAnswer } from './postJson';
import { readApiKey } from '../apiKey';
import { createLogger, type Logger } from '../../log';
import { ProviderUnavailableError } from '../errors';
import { backoffMs, classifyError } from './retry';
import { adoptableCompletion, lookupURL, requestDigest, storedBody } from './storedCompletions';
import { TokenBucket } from './tokenBucket';
import type { ChatProvider, ChatRequest, ChatResponse, CompleteOptions } from './types';
import type { AuthHeader, MaxTokensField } from './requestShape';

export interface OpenAIChatProviderOptions {
  /** An OpenAI-compatible endpoint, e.g. `https://api.openai.com/v1`, a vLLM or LiteLLM server, the sim. */
  baseURL: string;
  /**
   * Name of the environment variable holding the API key (never the key itself). Omit it for endpoints
   * without authentication (a local vLLM, the simulated provider).
   */
  apiKeyEnv?: string;
  /** Requests in flight at once, for this client (one client per provider per worker, shared by all activities). */
  concurrency?: number;
  requestsPerMinute?: number;
  /** Prompt + completion tokens per minute; a request is charged an estimate up front, corrected after. */
  tokensPerMinute?: number;
  /**
   * Retries after the first attempt on 5xx, timeouts, dropped connections, malformed or truncated bodies and
   * answers without choices. 429s do not count: they are retried until `rateLimitDeadlineMs`.
   */
  maxRetries?: number;
  /** How long one request keeps retrying 429s (honouring retry-after) before it gives up. */
  rateLimitDeadlineMs?: number;
  /** Per attempt. */
  timeoutMs?: number;
  /** Backoff when the provider gives no retry-after: base, doubled per attempt, with jitter. */
  retryBaseDelayMs?: number;
  /** Longest wait between attempts, whatever retry-after says. */
  maxRetryDelayMs?: number;
  logger?: Logger;
  /** The field that carries `maxTokens` (requestShape.ts: what each provider kind documents). Default `max_completion_tokens`, OpenAI's. */
  maxTokensField?: MaxTokensField;
  /** How the key travels: `Authorization: Bearer` (default) or Azure's `api-key` header. */
  authHeader?: AuthHeader;
  /**
   * Send every request with `store: true` and its digest in `metadata` (storedCompletions.ts), so that a
   * retry may adopt an answer already paid for (CompleteOptions.adoptStored). The provider keeps prompts and
   * completions for its retention period.
   */
  storedCompletions?: boolean;
}

/** The key sent to endpoints that need none (some servers insist on a bearer token of any kind). */
const NO_KEY = 'no-key';

function chatApiKey(apiKeyEnv: string | undefined, baseURL: string): string {
  return apiKeyEnv === undefined ? NO_KEY : readApiKey(apiKeyEnv, `the API key for ${baseURL}`);
}

/** Rough token count of a request before it is sent (about 4 characters a token), for the TPM limiter. */
function estimateTokens(req: ChatRequest): number {
  const chars = req.messages.reduce((sum, m) => sum + m.content.length + 8, 0);
  return Math.ceil(chars / 4) + (req.maxTokens ?? 512) * (req.n ?? 1);
}

/** `<baseURL>/chat/completions`, keeping any query of the base URL (some gateways carry a version there). */
function chatCompletionsURL(baseURL: string): URL {
  const url = new URL(baseURL);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/chat/completions`;
  return url;
}

/** What the SDK would send besides the body: the key, and the organization and project it reads from the environment. */
function requestHeaders(apiKey: string, auth: AuthHeader): Record<string, string> {
  const h: Record<string, string> = { ...(auth === 'api-key' ? { 'api-key': apiKey } : { authorization: `Bearer ${apiKey}` }), accept: 'application/json', 'user-agent': 'open-strawberry' };
  if (process.env.OPENAI_ORG_ID) h['openai-organization'] = process.env.OPENAI_ORG_ID;
  if (process.env.OPENAI_PROJECT_ID) h['openai-project'] = process.env.OPENAI_PROJECT_ID;
  return h;
}

function safeJson(text: string): object | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === 'object' ? v : undefined;
  } catch {
    return undefined;
  }
}

function headersOf(answer: JsonAnswer): Headers {
  const h = new Headers();
  for (const [k, v] of Object.entries(answer.headers)) {
    if (v === undefined) continue;
    for (const one of Array.isArray(v) ? v : [v]) h.append(k, one);
  }
  return h;
}

/** An answer that came back whole but unusable (truncated JSON, no choices): retried like a 5xx. */
class MalformedAnswer extends Error {}

/** What the client returns of a completion (sent now, or stored from an earlier attempt). */
function responseOf(completion: ChatCompletion, req: ChatRequest): ChatResponse {
  const usage = {
    promptTokens: completion.usage?.prompt_tokens ?? 0,
    completionTokens: completion.usage?.completion_tokens ?? 0,
  };
  const choices = [...(completion.choices ?? [])]
    .sort((a, b) => a.index - b.index)
    .map((c) => ({ content: c.message?.content ?? '', finishReason: c.finish_reason ?? 'unknown' }));
  if (choices.length === 0) throw new MalformedAnswer(`no choices for model ${req.model}`);
  return { choices, usage };
}

/** Rejects with the signal's reason once it aborts. */
function aborted(signal: AbortSignal | undefined): Error {
  const reason = signal?.reason;
  return reason instanceof Error ? reason : Object.assign(new Error('chat request aborted'), { name: 'AbortError' });
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(aborted(signal));
    const onAbort = () => {
      clearTimeout(timer);
      reject(aborted(signal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * A ChatProvider for OpenAI-compatible chat completions: the request goes over keep-alive node:http
 * (postJson.ts says why not through the SDK's client) and every failure is one of the `openai` SDK's error
 * classes. Retries are ours, per request: each attempt passes the concurrency limiter (a `p-queue`, one per client, so all shards of a worker
 * share the provider's concurrency) and the rate limiters; retry-after is honoured; 429s are retried until a
 * deadline, other retryable failures (5xx, timeouts, malformed bodies, empty `choices`) up to `maxRetries`.
 */
export function createOpenAIChatProvider(opts: OpenAIChatProviderOptions): ChatProvider {
  const {
    baseURL,
    concurrency = 8,
    maxRetries = 5,
    rateLimitDeadlineMs = 15 * 60_000,
    timeoutMs = 60000,
    retryBaseDelayMs = 500,
    maxRetryDelayMs = 60000,
  } = opts;
  const logger = opts.logger ?? createLogger({ component: 'chat-provider' });
  const apiKey = chatApiKey(opts.apiKeyEnv, baseURL);
  const endpoint = chatCompletionsURL(baseURL);
  const headers = requestHeaders(apiKey, opts.authHeader ?? 'bearer');
  const maxTokensField = opts.maxTokensField ?? 'max_completion_tokens';
  // A priority queue (CompleteOptions.priority): p-queue 6, its last CommonJS line.
  const slots = new PQueue({ concurrency });
  const requests = opts.requestsPerMinute ? new TokenBucket(opts.requestsPerMinute) : undefined;
  const tokens = opts.tokensPerMinute ? new TokenBucket(opts.tokensPerMinute) : undefined;

  const storing = opts.storedCompletions ?? false;
  let lookupsFailed = false;

  /**
   * The stored answer to this request, when the provider kept one (a lookup, not billed, but a request for
   * the request limiter). Any failure (404 from a server without the route, 5xx, a dropped connection) is
   * "none": the caller sends the request as it would have.
   */
  async function storedAnswer(digest: string, signal: AbortSignal | undefined): Promise<ChatCompletion | undefined> {
    await requests?.take(1);
    if (signal?.aborted) throw aborted(signal);
    let why: string;
    try {
      const answer = await getJson(lookupURL(endpoint, digest), headers, timeoutMs);
      if (answer.status === 200) return adoptableCompletion(safeJson(answer.body.toString('utf8')), digest);
      why = `status ${answer.status}`;
    } catch (err) {
      why = (err as Error).message;
    }
    if (!lookupsFailed) {
      lookupsFailed = true;
      logger.warn({ baseURL, why }, 'stored-completions lookup failed; sending the request again (logged once per client)');
    }
    return undefined;
  }

  async function attempt(req: ChatRequest, signal: AbortSignal | undefined, lookFirst: boolean): Promise<ChatResponse & { adopted?: true }> {
    if (signal?.aborted) throw aborted(signal);
    const payload = {
      model: req.model,
      messages: req.messages,
      ...(req.temperature !== undefined ? { temperature: req.temperature } : {}),
      ...(req.maxTokens !== undefined ? { [maxTokensField]: req.maxTokens } : {}),
      ...(req.n !== undefined ? { n: req.n } : {}),
      ...(req.seed !== undefined ? { seed: req.seed } : {}),
      ...(req.responseFormat !== undefined ? { response_format: req.responseFormat } : {}),
    };
    let body = JSON.stringify(payload);
    if (storing) {
      const digest = requestDigest(body);
      if (lookFirst) {
        const stored = await storedAnswer(digest, signal);
        if (stored) return { ...responseOf(stored, req), adopted: true };
      }
      body = storedBody(payload, digest);
    }
    const estimated = estimateTokens(req);
    await requests?.take(1);
    await tokens?.take(estimated);
    // Checked again after the rate limiters: an aborted lane sends nothing more. A request already sent is
    // not aborted: what it drew is paid for, and the caller may still record it.
    if (signal?.aborted) throw aborted(signal);
    let answer: JsonAnswer;
    try {
      answer = await postJson(endpoint, headers, body, timeoutMs);
    } catch (err) {
      // Described by the SDK's own error classes, so callers and classifyError see what the SDK would throw.
      if (err instanceof TransportError && err.timedOut) throw new APIConnectionTimeoutError({ message: err.message });
      throw new APIConnectionError({ message: (err as Error).message, cause: err instanceof Error ? err : undefined });
    }
    const text = answer.body.toString('utf8');
    if (answer.status < 200 || answer.status > 299) {
      const json = safeJson(text);
      throw APIError.generate(answer.status, json, json === undefined ? text : undefined, headersOf(answer));
    }
    // A 200 whose body is cut off or not JSON.
    let completion: ChatCompletion;
    try {
      completion = JSON.parse(text) as ChatCompletion;
    } catch (err) {
      throw new MalformedAnswer(`malformed response body (${(err as Error).message})`);
    }
    if (!completion || typeof completion !== 'object') throw new MalformedAnswer('response body is not a JSON object');
    const response = responseOf(completion, req);
    tokens?.charge(response.usage.promptTokens + response.usage.completionTokens - estimated);
    return response;
  }

  async function complete(req: ChatRequest, options: CompleteOptions = {}): Promise<ChatResponse> {
    const { signal } = options;
    const started = Date.now();
    let failures = 0;
    let rateLimited = 0;
    // A retried activity's request may have been answered (and billed) before its worker died; so may an
    // earlier try of this call that timed out, lost its connection or came back cut off.
    let lookFirst = options.adoptStored ?? false;
    for (;;) {
      try {
        const response = await slots.add(() => attempt(req, signal, lookFirst), { priority: options.priority ?? 0 });
        if (!response.adopted) return response;
        options.onAdopted?.();
        return { choices: response.choices, usage: response.usage };
      } catch (err) {
        if (signal?.aborted) throw aborted(signal);
        lookFirst = err instanceof MalformedAnswer || err instanceof APIConnectionError;
        const c =
          err instanceof MalformedAnswer
            ? { retryable: true as const, status: undefined, message: err.message, retryAfterMs: undefined }
            : classifyError(err, apiKey === NO_KEY ? undefined : apiKey);
        if (!c.retryable) throw c.error;
        const is429 = c.status === 429;
        if (is429) rateLimited++;
        else failures++;
        const tries = failures + rateLimited;
        let waitMs = Math.min(maxRetryDelayMs, c.retryAfterMs ?? backoffMs(is429 ? rateLimited - 1 : failures - 1, retryBaseDelayMs, maxRetryDelayMs));
        const left = started + rateLimitDeadlineMs - Date.now();
        if ((!is429 && failures > maxRetries) || left <= 0) {
          throw new ProviderUnavailableError(
            `${baseURL}: ${c.message} (gave up after ${tries} attempts${is429 ? `, rate limited for ${Math.round((Date.now() - started) / 1000)} s` : ''})`,
            c.status,
            c.message,
            tries,
          );
        }
        waitMs = Math.min(waitMs, Math.max(0, left));
        logger.warn({ status: c.status, attempt: tries, waitMs, model: req.model }, `chat request failed, retrying: ${c.message}`);
        await sleep(waitMs, signal);
      }
    }
  }

  return { complete };
}
