import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadCampaignConfig } from '../../../lib/config/load';
import { createOpenAIChatProvider } from '../../../lib/providers/chat';
import { maxTokensFieldOf } from '../../../lib/providers/chat/requestShape';
import { LocalLoraAdapters } from '../../../lib/providers/local';
import vllm from '../../fixtures/providers/vllm/requests.json';

/**
 * The requests the `local` provider sends a vLLM server (issue 22: config/examples/vllm-trl.yaml), pinned
 * against vLLM's documented request shapes (the fixture names its sources: vLLM serves its OpenAPI document
 * only from a running server). A real HTTP server records what the adapter and the chat client send; every
 * field must be one vLLM's request model has, and every required one present. Run on a GPU, the same
 * requests go to `vllm serve --enable-lora` (see the example's header).
 */
type Route = { method: string; path: string; required: string[]; properties: string[]; example: Record<string, unknown> };
const seen: { method: string; url: string; body: Record<string, unknown> }[] = [];
let server: Server;
let baseURL: string;

function body(req: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    let text = '';
    req.on('data', (c) => (text += c));
    req.on('end', () => resolve(text ? (JSON.parse(text) as Record<string, unknown>) : {}));
  });
}

beforeAll(async () => {
  server = createServer(async (req, res) => {
    seen.push({ method: req.method!, url: req.url!, body: await body(req) });
    res.setHeader('content-type', 'application/json');
    if (req.url === '/v1/chat/completions') {
      res.end(JSON.stringify({ id: 'c', object: 'chat.completion', created: 0, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: '\\boxed{1}' }, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } }));
    } else res.end('"Success: LoRA adapter loaded."');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

function expectShape(route: Route, sent: { method: string; url: string; body: Record<string, unknown> } | undefined) {
  expect(sent).toBeDefined();
  expect(`${sent!.method} ${sent!.url}`).toBe(`${route.method} ${route.path}`);
  for (const k of route.required) expect(sent!.body).toHaveProperty(k);
  expect(Object.keys(sent!.body).filter((k) => !route.properties.includes(k))).toEqual([]);
  // The documented example has the same keys as what we send where we send the same thing.
  expect(Object.keys(route.example).every((k) => route.properties.includes(k))).toBe(true);
}

describe('vLLM request shapes (docs.vllm.ai LoRA page; vllm/entrypoints/openai/protocol.py)', () => {
  it('load and unload a runtime LoRA adapter with the documented bodies', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'vllm-contract-'));
    const ckpt = path.join(root, 'adapter');
    await mkdir(ckpt);
    const adapters = new LocalLoraAdapters({ baseURL, models: { 'round-1-child': ckpt } } as never, undefined);
    seen.length = 0;
    await adapters.load({ model: 'round-1-child' } as never);
    expectShape(vllm.load_lora_adapter, seen[0]);
    expect(seen[0]!.body).toEqual({ lora_name: 'round-1-child', lora_path: ckpt });
    await adapters.unload('round-1-child');
    expectShape(vllm.unload_lora_adapter, seen.find((s) => s.url === '/v1/unload_lora_adapter'));
  });

  it('chat completions: n, temperature, seed and max_tokens as vLLM reads them', async () => {
    const c = await loadCampaignConfig(path.resolve(__dirname, '../../../config/examples/vllm-trl.yaml'), { STRAWBERRY_LOCAL_URL: baseURL });
    const chat = createOpenAIChatProvider({ baseURL, concurrency: 1, maxTokensField: maxTokensFieldOf(c.providers.gpus!) });
    seen.length = 0;
    await chat.complete({ model: 'round-1-child', messages: [{ role: 'user', content: 'What is 1?' }], n: 2, temperature: 0.7, maxTokens: 64, seed: 3 });
    expectShape(vllm.chat_completions, seen[0]);
    expect(seen[0]!.body).toMatchObject({ n: 2, temperature: 0.7, max_tokens: 64, seed: 3 });
  });

  it('config/examples/vllm-trl.yaml loads: a local provider with runtime LoRA loading and the TRL recipe as its training command', async () => {
    const c = await loadCampaignConfig(path.resolve(__dirname, '../../../config/examples/vllm-trl.yaml'), { STRAWBERRY_LOCAL_URL: 'http://127.0.0.1:8000/v1' });
    const p = Object.values(c.providers)[0]!;
    expect(p.kind).toBe('local');
    if (p.kind !== 'local') return;
    expect(p.serve?.loadPath ?? '/load_lora_adapter').toBe('/load_lora_adapter');
    expect(p.train!.command.join(' ')).toMatch(/recipes\/trl\/train\.py .*--lora/);
  });
});
