import type { SimContext } from '../context';
import { FIXED_EPOCH } from '../context';
import { hashHex } from '../hash';
import { badRequest, notFound, type Reply } from '../http';
import { respond, type ChatMessage } from '../responder';
import { contentText } from '../trainingFile';
import { storeParams } from './storedCompletions';

/** Approximate tokens of a text: ceil(chars / 4). */
export function approxTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** Reply tokens a choice is assumed to use for the tokens-per-minute limit when max_tokens is absent. */
const DEFAULT_COMPLETION_ESTIMATE = 256;

/** Whether the sim answers for `model` (or its base) as an OpenAI reasoning model: only in the OpenAI-shaped modes. */
function isReasoningModel(ctx: SimContext, model: string, root: string): boolean {
  if (ctx.cfg.provider.kind !== 'openai' && ctx.cfg.provider.kind !== 'azure') return false;
  return ctx.cfg.provider.reasoningModels.some((p) => new RegExp(p).test(model) || new RegExp(p).test(root));
}

/** POST /v1/chat/completions. `rawBody` feeds the deterministic completion id. */
export async function createChatCompletion(ctx: SimContext, body: Record<string, unknown>, rawBody: string): Promise<Reply> {
  const { model, messages } = body;
  if (typeof model !== 'string' || model === '') throw badRequest('you must provide a model parameter', 'model');
  if (!Array.isArray(messages) || messages.length === 0) throw badRequest("Invalid 'messages': expected a non-empty array of messages.", 'messages', 'invalid_value');
  const msgs: ChatMessage[] = messages.map((m: unknown, i) => {
    if (typeof m !== 'object' || m === null || typeof (m as { role?: unknown }).role !== 'string')
      throw badRequest(`Invalid 'messages[${i}]': expected an object with a 'role'.`, `messages[${i}].role`, 'invalid_value');
    const c = (m as { content?: unknown }).content;
    const text = c === null || c === undefined ? '' : contentText(c);
    if (text === undefined) throw badRequest(`Invalid 'messages[${i}].content': expected a string or an array of text parts.`, `messages[${i}].content`, 'invalid_type');
    return { role: (m as { role: string }).role, content: text };
  });
  const asked = intParam(body.n, 'n', 1, 1, 128);
  const n = ctx.cfg.sampling.ignoreN ? 1 : asked;
  if (body.stream !== undefined && body.stream !== null && typeof body.stream !== 'boolean') throw badRequest("Invalid type for 'stream': expected a boolean.", 'stream', 'invalid_type');
  const streamOptions = body.stream_options as { include_usage?: unknown } | undefined | null;
  if (streamOptions !== undefined && streamOptions !== null && body.stream !== true)
    throw badRequest("Invalid value for 'stream_options': stream_options are only allowed when 'stream' is true.", 'stream_options', 'invalid_value');
  const seed = body.seed === undefined || body.seed === null ? 0 : intParam(body.seed, 'seed', 0, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  const temperature = numParam(body.temperature, 'temperature', ctx.cfg.sampling.defaultTemperature, 0, 2);
  const maxTokensRaw = body.max_completion_tokens ?? body.max_tokens;
  const maxTokens = maxTokensRaw === undefined || maxTokensRaw === null ? undefined : intParam(maxTokensRaw, body.max_completion_tokens !== undefined ? 'max_completion_tokens' : 'max_tokens', 1, 1, 1e9);
  const { store, metadata } = storeParams(body);

  ctx.refresh();
  const student = ctx.catalog.get(model);
  if (!student) throw notFound(`The model \`${model}\` does not exist or you do not have access to it.`, 'model', 'model_not_found');
  // OpenAI reasoning models refuse the deprecated `max_tokens` (https://platform.openai.com/docs/api-reference/chat/create).
  if (body.max_tokens !== undefined && body.max_tokens !== null && isReasoningModel(ctx, model, student.root)) {
    throw badRequest("Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.", 'max_tokens', 'unsupported_parameter');
  }

  const promptTokens = msgs.reduce((s, m) => s + approxTokens(m.content) + 4, 0);
  const rateHeaders = ctx.limiter.admit(promptTokens + n * (maxTokens ?? DEFAULT_COMPLETION_ESTIMATE));

  let completionTokens = 0;
  const choices = [];
  for (let choice = 0; choice < n; choice++) {
    let content = respond({ model, student, messages: msgs, temperature, seed, choice }, ctx.problems, ctx.cfg);
    let finish: 'stop' | 'length' = 'stop';
    if (maxTokens !== undefined && approxTokens(content) > maxTokens) {
      content = content.slice(0, maxTokens * 4);
      finish = 'length';
    }
    completionTokens += approxTokens(content);
    choices.push({ index: choice, message: { role: 'assistant', content, refusal: null, annotations: [] }, logprobs: null, finish_reason: finish });
  }
  ctx.stats.chatCompletions++;
  ctx.stats.choices += n;
  ctx.stats.completionTokens += completionTokens;
  const completion = {
    id: `chatcmpl-${hashHex('chatcmpl', model, rawBody).slice(0, 29)}`,
    object: 'chat.completion',
    created: ctx.cfg.fixedCreated ? FIXED_EPOCH : Math.floor(Date.now() / 1000),
    model,
    choices,
    usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
    service_tier: 'default',
    system_fingerprint: 'fp_sim',
  };
  // Kept once billed, before the answer leaves: a client that dies waiting has still paid for it.
  if (store && (ctx.cfg.provider.kind === 'openai' || ctx.cfg.provider.kind === 'azure')) ctx.state.addCompletion({ ...completion, object: 'chat.completion', metadata });
  const latency = ctx.cfg.faults.latencyPerTokenMs * completionTokens;
  if (latency > 0) await ctx.sleep(latency);
  if (body.stream === true) return { status: 200, headers: rateHeaders, ...streamReply(completion, streamOptions?.include_usage === true) };
  return { status: 200, headers: rateHeaders, json: completion };
}

/** Characters per streamed content delta. */
const STREAM_PIECE = 16;

/**
 * `stream: true`: the same completion as server-sent events in OpenAI's format
 * (CreateChatCompletionStreamResponse chunks, `object: chat.completion.chunk`): per choice a first delta with
 * the role, content deltas, a last delta with `finish_reason`; with `stream_options.include_usage` a final
 * chunk with empty `choices` and the usage; then `data: [DONE]`.
 */
function streamReply(
  c: { id: string; created: number; model: string; system_fingerprint: string; service_tier: string; choices: { index: number; message: { content: string }; finish_reason: string }[]; usage: unknown },
  includeUsage: boolean,
): { raw: Buffer; contentType: string } {
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) => ({
    id: c.id,
    object: 'chat.completion.chunk',
    created: c.created,
    model: c.model,
    system_fingerprint: c.system_fingerprint,
    service_tier: c.service_tier,
    choices,
    ...extra,
  });
  const events: unknown[] = [];
  for (const choice of c.choices) {
    events.push(chunk([{ index: choice.index, delta: { role: 'assistant', content: '', refusal: null }, logprobs: null, finish_reason: null }]));
    const text = choice.message.content;
    for (let at = 0; at < text.length; at += STREAM_PIECE) {
      events.push(chunk([{ index: choice.index, delta: { content: text.slice(at, at + STREAM_PIECE) }, logprobs: null, finish_reason: null }]));
    }
    events.push(chunk([{ index: choice.index, delta: {}, logprobs: null, finish_reason: choice.finish_reason }]));
  }
  if (includeUsage) events.push(chunk([], { usage: c.usage }));
  const body = events.map((e) => `data: ${JSON.stringify(e)}\n\n`).join('') + 'data: [DONE]\n\n';
  return { raw: Buffer.from(body, 'utf8'), contentType: 'text/event-stream; charset=utf-8' };
}

function intParam(v: unknown, name: string, dflt: number, min: number, max: number): number {
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw badRequest(`Invalid type for '${name}': expected an integer.`, name, 'invalid_type');
  if (v < min || v > max) throw badRequest(`Invalid '${name}': expected a value between ${min} and ${max}, got ${v}.`, name, 'invalid_value');
  return v;
}

function numParam(v: unknown, name: string, dflt: number, min: number, max: number): number {
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw badRequest(`Invalid type for '${name}': expected a number.`, name, 'invalid_type');
  if (v < min || v > max) throw badRequest(`Invalid '${name}': expected a value between ${min} and ${max}, got ${v}.`, name, 'invalid_value');
  return v;
}
