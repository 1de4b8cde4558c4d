import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import OpenAI, { toFile } from 'openai';
import { loadCurriculum } from '../../lib/curriculum/load';
import type { Curriculum } from '../../lib/curriculum/types';
import { problemPrompt } from '../../lib/traces/prompts';
import { startSim } from '../../sim/server';

/** With --state, a restarted sim still serves its files and trained models, and finishes in-flight jobs. */

const CURRICULUM = path.resolve(__dirname, '../../curricula/arithmetic.yaml');
let curriculum: Curriculum;
let dir: string;

beforeAll(async () => {
  curriculum = await loadCurriculum(CURRICULUM);
  dir = mkdtempSync(path.join(os.tmpdir(), 'sim-state-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const jsonl = () =>
  curriculum.levels[1]!.problems.slice(0, 12)
    .map((p) => JSON.stringify({ messages: [{ role: 'user', content: problemPrompt(p.question) }, { role: 'assistant', content: `\\boxed{${p.answer}}` }] }))
    .join('\n');

it('persists files, jobs and trained models across a restart', async () => {
  const config = { jobs: { validatingSeconds: 0.05, queuedSeconds: 0.05, runningSeconds: 0.1 } };
  const first = await startSim({ curricula: [curriculum], config, stateDir: dir });
  const c1 = new OpenAI({ baseURL: first.baseURL, apiKey: 'sim-test-key' });
  const file = await c1.files.create({ file: await toFile(Buffer.from(jsonl()), 'a.jsonl'), purpose: 'fine-tune' });
  const done = await c1.fineTuning.jobs.create({ model: 'sim-student', training_file: file.id, metadata: { run: 'r' } }, { maxRetries: 0 });
  let job = done;
  while (job.status !== 'succeeded') {
    await new Promise((r) => setTimeout(r, 30));
    job = await c1.fineTuning.jobs.retrieve(done.id);
  }
  const probe = { messages: [{ role: 'user' as const, content: problemPrompt(curriculum.levels[2]!.problems[0]!.question) }], n: 5, seed: 3 };
  const before = await c1.chat.completions.create({ model: job.fine_tuned_model!, ...probe });
  // A job still in flight when the sim stops: it finishes after the restart.
  const inFlight = await c1.fineTuning.jobs.create({ model: job.fine_tuned_model!, training_file: file.id, suffix: 'next' }, { maxRetries: 0 });
  await first.close();
  expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);

  const second = await startSim({ curricula: [curriculum], config, stateDir: dir });
  try {
    const c2 = new OpenAI({ baseURL: second.baseURL, apiKey: 'sim-test-key' });
    expect((await c2.models.list()).data.map((m) => m.id)).toContain(job.fine_tuned_model);
    expect((await c2.files.retrieve(file.id)).bytes).toBe(Buffer.byteLength(jsonl()));
    expect((await c2.fineTuning.jobs.list({ metadata: { run: 'r' } })).data.map((j) => j.id)).toEqual([done.id]);
    const after = await c2.chat.completions.create({ model: job.fine_tuned_model!, ...probe });
    expect(after.choices).toEqual(before.choices);
    let next = await c2.fineTuning.jobs.retrieve(inFlight.id);
    while (!['succeeded', 'failed'].includes(next.status)) {
      await new Promise((r) => setTimeout(r, 30));
      next = await c2.fineTuning.jobs.retrieve(inFlight.id);
    }
    expect(next.status).toBe('succeeded');
    expect(next.fine_tuned_model).toMatch(/^ft:sim-student:sim:next:/);
  } finally {
    await second.close();
  }
});

it('keeps stored chat completions across a restart (completions.jsonl), listed by the openai SDK', async () => {
  const stateDir = mkdtempSync(path.join(os.tmpdir(), 'sim-state-stored-'));
  try {
    const first = await startSim({ curricula: [curriculum], stateDir });
    const c1 = new OpenAI({ baseURL: first.baseURL, apiKey: 'sim-test-key' });
    const messages = [{ role: 'user' as const, content: problemPrompt(curriculum.levels[2]!.problems[1]!.question) }];
    const made = await c1.chat.completions.create({ model: 'sim-student', messages, n: 2, seed: 9, store: true, metadata: { strawberry_request: 'abc' } });
    await first.close();
    expect(readdirSync(stateDir)).toContain('completions.jsonl');

    const second = await startSim({ curricula: [curriculum], stateDir });
    try {
      const c2 = new OpenAI({ baseURL: second.baseURL, apiKey: 'sim-test-key' });
      const page = await c2.chat.completions.list({ metadata: { strawberry_request: 'abc' } });
      expect(page.data.map((c) => [c.id, c.choices.map((x) => x.message.content)])).toEqual([[made.id, made.choices.map((x) => x.message.content)]]);
      expect(((await c2.chat.completions.retrieve(made.id)) as { metadata?: unknown }).metadata).toEqual({ strawberry_request: 'abc' });
      expect(second.stats()).toMatchObject({ chatCompletions: 0, storedLookups: 2 });
    } finally {
      await second.close();
    }
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
});
