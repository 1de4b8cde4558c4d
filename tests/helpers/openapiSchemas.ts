import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';

/**
 * Validators for schemas of OpenAI's OpenAPI spec (`/work/shared/contracts/openai-openapi.yaml`, OpenAPI 3.1,
 * i.e. JSON Schema 2020-12), for contract tests: `loadOpenAISchema('FineTuningJob')(value)`.
 *
 * The spec's `components` go into one Ajv instance as a document with an `$id`, so every
 * `#/components/schemas/...` ref resolves inside it. `strict: false` lets Ajv ignore OpenAPI's own
 * keywords (`x-oaiMeta`, `x-stainless-const`, `discriminator`, `example`, ...).
 *
 * Some per-line file formats are no longer named in the current spec (the chat fine-tuning input line,
 * `FineTuneChatRequestInput`, was dropped while its assistant message `FineTuneChatCompletionRequestAssistantMessage`
 * stayed). Those are composed below from the spec's own message schemas, as earlier spec versions defined them.
 * A name that is neither in the spec nor composed here throws, listing close names.
 */

export const OPENAI_SPEC_PATH = process.env.OPENAI_OPENAPI_SPEC ?? path.resolve(__dirname, '../../../shared/contracts/openai-openapi.yaml');
const DOC_ID = 'https://strawberry.test/openai-openapi.json';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/** Schemas earlier versions of the spec named, rebuilt from the current spec's parts. */
const COMPOSED: Record<string, object> = {
  // One line of a supervised chat fine-tuning file (openai-openapi before 2025: FineTuneChatRequestInput).
  FineTuneChatRequestInput: {
    type: 'object',
    properties: {
      messages: {
        type: 'array',
        minItems: 1,
        items: {
          oneOf: [
            ref('ChatCompletionRequestSystemMessage'),
            ref('ChatCompletionRequestUserMessage'),
            ref('FineTuneChatCompletionRequestAssistantMessage'),
            ref('ChatCompletionRequestToolMessage'),
            ref('ChatCompletionRequestFunctionMessage'),
          ],
        },
      },
      tools: { type: 'array', items: ref('ChatCompletionTool') },
      parallel_tool_calls: ref('ParallelToolCalls'),
      functions: { type: 'array', minItems: 1, maxItems: 128, items: ref('ChatCompletionFunctions') },
    },
    required: ['messages'],
  },
};

let cache: { ajv: Ajv2020; schemas: Record<string, unknown>; validators: Map<string, ValidateFunction> } | undefined;

function load() {
  if (cache) return cache;
  let text: string;
  try {
    text = readFileSync(OPENAI_SPEC_PATH, 'utf8');
  } catch (err) {
    throw new Error(`cannot read the OpenAI spec at ${OPENAI_SPEC_PATH} (set OPENAI_OPENAPI_SPEC): ${(err as Error).message}`);
  }
  const spec = parse(text, { maxAliasCount: -1 }) as { components?: { schemas?: Record<string, unknown> } };
  const schemas = normalize({ ...(spec.components?.schemas ?? {}) }) as Record<string, unknown>;
  if (Object.keys(schemas).length === 0) throw new Error(`${OPENAI_SPEC_PATH}: no components.schemas`);
  for (const [name, schema] of Object.entries(COMPOSED)) if (!(name in schemas)) schemas[name] = schema;
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false, validateFormats: true });
  addFormats(ajv);
  // OpenAI-specific formats: `unixtime` is checked (integer seconds); any other unknown one is accepted as is.
  ajv.addFormat('unixtime', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= 0 });
  for (const f of formatsIn(schemas)) if (!ajv.formats[f]) ajv.addFormat(f, true);
  ajv.addSchema({ $id: DOC_ID, components: { schemas } });
  cache = { ajv, schemas, validators: new Map() };
  return cache;
}

/**
 * The spec mixes in a few OpenAPI 3.0 forms that JSON Schema 2020-12 reads differently:
 * boolean `exclusiveMinimum`/`exclusiveMaximum` (with `minimum`/`maximum`) and `nullable: true`.
 */
function normalize(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(normalize);
  if (!node || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) out[k] = normalize(v);
  for (const [flag, bound] of [
    ['exclusiveMinimum', 'minimum'],
    ['exclusiveMaximum', 'maximum'],
  ] as const) {
    if (typeof out[flag] === 'boolean') {
      if (out[flag] && typeof out[bound] === 'number') {
        out[flag] = out[bound];
        delete out[bound];
      } else delete out[flag];
    }
  }
  if (out.nullable === true) {
    if (typeof out.type === 'string') out.type = [out.type, 'null'];
    else if (Array.isArray(out.type) && !out.type.includes('null')) out.type = [...out.type, 'null'];
    // A nullable enum allows null too (OpenAPI 3.0 semantics), e.g. a stream chunk's `finish_reason: null`.
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
    delete out.nullable;
  }
  return out;
}

function formatsIn(node: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(node)) node.forEach((n) => formatsIn(n, out));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === 'format' && typeof v === 'string') out.add(v);
      else formatsIn(v, out);
    }
  }
  return out;
}

/** A compiled validator for `components.schemas[name]` (or a composed schema, see above); cached per name. */
export function loadOpenAISchema(name: string): ValidateFunction {
  const c = load();
  const known = c.validators.get(name);
  if (known) return known;
  if (!(name in c.schemas)) {
    const lower = name.toLowerCase();
    const close = Object.keys(c.schemas)
      .filter((n) => n.toLowerCase().includes(lower.slice(0, 8)))
      .slice(0, 10);
    throw new Error(`no schema "${name}" in ${OPENAI_SPEC_PATH}${close.length ? `; close names: ${close.join(', ')}` : ''}`);
  }
  const validate = c.ajv.compile({ $ref: `${DOC_ID}#/components/schemas/${name}` });
  c.validators.set(name, validate);
  return validate;
}

/** Every schema name available (the spec's plus the composed ones). */
export function openAISchemaNames(): string[] {
  return Object.keys(load().schemas).sort();
}

/** Readable errors of the last validation, for test failure messages. */
export function describeErrors(validate: ValidateFunction): string {
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`).join('\n');
}
