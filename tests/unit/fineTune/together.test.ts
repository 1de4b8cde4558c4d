import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  createFineTuneProvider,
  ensureJob,
  ProviderRequestError,
  ProviderUnavailableError,
  type FineTuneProvider,
} from '../../../lib/providers/fineTune';
import { togetherSuffixForKey } from '../../../lib/providers/together';
import { DirectoryRunStore } from '../../../lib/store';
import { loadFixture, startReplayServer, type ReplayServer } from './replayServer';

const API_KEY = 'tgp_v1_test-key-0123456789abcdef';
const ENV = 'STRAWBERRY_TEST_TOGETHER_KEY';
const KEY = 'demo-r1-a1';
const DATASET = '{"messages":[{"role":"user","content":"1+1"},{"role":"assistant","content":"\\\\boxed{2}"}]}\n{"messages":[{"role":"user","content":"2+2"},{"role":"assistant","content":"\\\\boxed{4}"}]}\n';

describe('together fine-tune provider against recorded exchanges', () => {
  let server: ReplayServer | undefined;
  let dir: string;

  beforeEach(async () => {
    process.env[ENV] = API_KEY;
    dir = await mkdtemp(path.join(os.tmpdir(), 'together-'));
  });
  afterEach(async () => {
    delete process.env[ENV];
    await server?.close();
    server = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  async function replay(name: string, vars: Record<string, string> = {}): Promise<FineTuneProvider> {
    server = await startReplayServer(loadFixture('together', name), {
      apiKey: API_KEY,
      suffix: togetherSuffixForKey(KEY),
      fileName: 'demo-r1.jsonl',
      datasetContent: DATASET,
      ...vars,
    });
    return createFineTuneProvider({ kind: 'together', baseURL: `${server.url}/v1`, apiKeyEnv: ENV });
  }

  it('uploads through the presigned redirect without sending the key to the storage host', async () => {
    const provider = await replay('upload');
    const file = path.join(dir, 'demo-r1.jsonl');
    await writeFile(file, DATASET);
    await expect(provider.uploadDataset(file, { name: 'demo-r1.jsonl' })).resolves.toEqual({ fileId: 'file-30b2f515-c146-4780-80e6-d8a84f4caaaa' });
    server!.assertDone();
  });

  it('creates a job carrying the key in its suffix and follows it to the resulting model', async () => {
    const provider = await replay('job-lifecycle');
    const created = await provider.createJob({
      baseModel: 'meta-llama/Meta-Llama-3.1-8B-Instruct-Reference',
      trainingFileId: 'file-30b2f515-c146-4780-80e6-d8a84f4caaaa',
      suffix: 'demo r1',
      key: KEY,
      hyperparameters: { nEpochs: 2, learningRate: 0.00001, batchSize: 8 },
    });
    expect(created).toMatchObject({ id: 'ft-6c4e2bde-5a2f-4a33-9b0e-3f1d2c8e7a10', status: 'pending', providerStatus: 'pending' });
    expect(created.fineTunedModel).toBeUndefined();
    expect((await provider.getJob(created.id)).status).toBe('running');
    const done = await provider.getJob(created.id);
    expect(done).toMatchObject({
      status: 'succeeded',
      providerStatus: 'completed',
      fineTunedModel: `strawberry-team/Meta-Llama-3.1-8B-Instruct-Reference-${togetherSuffixForKey(KEY)}-5e1b0c9d`,
      createdAt: '2025-05-17T17:35:45.123Z',
      // Together's own figures for the job: tokens trained on and its price, as reported.
      trainedTokens: 850000,
      providerPrice: 1500,
    });
    const events = await provider.listEvents(created.id);
    expect(events.map((e) => e.message)).toEqual(['Fine tune request created', 'Training started', 'Job finished']);
    expect(events[0]).toEqual({ at: '2025-05-17T17:35:45.200Z', level: 'info', message: 'Fine tune request created' });
    server!.assertDone();
  });

  it('finds the jobs of a key by their suffix only', async () => {
    const provider = await replay('find-by-key', { otherSuffix: togetherSuffixForKey('demo-r1-a2') });
    const found = await provider.findJobsByKey(KEY);
    expect(found.map((j) => [j.id, j.status])).toEqual([['ft-6c4e2bde-5a2f-4a33-9b0e-3f1d2c8e7a10', 'pending']]);
    server!.assertDone();
  });

  it("reports a failed job with Together's own error text", async () => {
    const provider = await replay('failed-job');
    const job = await provider.getJob('ft-0b5d0f0e-failed');
    expect(job).toMatchObject({ status: 'failed', providerStatus: 'error', error: 'Invalid training file: line 3 is missing the "messages" field' });
    server!.assertDone();
  });

  it('classifies 401 as a refusal without the key and 503 as retryable', async () => {
    const provider = await replay('errors');
    const refused = await provider
      .createJob({ baseModel: 'm', trainingFileId: 'f', suffix: 's', key: KEY })
      .then(() => undefined, (e: unknown) => e);
    expect(refused).toBeInstanceOf(ProviderRequestError);
    expect(refused).toMatchObject({ status: 401, retryable: false, exitCode: 2 });
    expect((refused as Error).message).toContain('Invalid API key provided');
    expect((refused as Error).message).not.toContain(API_KEY);
    const unavailable = await provider.getJob('ft-6c4e2bde-5a2f-4a33-9b0e-3f1d2c8e7a10').then(() => undefined, (e: unknown) => e);
    expect(unavailable).toBeInstanceOf(ProviderUnavailableError);
    expect(unavailable).toMatchObject({ status: 503, retryable: true });
    expect((unavailable as Error).message).toContain('The server is overloaded or not ready yet.');
    server!.assertDone();
  });

  it('ensureJob adopts the job a failed create started, and a second call reuses it', async () => {
    const provider = await replay('ensure-adopt');
    const store = new DirectoryRunStore(path.join(dir, 'runs'));
    const req = {
      baseModel: 'meta-llama/Meta-Llama-3.1-8B-Instruct-Reference',
      trainingFileId: 'file-30b2f515-c146-4780-80e6-d8a84f4caaaa',
      suffix: 'demo r1',
      key: KEY,
      hyperparameters: { nEpochs: 1 },
    };
    const first = await ensureJob(provider, store, req, { intentPath: 'demo/round-1/fine-tune-intent-a1.json' });
    expect(first).toMatchObject({ adopted: true, job: { id: 'ft-6c4e2bde-5a2f-4a33-9b0e-3f1d2c8e7a10' } });
    const intent = await store.readJson<Record<string, any>>('demo/round-1/fine-tune-intent-a1.json');
    expect(intent).toMatchObject({ key: KEY, provider: 'together', job: { id: 'ft-6c4e2bde-5a2f-4a33-9b0e-3f1d2c8e7a10', how: 'adopted' } });
    expect(JSON.stringify(intent)).not.toContain(API_KEY);
    const second = await ensureJob(provider, store, req, { intentPath: 'demo/round-1/fine-tune-intent-a1.json' });
    expect(second).toMatchObject({ adopted: true, job: { id: 'ft-6c4e2bde-5a2f-4a33-9b0e-3f1d2c8e7a10', status: 'running' } });
    server!.assertDone();
  });

  it('cancels', async () => {
    const provider = await replay('cancel');
    const job = await provider.cancelJob('ft-6c4e2bde-5a2f-4a33-9b0e-3f1d2c8e7a10');
    expect(job).toMatchObject({ status: 'running', providerStatus: 'cancel_requested' });
    expect((await provider.getJob(job.id)).status).toBe('cancelled');
    server!.assertDone();
  });

  it('names the missing key variable and sends nothing', async () => {
    const provider = await replay('cancel');
    delete process.env[ENV];
    await expect(provider.getJob('ft-x')).rejects.toThrow(`the environment variable ${ENV} is not set`);
    expect(server!.received).toEqual([]);
  });
});
