import path from 'node:path';
import OpenAI from 'openai';
import { loadCurriculum } from '../../lib/curriculum/load';
import type { Problem } from '../../lib/curriculum/types';
import { gradeAnswer } from '../../lib/grading';
import { completeChoices, createOpenAIChatProvider, type ChatProvider, type ChatRequest } from '../../lib/providers/chat';
import { generateCotSample } from '../../lib/traces';
import { startSim, type RunningSim } from '../../sim/server';
import { describeErrors, loadOpenAISchema } from '../helpers/openapiSchemas';

/** The sim as strict as real servers: SSE streaming in OpenAI's format, and a mode that ignores `n`. */
const CURRICULUM = path.resolve(__dirname, '../../curricula/arithmetic.yaml');
const KEY = 'sim-test-key';

describe('sim streaming and servers without n', () => {
  let sim: RunningSim;
  let noN: RunningSim;
  let problem: Problem;
  beforeAll(async () => {
    sim = await startSim({ curricula: [CURRICULUM] });
    noN = await startSim({ curricula: [CURRICULUM], config: { sampling: { ignoreN: true } } });
    problem = (await loadCurriculum(CURRICULUM)).levels[1]!.problems[0]!;
  });
  afterAll(async () => {
    await sim?.close();
    await noN?.close();
  });

  const body = (extra: Record<string, unknown> = {}) => ({
    model: 'sim-student',
    messages: [{ role: 'user', content: problem.question }],
    temperature: 1,
    seed: 7,
    n: 3,
    ...extra,
  });

  async function post(url: string, payload: unknown): Promise<Response> {
    return fetch(`${url}/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(payload) });
  }

  it('streams real SSE chunks (CreateChatCompletionStreamResponse, ending with [DONE]) with the same content as a plain request', async () => {
    const plain = (await (await post(sim.baseURL, body())).json()) as { choices: { index: number; message: { content: string }; finish_reason: string }[]; usage: unknown };
    const res = await post(sim.baseURL, body({ stream: true, stream_options: { include_usage: true } }));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const text = await res.text();
    const events = text.split('\n\n').filter((e) => e.trim() !== '');
    expect(events[events.length - 1]).toBe('data: [DONE]');
    const validate = loadOpenAISchema('CreateChatCompletionStreamResponse');
    const content = new Map<number, string>();
    const finish = new Map<number, string>();
    let usage: unknown;
    for (const e of events.slice(0, -1)) {
      expect(e.startsWith('data: ')).toBe(true);
      const chunk = JSON.parse(e.slice(6)) as { choices: { index: number; delta: { content?: string }; finish_reason: string | null }[]; usage?: unknown };
      if (!validate(chunk)) throw new Error(`not a CreateChatCompletionStreamResponse: ${describeErrors(validate)}\n${e}`);
      for (const c of chunk.choices) {
        content.set(c.index, (content.get(c.index) ?? '') + (c.delta.content ?? ''));
        if (c.finish_reason) finish.set(c.index, c.finish_reason);
      }
      if (chunk.usage) usage = chunk.usage;
    }
    expect([...content.keys()].sort()).toEqual([0, 1, 2]);
    for (const c of plain.choices) {
      expect(content.get(c.index)).toBe(c.message.content);
      expect(finish.get(c.index)).toBe(c.finish_reason);
    }
    expect(usage).toEqual(plain.usage);
  });

  it('the openai SDK streams from the sim and gets the same text', async () => {
    const client = new OpenAI({ baseURL: sim.baseURL, apiKey: KEY });
    const plain = await client.chat.completions.create({ model: 'sim-student', messages: [{ role: 'user', content: problem.question }], seed: 3, temperature: 1 });
    const stream = await client.chat.completions.create({ model: 'sim-student', messages: [{ role: 'user', content: problem.question }], seed: 3, temperature: 1, stream: true });
    let streamed = '';
    for await (const chunk of stream) streamed += chunk.choices[0]?.delta.content ?? '';
    expect(streamed).toBe(plain.choices[0]!.message.content);
  });

  it('rejects what real servers reject: stream_options without stream, an unknown model, a fine-tune of a model that does not exist', async () => {
    expect((await post(sim.baseURL, body({ stream_options: { include_usage: true } }))).status).toBe(400);
    const unknown = await post(sim.baseURL, body({ model: 'no-such-model' }));
    expect(unknown.status).toBe(404);
    const ft = await fetch(`${sim.baseURL}/fine_tuning/jobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'ft:sim-student:nobody:never-trained:0000', training_file: 'file-x' }),
    });
    expect(ft.status).toBe(404);
  });

  it('a server that ignores n answers one choice; our client still yields exactly k samples per problem, each with its own seed', async () => {
    expect(((await (await post(noN.baseURL, body({ n: 5 }))).json()) as { choices: unknown[] }).choices).toHaveLength(1);
    const seeds: (number | undefined)[] = [];
    const raw = createOpenAIChatProvider({ baseURL: noN.baseURL });
    const spy: ChatProvider = { complete: (req: ChatRequest) => (seeds.push(req.seed), raw.complete(req)) };
    const provider = completeChoices(spy, { label: noN.baseURL });
    const grade = (text: string, gold: string) => gradeAnswer(text, gold, 'number');
    for (const k of [1, 4, 6]) {
      seeds.length = 0;
      const samples = await generateCotSample(provider, problem, { model: 'sim-student', temperature: 1, maxTokens: 256, seed: 11 }, grade, 0, k);
      expect(samples).toHaveLength(k);
      expect(samples.map((s) => s.sampleIndex)).toEqual(Array.from({ length: k }, (_, i) => i));
      expect(new Set(seeds).size).toBe(seeds.length);
    }
    // Forced single-sample requests never send n > 1.
    const asked: (number | undefined)[] = [];
    const single = completeChoices({ complete: (req) => (asked.push(req.n), raw.complete(req)) }, { singleSampleRequests: true });
    const out = await generateCotSample(single, problem, { model: 'sim-student', temperature: 1, maxTokens: 256, seed: 11 }, grade, 0, 3);
    expect(out).toHaveLength(3);
    expect(asked).toEqual([1, 1, 1]);
  });
});
