import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createFineTuneProvider } from '../../lib/providers/fineTune';
import { FireworksProvider } from '../../lib/providers/fireworks';
import { LocalProvider } from '../../lib/providers/local';
import type { FineTuneProvider } from '../../lib/providers/types';
import { openRunStore, type Ref, type RunStore } from '../../lib/store';
import type { SimConfigInput } from '../../sim/config';
import { startSim, type RunningSim } from '../../sim/server';
import { describeUnless } from '../helpers/skip';
import { freshS3Url, testS3, useTestS3Env } from '../helpers/testS3';
import { azureOn, simOrigin, startAzureSim } from '../unit/fineTune/azure.sim';
import { settle } from '../unit/fineTune/together.sim';

/**
 * Each provider kind uploads a training file that lives in the S3 run store (no local copy): the bytes come
 * from the bucket, and the sim in that provider's shape trains on them (it fails a job whose file is not
 * valid chat fine-tuning data), so the job succeeding means the provider received the whole file.
 */

const s3 = testS3();
if (s3.s3) useTestS3Env(s3.s3);
const ENV = 'STRAWBERRY_TEST_S3_UPLOAD_KEY';
const CURRICULUM = path.resolve(__dirname, '../../curricula/arithmetic.yaml');

async function simOf(kind: 'openai' | 'together' | 'fireworks'): Promise<RunningSim> {
  process.env[ENV] = 'sim-test-key';
  const jobs = { validatingSeconds: 0, queuedSeconds: 0, runningSeconds: 0.05 };
  const config = (kind === 'openai' ? { jobs } : { provider: { kind, deploymentSeconds: 0 }, jobs }) as SimConfigInput;
  return startSim({ curricula: [CURRICULUM], config });
}

async function dataset(store: RunStore, n = 12): Promise<Ref> {
  const rows = Array.from({ length: n }, (_, i) => ({ messages: [{ role: 'user', content: `${i}+1` }, { role: 'assistant', content: `\\boxed{${i + 1}}` }] }));
  return store.writeJsonl('demo/round-1/dataset.jsonl', rows);
}

describeUnless(s3.reason)('provider uploads from an S3 run store', () => {
  let store: RunStore;
  let sim: RunningSim | undefined;
  beforeEach(() => {
    store = openRunStore(freshS3Url(s3.s3!, 'upload'));
  });
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  const cases: [string, () => Promise<FineTuneProvider>][] = [
    ['openai', async () => createFineTuneProvider({ kind: 'openai', baseURL: (sim = await simOf('openai')).baseURL, apiKeyEnv: ENV })],
    ['together', async () => createFineTuneProvider({ kind: 'together', baseURL: (sim = await simOf('together')).baseURL, apiKeyEnv: ENV })],
    ['fireworks', async () => new FireworksProvider({ kind: 'fireworks', baseURL: (sim = await simOf('fireworks')).baseURL, apiKeyEnv: ENV, accountId: 'sim-account', datasetPollMs: 10 })],
    ['azure', async () => azureOn(simOrigin((sim = await startAzureSim())))],
  ];

  it.each(cases)('%s: uploads the file from the bucket and trains on it', async (_kind, make) => {
    const provider = await make();
    const ref = await dataset(store);
    const source = await store.source(ref);
    expect(source.localPath).toBeUndefined();
    const { fileId } = await provider.uploadDataset(source, { name: 'demo-r1-a1.jsonl' });
    const created = await provider.createJob({ baseModel: 'sim-student', trainingFileId: fileId, suffix: 'demo-r1', key: 'demo-r1-a1', hyperparameters: { nEpochs: 1 } });
    expect(await settle(provider, created.id)).toMatchObject({ status: 'succeeded' });
  }, 60_000);

  it('local: the training command gets a copy in its jobs directory, made once per content', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'strawberry-s3-local-'));
    const provider = new LocalProvider({ baseURL: 'http://127.0.0.1:1/v1', train: { command: ['true'], jobsDir: path.join(root, 'jobs') } });
    const ref = await dataset(store);
    const { fileId } = await provider.uploadDataset(await store.source(ref), { name: 'x' });
    expect(fileId).toBe(path.join(root, 'jobs', 'inputs', `${ref.sha256}.jsonl`));
    expect(createHash('sha256').update(readFileSync(fileId)).digest('hex')).toBe(ref.sha256);
    expect(await provider.uploadDataset(await store.source(ref), { name: 'x' })).toEqual({ fileId });
  });
});
