/** The one interface every chat backend implements (OpenAI-compatible endpoints, the simulated provider). */

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  temperature?: number;
  maxTokens?: number;
  /** Number of choices in one request (pass-rate estimation draws a batch this way). */
  n?: number;
  seed?: number;
  /** Structured output (`response_format: {type: "json_schema", json_schema}`), for servers that support it. */
  responseFormat?: { type: 'json_schema'; json_schema: { name: string; schema: Record<string, unknown>; strict?: boolean } };
}

export interface ChatChoice {
  content: string;
  /** `stop`, `length`, `content_filter`, …, as the provider said. */
  finishReason: string;
}

export interface ChatUsage {
  promptTokens: number;
  completionTokens: number;
}

export interface ChatResponse {
  choices: ChatChoice[];
  usage: ChatUsage;
}

export interface CompleteOptions {
  /**
   * Aborts waits (for a concurrency slot, a rate limit, a retry backoff) and refuses to send further attempts.
   * A request already on the wire is left to finish, so what it drew can still be recorded.
   */
  signal?: AbortSignal;
  /**
   * Order among requests waiting for a concurrency slot: higher first, equal ones first come, first served.
   * Shards pass their index negated, so the oldest shard of a phase drains first and finishes while the
   * others keep the provider busy (shards sharing slots evenly would all finish at once, leaving the
   * provider idle while the next ones start).
   */
  priority?: number;
  /**
   * Look for this request's stored answer before sending it (a client with `storedCompletions` only): set by
   * a retried activity, whose earlier attempt may have been billed for answers it never recorded.
   */
  adoptStored?: boolean;
  /** Called for each answer taken from the provider's stored completions instead of paid for again. */
  onAdopted?: () => void;
}

export interface ChatProvider {
  complete(req: ChatRequest, options?: CompleteOptions): Promise<ChatResponse>;
}

/** The same provider with every request bound to `signal` (e.g. the lanes of one activity shard). */
export function withSignal(provider: ChatProvider, signal: AbortSignal, priority?: number): ChatProvider {
  return { complete: (req, options) => provider.complete(req, { ...options, signal: options?.signal ?? signal, priority: options?.priority ?? priority }) };
}
