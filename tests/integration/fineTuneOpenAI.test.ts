import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadCurriculum } from '../../lib/curriculum/load';
import {
  createFineTuneProvider,
  ensureJob,
  fineTuneKey,
  isTerminalStatus,
  ProviderRequestError,
  type FineTuneJob,
  type FineTuneProvider,
} from '../../lib/providers/fineTune';
import { KEY_METADATA_FIELD } from '../../lib/providers/openai';
import { formatFinalAnswer, problemPrompt } from '../../lib/traces/prompts';
import { DirectoryRunStore, type StoredSource } from '../../lib/store';
import { startSim, type RunningSim } from '../../sim';

/** The `openai` fine-tune provider against the simulated provider over real HTTP. */

const CURRICULUM = path.resolve(__dirname, '../../curricula/arithmetic.yaml');
const ENV = 'STRAWBERRY_TEST_SIM_KEY';
const API_KEY = 'sk-sim-integration-5d1f0a7c';

let sim: RunningSim;
let root: string;
let store: DirectoryRunStore;
let provider: FineTuneProvider;

beforeAll(async () => {
  process.env[ENV] = API_KEY;
  sim = await startSim({ curricula: [CURRICULUM], config: { jobs: { validatingSeconds: 0.05, queuedSeconds: 0.05, runningSeconds: 0.3 } } });
  root = await mkdtemp(path.join(os.tmpdir(), 'ft-openai-'));
  store = new DirectoryRunStore(path.join(root, 'runs'));
  provider = createFineTuneProvider({ kind: 'openai', baseURL: sim.baseURL, apiKeyEnv: ENV });
});

afterAll(async () => {
  delete process.env[ENV];
  await sim?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

async function trainingFile(name: string): Promise<StoredSource> {
  const curriculum = await loadCurriculum(CURRICULUM);
  const problems = curriculum.levels.flatMap((l) => l.problems).filter((p) => !p.heldOut).slice(0, 12);
  const ref = await store.writeJsonl(
    `demo/round-1/${name}`,
    problems.map((p) => ({
      messages: [
        { role: 'user', content: problemPrompt(p.question) },
        { role: 'assistant', content: `The answer is ${formatFinalAnswer(p.answer)}.` },
      ],
    })),
  );
  expect(ref.count).toBe(12);
  return store.source(ref);
}

async function pollUntilDone(id: string): Promise<FineTuneJob> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const job = await provider.getJob(id);
    if (isTerminalStatus(job.status)) return job;
    if (Date.now() > deadline) throw new Error(`job ${id} still ${job.providerStatus} after 30 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('openai fine-tune provider against the sim', () => {
  it('uploads, creates exactly one job per key, finds it by key and follows it to a fine-tuned model', async () => {
    const source = await trainingFile('dataset.jsonl');
    const { fileId } = await provider.uploadDataset(source, { name: 'demo-r1.jsonl' });
    expect(fileId).toMatch(/\S/);

    const key = fineTuneKey('demo', 1, 1);
    const req = { baseModel: 'sim-student', trainingFileId: fileId, suffix: 'demo-r1', key, seed: 3, hyperparameters: { nEpochs: 2 }, metadata: { campaign: 'demo' } };
    const first = await ensureJob(provider, store, req, { intentPath: 'demo/round-1/fine-tune-intent-a1.json' });
    const second = await ensureJob(provider, store, req, { intentPath: 'demo/round-1/fine-tune-intent-a1.json' });
    expect(first.adopted).toBe(false);
    expect(second.adopted).toBe(true);
    expect(second.job.id).toBe(first.job.id);
    expect(sim.stats().jobsCreated).toBe(1);

    // The intent lost (e.g. another machine's run store): listing by metadata still finds the job.
    const third = await ensureJob(provider, store, req, { intentPath: 'elsewhere/intent.json' });
    expect(third).toMatchObject({ adopted: true, job: { id: first.job.id } });
    expect(sim.stats().jobsCreated).toBe(1);

    const found = await provider.findJobsByKey(key);
    expect(found.map((j) => j.id)).toEqual([first.job.id]);
    expect((found[0]!.raw as { metadata: Record<string, string> }).metadata).toEqual({ campaign: 'demo', [KEY_METADATA_FIELD]: key });
    expect(await provider.findJobsByKey(fineTuneKey('demo', 1, 2))).toEqual([]);

    const done = await pollUntilDone(first.job.id);
    expect(done.status).toBe('succeeded');
    expect(done.fineTunedModel).toMatch(/demo-r1/);
    const events = await provider.listEvents(first.job.id);
    expect(events.length).toBeGreaterThan(0);
    expect(events.map((e) => e.at)).toEqual([...events.map((e) => e.at)].sort());

    const intent = await store.readJson<Record<string, unknown>>('demo/round-1/fine-tune-intent-a1.json');
    expect(intent).toMatchObject({ key, provider: 'openai', job: { id: first.job.id, how: 'created' } });
    expect(JSON.stringify(intent)).not.toContain(API_KEY);
  });

  it("ends a job on a bad training file as failed with the provider's own error text", async () => {
    const bad = await store.writeFileAtomic('demo/round-2/bad.jsonl', '{"messages": [{"role": "user", "content": "1+1"}]}\n');
    const { fileId } = await provider.uploadDataset(await store.source(bad), { name: 'bad.jsonl' });
    const { job } = await ensureJob(provider, store, { baseModel: 'sim-student', trainingFileId: fileId, suffix: 'demo-r2', key: fineTuneKey('demo', 2, 1) });
    const done = await pollUntilDone(job.id);
    expect(done.status).toBe('failed');
    expect(done.error).toMatch(/invalid training file/i);
    expect(done.error).toMatch(/no assistant message/);
  });

  it('cancels a running job', async () => {
    const source = await trainingFile('dataset-cancel.jsonl');
    const { fileId } = await provider.uploadDataset(source, { name: 'cancel.jsonl' });
    const { job } = await ensureJob(provider, store, { baseModel: 'sim-student', trainingFileId: fileId, suffix: 'demo-r3', key: fineTuneKey('demo', 3, 1) });
    const cancelled = await provider.cancelJob(job.id);
    expect(cancelled.status).toBe('cancelled');
    expect((await provider.getJob(job.id)).status).toBe('cancelled');
  });

  it('turns refusals into ProviderRequestError with the provider message, never the key', async () => {
    const err = await provider
      .createJob({ baseModel: 'gpt-nope', trainingFileId: 'file-missing', suffix: 'x', key: 'demo-r9-a1' })
      .then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderRequestError);
    expect(err).toMatchObject({ status: 404, retryable: false });
    expect((err as Error).message).toContain('gpt-nope');
    expect((err as Error).message).not.toContain(API_KEY);
    await expect(provider.getJob('ftjob-does-not-exist')).rejects.toMatchObject({ status: 404 });
  });

  it('names the missing key variable', async () => {
    const p = createFineTuneProvider({ kind: 'openai', baseURL: sim.baseURL, apiKeyEnv: 'STRAWBERRY_TEST_UNSET_KEY' });
    await expect(p.getJob('x')).rejects.toThrow('the environment variable STRAWBERRY_TEST_UNSET_KEY is not set');
  });
});
