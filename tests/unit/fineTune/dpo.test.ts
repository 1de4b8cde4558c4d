import { readFileSync } from 'node:fs';
import path from 'node:path';
import { preferenceLine, preferenceLineProblems } from '../../../lib/datasets';
import { AzureProvider } from '../../../lib/providers/azure';
import { createFineTuneProvider } from '../../../lib/providers/fineTune';
import { fireworksJobIdForKey } from '../../../lib/providers/fireworks';
import { renderCommand } from '../../../lib/providers/local/command';
import { togetherSuffixForKey } from '../../../lib/providers/together';
import type { CreateJobRequest } from '../../../lib/providers/types';
import { loadFixture, startReplayServer, type ReplayServer } from './replayServer';

/**
 * Preference fine-tuning (issue 24) on every provider kind: the create request each sends for `method: dpo`,
 * against exchanges written from each provider's documentation (tests/fixtures/providers/<p>/dpo-*.json name
 * their pages), and the line shape against the documented examples (tests/fixtures/providers/preference-lines.json).
 */
const API_KEY = 'test-key-0123456789abcdef';
const ENV = 'STRAWBERRY_TEST_DPO_KEY';

let server: ReplayServer | undefined;
beforeEach(() => {
  process.env[ENV] = API_KEY;
});
afterEach(async () => {
  delete process.env[ENV];
  await server?.close();
  server = undefined;
});

const dpo = (over: Partial<CreateJobRequest>): CreateJobRequest => ({
  baseModel: 'gpt-4.1-mini-2025-04-14',
  trainingFileId: 'file-pref0123456789',
  suffix: 'demo-r1',
  key: 'demo-r1-a1',
  seed: 1,
  method: { type: 'dpo', beta: 0.1 },
  ...over,
});

describe('DPO create requests in each provider\'s documented shape', () => {
  it('openai: method {type: dpo, dpo: {hyperparameters: {beta, n_epochs}}}, from the ft: parent', async () => {
    server = await startReplayServer(loadFixture('openai', 'dpo-create'), { apiKey: API_KEY });
    const provider = createFineTuneProvider({ kind: 'openai', baseURL: `${server.url}/v1`, apiKeyEnv: ENV });
    const job = await provider.createJob(
      dpo({ parent: { model: 'ft:gpt-4.1-mini-2025-04-14:acme:demo-r1:AbCd1234' }, suffix: 'demo-r1-dpo', key: 'demo-r1-a1-dpo', hyperparameters: { nEpochs: 2 } }),
    );
    expect(job).toMatchObject({ id: 'ftjob-dpo0123456789', status: 'pending' });
    server.assertDone();
  });

  it('azure: the same body as OpenAI, once the file is processed', async () => {
    server = await startReplayServer(loadFixture('azure', 'dpo-create'), { apiKey: API_KEY });
    const provider = new AzureProvider({ kind: 'azure', baseURL: `${server.url}/openai/v1`, apiKeyEnv: ENV, azure: { files: { pollSeconds: 0.01 } } });
    expect(await provider.createJob(dpo({ method: { type: 'dpo', beta: 0.2 } }))).toMatchObject({ id: 'ftjob-azdpo0123456789', status: 'pending' });
    server.assertDone();
  });

  it('together: training_method {method: dpo, dpo_beta}, from_checkpoint the SFT job', async () => {
    const key = 'demo-r1-a1-dpo';
    server = await startReplayServer(loadFixture('together', 'dpo-create'), { apiKey: API_KEY, suffix: togetherSuffixForKey(key) });
    const provider = createFineTuneProvider({ kind: 'together', baseURL: `${server.url}/v1`, apiKeyEnv: ENV });
    const job = await provider.createJob(
      dpo({
        baseModel: 'meta-llama/Meta-Llama-3.1-8B-Instruct-Reference',
        parent: { model: 'strawberry-team/Meta-Llama-3.1-8B-Instruct-Reference-demo-r1', jobId: 'ft-6c4e2bde-5a2f-4a33-9b0e-3f1d2c8e7a10' },
        trainingFileId: 'file-pref-0123',
        key,
        hyperparameters: { nEpochs: 2, learningRate: 0.00001 },
      }),
    );
    expect(job).toMatchObject({ id: 'ft-0d1e2f3a-dpo0-4a33-9b0e-3f1d2c8e7a11', status: 'pending' });
    server.assertDone();
  });

  it('fireworks: a dpoJobs job under the key\'s id, warm start and output model in trainingConfig, beta as lossConfig.klBeta', async () => {
    const key = 'Demo_Campaign-r1-a1-dpo';
    const jobId = fireworksJobIdForKey(key);
    server = await startReplayServer(loadFixture('fireworks', 'dpo-lifecycle'), { apiKey: API_KEY, jobId });
    const provider = createFineTuneProvider({ kind: 'fireworks', baseURL: server.url, apiKeyEnv: ENV, accountId: 'acme-labs' });
    const created = await provider.createJob(
      dpo({
        parent: { model: 'accounts/acme-labs/models/demo-r1-sft' },
        trainingFileId: 'accounts/acme-labs/datasets/prefs-r1',
        suffix: 'demo-r1-dpo',
        key,
        hyperparameters: { nEpochs: 2, learningRate: 0.0001 },
      }),
    );
    expect(created).toMatchObject({ id: `dpoJobs/${jobId}`, status: 'pending' });
    // The id routes the poll to the dpoJobs resource, and the model is trainingConfig.outputModel.
    expect(await provider.getJob(created.id)).toMatchObject({ status: 'succeeded', fineTunedModel: `accounts/acme-labs/models/${jobId}` });
    server.assertDone();
  });

  it('fireworks: a DPO key is found in the dpoJobs resource (404 means none), so a retry adopts the job', async () => {
    const [missing, key] = ['Demo_Campaign-r2-a1-dpo', 'Demo_Campaign-r1-a1-dpo'];
    server = await startReplayServer(loadFixture('fireworks', 'dpo-find-by-key'), { apiKey: API_KEY, jobId: fireworksJobIdForKey(key), missingJobId: fireworksJobIdForKey(missing) });
    const provider = createFineTuneProvider({ kind: 'fireworks', baseURL: server.url, apiKeyEnv: ENV, accountId: 'acme-labs' });
    expect(await provider.findJobsByKey(missing)).toEqual([]);
    expect(await provider.findJobsByKey(key)).toMatchObject([{ id: `dpoJobs/${fireworksJobIdForKey(key)}`, status: 'running' }]);
    server.assertDone();
  });

  it('local: {method} and {beta} in the training command; beta drops out for sft', () => {
    const argv = ['{python}', '-m', 'strawberry_local.train', '--method', '{method}', '--beta', '{beta}'];
    expect(renderCommand(argv, { python: 'py', method: 'dpo', beta: 0.1 })).toEqual(['py', '-m', 'strawberry_local.train', '--method', 'dpo', '--beta', '0.1']);
    expect(renderCommand(argv, { python: 'py', method: 'sft' })).toEqual(['py', '-m', 'strawberry_local.train', '--method', 'sft']);
  });
});

describe('preference lines against the documented examples', () => {
  const fixture = JSON.parse(readFileSync(path.resolve(__dirname, '../../fixtures/providers/preference-lines.json'), 'utf8')) as { lines: { source: string; line: Record<string, unknown> }[] };

  it.each(fixture.lines.map((l) => [l.source, l.line] as const))('%s: accepted', (_source, line) => {
    expect(preferenceLineProblems(line)).toEqual([]);
  });

  it('our line has the documented structure: input.messages, one assistant message per output', () => {
    const ours = preferenceLine({
      problemId: 'p1',
      levelIndex: 0,
      model: 'm',
      prompt: [
        { role: 'system', content: 'Think step by step.' },
        { role: 'user', content: 'What is 7 + 5?' },
      ],
      preferred: '7 + 5 = 12. \\boxed{12}',
      nonPreferred: '7 + 5 = 13. \\boxed{13}',
      preferredSample: 0,
      nonPreferredSample: 3,
    });
    for (const { line } of fixture.lines) {
      expect(Object.keys(ours).sort()).toEqual(Object.keys(line).sort());
      expect(Object.keys(ours.input)).toEqual(['messages']);
      for (const field of ['preferred_output', 'non_preferred_output'] as const) {
        expect(ours[field]).toHaveLength((line[field] as unknown[]).length);
        expect(Object.keys(ours[field][0]).sort()).toEqual(Object.keys((line[field] as object[])[0]!).sort());
      }
    }
    expect(preferenceLineProblems(ours)).toEqual([]);
  });

  it('refuses what the providers refuse, naming the field', () => {
    const good = fixture.lines[2]!.line;
    expect(preferenceLineProblems({ ...good, preferred_output: [] })).toEqual(['preferred_output: expected exactly one assistant message']);
    expect(preferenceLineProblems({ ...good, non_preferred_output: good.preferred_output })).toEqual(['non_preferred_output: expected a different output from preferred_output']);
  });
});
