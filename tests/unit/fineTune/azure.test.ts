import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AzureProvider, azureDeploymentNameForKey } from '../../../lib/providers/azure';
import { ProviderRequestError, ProviderUnavailableError } from '../../../lib/providers/errors';
import type { RunningSim } from '../../../sim/server';
import { AZURE_KEY_ENV, AZURE_TOKEN_ENV, azureOn, simOrigin, startAzureSim } from './azure.sim';
import { loadFixture, startReplayServer, type ReplayServer } from './replayServer';
import { settle, trainingFile } from './together.sim';
import { storedSource } from '../../helpers/storedSource';

/**
 * Issue 21 row 14 (Azure OpenAI: a job may use an uploaded file only once it is `processed`), and the Azure
 * deployment resource the serve phase uses, against the sim in its Azure shape and Azure's documented exchanges.
 */
const KEY = 'demo-r1-a1';
let sim: RunningSim | undefined;
let server: ReplayServer | undefined;
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'azure-sim-'));
});
afterEach(async () => {
  await sim?.close();
  await server?.close();
  sim = undefined;
  server = undefined;
  await rm(dir, { recursive: true, force: true });
});

const job = (fileId: string) => ({ baseModel: 'sim-student', trainingFileId: fileId, suffix: 'demo-r1', key: KEY, hyperparameters: { nEpochs: 2 } });

describe('azure as it really behaves (issue 21)', () => {
  it('row 14: the job is created only once the upload is processed (the sim refuses a job on a pending file)', async () => {
    sim = await startAzureSim({ fileProcessingSeconds: 0.3 });
    const origin = simOrigin(sim);
    const azure = azureOn(origin);
    const file = await trainingFile(dir, 12);
    // What the sim does with a job on a file still pending: Azure's refusal.
    const { fileId: early } = await azure.uploadDataset(await storedSource(file), { name: 'early.jsonl' });
    const refused = await fetch(`${origin}/openai/v1/fine_tuning/jobs`, {
      method: 'POST',
      headers: { 'api-key': 'k', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'sim-student', training_file: early }),
    });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: { code: 'invalidPayload', param: 'training_file' } });

    // The adapter: upload, then create at once; it waits for `processed` before the create.
    const { fileId } = await azure.uploadDataset(await storedSource(file), { name: 'demo-r1-a1.jsonl' });
    const created = await azure.createJob(job(fileId));
    const done = await settle(azure, created.id);
    expect(done).toMatchObject({ status: 'succeeded', fineTunedModel: expect.any(String), trainedTokens: expect.any(Number) });
    const creates = sim.provider()!.requests.filter((r) => r.path === '/openai/v1/fine_tuning/jobs');
    expect(creates.map((r) => r.body.training_file)).toEqual([early, fileId]);

    // The documented exchange: pending, running, processed, then the job.
    process.env.STRAWBERRY_TEST_AZURE_REPLAY_KEY = 'azure-replay-key';
    const dataset = '{"messages":[{"role":"user","content":"1+1"},{"role":"assistant","content":"2"}]}\n';
    await writeFile(path.join(dir, 'd.jsonl'), dataset);
    server = await startReplayServer(loadFixture('azure', 'file-processing'), { apiKey: 'azure-replay-key', dataset });
    const replayed = new AzureProvider({
      kind: 'azure',
      baseURL: `${server.url}/openai/v1`,
      apiKeyEnv: 'STRAWBERRY_TEST_AZURE_REPLAY_KEY',
      azure: { files: { pollSeconds: 0.01 } },
    });
    const up = await replayed.uploadDataset(await storedSource(path.join(dir, 'd.jsonl')), { name: 'demo-r1-a1.jsonl' });
    expect(await replayed.createJob({ ...job(up.fileId), baseModel: 'gpt-4o-mini-2024-07-18' })).toMatchObject({ id: 'ftjob-72a2792ef7d24ba7b82c7fe4a37e379f', status: 'pending' });
    server.assertDone();
  });

  it('row 14: a file in state error is terminal: the job is never created and the reason is Azure\'s status_details', async () => {
    sim = await startAzureSim({ fileProcessingSeconds: 0.05 });
    const azure = azureOn(simOrigin(sim));
    const bad = path.join(dir, 'bad.jsonl');
    await writeFile(bad, 'not json\n');
    const { fileId } = await azure.uploadDataset(await storedSource(bad), { name: 'bad.jsonl' });
    const err = await azure.createJob(job(fileId)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderRequestError);
    expect((err as Error).message).toMatch(/not processed \(error\): Invalid file format\. Line 1/);
    expect(sim.provider()!.requests.filter((r) => r.path === '/openai/v1/fine_tuning/jobs')).toHaveLength(0);

    process.env.STRAWBERRY_TEST_AZURE_REPLAY_KEY = 'azure-replay-key';
    server = await startReplayServer(loadFixture('azure', 'file-error'), { apiKey: 'azure-replay-key' });
    const replayed = azureOn(server.url, { pollSeconds: 0.01 });
    Object.assign(process.env, { [AZURE_KEY_ENV]: 'azure-replay-key' });
    const up = await replayed.uploadDataset(await storedSource(bad), { name: 'bad.jsonl' });
    await expect(replayed.createJob(job(up.fileId))).rejects.toThrow(/Invalid file format\. Line 1 is not valid JSON/);
    server.assertDone();
  });

  it('row 14: the wait is bounded: a file still pending after files.processedTimeoutMinutes is a retryable failure naming its state', async () => {
    sim = await startAzureSim({ fileProcessingSeconds: 30 });
    const azure = azureOn(simOrigin(sim), { pollSeconds: 0.02, processedTimeoutMinutes: 0.2 / 60 });
    const { fileId } = await azure.uploadDataset(await storedSource(await trainingFile(dir, 12)), { name: 'slow.jsonl' });
    const err = await azure.createJob(job(fileId)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderUnavailableError);
    expect((err as Error).message).toMatch(/still pending after 0.2 s \(files\.processedTimeoutMinutes\)/);
  });
});

describe('azure deployments (the serve phase)', () => {
  it('one deployment per key, named by its slug (a retry adopts it), serving the fine-tune only once Succeeded; delete is idempotent', async () => {
    sim = await startAzureSim();
    const origin = simOrigin(sim);
    const azure = azureOn(origin);
    const { fileId } = await azure.uploadDataset(await storedSource(await trainingFile(dir, 12)), { name: 'd.jsonl' });
    const trained = await settle(azure, (await azure.createJob(job(fileId))).id);
    const model = trained.fineTunedModel!;
    const chat = (m: string) =>
      fetch(`${origin}/openai/v1/chat/completions`, { method: 'POST', headers: { 'api-key': 'k', 'content-type': 'application/json' }, body: JSON.stringify({ model: m, messages: [{ role: 'user', content: '1+1' }], max_completion_tokens: 8 }) });
    // Azure serves a fine-tune only through a deployment.
    expect((await chat(model)).status).toBe(404);
    expect(azure.needsDeployment()).toBe(true);
    const req = { key: `${KEY}-serve`, model };
    const first = await azure.ensureDeployment(req);
    expect(first).toMatchObject({ id: azureDeploymentNameForKey(req.key), servedModel: azureDeploymentNameForKey(req.key), model });
    expect((await azure.ensureDeployment(req)).id).toBe(first.id);
    expect(sim.provider()!.deploymentsCreated).toBe(1);
    let d = await azure.getDeployment(first.id);
    for (let i = 0; i < 100 && d.state === 'pending'; i++) {
      await new Promise((r) => setTimeout(r, 20));
      d = await azure.getDeployment(first.id);
    }
    expect(d).toMatchObject({ state: 'ready', providerState: 'Succeeded' });
    expect((await chat(first.servedModel)).status).toBe(200);
    await azure.deleteDeployment(first.id);
    await azure.deleteDeployment(first.id);
    expect(sim.provider()!.deployments).toEqual({});
    // The data plane takes the key in `api-key`; a bearer token there is refused.
    expect((await fetch(`${origin}/openai/v1/models`, { headers: { authorization: 'Bearer k' } })).status).toBe(401);

    // The documented control-plane exchange.
    server = await startReplayServer(loadFixture('azure', 'deployment-lifecycle'), { apiKey: 'arm-token', name: azureDeploymentNameForKey(req.key) });
    process.env[AZURE_TOKEN_ENV] = 'arm-token';
    const replayed = azureOn(server.url);
    const ft = 'gpt-4o-mini-2024-07-18.ft-72a2792ef7d24ba7b82c7fe4a37e379f-demo-r1';
    expect(await replayed.ensureDeployment({ key: req.key, model: ft })).toMatchObject({ state: 'pending', providerState: 'Creating' });
    expect(await replayed.getDeployment(azureDeploymentNameForKey(req.key))).toMatchObject({ state: 'ready', model: ft });
    await replayed.deleteDeployment(azureDeploymentNameForKey(req.key));
    await replayed.deleteDeployment(azureDeploymentNameForKey(req.key));
    server.assertDone();
  });
});
