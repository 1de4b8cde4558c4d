import type { SimContext } from '../context';
import { FIXED_EPOCH } from '../context';
import { hashHex } from '../hash';
import { badRequest, notFound, type Reply } from '../http';
import { respond, type ChatMessage } from '../responder';
import { contentText } from '../trainingFile';

/** Approximate tokens of a text: ceil(chars / 4). */
export function approxTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** Reply tokens a choice is assumed to use for the tokens-per-minute limit when max_tokens is absent. */
const DEFAULT_COMPLETION_ESTIMATE = 256;

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
  const n = intParam(body.n, 'n', 1, 1, 128);
  const seed = body.seed === undefined || body.seed === null ? 0 : intParam(body.seed, 'seed', 0, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  const temperature = numParam(body.temperature, 'temperature', ctx.cfg.sampling.defaultTemperature, 0, 2);
  const maxTokensRaw = body.max_completion_tokens ?? body.max_tokens;
  const maxTokens = maxTokensRaw === undefined || maxTokensRaw === null ? undefined : intParam(maxTokensRaw, body.max_completion_tokens !== undefined ? 'max_completion_tokens' : 'max_tokens', 1, 1, 1e9);

  ctx.refresh();
  const student = ctx.catalog.get(model);
  if (!student) throw notFound(`The model \`${model}\` does not exist or you do not have access to it.`, 'model', 'model_not_found');

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
  const latency = ctx.cfg.faults.latencyPerTokenMs * completionTokens;
  if (latency > 0) await ctx.sleep(latency);
  return {
    status: 200,
    headers: rateHeaders,
    json: {
      id: `chatcmpl-${hashHex('chatcmpl', model, rawBody).slice(0, 29)}`,
      object: 'chat.completion',
      created: ctx.cfg.fixedCreated ? FIXED_EPOCH : Math.floor(Date.now() / 1000),
      model,
      choices,
      usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
      service_tier: 'default',
      system_fingerprint: 'fp_sim',
    },
  };
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
