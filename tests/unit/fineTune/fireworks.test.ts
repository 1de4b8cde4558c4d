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
import { fireworksDatasetIdFor, fireworksJobIdForKey } from '../../../lib/providers/fireworks';
import { DirectoryRunStore } from '../../../lib/store';
import { loadFixture, startReplayServer, type ReplayServer } from './replayServer';
import { storedSource } from '../../helpers/storedSource';

const API_KEY = 'fw_test_3b8f0c2d9e7a41c6b5a4f3e2d1c0b9a8';
const ENV = 'STRAWBERRY_TEST_FIREWORKS_KEY';
const KEY = 'Demo_Campaign-r1-a1';
const DATASET = '{"messages":[{"role":"user","content":"1+1"},{"role":"assistant","content":"2"}]}\n{"messages":[{"role":"user","content":"2+2"},{"role":"assistant","content":"4"}]}\n';

describe('fireworks fine-tune provider against recorded exchanges', () => {
  let server: ReplayServer | undefined;
  let dir: string;

  beforeEach(async () => {
    process.env[ENV] = API_KEY;
    dir = await mkdtemp(path.join(os.tmpdir(), 'fireworks-'));
  });
  afterEach(async () => {
    delete process.env[ENV];
    await server?.close();
    server = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  async function replay(name: string, vars: Record<string, string> = {}): Promise<FineTuneProvider> {
    server = await startReplayServer(loadFixture('fireworks', name), { apiKey: API_KEY, jobId: fireworksJobIdForKey(KEY), ...vars });
    return createFineTuneProvider({ kind: 'fireworks', baseURL: server.url, apiKeyEnv: ENV, accountId: 'acme-labs', datasetPollMs: 10 });
  }

  it('derives job ids that follow the resource id rules and differ per key', () => {
    const id = fireworksJobIdForKey(KEY);
    expect(id).toMatch(/^[a-z][a-z0-9-]{0,62}$/);
    expect(id.startsWith('demo-campaign-r1-a1-')).toBe(true);
    expect(fireworksJobIdForKey('Demo_Campaign-r1-a2')).not.toBe(id);
    expect(fireworksJobIdForKey('x'.repeat(200))).toHaveLength(63);
    expect(fireworksJobIdForKey('1-r1-a1')).toMatch(/^k-1-r1-a1-[0-9a-f]{8}$/);
  });

  it('creates a dataset, uploads the file and waits until it is READY', async () => {
    const datasetId = fireworksDatasetIdFor('demo-r1.jsonl', Buffer.from(DATASET));
    const provider = await replay('upload', { datasetId, fileName: 'demo-r1.jsonl', datasetContent: DATASET });
    const file = path.join(dir, 'train.jsonl');
    await writeFile(file, DATASET);
    await expect(provider.uploadDataset(await storedSource(file), { name: 'demo-r1.jsonl' })).resolves.toEqual({ fileId: `accounts/acme-labs/datasets/${datasetId}` });
    server!.assertDone();
  });

  it('creates a job under the id derived from the key and follows it to the output model', async () => {
    const provider = await replay('job-lifecycle');
    const jobId = fireworksJobIdForKey(KEY);
    const created = await provider.createJob({
      baseModel: 'accounts/fireworks/models/llama-v3p1-8b-instruct',
      trainingFileId: 'accounts/acme-labs/datasets/demo-round-1',
      suffix: 'demo-r1',
      key: KEY,
      hyperparameters: { nEpochs: 2, learningRate: 0.0001, batchSize: 16 },
    });
    expect(created).toMatchObject({ id: jobId, status: 'pending', providerStatus: 'JOB_STATE_CREATING' });
    expect(created.fineTunedModel).toBeUndefined();
    expect((await provider.getJob(`accounts/acme-labs/supervisedFineTuningJobs/${jobId}`)).status).toBe('running');
    expect(await provider.getJob(jobId)).toMatchObject({
      status: 'succeeded',
      fineTunedModel: `accounts/acme-labs/models/${jobId}`,
      createdAt: '2025-05-17T17:35:45Z',
    });
    const events = await provider.listEvents(jobId);
    expect(events).toEqual([
      { at: '2025-05-17T17:35:45Z', level: 'info', message: 'job created (demo-r1)' },
      { at: '2025-05-17T18:50:02Z', level: 'info', message: 'JOB_STATE_COMPLETED' },
    ]);
    server!.assertDone();
  });

  it('adopts the existing job when the create answers ALREADY_EXISTS', async () => {
    const provider = await replay('create-conflict');
    const job = await provider.createJob({
      baseModel: 'accounts/fireworks/models/llama-v3p1-8b-instruct',
      trainingFileId: 'accounts/acme-labs/datasets/demo-round-1',
      suffix: 'demo-r1',
      key: KEY,
    });
    expect(job).toMatchObject({ id: fireworksJobIdForKey(KEY), status: 'running' });
    server!.assertDone();
  });

  it('finds jobs by key through the derived id (404 means none)', async () => {
    const provider = await replay('find-by-key', { missingJobId: fireworksJobIdForKey('Demo_Campaign-r2-a1') });
    await expect(provider.findJobsByKey('Demo_Campaign-r2-a1')).resolves.toEqual([]);
    const found = await provider.findJobsByKey(KEY);
    expect(found.map((j) => [j.id, j.status, j.providerStatus])).toEqual([[fireworksJobIdForKey(KEY), 'pending', 'JOB_STATE_VALIDATING']]);
    server!.assertDone();
  });

  it("reports a failed job with Fireworks' own status message", async () => {
    const provider = await replay('failed-job');
    expect(await provider.getJob(fireworksJobIdForKey(KEY))).toMatchObject({
      status: 'failed',
      providerStatus: 'JOB_STATE_FAILED',
      error: 'dataset validation failed: row 3 has no "messages" field',
    });
    server!.assertDone();
  });

  it('cancels by deleting the job', async () => {
    const provider = await replay('cancel');
    expect(await provider.cancelJob(fireworksJobIdForKey(KEY))).toMatchObject({ status: 'cancelled', providerStatus: 'JOB_STATE_DELETING' });
    server!.assertDone();
  });

  it('classifies 403 as a refusal with the provider text and 500 as retryable', async () => {
    const provider = await replay('errors');
    const file = path.join(dir, 'train.jsonl');
    await writeFile(file, DATASET);
    const refused = await provider.uploadDataset(await storedSource(file), { name: 'demo-r1' }).then(() => undefined, (e: unknown) => e);
    expect(refused).toBeInstanceOf(ProviderRequestError);
    expect(refused).toMatchObject({ status: 403, providerMessage: 'permission denied: API key cannot write to account acme-labs' });
    expect((refused as Error).message).toMatch(/^fireworks: POST datasets failed with 403 \(check the API key and its permissions\)/);
    const retryable = await provider.getJob(fireworksJobIdForKey(KEY)).then(() => undefined, (e: unknown) => e);
    expect(retryable).toBeInstanceOf(ProviderUnavailableError);
    expect(retryable).toMatchObject({ status: 500, retryable: true });
    server!.assertDone();
  });

  it('ensureJob on a 409 records the adopted job next to the intent', async () => {
    // findJobsByKey (404), create (409), get: three recorded exchanges.
    server = await startReplayServer(
      {
        description: 'find (none yet) then create-conflict',
        exchanges: [...loadFixture('fireworks', 'find-by-key').exchanges.slice(0, 1), ...loadFixture('fireworks', 'create-conflict').exchanges],
      },
      { apiKey: API_KEY, jobId: fireworksJobIdForKey(KEY), missingJobId: fireworksJobIdForKey(KEY) },
    );
    const provider = createFineTuneProvider({ kind: 'fireworks', baseURL: `${server.url}/v1`, apiKeyEnv: ENV, accountId: 'acme-labs' });
    const store = new DirectoryRunStore(path.join(dir, 'runs'));
    const result = await ensureJob(provider, store, {
      baseModel: 'accounts/fireworks/models/llama-v3p1-8b-instruct',
      trainingFileId: 'accounts/acme-labs/datasets/demo-round-1',
      suffix: 'demo-r1',
      key: KEY,
    });
    expect(result.adopted).toBe(false);
    expect(result.job.id).toBe(fireworksJobIdForKey(KEY));
    expect(await store.readJson(result.intentPath)).toMatchObject({ key: KEY, provider: 'fireworks', job: { id: fireworksJobIdForKey(KEY) } });
    server.assertDone();
  });

  it('requires an account id', () => {
    expect(() => createFineTuneProvider({ kind: 'fireworks', baseURL: 'http://127.0.0.1:9', apiKeyEnv: ENV })).toThrow('fireworks: accountId is required');
  });
});
