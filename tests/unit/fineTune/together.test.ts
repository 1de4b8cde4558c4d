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
import { TogetherProvider, togetherEndpointNameForKey, togetherSuffixForKey } from '../../../lib/providers/together';
import type { RunningSim } from '../../../sim/server';
import { loadCampaignConfig } from '../../../lib/config/load';
import { UserError } from '../../../lib/errors';
import { DirectoryRunStore } from '../../../lib/store';
import { loadFixture, startReplayServer, type ReplayServer } from './replayServer';
import { fineTuneOn, settle, startTogetherSim, togetherOn, trainingFile } from './together.sim';
import { storedSource } from '../../helpers/storedSource';

const API_KEY = 'tgp_v1_test-key-0123456789abcdef';
const ENV = 'STRAWBERRY_TEST_TOGETHER_KEY';
const KEY = 'demo-r1-a1';
const DATASET = '{"messages":[{"role":"user","content":"1+1"},{"role":"assistant","content":"\\\\boxed{2}"}]}\n{"messages":[{"role":"user","content":"2+2"},{"role":"assistant","content":"\\\\boxed{4}"}]}\n';

let server: ReplayServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('together fine-tune provider against recorded exchanges', () => {
  let dir: string;

  beforeEach(async () => {
    process.env[ENV] = API_KEY;
    dir = await mkdtemp(path.join(os.tmpdir(), 'together-'));
  });
  afterEach(async () => {
    delete process.env[ENV];
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
    await expect(provider.uploadDataset(await storedSource(file), { name: 'demo-r1.jsonl' })).resolves.toEqual({ fileId: 'file-30b2f515-c146-4780-80e6-d8a84f4caaaa' });
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
      // Together's own figures: token_count counts the dataset once (x 2 epochs); total_price is nanodollars.
      trainedTokens: 1700000,
      providerPrice: 0.0000015,
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

/**
 * Issue 21, "Providers as they really behave": one test per row of the Together table (docs/providers.md),
 * each against the sim in its Together shape, which refuses or reports what Together does; the recorded
 * fixtures beside them hold Together's documented exchanges.
 */
describe('together as it really behaves (issue 21)', () => {
  let sim: RunningSim | undefined;
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'together-sim-'));
  });
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  async function trainedJob(opts: { examples?: number; seed?: number; nEpochs?: number } = {}) {
    const provider = fineTuneOn(sim!);
    const { fileId } = await provider.uploadDataset(await storedSource(await trainingFile(dir, opts.examples ?? 12)), { name: 'demo-r1.jsonl' });
    const created = await provider.createJob({
      baseModel: 'sim-student',
      trainingFileId: fileId,
      suffix: 'demo-r1',
      key: KEY,
      ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
      hyperparameters: { nEpochs: opts.nEpochs ?? 2 },
    });
    return { provider, fileId, job: await settle(provider, created.id) };
  }

  it('row 1: user_error (bad data or parameters) is terminal: the job fails with Together\'s reason, not polled for days', async () => {
    sim = await startTogetherSim();
    const { job } = await trainedJob({ examples: 2 });
    expect(job).toMatchObject({ status: 'failed', providerStatus: 'user_error' });
    expect(job.error).toMatch(/at least 10 examples/);
    // The documented exchange: status user_error with a JOB_USER_ERROR event.
    server = await startReplayServer(loadFixture('together', 'user-error'), { apiKey: API_KEY });
    process.env[ENV] = API_KEY;
    const replayed = await createFineTuneProvider({ kind: 'together', baseURL: `${server.url}/v1`, apiKeyEnv: ENV }).getJob('ft-user-error');
    expect(replayed).toMatchObject({ status: 'failed', providerStatus: 'user_error', error: expect.stringContaining('missing the "messages" field') });
    server.assertDone();
  });

  it('row 2: a retry adopts the endpoint it created by model (the list carries no display_name): one billed endpoint', async () => {
    sim = await startTogetherSim();
    const { job } = await trainedJob();
    const serving = togetherOn(sim);
    const req = { key: `${KEY}-serve`, model: job.fineTunedModel! };
    const first = await serving.ensureDeployment(req);
    // A crash before the id was recorded: the next attempt lists endpoints and must find this one.
    const again = await serving.ensureDeployment(req);
    expect(again.id).toBe(first.id);
    expect(sim.provider()!.deploymentsCreated).toBe(1);
    // The list response holds no display_name, as Together's ListEndpoint schema.
    const listed = (await (await fetch(`${sim.baseURL}/endpoints`, { headers: { authorization: 'Bearer k' } })).json()) as { data: Record<string, unknown>[] };
    expect(listed.data[0]).not.toHaveProperty('display_name');
    // The recorded fixture: adoption by model among other endpoints.
    process.env[ENV] = API_KEY;
    server = await startReplayServer(loadFixture('together', 'endpoint-lifecycle'), { apiKey: API_KEY, displayName: togetherEndpointNameForKey(req.key) });
    const replayed = new TogetherProvider({ kind: 'together', baseURL: `${server.url}/v1`, apiKeyEnv: ENV, serving: { hardware: '1x_nvidia_h100_80gb_sxm' } });
    const model = 'strawberry-team/Meta-Llama-3.1-8B-Instruct-Reference-demo-r1-5e1b0c9d';
    const created = await replayed.ensureDeployment({ key: req.key, model });
    expect(await replayed.getDeployment(created.id)).toMatchObject({ state: 'ready' });
    expect(await replayed.ensureDeployment({ key: req.key, model })).toMatchObject({ id: created.id, state: 'ready' });
    await replayed.deleteDeployment(created.id);
    await replayed.deleteDeployment(created.id);
    server.assertDone();
  });

  it('row 3: continuing from a parent sends from_checkpoint without model (the SDK refuses both at once)', async () => {
    sim = await startTogetherSim();
    const { provider, fileId, job: parent } = await trainedJob();
    const child = await provider.createJob({
      baseModel: 'sim-student',
      parent: { model: parent.fineTunedModel!, jobId: parent.id },
      trainingFileId: fileId,
      suffix: 'demo-r2',
      key: 'demo-r2-a1',
    });
    const body = sim.provider()!.requests.filter((r) => r.path === '/v1/fine-tunes').at(-1)!.body;
    expect(body).toMatchObject({ from_checkpoint: parent.id });
    expect(body).not.toHaveProperty('model');
    expect((child.raw as Record<string, unknown>).from_checkpoint).toBe(parent.fineTunedModel);
    // The sim refuses both at once, as together-python's create_finetune_request does.
    const both = await fetch(`${sim.baseURL}/fine-tunes`, {
      method: 'POST',
      headers: { authorization: 'Bearer k', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'sim-student', from_checkpoint: parent.id, training_file: fileId }),
    });
    expect(both.status).toBe(400);
    expect(await both.text()).toContain('not both');
  });

  it('row 4: by default a fine-tune serves on a dedicated endpoint (the sim refuses it serverless: its base is not on the LoRA list)', async () => {
    sim = await startTogetherSim();
    const { job } = await trainedJob();
    const serving = togetherOn(sim, { hardware: 'sim-gpu-1x' });
    expect(serving.needsDeployment()).toBe(true);
    const chat = (model: string): Promise<Response> =>
      fetch(`${sim!.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { authorization: 'Bearer k', 'content-type': 'application/json' },
        body: JSON.stringify({ model, messages: [{ role: 'user', content: '1+1' }], max_tokens: 8 }),
      });
    expect((await chat(job.fineTunedModel!)).status).toBe(404);
    const endpoint = await serving.ensureDeployment({ key: `${KEY}-serve`, model: job.fineTunedModel! });
    const ready = await serving.getDeployment(endpoint.id);
    expect(ready.state).toBe('ready');
    expect((await chat(ready.servedModel)).status).toBe(200);
    // Without hardware a dedicated endpoint cannot be made: a clear refusal naming the field.
    await expect(togetherOn(sim, {}).ensureDeployment({ key: 'x', model: job.fineTunedModel! })).rejects.toThrow(/serving\.hardware/);
    // Serverless is a choice for the listed bases: nothing is created.
    expect(togetherOn(sim, { mode: 'serverless' }).needsDeployment()).toBe(false);
  });

  it('row 5: an endpoint in state FAILED is failed, not waited on', async () => {
    sim = await startTogetherSim({ deploymentFailureRate: 1 });
    const { job } = await trainedJob();
    const serving = togetherOn(sim);
    const endpoint = await serving.ensureDeployment({ key: `${KEY}-serve`, model: job.fineTunedModel! });
    const seen = await serving.getDeployment(endpoint.id);
    expect(seen).toMatchObject({ state: 'failed', providerState: 'FAILED', error: expect.stringContaining('FAILED') });
    process.env[ENV] = API_KEY;
    server = await startReplayServer(loadFixture('together', 'endpoint-failed'), { apiKey: API_KEY });
    const replayed = new TogetherProvider({ kind: 'together', baseURL: `${server.url}/v1`, apiKeyEnv: ENV, serving: { hardware: '1x_nvidia_h100_80gb_sxm' } });
    expect(await replayed.getDeployment('endpoint-d23901de-ef8f-44bf-b3e7-de9c1ca8f2d7')).toMatchObject({ state: 'failed', providerState: 'FAILED' });
    server.assertDone();
  });

  it('row 6: trained tokens are token_count (dataset tokens) x epochs and total_price is nanodollars', async () => {
    sim = await startTogetherSim({ prices: { trainingPerMillionTokens: 3 } });
    const { job } = await trainedJob({ nEpochs: 2 });
    const raw = job.raw as { token_count: number; total_price: number; n_epochs: number };
    expect(raw.n_epochs).toBe(2);
    expect(job.trainedTokens).toBe(raw.token_count * 2);
    expect(job.providerPrice).toBeCloseTo((job.trainedTokens! * 3) / 1e6, 9);
    expect(raw.total_price).toBe(Math.round(job.providerPrice! * 1e9));
  });

  it('row 7: the round seed is sent as random_seed', async () => {
    sim = await startTogetherSim();
    const { job } = await trainedJob({ seed: 7 });
    expect(sim.provider()!.requests.find((r) => r.path === '/v1/fine-tunes')!.body.random_seed).toBe(7);
    expect((job.raw as Record<string, unknown>).random_seed).toBe(7);
  });
});

describe('together serving config (issue 21 row 4)', () => {
  it('row 4: a Together fine-tune provider without serving.hardware is refused at config load (dedicated is the default)', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'together-config-'));
    const file = path.join(dir, 'c.yaml');
    const yaml = (serving: string) =>
      ['name: t', `curriculum: ${path.resolve(__dirname, '../../../curricula/arithmetic.yaml')}`, 'providers:', '  p:', '    kind: together', ...(serving ? [`    serving: ${serving}`] : []), 'student: { provider: p, baseModel: m }', ''].join('\n');
    await writeFile(file, yaml(''));
    const err = await loadCampaignConfig(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(/providers\.p\.serving\.hardware: required/);
    await writeFile(file, yaml('{ mode: serverless }'));
    await expect(loadCampaignConfig(file)).resolves.toMatchObject({ providers: { p: { serving: { mode: 'serverless' } } } });
    await writeFile(file, yaml('{ hardware: 1x_nvidia_h100_80gb_sxm }'));
    await expect(loadCampaignConfig(file)).resolves.toMatchObject({ providers: { p: { serving: { mode: 'dedicated' } } } });
    await rm(dir, { recursive: true, force: true });
  });
});
