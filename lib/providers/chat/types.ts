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

export interface ChatProvider {
  complete(req: ChatRequest): Promise<ChatResponse>;
}
