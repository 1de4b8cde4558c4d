/**
 * The chat request fields that differ by provider kind, in one place: which field carries the completion
 * limit, and how the key travels. Each is what the provider's own reference documents:
 * - OpenAI: `max_tokens` is deprecated in favour of `max_completion_tokens` and "not compatible with o-series
 *   models" (https://platform.openai.com/docs/api-reference/chat/create; openai-openapi.yaml
 *   `CreateChatCompletionRequest.max_tokens`, `deprecated: true`); reasoning models answer 400
 *   `unsupported_parameter` to it.
 * - Azure OpenAI: the same field for the v1 API and reasoning models
 *   (https://learn.microsoft.com/en-us/azure/foundry/openai/how-to/reasoning: reasoning deployments answer 400 unsupported_parameter to max_tokens);
 *   the key goes in the `api-key` header (https://learn.microsoft.com/en-us/azure/ai-foundry/openai/reference).
 * - Together documents only `max_tokens` (https://docs.together.ai/reference/chat-completions,
 *   https://docs.together.ai/docs/inference/chat/parameters); Fireworks likewise
 *   (https://docs.fireworks.ai/api-reference/post-chatcompletions).
 * - Self-hosted (`local`: vLLM, SGLang, llama.cpp, our server): `max_tokens`, which every one of them reads;
 *   vLLM also takes `max_completion_tokens` (vllm/entrypoints/openai/protocol.py `ChatCompletionRequest`).
 * A provider block may override the field (`maxTokensField`), e.g. an `openai`-kind endpoint that is an older
 * OpenAI-compatible server knowing only `max_tokens`.
 */
import type { ProviderConfig } from '../../config/schema';

export type MaxTokensField = 'max_completion_tokens' | 'max_tokens';
export type AuthHeader = 'bearer' | 'api-key';

export const MAX_TOKENS_FIELD: Record<ProviderConfig['kind'], MaxTokensField> = {
  openai: 'max_completion_tokens',
  azure: 'max_completion_tokens',
  together: 'max_tokens',
  fireworks: 'max_tokens',
  local: 'max_tokens',
};

export function maxTokensFieldOf(p: ProviderConfig): MaxTokensField {
  return p.maxTokensField ?? MAX_TOKENS_FIELD[p.kind];
}

export function authHeaderOf(p: ProviderConfig): AuthHeader {
  return p.kind === 'azure' ? 'api-key' : 'bearer';
}
