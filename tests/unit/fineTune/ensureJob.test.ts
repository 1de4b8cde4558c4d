import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  ensureJob,
  fineTuneKey,
  intentPathForKey,
  ProviderRequestError,
  ProviderUnavailableError,
  type CreateJobRequest,
  type FineTuneJob,
  type FineTuneProvider,
} from '../../../lib/providers/fineTune';
import { DirectoryRunStore } from '../../../lib/store';

/** An in-memory provider whose create can be told to fail before or after the job exists. */
function memoryProvider() {
  const jobs: (FineTuneJob & { key: string })[] = [];
  const calls: string[] = [];
  let createFailure: { error: Error; afterCreating: boolean } | undefined;
  let onCreate: (() => Promise<void>) | undefined;
  const provider: FineTuneProvider = {
    kind: 'openai',
    async uploadDataset() {
      return { fileId: 'file-1' };
    },
    async createJob(req: CreateJobRequest) {
      calls.push('create');
      await onCreate?.();
      const failure = createFailure;
      createFailure = undefined;
      if (failure && !failure.afterCreating) throw failure.error;
      const job = { id: `ftjob-${jobs.length + 1}`, status: 'pending' as const, providerStatus: 'queued', createdAt: `2025-01-01T00:00:0${jobs.length}Z`, key: req.key };
      jobs.push(job);
      if (failure) throw failure.error;
      return job;
    },
    async findJobsByKey(key) {
      calls.push('find');
      return jobs.filter((j) => j.key === key);
    },
    async getJob(id) {
      calls.push(`get ${id}`);
      const job = jobs.find((j) => j.id === id);
      if (!job) throw new ProviderRequestError(`no job ${id}`, 404, 'not found');
      return job;
    },
    async listEvents() {
      return [];
    },
    async cancelJob(id) {
      return provider.getJob(id);
    },
  };
  return {
    provider,
    jobs,
    calls,
    failNextCreate(error: Error, afterCreating: boolean) {
      createFailure = { error, afterCreating };
    },
    beforeCreate(fn: () => Promise<void>) {
      onCreate = fn;
    },
  };
}

describe('ensureJob', () => {
  let root: string;
  let store: DirectoryRunStore;
  const key = fineTuneKey('demo', 1, 1);
  const req: CreateJobRequest = { baseModel: 'sim-base', trainingFileId: 'file-1', suffix: 'demo-r1', key, seed: 7, hyperparameters: { nEpochs: 2 } };

  beforeEach(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'ensure-'));
    store = new DirectoryRunStore(root);
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('persists the intent before creating, then records the job id; a second call creates nothing', async () => {
    const m = memoryProvider();
    const intentPath = intentPathForKey(key);
    m.beforeCreate(async () => {
      expect(await store.readJson(intentPath)).toEqual({
        key: 'demo-r1-a1',
        provider: 'openai',
        requestedAt: expect.any(String),
        request: { baseModel: 'sim-base', trainingFileId: 'file-1', suffix: 'demo-r1', seed: 7, hyperparameters: { nEpochs: 2 } },
      });
    });
    const first = await ensureJob(m.provider, store, req);
    expect(first).toEqual({ job: expect.objectContaining({ id: 'ftjob-1' }), adopted: false, intentPath });
    expect(await store.readJson(intentPath)).toMatchObject({ job: { id: 'ftjob-1', how: 'created' } });
    const second = await ensureJob(m.provider, store, req);
    expect(second).toMatchObject({ adopted: true, job: { id: 'ftjob-1' } });
    expect(m.jobs).toHaveLength(1);
    expect(m.calls).toEqual(['find', 'create', 'get ftjob-1']);
  });

  it('adopts the job when the create answer is lost after the job was created', async () => {
    const m = memoryProvider();
    m.failNextCreate(new ProviderUnavailableError('openai: create failed: request timed out', undefined, 'request timed out'), true);
    const result = await ensureJob(m.provider, store, req);
    expect(result).toMatchObject({ adopted: true, job: { id: 'ftjob-1' } });
    expect(m.jobs).toHaveLength(1);
    expect(m.calls).toEqual(['find', 'create', 'find']);
  });

  it('rethrows a retryable failure when no job exists, and the retry creates exactly one', async () => {
    const m = memoryProvider();
    m.failNextCreate(new ProviderUnavailableError('openai: create failed with 503: overloaded', 503, 'overloaded'), false);
    await expect(ensureJob(m.provider, store, req)).rejects.toThrow('overloaded');
    expect(await store.readJson(intentPathForKey(key))).not.toHaveProperty('job');
    const retry = await ensureJob(m.provider, store, req);
    expect(retry).toMatchObject({ adopted: false, job: { id: 'ftjob-1' } });
    expect(m.jobs).toHaveLength(1);
  });

  it('does not list again after a definite refusal', async () => {
    const m = memoryProvider();
    m.failNextCreate(new ProviderRequestError('openai: create failed with 400: invalid training file', 400, 'invalid training file'), false);
    await expect(ensureJob(m.provider, store, req)).rejects.toBeInstanceOf(ProviderRequestError);
    expect(m.calls).toEqual(['find', 'create']);
  });

  it('adopts the oldest job and records duplicates when several carry the key', async () => {
    const m = memoryProvider();
    await m.provider.createJob(req);
    await m.provider.createJob(req);
    const result = await ensureJob(m.provider, store, req, { intentPath: 'demo/round-1/fine-tune/intent-a1.json' });
    expect(result).toMatchObject({ adopted: true, job: { id: 'ftjob-1' }, intentPath: 'demo/round-1/fine-tune/intent-a1.json' });
    expect(await store.readJson(result.intentPath)).toMatchObject({ job: { id: 'ftjob-1', how: 'adopted' }, duplicates: ['ftjob-2'] });
  });
});
