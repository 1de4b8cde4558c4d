import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createFineTuneProvider } from '../../../lib/providers/fineTune';
import { FireworksProvider, fireworksJobIdForKey } from '../../../lib/providers/fireworks';
import type { ServingOptions } from '../../../lib/providers/types';
import type { SimConfigInput } from '../../../sim/config';
import { startSim, type RunningSim } from '../../../sim/server';
import { loadFixture, startReplayServer } from './replayServer';
import { settle, trainingFile } from './together.sim';
import { storedSource } from '../../helpers/storedSource';

/**
 * Rows 8-11 of issue 21 against the strict sim in Fireworks' shape (in this process: no Temporal, no
 * Python). Each fails on the adapter before the fix: batchSize sent as examples, minReplicaCount 0, DELETE
 * without ignoreChecks, JOB_STATE_ARCHIVED read as running.
 */
const ENV = 'STRAWBERRY_TEST_FIREWORKS_SIM_KEY';
const CURRICULUM = path.resolve(__dirname, '../../../curricula/arithmetic.yaml');
const ACCOUNT = 'sim-account';

let sim: RunningSim | undefined;
let dir: string;
beforeEach(async () => {
  process.env[ENV] = 'sim-test-key';
  dir = await mkdtemp(path.join(os.tmpdir(), 'fireworks-rows-'));
});
afterEach(async () => {
  await sim?.close();
  sim = undefined;
  await rm(dir, { recursive: true, force: true });
});

async function startFireworksSim(provider: Record<string, unknown> = {}): Promise<RunningSim> {
  const config = { provider: { kind: 'fireworks', deploymentSeconds: 0, ...provider }, jobs: { validatingSeconds: 0, queuedSeconds: 0, runningSeconds: 0.05 } } as SimConfigInput;
  return startSim({ curricula: [CURRICULUM], config });
}

const fireworksOn = (s: RunningSim, serving: ServingOptions = {}) => new FireworksProvider({ kind: 'fireworks', baseURL: s.baseURL, apiKeyEnv: ENV, accountId: ACCOUNT, serving, datasetPollMs: 10 });

async function trained(s: RunningSim, batchSize?: number) {
  const provider = fireworksOn(s);
  const { fileId } = await provider.uploadDataset(await storedSource(await trainingFile(dir, 12)), { name: 'demo-r1.jsonl' });
  const created = await provider.createJob({ baseModel: 'sim-student', trainingFileId: fileId, suffix: 'demo-r1', key: 'demo-r1-a1', hyperparameters: { nEpochs: 2, ...(batchSize ? { batchSize } : {}) } });
  return { provider, job: await settle(provider, created.id) };
}

const chat = (s: RunningSim, model: string) =>
  fetch(`${s.baseURL.replace(/\/v1$/, '')}/inference/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: 'Bearer k', 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: '1+1' }], max_tokens: 8 }),
  });

describe('fireworks rows of issue 21 against the strict sim', () => {
  it('row 8: a batch size in examples is sent as batchSizeSamples (batchSize is a token budget)', async () => {
    sim = await startFireworksSim();
    const { job } = await trained(sim, 4);
    expect(job.status).toBe('succeeded');
    const body = sim.provider()!.requests.find((r) => r.path.endsWith('/supervisedFineTuningJobs'))!.body;
    expect(body).toMatchObject({ batchSizeSamples: 4 });
    expect(body).not.toHaveProperty('batchSize');
    expect((job.raw as Record<string, unknown>).batchSizeSamples).toBe(4);
    // The sim refuses a token budget too small for an example, as the old request (batchSize: 4) was.
    const refused = await fetch(`${sim.baseURL}/accounts/${ACCOUNT}/supervisedFineTuningJobs?supervisedFineTuningJobId=x`, {
      method: 'POST',
      headers: { authorization: 'Bearer k', 'content-type': 'application/json' },
      body: JSON.stringify({ baseModel: 'sim-student', dataset: body.dataset, batchSize: 4 }),
    });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toMatch(/maximum packed number of tokens/);
  });

  it('row 9: deployments keep one replica by default (a min-0 deployment scales to zero, cold-starts and is deleted when idle)', async () => {
    sim = await startFireworksSim({ scaleToZeroSeconds: 0.2, coldStartSeconds: 30, idleDeleteSeconds: 0.6 });
    const { provider, job } = await trained(sim);
    const kept = await provider.ensureDeployment({ key: 'demo-r1-serve', model: job.fineTunedModel! });
    expect(sim.provider()!.requests.filter((r) => r.path.endsWith('/deployments')).at(-1)!.body).toMatchObject({ minReplicaCount: 1 });
    const zero = await fireworksOn(sim, { minReplicas: 0 }).ensureDeployment({ key: 'demo-r1-serve-zero', model: job.fineTunedModel! });
    await new Promise((r) => setTimeout(r, 300));
    expect((await chat(sim, kept.servedModel)).status).toBe(200);
    // Idle past the scale-to-zero window: the next sample meets a cold start.
    expect((await chat(sim, zero.servedModel)).status).toBe(503);
    await new Promise((r) => setTimeout(r, 700));
    // Idle past the deletion window: the min-0 deployment is gone; the kept one is still there.
    expect(Object.keys(sim.provider()!.deployments)).toEqual([kept.id]);
    await expect(provider.getDeployment(zero.id)).rejects.toThrow(/404|not found/i);
  });

  it('row 10: a deployment that served traffic a moment ago is deleted (ignoreChecks=true), not left billing', async () => {
    sim = await startFireworksSim();
    const { provider, job } = await trained(sim);
    const d = await provider.ensureDeployment({ key: 'demo-r1-serve', model: job.fineTunedModel! });
    expect((await chat(sim, d.servedModel)).status).toBe(200);
    // Without ignoreChecks the sim refuses, as Fireworks refuses a deployment in use.
    const plain = await fetch(`${sim.baseURL}/accounts/${ACCOUNT}/deployments/${d.id}`, { method: 'DELETE', headers: { authorization: 'Bearer k' } });
    expect(plain.status).toBe(400);
    expect(await plain.text()).toMatch(/in use/);
    await provider.deleteDeployment(d.id);
    expect(sim.provider()!.deployments).toEqual({});
    expect(sim.provider()!.deploymentsDeleted).toBe(1);
  });

  it('row 11: a deleted job reads as JOB_STATE_ARCHIVED and is cancelled; the documented states all map', async () => {
    sim = await startFireworksSim({});
    const provider = fireworksOn(sim);
    const { fileId } = await provider.uploadDataset(await storedSource(await trainingFile(dir, 12)), { name: 'demo-r1.jsonl' });
    const created = await provider.createJob({ baseModel: 'sim-student', trainingFileId: fileId, suffix: 'demo-r1', key: 'demo-r1-a1' });
    const cancelled = await provider.cancelJob(created.id);
    expect(cancelled).toMatchObject({ status: 'cancelled', providerStatus: 'JOB_STATE_ARCHIVED' });
    expect(await provider.getJob(created.id)).toMatchObject({ status: 'cancelled', providerStatus: 'JOB_STATE_ARCHIVED', error: expect.stringContaining('deleted') });
    // The documented exchange: a paused job waits (not failed, not succeeded), then a deleted one is archived.
    const key = 'demo-r1-a1';
    const server = await startReplayServer(loadFixture('fireworks', 'paused-archived'), { apiKey: 'fw-key', jobId: fireworksJobIdForKey(key) });
    try {
      process.env.STRAWBERRY_TEST_FIREWORKS_KEY = 'fw-key';
      const replayed = createFineTuneProvider({ kind: 'fireworks', baseURL: server.url, apiKeyEnv: 'STRAWBERRY_TEST_FIREWORKS_KEY', accountId: 'acme-labs' });
      expect(await replayed.getJob(fireworksJobIdForKey(key))).toMatchObject({ status: 'pending', providerStatus: 'JOB_STATE_PAUSED', providerPrice: 1.25 });
      expect(await replayed.getJob(fireworksJobIdForKey(key))).toMatchObject({ status: 'cancelled', providerStatus: 'JOB_STATE_ARCHIVED' });
      server.assertDone();
    } finally {
      await server.close();
    }
  });
});
