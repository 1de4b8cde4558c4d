import path from 'node:path';
import { loadCurriculum } from '../../lib/curriculum/load';
import type { Curriculum } from '../../lib/curriculum/types';
import { COT_SYSTEM_PROMPT, problemPrompt, STEP_SYSTEM_PROMPT, VERIFIER_SYSTEM_PROMPT, verifierPrompt } from '../../lib/traces/prompts';
import { startSim, type RunningSim } from '../../sim/server';
import { describeErrors, loadOpenAISchema } from '../helpers/openapiSchemas';

/** Every endpoint's answers validate against OpenAI's published schemas (ajv). */

const CURRICULUM = path.resolve(__dirname, '../../curricula/arithmetic.yaml');
let sim: RunningSim;
let limited: RunningSim;
let curriculum: Curriculum;
const auth = { authorization: 'Bearer sim-test-key' };

beforeAll(async () => {
  curriculum = await loadCurriculum(CURRICULUM);
  sim = await startSim({ curricula: [curriculum], config: { jobs: { validatingSeconds: 0.05, queuedSeconds: 0.05, runningSeconds: 0.1 } } });
  limited = await startSim({ curricula: [curriculum], config: { limits: { rpm: 60, burstSeconds: 1 }, faults: { errorRate: 0 } } });
});
afterAll(async () => {
  await sim?.close();
  await limited?.close();
});

function expectSchema(name: string, body: unknown): void {
  const validate = loadOpenAISchema(name);
  const ok = validate(body);
  if (!ok) throw new Error(`${name}: ${describeErrors(validate)}\n${JSON.stringify(body).slice(0, 2000)}`);
}

async function call(method: string, url: string, body?: unknown, base = sim): Promise<{ status: number; json: unknown; headers: Headers }> {
  const res = await fetch(`${base.baseURL}${url}`, {
    method,
    headers: { ...auth, ...(body !== undefined && !(body instanceof FormData) ? { 'content-type': 'application/json' } : {}) },
    body: body instanceof FormData ? body : body !== undefined ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, json: await res.json(), headers: res.headers };
}

const trainingLines = () =>
  curriculum.levels[1]!.problems.slice(0, 12).map((p) => ({ messages: [{ role: 'user', content: problemPrompt(p.question) }, { role: 'assistant', content: `\\boxed{${p.answer}}`, weight: 1 }] }));

describe('sim responses validate against openai-openapi.yaml', () => {
  it('chat completions in every mode', async () => {
    const p = curriculum.levels[4]!.problems[0]!;
    for (const messages of [
      [{ role: 'user', content: problemPrompt(p.question) }],
      [{ role: 'system', content: STEP_SYSTEM_PROMPT }, { role: 'user', content: problemPrompt(p.question) }],
      [{ role: 'system', content: COT_SYSTEM_PROMPT }, { role: 'user', content: problemPrompt(p.question) }],
      [{ role: 'system', content: VERIFIER_SYSTEM_PROMPT }, { role: 'user', content: verifierPrompt(p.question, ['Step 1: x\nNow: 5']) }],
    ]) {
      const r = await call('POST', '/chat/completions', { model: 'sim-student', messages, n: 3, max_tokens: 20 });
      expect(r.status).toBe(200);
      expectSchema('CreateChatCompletionResponse', r.json);
    }
  });

  it('models', async () => {
    expect(loadOpenAISchema('Model')({ id: 'x', object: 'model' })).toBe(false); // the check can fail
    const list = await call('GET', '/models');
    expectSchema('ListModelsResponse', list.json);
    expectSchema('Model', (await call('GET', '/models/sim-student')).json);
  });

  it('files, fine-tuning jobs, events, cancel', async () => {
    const lines = trainingLines();
    for (const l of lines) expectSchema('FineTuneChatRequestInput', l);
    const form = new FormData();
    form.append('purpose', 'fine-tune');
    form.append('file', new Blob([lines.map((l) => JSON.stringify(l)).join('\n')]), 'train.jsonl');
    const file = await call('POST', '/files', form);
    expect(file.status).toBe(200);
    expectSchema('OpenAIFile', file.json);
    const fileId = (file.json as { id: string }).id;
    expectSchema('OpenAIFile', (await call('GET', `/files/${fileId}`)).json);

    const job = await call('POST', '/fine_tuning/jobs', { model: 'sim-student', training_file: fileId, suffix: 'c', metadata: { k: 'v' }, method: { type: 'supervised', supervised: { hyperparameters: { n_epochs: 2 } } } });
    expect(job.status).toBe(200);
    expectSchema('FineTuningJob', job.json);
    const id = (job.json as { id: string }).id;
    const cancelMe = await call('POST', '/fine_tuning/jobs', { model: 'sim-student', training_file: fileId });
    const cancelled = await call('POST', `/fine_tuning/jobs/${(cancelMe.json as { id: string }).id}/cancel`);
    expectSchema('FineTuningJob', cancelled.json);
    const bad = await call('POST', '/files', (() => {
      const f = new FormData();
      f.append('purpose', 'fine-tune');
      f.append('file', new Blob(['nope']), 'bad.jsonl');
      return f;
    })());
    const failing = await call('POST', '/fine_tuning/jobs', { model: 'sim-student', training_file: (bad.json as { id: string }).id });

    // Each state along the way validates.
    const seen = new Set<string>();
    for (let i = 0; i < 100; i++) {
      const r = await call('GET', `/fine_tuning/jobs/${id}`);
      expectSchema('FineTuningJob', r.json);
      const status = (r.json as { status: string }).status;
      seen.add(status);
      expectSchema('ListFineTuningJobEventsResponse', (await call('GET', `/fine_tuning/jobs/${id}/events`)).json);
      if (status === 'succeeded') break;
      await new Promise((res) => setTimeout(res, 20));
    }
    expect(seen.has('succeeded')).toBe(true);
    expectSchema('FineTuningJob', (await call('GET', `/fine_tuning/jobs/${(failing.json as { id: string }).id}`)).json);
    expectSchema('ListPaginatedFineTuningJobsResponse', (await call('GET', '/fine_tuning/jobs?limit=2')).json);
    expectSchema('ListPaginatedFineTuningJobsResponse', (await call('GET', '/fine_tuning/jobs?metadata[k]=v')).json);
  });

  it('stored chat completions: create with store and metadata, list (metadata, model, order, after, limit), get; reads are not billed', async () => {
    const p = curriculum.levels[2]!.problems[0]!;
    const ask = (tag: string, seed: number) => ({ model: 'sim-student', messages: [{ role: 'user', content: problemPrompt(p.question) }], n: 2, seed, store: true, metadata: { strawberry_request: tag, run: 'contract' } });
    const made = [];
    for (const [tag, seed] of [['a', 1], ['b', 2], ['c', 3]] as const) {
      const r = await call('POST', '/chat/completions', ask(tag, seed));
      expect(r.status).toBe(200);
      expectSchema('CreateChatCompletionResponse', r.json);
      made.push(r.json as { id: string; choices: unknown[] });
    }
    // Not stored: absent from every list.
    expect((await call('POST', '/chat/completions', { ...ask('d', 4), store: false })).status).toBe(200);
    const billed = sim.stats().chatCompletions;
    const lookups = sim.stats().storedLookups;

    expect(loadOpenAISchema('ChatCompletionList')({ object: 'list', data: [] })).toBe(false); // the check can fail
    const one = await call('GET', '/chat/completions?metadata[strawberry_request]=b&model=sim-student');
    expect(one.status).toBe(200);
    expectSchema('ChatCompletionList', one.json);
    const list = one.json as { data: { id: string; choices: unknown[]; metadata: Record<string, string> }[]; first_id: string; last_id: string; has_more: boolean };
    expect(list.data.map((c) => c.id)).toEqual([made[1]!.id]);
    expect(list.data[0]!.choices).toEqual(made[1]!.choices);
    expect(list.data[0]!.metadata).toEqual({ strawberry_request: 'b', run: 'contract' });
    expect([list.first_id, list.last_id, list.has_more]).toEqual([made[1]!.id, made[1]!.id, false]);

    const none = await call('GET', '/chat/completions?metadata[strawberry_request]=d');
    expectSchema('ChatCompletionList', none.json);
    expect((none.json as { data: unknown[] }).data).toEqual([]);
    expect(((await call('GET', '/chat/completions?metadata[strawberry_request]=b&model=other')).json as { data: unknown[] }).data).toEqual([]);

    const page = (await call('GET', '/chat/completions?metadata[run]=contract&order=desc&limit=2')).json as { data: { id: string }[]; has_more: boolean; last_id: string };
    expectSchema('ChatCompletionList', page);
    expect(page.data.map((c) => c.id)).toEqual([made[2]!.id, made[1]!.id]);
    expect(page.has_more).toBe(true);
    const rest = (await call('GET', `/chat/completions?metadata[run]=contract&order=desc&limit=2&after=${page.last_id}`)).json as { data: { id: string }[]; has_more: boolean };
    expect(rest.data.map((c) => c.id)).toEqual([made[0]!.id]);
    expect(rest.has_more).toBe(false);

    const got = await call('GET', `/chat/completions/${made[0]!.id}`);
    expect(got.status).toBe(200);
    expectSchema('CreateChatCompletionResponse', got.json);
    expect((got.json as { metadata: unknown }).metadata).toEqual({ strawberry_request: 'a', run: 'contract' });

    expect(sim.stats().chatCompletions).toBe(billed);
    expect(sim.stats().storedLookups).toBe(lookups + 6);

    // Invalid store and metadata: OpenAI-shaped 400s naming the parameter; nothing billed.
    const base = { model: 'sim-student', messages: [{ role: 'user', content: 'x' }] };
    const bad = [
      [{ ...base, store: 'yes' }, 'store'],
      [{ ...base, store: true, metadata: ['x'] }, 'metadata'],
      [{ ...base, store: true, metadata: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v'])) }, 'metadata'],
      [{ ...base, store: true, metadata: { ['k'.repeat(65)]: 'v' } }, 'metadata'],
      [{ ...base, store: true, metadata: { k: 'v'.repeat(513) } }, 'metadata.k'],
      [{ ...base, store: true, metadata: { k: 1 } }, 'metadata.k'],
    ] as const;
    for (const [body, param] of bad) {
      const r = await call('POST', '/chat/completions', body);
      expect(r.status).toBe(400);
      expectSchema('ErrorResponse', r.json);
      expect((r.json as { error: { param: string } }).error.param).toBe(param);
    }
    for (const q of ['limit=0', 'limit=x', 'order=up']) {
      const r = await call('GET', `/chat/completions?${q}`);
      expect(r.status).toBe(400);
      expectSchema('ErrorResponse', r.json);
    }
    const missing = await call('GET', '/chat/completions/chatcmpl-nope');
    expect(missing.status).toBe(404);
    expectSchema('ErrorResponse', missing.json);
    expect(sim.stats().chatCompletions).toBe(billed);
  });

  it('errors: 400, 401, 404, 429, 500', async () => {
    const cases = [
      await call('POST', '/chat/completions', { model: 'sim-student' }),
      await call('POST', '/chat/completions', { model: 'nope', messages: [{ role: 'user', content: 'x' }] }),
      await call('GET', '/files/file-nope'),
      await call('GET', '/fine_tuning/jobs/ftjob-nope'),
      await call('GET', '/nowhere'),
      { status: 401, json: await (await fetch(`${sim.baseURL}/models`)).json() },
    ];
    for (const c of cases) {
      expect(c.status).toBeGreaterThanOrEqual(400);
      expectSchema('ErrorResponse', c.json);
    }
    let limitedReply;
    for (let i = 0; i < 5; i++) {
      limitedReply = await call('POST', '/chat/completions', { model: 'sim-student', messages: [{ role: 'user', content: 'x' }] }, limited);
      if (limitedReply.status === 429) break;
    }
    expect(limitedReply!.status).toBe(429);
    expectSchema('ErrorResponse', limitedReply!.json);
    const failing = await startSim({ curricula: [curriculum], config: { faults: { errorRate: 1 } } });
    try {
      const r = await call('GET', '/models', undefined, failing);
      expect(r.status).toBe(500);
      expectSchema('ErrorResponse', r.json);
    } finally {
      await failing.close();
    }
  });
});
