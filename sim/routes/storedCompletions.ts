import type { SimContext } from '../context';
import { badRequest, notFound, type Reply } from '../http';

/**
 * Stored chat completions, as OpenAI serves them (openai-openapi.yaml: createChatCompletion's `store` and
 * `metadata`, listChatCompletions, getChatCompletion; https://platform.openai.com/docs/api-reference/chat/list).
 * Reads are not billed: they count in `storedLookups`, never in `chatCompletions`.
 */

/** OpenAI's Metadata: at most 16 pairs, keys up to 64 characters, string values up to 512. */
const MAX_METADATA_KEYS = 16;
const MAX_KEY_CHARS = 64;
const MAX_VALUE_CHARS = 512;

/** `store` and `metadata` of a create request, checked as OpenAI does (400 invalid_request_error). */
export function storeParams(body: Record<string, unknown>): { store: boolean; metadata: Record<string, string> | null } {
  const { store, metadata } = body;
  if (store !== undefined && store !== null && typeof store !== 'boolean') throw badRequest("Invalid type for 'store': expected a boolean.", 'store', 'invalid_type');
  return { store: store === true, metadata: metadataParam(metadata) };
}

function metadataParam(v: unknown): Record<string, string> | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'object' || Array.isArray(v)) throw badRequest("Invalid type for 'metadata': expected an object.", 'metadata', 'invalid_type');
  const entries = Object.entries(v as Record<string, unknown>);
  if (entries.length > MAX_METADATA_KEYS) throw badRequest(`Invalid 'metadata': too many properties. Expected an object with at most ${MAX_METADATA_KEYS} properties, but got an object with ${entries.length} properties instead.`, 'metadata', 'object_above_max_length');
  for (const [k, value] of entries) {
    if (k.length > MAX_KEY_CHARS) throw badRequest(`Invalid 'metadata': key '${k.slice(0, 80)}' is too long. Expected a key with maximum length ${MAX_KEY_CHARS}, but got a key with length ${k.length} instead.`, 'metadata', 'invalid_value');
    if (typeof value !== 'string') throw badRequest(`Invalid type for 'metadata.${k}': expected a string.`, `metadata.${k}`, 'invalid_type');
    if (value.length > MAX_VALUE_CHARS) throw badRequest(`Invalid 'metadata.${k}': string too long. Expected a string with maximum length ${MAX_VALUE_CHARS}, but got a string with length ${value.length} instead.`, `metadata.${k}`, 'string_above_max_length');
  }
  return Object.fromEntries(entries) as Record<string, string>;
}

/** GET /v1/chat/completions: `model`, `metadata[k]=v` (all must match), `after`, `limit` (default 20), `order` (default asc). */
export function listStoredCompletions(ctx: SimContext, q: URLSearchParams): Reply {
  ctx.stats.storedLookups++;
  const model = q.get('model');
  const wanted: [string, string][] = [];
  for (const [k, v] of q) {
    const m = /^metadata\[(.+)\]$/.exec(k);
    if (m) wanted.push([m[1]!, v]);
  }
  const limitRaw = q.get('limit');
  const limit = limitRaw === null ? 20 : Number(limitRaw);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw badRequest(`Invalid 'limit': expected an integer between 1 and 100, got ${limitRaw}.`, 'limit', 'invalid_value');
  const order = q.get('order') ?? 'asc';
  if (order !== 'asc' && order !== 'desc') throw badRequest(`Invalid 'order': expected one of asc, desc, got ${order}.`, 'order', 'invalid_value');
  let all = [...ctx.state.completions.values()].filter((c) => (model === null || c.model === model) && wanted.every(([k, v]) => c.metadata?.[k] === v));
  // Insertion order is creation order; `created` has second resolution, so it cannot break ties.
  if (order === 'desc') all = all.reverse();
  const after = q.get('after');
  if (after !== null) {
    const at = all.findIndex((c) => c.id === after);
    all = at < 0 ? [] : all.slice(at + 1);
  }
  const data = all.slice(0, limit);
  return { status: 200, json: { object: 'list', data, first_id: data[0]?.id ?? '', last_id: data[data.length - 1]?.id ?? '', has_more: all.length > data.length } };
}

/** GET /v1/chat/completions/{id}. */
export function getStoredCompletion(ctx: SimContext, id: string): Reply {
  ctx.stats.storedLookups++;
  const c = ctx.state.completions.get(id);
  if (!c) throw notFound(`No chat completion found with id '${id}'.`, 'completion_id', 'not_found');
  return { status: 200, json: c };
}
