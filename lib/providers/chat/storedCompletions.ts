/**
 * Stored chat completions: the nearest thing to an idempotency key that a chat provider offers. A request
 * sent with `store: true` and `metadata` is kept by the provider (OpenAI: createChatCompletion's `store`,
 * `metadata`), and `GET <baseURL>/chat/completions?metadata[k]=v` lists what it kept (listChatCompletions,
 * https://platform.openai.com/docs/api-reference/chat/list; Azure's v1 API has the same route). Our requests
 * are deterministic (they carry a seed), so a digest of the body names one request: a retried activity looks
 * its requests up before sending them, and adopts an answer its earlier attempt was billed for but never
 * recorded (a worker killed with requests in flight) instead of paying for it again.
 */
import { createHash } from 'node:crypto';
import type { ChatCompletion } from 'openai/resources/chat/completions';

/** The metadata key that carries a request's digest. */
export const REQUEST_METADATA_KEY = 'strawberry_request';

/** First 32 hex characters of the SHA-256 of the request body as sent without `store` and `metadata`. */
export function requestDigest(canonicalBody: string): string {
  return createHash('sha256').update(canonicalBody).digest('hex').slice(0, 32);
}

/** The body with `store: true` and the digest in `metadata`. */
export function storedBody(payload: Record<string, unknown>, digest: string): string {
  return JSON.stringify({ ...payload, store: true, metadata: { [REQUEST_METADATA_KEY]: digest } });
}

/**
 * `<chat completions URL>?metadata[strawberry_request]=<digest>&limit=1`. No `model` filter: the digest
 * already covers the model, and OpenAI records the dated snapshot that answered (`gpt-4o-mini-2024-07-18`)
 * where the request named an alias, so a model filter could hide the very completion we look for.
 */
export function lookupURL(chatCompletions: URL, digest: string): URL {
  const url = new URL(chatCompletions);
  url.searchParams.set(`metadata[${REQUEST_METADATA_KEY}]`, digest);
  url.searchParams.set('limit', '1');
  return url;
}

/**
 * The stored completion of a list answer (ChatCompletionList) whose metadata carries `digest`, if any. The
 * metadata is checked here too: a server that ignores the filter must not hand us someone else's answer.
 */
export function adoptableCompletion(list: unknown, digest: string): ChatCompletion | undefined {
  const data = (list as { data?: unknown } | undefined)?.data;
  if (!Array.isArray(data)) return undefined;
  for (const item of data) {
    const c = item as (ChatCompletion & { metadata?: Record<string, string> | null }) | null;
    if (c && typeof c === 'object' && c.metadata?.[REQUEST_METADATA_KEY] === digest && Array.isArray(c.choices) && c.choices.length > 0) return c;
  }
  return undefined;
}
