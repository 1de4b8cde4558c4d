import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chatProvider } from '../../../activities/deps';
import { ProviderSchema, type ProviderConfig } from '../../../lib/config/schema';
import { MAX_TOKENS_FIELD } from '../../../lib/providers/chat';
import { startSim, type RunningSim } from '../../../sim/server';
import { describeErrors, loadOpenAISchema } from '../../helpers/openapiSchemas';

/**
 * Issue 21 row 13: OpenAI deprecates `max_tokens` for `max_completion_tokens`, and reasoning models refuse it
 * (https://platform.openai.com/docs/api-reference/chat/create; openai-openapi.yaml). The sim in its OpenAI
 * shape refuses `max_tokens` for a reasoning-model name, as OpenAI does; each provider kind sends the field
 * its own reference documents (lib/providers/chat/requestShape.ts).
 */
const ENV = 'STRAWBERRY_TEST_OPENAI_SIM_KEY';
const CURRICULUM = path.resolve(__dirname, '../../../curricula/arithmetic.yaml');
const messages = [{ role: 'user' as const, content: 'Problem:\n1+1' }];

/** A loopback peer that records each chat request's body and headers and answers one choice. */
async function capture(): Promise<{ baseURL: string; seen: { body: Record<string, unknown>; headers: http.IncomingHttpHeaders }[]; close(): Promise<void> }> {
  const seen: { body: Record<string, unknown>; headers: http.IncomingHttpHeaders }[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>, headers: req.headers });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'c', object: 'chat.completion', created: 0, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: '2' }, finish_reason: 'stop' }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { baseURL: `http://127.0.0.1:${port}/v1`, seen, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const provider = (input: Record<string, unknown>): ProviderConfig => ProviderSchema.parse({ apiKeyEnv: ENV, ...input });

describe('openai as it really behaves (issue 21)', () => {
  let sim: RunningSim | undefined;
  beforeAll(() => {
    process.env[ENV] = 'sim-test-key';
  });
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  it('row 13: chat requests carry max_completion_tokens (max_tokens is deprecated and refused by reasoning models); each kind sends its documented field', async () => {
    sim = await startSim({ curricula: [CURRICULUM], config: { models: [{ id: 'sim-student', defaultAbility: 2 }, { id: 'o4-mini-sim', defaultAbility: 2 }] } });
    // The sim refuses the deprecated field for a reasoning-model name, with OpenAI's error.
    const refused = await fetch(`${sim.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer k', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'o4-mini-sim', messages, max_tokens: 16 }),
    });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: { param: 'max_tokens', code: 'unsupported_parameter' } });

    // The campaign's chat client for an `openai` provider is answered.
    const openai = chatProvider(provider({ kind: 'openai', baseURL: sim.baseURL }));
    const res = await openai.complete({ model: 'o4-mini-sim', messages, maxTokens: 16, temperature: 1 });
    expect(res.choices).toHaveLength(1);

    // The request shape against OpenAI's published description: a valid CreateChatCompletionRequest, without
    // the property the spec marks deprecated.
    const peer = await capture();
    try {
      await chatProvider(provider({ kind: 'openai', baseURL: peer.baseURL })).complete({ model: 'o4-mini', messages, maxTokens: 16, seed: 1 });
      const body = peer.seen[0]!.body;
      const validate = loadOpenAISchema('CreateChatCompletionRequest');
      if (!validate(body)) throw new Error(describeErrors(validate));
      expect(body).toMatchObject({ max_completion_tokens: 16 });
      expect(body).not.toHaveProperty('max_tokens');

      // Per kind, as each reference documents; a provider block may override it.
      const kinds: [Record<string, unknown>, string][] = [
        [{ kind: 'together', baseURL: peer.baseURL }, 'max_tokens'],
        [{ kind: 'fireworks', baseURL: peer.baseURL.replace(/\/v1$/, ''), accountId: 'a' }, 'max_tokens'],
        [{ kind: 'local', baseURL: peer.baseURL }, 'max_tokens'],
        [{ kind: 'openai', baseURL: peer.baseURL, maxTokensField: 'max_tokens', concurrency: 2 }, 'max_tokens'],
      ];
      for (const [cfg, field] of kinds) {
        peer.seen.length = 0;
        await chatProvider(provider(cfg)).complete({ model: 'm', messages, maxTokens: 8 });
        expect(Object.keys(peer.seen[0]!.body)).toContain(field);
        expect(Object.keys(peer.seen[0]!.body).filter((k) => k.startsWith('max_'))).toEqual([field]);
      }
      expect(MAX_TOKENS_FIELD).toEqual({ openai: 'max_completion_tokens', azure: 'max_completion_tokens', together: 'max_tokens', fireworks: 'max_tokens', local: 'max_tokens' });
    } finally {
      await peer.close();
    }
  });
});
