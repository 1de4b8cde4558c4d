import path from 'node:path';
import OpenAI, { toFile } from 'openai';
import { loadCurriculum } from '../../lib/curriculum/load';
import type { Curriculum, Problem } from '../../lib/curriculum/types';
import { lastBoxed } from '../../lib/curriculum/boxed';
import { formatFinalAnswer, problemPrompt } from '../../lib/traces/prompts';
import { startSim, type RunningSim } from '../../sim/server';
import { parseSimConfig } from '../../sim/config';
import { passProbability } from '../../sim/students';

/** The sim driven through the official openai SDK over real HTTP. */

const CURRICULUM = path.resolve(__dirname, '../../curricula/arithmetic.yaml');
const config = { jobs: { validatingSeconds: 0.05, queuedSeconds: 0.05, runningSeconds: 0.2 } };
const cfg = parseSimConfig(config);
let curriculum: Curriculum;
let sim: RunningSim;
let client: OpenAI;

beforeAll(async () => {
  curriculum = await loadCurriculum(CURRICULUM);
  sim = await startSim({ curricula: [CURRICULUM], config });
  client = new OpenAI({ baseURL: sim.baseURL, apiKey: 'sim-test-key' });
});
afterAll(() => sim?.close());

const level = (d: number) => curriculum.levels.find((l) => l.difficulty === d)!;
const student = cfg.models.find((m) => m.id === 'sim-student')!;

/** Two-sided exact binomial test: P(a count at most as likely as k) under Binomial(n, p). */
function binomialPValue(k: number, n: number, p: number): number {
  const pmf = (i: number) => {
    let logC = 0;
    for (let j = 1; j <= i; j++) logC += Math.log(n - i + j) - Math.log(j);
    return Math.exp(logC + i * Math.log(p) + (n - i) * Math.log(1 - p));
  };
  const observed = pmf(k);
  let total = 0;
  for (let i = 0; i <= n; i++) if (pmf(i) <= observed * (1 + 1e-9)) total += pmf(i);
  return Math.min(1, total);
}

async function passCount(model: string, p: Problem, n = 20, seed = 0): Promise<number> {
  const r = await client.chat.completions.create({ model, messages: [{ role: 'user', content: problemPrompt(p.question) }], n, temperature: 1, seed });
  expect(r.choices).toHaveLength(n);
  return r.choices.filter((c) => lastBoxed(c.message.content ?? '') === p.answer).length;
}

async function waitForJob(id: string): Promise<OpenAI.FineTuning.FineTuningJob> {
  for (;;) {
    const job = await client.fineTuning.jobs.retrieve(id);
    if (['succeeded', 'failed', 'cancelled'].includes(job.status)) return job;
    await new Promise((r) => setTimeout(r, 50));
  }
}

function trainingJsonl(problems: Problem[], copies: number): string {
  return problems
    .flatMap((p) => Array.from({ length: copies }, () => ({ messages: [{ role: 'user', content: problemPrompt(p.question) }, { role: 'assistant', content: `The answer is ${formatFinalAnswer(p.answer)}.` }] })))
    .map((l) => JSON.stringify(l))
    .join('\n');
}

async function upload(text: string, name = 'train.jsonl'): Promise<string> {
  const f = await client.files.create({ file: await toFile(Buffer.from(text), name), purpose: 'fine-tune' });
  return f.id;
}

describe('sim over the openai SDK', () => {
  it('lists its base models', async () => {
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual(expect.arrayContaining(['sim-student', 'sim-teacher']));
    expect((await client.models.retrieve('sim-student')).owned_by).toBe('sim');
  });

  it('n=20 samples pass at a rate consistent with the model probability (exact binomial test, alpha 0.001)', async () => {
    const problems = [...level(2).problems.slice(0, 4), ...level(1).problems.slice(0, 2), level(3).problems[0]!];
    for (const p of problems) {
      const k = await passCount('sim-student', p);
      const prob = passProbability(student, p, 1, cfg);
      expect({ problem: p.id, k, prob, pValue: binomialPValue(k, 20, prob) > 0.001 }).toEqual({ problem: p.id, k, prob, pValue: true });
    }
  });

  it('the binomial test would catch a wrong rate', () => {
    expect(binomialPValue(19, 20, 0.5)).toBeLessThan(0.001);
    expect(binomialPValue(10, 20, 0.5)).toBeGreaterThan(0.5);
  });

  it('cuts replies at max_tokens with finish_reason length and reports usage', async () => {
    const p = level(5).problems[0]!;
    const r = await client.chat.completions.create({ model: 'sim-student', messages: [{ role: 'user', content: problemPrompt(p.question) }], max_tokens: 2 });
    expect(r.choices[0]!.finish_reason).toBe('length');
    expect(r.choices[0]!.message.content!.length).toBeLessThanOrEqual(8);
    expect(r.usage!.completion_tokens).toBeLessThanOrEqual(2);
    expect(r.usage!.prompt_tokens).toBeGreaterThan(0);
    expect(r.usage!.total_tokens).toBe(r.usage!.prompt_tokens + r.usage!.completion_tokens);
  });

  it('fine-tunes a child that improves just above the parent ability and stays flat far above it', async () => {
    const inBand = [...level(2).problems.filter((p) => !p.heldOut).slice(0, 15), ...level(3).problems.filter((p) => !p.heldOut).slice(0, 10)];
    const fileId = await upload(trainingJsonl(inBand, 2));
    const created = await client.fineTuning.jobs.create(
      { model: 'sim-student', training_file: fileId, suffix: 'round1', seed: 7, metadata: { campaign: 'sim-test', round: '1' } },
      { maxRetries: 0 },
    );
    expect(created.status).toBe('validating_files');
    expect(created.metadata).toEqual({ campaign: 'sim-test', round: '1' });
    const job = await waitForJob(created.id);
    expect(job.status).toBe('succeeded');
    expect(job.fine_tuned_model).toMatch(/^ft:sim-student:sim:round1:[0-9a-f]{8}$/);
    expect(job.trained_tokens).toBeGreaterThan(0);
    expect(job.seed).toBe(7);
    const events = await client.fineTuning.jobs.listEvents(job.id);
    expect(events.data.map((e) => e.message)).toEqual(expect.arrayContaining(['The job has successfully completed', 'Fine-tuning job started']));
    expect((await client.models.list()).data.map((m) => m.id)).toContain(job.fine_tuned_model);

    const child = job.fine_tuned_model!;
    const justAbove = level(3).problems.filter((p) => p.heldOut).slice(0, 10);
    const farAbove = level(6).problems.filter((p) => p.heldOut).slice(0, 10);
    const rate = async (model: string, ps: Problem[]) => (await Promise.all(ps.map((p) => passCount(model, p)))).reduce((a, b) => a + b, 0) / (ps.length * 20);
    const [parentNear, childNear, parentFar, childFar] = await Promise.all([rate('sim-student', justAbove), rate(child, justAbove), rate('sim-student', farAbove), rate(child, farAbove)]);
    expect(childNear).toBeGreaterThan(parentNear + 0.15);
    expect(childFar).toBeLessThan(0.02);
    expect(Math.abs(childFar - parentFar)).toBeLessThan(0.02);
  });

  it('lists jobs by metadata, newest first, with pagination', async () => {
    const fileId = await upload(trainingJsonl(level(2).problems.slice(0, 10), 1));
    const tag = `list-${Date.now()}`;
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await client.fineTuning.jobs.create({ model: 'sim-student', training_file: fileId, metadata: { tag, i: String(i) } }, { maxRetries: 0 })).id);
    const page = await client.fineTuning.jobs.list({ metadata: { tag } });
    expect(page.data.map((j) => j.id)).toEqual([...ids].reverse());
    const one = await client.fineTuning.jobs.list({ metadata: { tag, i: '1' } });
    expect(one.data.map((j) => j.id)).toEqual([ids[1]]);
    const first = await client.fineTuning.jobs.list({ metadata: { tag }, limit: 2 });
    expect(first.data).toHaveLength(2);
    expect(first.has_more).toBe(true);
    const rest = await client.fineTuning.jobs.list({ metadata: { tag }, limit: 2, after: first.data[1]!.id });
    expect(rest.data.map((j) => j.id)).toEqual([ids[0]]);
    await Promise.all(ids.map(waitForJob));
  });

  it('a job on a bad file ends failed with param training_file', async () => {
    const fileId = await upload('{"messages": [{"role": "user", "content": "hi"}]}\nnot json\n');
    const job = await waitForJob((await client.fineTuning.jobs.create({ model: 'sim-student', training_file: fileId }, { maxRetries: 0 })).id);
    expect(job.status).toBe('failed');
    expect(job.error).toMatchObject({ param: 'training_file', code: 'invalid_training_file' });
    expect(job.fine_tuned_model).toBeNull();
    const tooFew = await waitForJob((await client.fineTuning.jobs.create({ model: 'sim-student', training_file: await upload(trainingJsonl(level(1).problems.slice(0, 3), 1)) }, { maxRetries: 0 })).id);
    expect(tooFew.error).toMatchObject({ param: 'training_file', code: 'invalid_n_examples' });
  });

  it('cancels a job that has not finished, and refuses to cancel a finished one', async () => {
    const fileId = await upload(trainingJsonl(level(2).problems.slice(0, 10), 1));
    const job = await client.fineTuning.jobs.create({ model: 'sim-student', training_file: fileId }, { maxRetries: 0 });
    expect((await client.fineTuning.jobs.cancel(job.id)).status).toBe('cancelled');
    expect((await waitForJob(job.id)).status).toBe('cancelled');
    await expect(client.fineTuning.jobs.cancel(job.id)).rejects.toMatchObject({ status: 400 });
  });

  it('returns files and their content', async () => {
    const text = trainingJsonl(level(1).problems.slice(0, 10), 1);
    const id = await upload(text, 'mine.jsonl');
    const meta = await client.files.retrieve(id);
    expect(meta).toMatchObject({ id, filename: 'mine.jsonl', bytes: Buffer.byteLength(text), purpose: 'fine-tune' });
    expect(await (await client.files.content(id)).text()).toBe(text);
  });

  it('answers errors in OpenAI shape', async () => {
    await expect(client.chat.completions.create({ model: 'gpt-nope', messages: [{ role: 'user', content: 'x' }] })).rejects.toMatchObject({ status: 404, code: 'model_not_found' });
    await expect(client.chat.completions.create({ model: 'sim-student', messages: [] })).rejects.toMatchObject({ status: 400, param: 'messages' });
    await expect(client.fineTuning.jobs.retrieve('ftjob-missing')).rejects.toMatchObject({ status: 404 });
    await expect(client.files.retrieve('file-missing')).rejects.toMatchObject({ status: 404, code: 'file_not_found' });
    const badEscape = await fetch(`${sim.baseURL}/files/%E0%A4%A`, { headers: { authorization: 'Bearer sim-test-key' } });
    expect(badEscape.status).toBe(404);
    expect(((await badEscape.json()) as { error: { code: string } }).error.code).toBe('unknown_url');
    const noKey = await fetch(`${sim.baseURL}/models`);
    expect(noKey.status).toBe(401);
    expect(((await noKey.json()) as { error: { type: string } }).error.type).toBe('invalid_request_error');
  });
});
