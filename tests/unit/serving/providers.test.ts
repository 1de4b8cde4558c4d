import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createFineTuneProvider } from '../../../lib/providers/fineTune';
import { fireworksDeploymentIdForKey, fireworksJobIdForKey } from '../../../lib/providers/fireworks';
import { createServingProvider, ensureDeployment } from '../../../lib/providers/serving';
import { togetherEndpointNameForKey, togetherSuffixForKey } from '../../../lib/providers/together';
import { DirectoryRunStore } from '../../../lib/store';
import { loadFixture, startReplayServer, type ReplayServer } from '../fineTune/replayServer';

/** Round-2 continuation and deployment create / poll / adopt / delete, against fixtures written from the references. */
const API_KEY = 'test-key-0123456789abcdef';
const ENV = 'STRAWBERRY_TEST_SERVING_KEY';

describe('continuing from the parent and serving, per provider kind', () => {
  let server: ReplayServer | undefined;
  let dir: string;
  beforeEach(async () => {
    process.env[ENV] = API_KEY;
    dir = await mkdtemp(path.join(os.tmpdir(), 'serving-'));
  });
  afterEach(async () => {
    delete process.env[ENV];
    await server?.close();
    server = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it('together round 2: catalog base model as `model`, the parent job as `from_checkpoint`', async () => {
    const key = 'demo-r2-a1';
    server = await startReplayServer(loadFixture('together', 'continue-from-parent'), { apiKey: API_KEY, suffix: togetherSuffixForKey(key) });
    const provider = createFineTuneProvider({ kind: 'together', baseURL: `${server.url}/v1`, apiKeyEnv: ENV });
    const job = await provider.createJob({
      baseModel: 'meta-llama/Meta-Llama-3.1-8B-Instruct-Reference',
      parent: { model: 'strawberry-team/Meta-Llama-3.1-8B-Instruct-Reference-demo-r1-5e1b0c9d', jobId: 'ft-6c4e2bde-5a2f-4a33-9b0e-3f1d2c8e7a10' },
      trainingFileId: 'file-2222',
      suffix: 'demo r2',
      key,
    });
    expect(job).toMatchObject({ id: 'ft-round2', status: 'pending' });
    server.assertDone();
  });

  it('fireworks round 2: warm start from the parent LoRA model, no base model', async () => {
    const key = 'demo-r2-a1';
    server = await startReplayServer(loadFixture('fireworks', 'continue-from-parent'), { apiKey: API_KEY, jobId: fireworksJobIdForKey(key) });
    const provider = createFineTuneProvider({ kind: 'fireworks', baseURL: server.url, apiKeyEnv: ENV, accountId: 'acme-labs' });
    const job = await provider.createJob({
      baseModel: 'accounts/fireworks/models/llama-v3p1-8b-instruct',
      parent: { model: 'accounts/acme-labs/models/demo-r1-a1-model', jobId: 'demo-r1-a1' },
      trainingFileId: 'accounts/acme-labs/datasets/demo-round-2',
      suffix: 'demo-r2',
      key,
    });
    expect(job).toMatchObject({ id: fireworksJobIdForKey(key), status: 'pending' });
    server.assertDone();
  });

  it('together dedicated endpoint: created once, polled to STARTED, adopted by key on retry, deleted idempotently', async () => {
    const key = 'demo-r1-a1-serve';
    server = await startReplayServer(loadFixture('together', 'endpoint-lifecycle'), { apiKey: API_KEY, displayName: togetherEndpointNameForKey(key) });
    const serving = createServingProvider({ kind: 'together', baseURL: `${server.url}/v1`, apiKeyEnv: ENV, serving: { mode: 'dedicated', hardware: '1x_nvidia_h100_80gb_sxm' } });
    expect(serving.needsDeployment('m')).toBe(true);
    const model = 'strawberry-team/Meta-Llama-3.1-8B-Instruct-Reference-demo-r1-5e1b0c9d';
    const created = await serving.ensureDeployment({ key, model });
    expect(created).toMatchObject({ id: 'endpoint-d23901de-ef8f-44bf-b3e7-de9c1ca8f2d7', state: 'pending', providerState: 'PENDING' });
    const ready = await serving.getDeployment(created.id);
    expect(ready).toMatchObject({ state: 'ready', servedModel: 'strawberry-team/Meta-Llama-3.1-8B-Instruct-Reference-demo-r1-5e1b0c9d-a32b82a1' });
    expect(await serving.ensureDeployment({ key, model })).toMatchObject({ id: created.id, state: 'ready' });
    await serving.deleteDeployment(created.id);
    await serving.deleteDeployment(created.id);
    server.assertDone();
  });

  it('together: dedicated endpoints by default (hardware required), serverless only when chosen', async () => {
    expect(createServingProvider({ kind: 'together', baseURL: 'http://127.0.0.1:1/v1', apiKeyEnv: ENV }).needsDeployment('m')).toBe(true);
    await expect(createServingProvider({ kind: 'together', baseURL: 'http://x/v1', apiKeyEnv: ENV }).ensureDeployment({ key: 'k', model: 'm' })).rejects.toThrow(/serving.hardware/);
    expect(createServingProvider({ kind: 'together', baseURL: 'http://x/v1', apiKeyEnv: ENV, serving: { mode: 'serverless' } }).needsDeployment('m')).toBe(false);
  });

  it('fireworks on-demand deployment: intent persisted, created once, READY, 409 adopts, deleted idempotently', async () => {
    const key = 'demo-r1-a1-serve';
    const deploymentId = fireworksDeploymentIdForKey(key);
    server = await startReplayServer(loadFixture('fireworks', 'deployment-lifecycle'), { apiKey: API_KEY, deploymentId });
    const serving = createServingProvider({ kind: 'fireworks', baseURL: server.url, apiKeyEnv: ENV, accountId: 'acme-labs' });
    expect(serving.needsDeployment('accounts/acme-labs/models/x')).toBe(true);
    const store = new DirectoryRunStore(path.join(dir, 'runs'));
    const model = 'accounts/acme-labs/models/demo-r1-a1-model';
    const { deployment } = await ensureDeployment(serving, store, { key, model }, 'demo/round-1/serve-a1/intent.json');
    expect(deployment).toMatchObject({ id: deploymentId, state: 'pending', providerState: 'CREATING' });
    const intent = await store.readJson<Record<string, any>>('demo/round-1/serve-a1/intent.json');
    expect(intent).toMatchObject({ key, model, provider: 'fireworks', deployment: { id: deploymentId } });
    expect(JSON.stringify(intent)).not.toContain(API_KEY);
    // A second ensure reads the recorded id: no create.
    const again = await ensureDeployment(serving, store, { key, model }, 'demo/round-1/serve-a1/intent.json');
    expect(again.deployment).toMatchObject({ state: 'ready', servedModel: `${model}#accounts/acme-labs/deployments/${deploymentId}` });
    // Without the intent (lost run store), a create that answers 409 adopts the existing deployment.
    expect(await serving.ensureDeployment({ key, model })).toMatchObject({ id: deploymentId, state: 'ready' });
    await serving.deleteDeployment(deploymentId);
    await serving.deleteDeployment(deploymentId);
    server.assertDone();
  });
});
